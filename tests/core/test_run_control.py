"""Run control in the trainer: Pause and Stop drop queued steps; rates count training time only."""

from __future__ import annotations

import pytest

from playground.core import trainer
from playground.core.experiment import experiment_from_dict
from playground.core.run_control import RunControl
from playground.core.snapshot import PAUSED, RUNNING, STOPPED
from playground.core.trainer import RunOptions, TrainingRun

CIRCLE = {"seed": 3, "data": {"dataset": "circle", "samples": 200, "train_fraction": 0.5},
          "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
          "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10, "epochs": 0}}


def started(paused: bool, **options):
    """A circle run (no epoch limit) and its snapshot generator, past the first snapshot.

    Paused, a long slice makes every stepped epoch finish inside one slice, however slow the machine.
    """
    options = {"slice_seconds": 10.0 if paused else 0.01, **options}
    run = TrainingRun(experiment_from_dict(CIRCLE), RunOptions(start_paused=paused, **options))
    snaps = run.snapshots()
    first = next(snaps)
    assert first.state == (PAUSED if paused else RUNNING)
    return run, snaps


def test_pause_drops_the_step_presses_still_queued():
    run, snaps = started(paused=True)
    for _ in range(5):
        run.step_epoch()
    snap = next(snaps)
    assert (snap.state, snap.epoch, snap.queued_epochs, snap.controls) == (RUNNING, 1, 4, 5)
    run.pause()
    paused = next(snaps)
    assert (paused.state, paused.epoch, paused.queued_epochs, paused.controls) == (PAUSED, 1, 0, 6)
    run.step_batch()  # a queued epoch left over would run before (or instead of) this one step
    after = next(snaps)
    assert (after.state, after.step, after.epoch, after.queued_batches) == (PAUSED, paused.step + 1, 1, 0)


def test_stop_drops_the_queue_and_ends_the_run():
    run, snaps = started(paused=True)
    for _ in range(5):
        run.step_epoch()
    assert next(snaps).queued_epochs == 4
    run.stop()
    snap = next(snaps)
    assert (snap.state, snap.epoch, snap.queued_epochs) == (STOPPED, 1, 0) and snap.done


def test_resume_drops_the_queue_and_trains_on():
    run, snaps = started(paused=True, slice_seconds=0.01)
    for _ in range(3):
        run.step_epoch()
    next(snaps)
    run.resume()
    snap = next(snaps)
    assert (snap.state, snap.queued_epochs, snap.controls) == (RUNNING, 0, 4)


def test_a_step_while_running_pauses_after_it():
    run, snaps = started(paused=False)
    before = next(snaps)
    run.step_batch()
    snap = next(snaps)
    assert snap.state == PAUSED and snap.step > before.step and snap.queued_batches == 0


class FakeClock:
    """The trainer's clock: a millisecond per reading, and pauses as long as a test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.001
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(trainer, "time", fake)  # the trainer reads only time.perf_counter
    return fake


def test_the_rate_after_a_pause_counts_training_time_only(clock):
    run, snaps = started(paused=False, slice_seconds=1 / 30)
    running = [next(snaps) for _ in range(3)][-1]
    run.pause()
    paused = next(snaps)
    assert paused.state == PAUSED and paused.steps_per_second == running.steps_per_second  # the last real one
    clock.now += 100.0  # the person looks at the plots for a while
    run.resume()
    after = next(snaps)
    assert after.state == RUNNING and after.step > paused.step
    assert after.steps_per_second == (after.step - paused.step) / (after.elapsed - paused.elapsed)
    assert after.elapsed - paused.elapsed < 1.0  # the 100 s pause is not training time
    assert after.steps_per_second == pytest.approx(running.steps_per_second, rel=0.2)


def test_one_step_after_a_pause_reports_that_steps_rate(clock):
    run, snaps = started(paused=True)
    clock.now += 100.0
    run.step_batch()
    snap = next(snaps)
    assert snap.step == 1 and snap.steps_per_second == 1 / snap.elapsed
    assert snap.steps_per_second > 100  # one step of a tiny net, not one step per 100 s


def test_control_counts_what_it_takes_and_hands_the_rest_back():
    control = RunControl(paused=False)
    for command in (("lr", 0.1), ("step", None), ("step", None), ("set", ("w", 0, 1.0)), ("pause", None)):
        control.put(command)
    assert control.take(block=False) == [("lr", 0.1), ("set", ("w", 0, 1.0))]
    assert (control.taken, control.paused, control.epochs, control.idle) == (3, True, 0, True)
    control.put(("step_batch", None))
    control.take(block=False)
    assert control.stepping and not control.idle
    control.put(("stop", None))
    control.take(block=False)
    assert control.stopping and not control.stepping and control.taken == 5
