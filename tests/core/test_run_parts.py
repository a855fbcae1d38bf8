"""The run's parts: a stepper plugged in beside torch without touching the loop, and one RunState
vocabulary whose members cross the wire as the strings they were."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from playground.core import messages, wire
from playground.core.experiment import experiment_from_dict
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.run.state import FINAL_STATES, SNAPSHOT_STATES, RunState
from playground.core.run.stepper import FastStepper
from playground.core.snapshot import Snapshot
from playground.core.wire import WireError

CIRCLE = {"seed": 5, "data": {"dataset": "circle", "samples": 100, "train_fraction": 0.5},
          "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
          "training": {"optimizer": {"name": "adam", "lr": 0.03}, "batch_size": 10, "epochs": 0}}


class Recording:
    """A third stepper: the twin behind a wrapper that logs what the run asks of it."""

    def __init__(self, inner: FastStepper, log: list[str]):
        self.inner, self.log, self.numpy = inner, log, True

    def take_state(self) -> None:
        self.log.append("take")
        self.inner.take_state()

    def give_state(self) -> None:
        self.log.append("give")
        self.inner.give_state()

    def step(self, x, y) -> None:
        self.log.append("step")
        self.inner.step(x, y)

    def grad_norms(self) -> dict[str, float]:
        return self.inner.grad_norms()


def _paused_run() -> tuple[TrainingRun, object]:
    run = TrainingRun(experiment_from_dict(CIRCLE), RunOptions(start_paused=True, slice_seconds=10.0))
    snaps = run.snapshots()
    assert next(snaps).state == RunState.PAUSED
    return run, snaps


def _step(run: TrainingRun, snaps, *commands) -> Snapshot:
    for command in commands:
        command(run)
    while (snap := next(snaps)).state != RunState.PAUSED:
        pass
    return snap


def test_a_stepper_plugged_in_beside_torch_gets_the_state_handed_over_and_trains_the_same():
    plain, plain_snaps = _paused_run()
    run, snaps = _paused_run()
    log: list[str] = []
    run.steppers.fast = Recording(run.steppers.fast, log)
    script = [(TrainingRun.step_epoch,),
              (lambda r: r.watch_parameter("0.linear.weight", 1), TrainingRun.step_batch),
              (TrainingRun.step_batch,),
              (lambda r: r.watch_parameter(None), TrainingRun.step_epoch)]
    for commands in script:
        ref, mine = _step(plain, plain_snaps, *commands), _step(run, snaps, *commands)
        assert (mine.step, mine.epoch) == (ref.step, ref.epoch)
    # the first epoch's five steps on the twin; the two watched steps on torch, the twin having handed
    # the state back before the first; then the rest of the second epoch on the twin, which takes it again
    assert log == ["take", *["step"] * 5, "give", "take", *["step"] * 3]
    run.stop()
    plain.stop()
    assert list(snaps)[-1].done and list(plain_snaps)[-1].done
    assert log[-1] == "give"  # the run ended: torch's optimizer holds the state again
    for (key, a), b in zip(plain.state_dict().items(), run.state_dict().values(), strict=True):
        torch.testing.assert_close(b, a, msg=key)


def test_every_state_crosses_the_wire_as_the_string_it_was_and_comes_back_a_member():
    for state in SNAPSHOT_STATES:
        snap = Snapshot(epoch=1, step=2, state=state)
        as_text = dataclasses.replace(snap, state=str(state.value))
        assert type(as_text.state) is str
        assert wire.encode({"snap": snap}) == wire.encode({"snap": as_text})  # byte for byte
        back = messages.RunAssembler().add({"start": 0, "snap": wire.decode(wire.encode(snap))})
        assert back.state is state and back.done == (state in FINAL_STATES)


@pytest.mark.parametrize("state", [*sorted(set(RunState) - SNAPSHOT_STATES), "odd"])
def test_a_snapshot_never_carries_a_window_only_state(state):
    with pytest.raises(WireError, match="unknown state"):
        messages.check_snapshot(Snapshot(epoch=0, step=0, state=state))
