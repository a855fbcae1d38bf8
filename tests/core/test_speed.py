"""A pace you can watch: the preset field, the live command, and the loop at a limited pace."""

from __future__ import annotations

import json
import threading

import pytest

from playground.core import commands
from playground.core.commands import CommandError, SetPace
from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.run.state import RunState
from playground.core.speed import MAX, UPDATE, Pace, Pacer

CIRCLE = {"seed": 3, "data": {"dataset": "circle", "samples": 100, "train_fraction": 0.5},
          "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
          "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10, "epochs": 6}}


def circle(pace=None, epochs: int = 6):
    training = {**CIRCLE["training"], "epochs": epochs, **({} if pace is None else {"pace": pace})}
    return experiment_from_dict({**CIRCLE, "training": training})


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("value, pace", [
    (5, Pace(5.0)), (0.5, Pace(0.5)), ({"updates_per_second": 20}, Pace(20.0, UPDATE)), ("max", MAX)])
def test_the_preset_field_round_trips(value, pace):
    exp = circle(value)
    assert exp.training.pace == pace
    saved = experiment_to_dict(exp)
    assert experiment_from_dict(json.loads(json.dumps(saved))) == exp
    if pace.limited:
        assert saved["training"]["pace"] == value


def test_the_default_pace_is_left_out_of_the_saved_preset():
    assert "pace" not in experiment_to_dict(circle())["training"]
    assert "pace" not in experiment_to_dict(circle("max"))["training"]


@pytest.mark.parametrize("value", [0, -1, "fast", True, "5", 1e9, {"updates_per_second": 0},
                                   {"updates": 5}, [5]])
def test_a_pace_that_is_not_one_is_refused_naming_the_field(value):
    with pytest.raises(SpecError, match=r"training\.pace"):
        circle(value)


def test_the_pace_command_is_checked_and_crosses_the_wire():
    assert commands.decode("set_pace", [5, "epoch"]) == SetPace(5.0, "epoch")
    assert commands.encode(SetPace(0.0, "update")) == ("set_pace", [0.0, "update"])
    for args in ([5, "week"], [-1, "epoch"], [float("nan"), "epoch"], ["5", "epoch"], [5]):
        with pytest.raises(CommandError, match="set_pace"):
            commands.decode("set_pace", args)


def test_the_pacer_waits_one_interval_from_each_start():
    clock = FakeClock()
    pacer = Pacer(Pace(5.0), clock)
    assert pacer.wait() == 0
    pacer.started()
    assert pacer.wait() == pytest.approx(0.2)
    clock.now += 0.15
    assert pacer.wait() == pytest.approx(0.05)
    pacer.set(Pace(100.0))  # faster from now: no need to wait out the slow interval
    assert pacer.wait() == 0
    pacer.set(Pace(4.0))
    assert pacer.wait() == pytest.approx(0.1)
    pacer.started()
    clock.now += 1.0  # a unit that overran: the next one starts at once
    assert pacer.wait() == 0


def test_at_a_limited_pace_each_epoch_gets_its_own_snapshot():
    run = TrainingRun(circle(1000), RunOptions(slice_seconds=10.0))  # a slice could hold every epoch
    snaps = list(run.snapshots())
    assert [snap.epoch for snap in snaps] == [1, 2, 3, 4, 5, 6]  # one per epoch, the last one the finish
    assert snaps[-1].state == RunState.FINISHED


def test_at_max_one_slice_holds_many_epochs():
    run = TrainingRun(circle(), RunOptions(slice_seconds=10.0))
    assert [snap.epoch for snap in run.snapshots()] == [6]


def test_slow_motion_reports_every_update():
    run = TrainingRun(circle({"updates_per_second": 1000}, epochs=2), RunOptions(slice_seconds=10.0))
    steps = [snap.step for snap in run.snapshots()]
    assert steps == list(range(1, 11))  # 5 batches an epoch, 2 epochs; the last one the finish


def test_the_pace_waits_by_the_clock_and_changes_live():
    clock = FakeClock()
    run = TrainingRun(circle(2), RunOptions(slice_seconds=10.0))
    run.pacer = Pacer(run.pacer.pace, clock)
    waits, take = [], run._control.take

    def waiting(block, timeout=None):  # the wait on the queue, recorded and passed on the fake clock
        if timeout is not None:
            waits.append(timeout)
            clock.now += timeout
        return take(False)

    run._control.take = waiting
    snaps = run.snapshots()
    assert next(snaps).epoch == 1
    run.set_pace(10, "epoch")
    clock.now += 0.05  # not yet due at 10 epochs/s: it waits the rest, then trains the next epoch
    assert next(snaps).epoch == 2
    assert waits == [pytest.approx(0.05)]


def test_stop_acts_at_once_during_a_long_wait():
    run = TrainingRun(circle(0.001, epochs=0))  # one epoch every 1000 s
    snaps = run.snapshots()
    assert next(snaps).epoch == 1
    threading.Timer(0.05, run.stop).start()  # sent while the run waits for its next epoch
    last = next(snaps)
    assert (last.state, last.epoch) == (RunState.STOPPED, 1)


def test_pause_acts_at_once_during_a_long_wait_and_steps_ignore_the_pace():
    run = TrainingRun(circle(0.001, epochs=0))
    snaps = run.snapshots()
    assert next(snaps).epoch == 1
    threading.Timer(0.05, run.pause).start()
    assert next(snaps).state == RunState.PAUSED
    run.step_epoch()
    assert next(snaps).epoch == 2  # a Step press trains now, whatever the pace
    run.stop()
    assert next(snaps).state == RunState.STOPPED


def test_a_pace_edit_alone_is_taken_live_and_is_not_a_different_run():
    from playground.core import edits

    exp = circle()
    faster = edits.with_training(exp, pace=Pace(5.0))
    assert edits.only_pace_changed(faster, exp) and not edits.affects_run(faster, exp)
    both = edits.with_training(faster, batch_size=20)
    assert not edits.only_pace_changed(both, exp) and edits.affects_run(both, exp)
    assert not edits.only_pace_changed(exp, exp)
