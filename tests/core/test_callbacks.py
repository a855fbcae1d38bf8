"""The epoch callbacks, fed rows by hand: early stopping's min_delta and direction, restore_best, the
epoch limit, divergence and the schedule."""

from __future__ import annotations

import pytest
import torch

from playground.core.divergence import DivergenceCheck
from playground.core.run.callbacks import DivergenceStop, EarlyStopping, EpochLimit, ScheduleStep
from playground.core.run.state import RunState
from playground.core.schedules import make_schedule


def settings(monitor: str, min_delta: float, patience: int = 2, restore_best: bool = False) -> dict:
    return {"enabled": True, "monitor": monitor, "min_delta": min_delta, "patience": patience,
            "restore_best": restore_best}


def stop_epoch(callback: EarlyStopping, monitor: str, values: list[float]) -> tuple[int, str] | None:
    """(epoch, message) of the first epoch at which `callback` ends the run, fed `values` from epoch 1."""
    for epoch, value in enumerate(values, start=1):
        ending = callback.on_epoch_end(epoch, {monitor: value, "train_loss": 1.0})
        if ending is not None:
            assert ending.state == RunState.STOPPED_EARLY
            return epoch, ending.message
    return None


# A change smaller than min_delta is no improvement, in the monitor's own direction (a loss must fall,
# an accuracy rise); one larger than min_delta is. A flipped sign of min_delta, or min_delta ignored,
# makes each of these stop at another epoch, or never.
@pytest.mark.parametrize("monitor, values, stop, best", [
    ("val_loss", [1.0, 0.95, 0.92, 0.91], 3, "best was 1 at epoch 1"),  # falls, by less than 0.1
    ("val_loss", [1.0, 0.85, 0.84, 0.83, 0.82], 4, "best was 0.85 at epoch 2"),  # by more, then less
    ("val_loss", [1.0, 1.05, 1.08], 3, "best was 1 at epoch 1"),  # rises a little: never an improvement
    ("val_accuracy", [0.5, 0.55, 0.58, 0.59], 3, "best was 0.5 at epoch 1"),  # rises, by less than 0.1
    ("val_accuracy", [0.5, 0.65, 0.7, 0.74, 0.75], 4, "best was 0.65 at epoch 2"),
    ("val_accuracy", [0.5, 0.45, 0.42], 3, "best was 0.5 at epoch 1"),  # falls a little
])
def test_min_delta_counts_in_the_monitors_direction(monitor, values, stop, best):
    stopped = stop_epoch(EarlyStopping(settings(monitor, min_delta=0.1)), monitor, values)
    assert stopped is not None, f"never stopped on {values}"
    epoch, message = stopped
    assert epoch == stop and best in message
    assert message.startswith(f"Early stopping at epoch {stop}: {monitor} had not improved for 2 epochs")


@pytest.mark.parametrize("monitor, values", [
    ("val_loss", [1.0, 0.85, 0.7, 0.55, 0.4, 0.25]),  # falls by more than min_delta every epoch
    ("val_accuracy", [0.1, 0.25, 0.4, 0.55, 0.7, 0.85]),  # rises by more than min_delta every epoch
])
def test_steady_improvement_by_more_than_min_delta_never_stops(monitor, values):
    assert stop_epoch(EarlyStopping(settings(monitor, min_delta=0.1)), monitor, values) is None


def test_an_accuracy_that_falls_is_no_improvement_even_with_no_min_delta():
    epoch, message = stop_epoch(EarlyStopping(settings("val_accuracy", 0.0)), "val_accuracy", [0.9, 0.5, 0.4])
    assert epoch == 3 and "best was 0.9 at epoch 1" in message


def test_disabled_or_unmonitored_early_stopping_never_stops():
    off = {**settings("val_loss", 0.0), "enabled": False}
    assert stop_epoch(EarlyStopping(off), "val_loss", [1.0, 2.0, 3.0, 4.0]) is None
    assert stop_epoch(EarlyStopping(settings("val_loss", 0.0)), "test_loss", [1.0, 2.0, 3.0, 4.0]) is None


def test_restore_best_puts_the_best_epochs_weights_back():
    model = torch.nn.Linear(1, 1)
    callback = EarlyStopping(settings("val_loss", 0.0, patience=2, restore_best=True), model)
    for epoch, loss in enumerate([3.0, 1.0, 2.0, 2.5], start=1):
        with torch.no_grad():
            model.weight.fill_(float(epoch))  # the weights this epoch ended with
        ending = callback.on_epoch_end(epoch, {"val_loss": loss})
    assert ending is not None and ending.restored and "restored its weights" in ending.message
    assert float(model.weight.detach()) == 2.0  # epoch 2's, the best


def test_the_epoch_limit_ends_the_run_at_its_epoch():
    limit = EpochLimit(3)
    assert [limit.on_epoch_end(e, {}) for e in (1, 2)] == [None, None]
    ending = limit.on_epoch_end(3, {})
    assert (ending.state, ending.message) == (RunState.FINISHED, "Reached the epoch limit (3).")
    assert EpochLimit(None).on_epoch_end(10**6, {}) is None


def test_divergence_ends_the_run_on_a_loss_that_is_not_finite():
    stop = DivergenceStop(DivergenceCheck(0.7, "sgd"))
    assert stop.on_epoch_end(1, {"train_loss": 0.6, "lr": 0.1}) is None
    ending = stop.on_epoch_end(2, {"train_loss": float("nan"), "lr": 0.1})
    assert ending.state == RunState.DIVERGED and ending.message


def test_the_schedule_sets_the_next_epochs_rate_from_the_live_base_rate():
    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=1.0)
    step = ScheduleStep(make_schedule("step", {"step_size": 2, "gamma": 0.5}), optimizer, 0.4)
    assert optimizer.param_groups[0]["lr"] == 0.4  # the first epoch's, set at once
    step.on_epoch_end(2, {"train_loss": 1.0})
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.2)
    step.base_lr = 1.0  # a live change: the schedule keeps scaling it
    step.apply(2)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5)
