"""What a run reports about itself: its live learning-rate changes and its final figures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from playground.core import wire
from playground.core.messages import check_snapshot
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.snapshot import Snapshot, final_figure, with_lr_change
from playground.core.wire import WireError
from tests.core.test_trainer import exp


def test_a_live_change_is_recorded_with_the_epoch_and_step_it_came_at():
    changes = with_lr_change((), 0.03, 120, 3000, 10.0)
    assert changes == ((120, 3000, 10.0),)
    changes = with_lr_change(changes, 0.03, 150, 3750, 0.5)
    assert changes == ((120, 3000, 10.0), (150, 3750, 0.5))


def test_a_rate_no_step_trained_with_is_not_recorded():
    changes = with_lr_change((), 0.03, 4, 100, 1.0)
    assert with_lr_change(changes, 0.03, 4, 100, 10.0) == ((4, 100, 10.0),)  # 1 never ran: replaced
    assert with_lr_change(changes, 0.03, 4, 100, 0.03) == ()  # back before a step: no change at all
    assert with_lr_change((), 0.03, 4, 100, 0.03) == ()  # the rate already in force


def test_the_trainer_puts_every_live_change_into_its_snapshots():
    run = TrainingRun(exp(training__epochs=8), RunOptions(slice_seconds=0.0, grid_resolution=8))
    at = None
    for snap in run.snapshots():
        if at is None and snap.epoch >= 2:
            run.set_learning_rate(10.0)
            at = (snap.epoch, snap.step)
        elif at is not None:
            assert snap.lr_changes == ((*at, 10.0),)
    assert snap.done and at is not None and snap.lr_changes == ((*at, 10.0),)
    lr = snap.history["lr"]
    assert np.all(lr[: at[0]] == pytest.approx(0.03)) and np.all(lr[at[0] + 1:] == 10.0)


def test_lr_changes_cross_the_pipe_and_only_as_rows_of_numbers():
    snap = Snapshot(epoch=3, step=30, lr_changes=((2, 20, 10.0), (3, 25, 0.5)))
    back = wire.decode(wire.encode(snap))
    check_snapshot(back)
    assert back.lr_changes == snap.lr_changes
    for bad in ([(2, 20, 10.0)], ((2, 20),), (("2", 20, 1.0),), ((2, 20, "fast"),), ((True, 20, 1.0),)):
        with pytest.raises(WireError, match="lr_changes"):
            check_snapshot(dataclasses.replace(snap, lr_changes=bad))


def test_final_figures_are_the_metrics_kept_then_the_history():
    history = {"test_loss": np.array([0.3, 0.25, 0.262]), "train_loss": np.array([0.4, 0.3, 0.2])}
    metrics = {"test_loss": 0.25}  # early stopping put epoch 2's weights back
    assert final_figure(metrics, history, "test_loss") == 0.25
    assert final_figure(metrics, history, "train_loss") == pytest.approx(0.2)
    assert np.isnan(final_figure(metrics, history, "test_accuracy"))
    snap = Snapshot(epoch=3, step=3, history=history, metrics=metrics)
    assert snap.latest("test_loss") == final_figure(metrics, history, "test_loss")
