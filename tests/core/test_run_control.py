"""Run control in the trainer: Pause and Stop drop queued steps; rates count training time only."""

from __future__ import annotations

import pytest

from playground.core.commands import Pause, SetLearningRate, SetParameter, StepBatch, StepEpoch, Stop
from playground.core.experiment import experiment_from_dict
from playground.core.pace import Pace
from playground.core.run import loop
from playground.core.run.control import RunControl
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.run.state import RunState

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
    assert first.state == (RunState.PAUSED if paused else RunState.RUNNING)
    return run, snaps


def test_pause_drops_the_step_presses_still_queued():
    run, snaps = started(paused=True)
    for _ in range(5):
        run.step_epoch()
    snap = next(snaps)
    assert (snap.state, snap.epoch, snap.queued_epochs, snap.controls) == (RunState.RUNNING, 1, 4, 5)
    run.pause()
    paused = next(snaps)
    assert (paused.state, paused.epoch, paused.queued_epochs, paused.controls) == (RunState.PAUSED, 1, 0, 6)
    run.step_batch()  # a queued epoch left over would run before (or instead of) this one step
    after = next(snaps)
    assert (after.state, after.step, after.epoch, after.queued_batches) == (
        RunState.PAUSED, paused.step + 1, 1, 0)


def test_stop_drops_the_queue_and_ends_the_run():
    run, snaps = started(paused=True)
    for _ in range(5):
        run.step_epoch()
    assert next(snaps).queued_epochs == 4
    run.stop()
    snap = next(snaps)
    assert (snap.state, snap.epoch, snap.queued_epochs) == (RunState.STOPPED, 1, 0) and snap.done


def test_resume_drops_the_queue_and_trains_on():
    run, snaps = started(paused=True, slice_seconds=0.01)
    for _ in range(3):
        run.step_epoch()
    next(snaps)
    run.resume()
    snap = next(snaps)
    assert (snap.state, snap.queued_epochs, snap.controls) == (RunState.RUNNING, 0, 4)


def test_a_step_while_running_pauses_after_it():
    run, snaps = started(paused=False)
    before = next(snaps)
    run.step_batch()
    snap = next(snaps)
    assert snap.state == RunState.PAUSED and snap.step > before.step and snap.queued_batches == 0


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
    monkeypatch.setattr(loop, "time", fake)  # the loop reads only time.perf_counter
    return fake


def test_the_rate_after_a_pause_counts_training_time_only(clock):
    run, snaps = started(paused=False, slice_seconds=1 / 30)
    running = [next(snaps) for _ in range(3)][-1]
    run.pause()
    paused = next(snaps)
    assert paused.state == RunState.PAUSED
    assert paused.steps_per_second == running.steps_per_second  # the last real one
    clock.now += 100.0  # the person looks at the plots for a while
    run.resume()
    after = next(snaps)
    assert after.state == RunState.RUNNING and after.step > paused.step
    assert after.elapsed - paused.elapsed < 1.0  # the 100 s pause is not training time
    assert after.steps_per_second == pytest.approx(running.steps_per_second, rel=0.2)


def test_one_step_after_a_pause_reports_that_steps_rate(clock):
    run, snaps = started(paused=True)
    clock.now += 100.0
    run.step_batch()
    snap = next(snaps)
    assert snap.step == 1 and snap.steps_per_second == 1 / snap.elapsed
    assert snap.steps_per_second > 100  # one step of a tiny net, not one step per 100 s


def test_the_rate_holds_a_whole_epoch_with_its_evaluation(clock, monkeypatch):
    """Steps slower than a slice and a long evaluation, as a conv net's: right after an epoch, and
    paused there, the rate is the one the run keeps up, not one step per evaluation."""
    run, snaps = started(paused=False, slice_seconds=0.0005)  # one step a slice
    evaluate = run.evaluator.evaluate

    def slow_evaluation():
        clock.now += 5.0
        return evaluate()

    monkeypatch.setattr(run.evaluator, "evaluate", slow_evaluation)
    first_of: dict[int, object] = {}  # epoch -> the first snapshot that counts it
    while 3 not in first_of:
        snap = next(snaps)
        first_of.setdefault(snap.epoch, snap)
    run.pause()
    paused = next(snaps)
    two, three = first_of[2], first_of[3]
    assert paused.state == RunState.PAUSED and (three.step - two.step) == 10  # one epoch of 10 steps
    assert paused.steps_per_second == (three.step - two.step) / (three.elapsed - two.elapsed)
    assert paused.epochs_per_second == 1 / (three.elapsed - two.elapsed)
    assert paused.steps_per_second > 1.5  # 10 steps in ~5 s; the last slice alone was 1 step in 5 s


def test_pace_keeps_a_second_of_training_and_the_last_figure_while_idle():
    pace = Pace()
    assert pace.update(0.0, 0, 0) == (0.0, 0.0)  # nothing trained yet: no figure
    for i in range(1, 31):  # 3 s of training at 100 steps/s, an epoch every 0.1 s
        rates = pace.update(i * 0.1, i * 10, i)
    assert rates == pytest.approx((100.0, 10.0))
    assert pace.update(3.0, 300, 30) == rates  # paused: nothing new, the last figure stays
    rates = pace.update(3.2, 340, 32)  # faster now: the window holds about the last second
    assert rates[0] == pytest.approx((340 - 220) / (3.2 - 2.2))


def test_control_counts_what_it_takes_and_hands_the_rest_back():
    control = RunControl(paused=False)
    for command in (SetLearningRate(0.1), StepEpoch(), StepEpoch(), SetParameter("w", 0, 1.0), Pause()):
        control.put(command)
    assert control.take(block=False) == [SetLearningRate(0.1), SetParameter("w", 0, 1.0)]
    assert (control.taken, control.paused, control.epochs, control.idle) == (3, True, 0, True)
    control.put(StepBatch())
    control.take(block=False)
    assert control.stepping and not control.idle
    control.put(Stop())
    control.take(block=False)
    assert control.stopping and not control.stepping and control.taken == 5
