"""What runs after every epoch, in order, and may end the run: divergence, the learning-rate
schedule, early stopping, the epoch limit.

Each callback gets the epoch number and its history row (Lightning's callbacks, cut down) and
returns an `Ending` or None. They hold no reference to the run, so each is tested by feeding it
rows (tests/core/test_callbacks.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from playground.core.divergence import DivergenceCheck
from playground.core.run.state import RunState
from playground.core.run.stepper import set_lr
from playground.core.schedules import Schedule

Row = Mapping[str, float]


@dataclass(frozen=True)
class Ending:
    """How a run ended: its final state and the sentence saying why. `restored`: the model's weights
    were replaced (early stopping's best epoch), so its figures must be evaluated afresh."""

    state: RunState
    message: str
    restored: bool = False


class EpochCallback(Protocol):
    def on_epoch_end(self, epoch: int, row: Row) -> Ending | None:
        """Look at epoch `epoch`'s row; an Ending if the run is to end here."""


class DivergenceStop:
    """Ends a run whose loss became NaN/inf or blew up (`divergence.DivergenceCheck` decides)."""

    def __init__(self, check: DivergenceCheck):
        self.check = check

    def on_epoch_end(self, epoch: int, row: Row) -> Ending | None:
        message = self.check.check(epoch, row["train_loss"], row["lr"])
        return None if message is None else Ending(RunState.DIVERGED, message)


class ScheduleStep:
    """Sets the learning rate for the next epoch: the base rate (changed live by the person) times
    the schedule's factor, which may watch the validation loss (else the test's, else the train's)."""

    def __init__(self, schedule: Schedule, optimizer: torch.optim.Optimizer, base_lr: float):
        self.schedule, self.optimizer, self.base_lr = schedule, optimizer, base_lr
        self.apply(0)

    def apply(self, epoch: int) -> None:
        """The learning rate in force from `epoch` on."""
        set_lr(self.optimizer, self.base_lr * self.schedule.factor(epoch))

    def on_epoch_end(self, epoch: int, row: Row) -> Ending | None:
        self.schedule.observe(epoch, row.get("val_loss", row.get("test_loss", row["train_loss"])))
        self.apply(epoch)
        return None


class EarlyStopping:
    """Ends the run when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    A loss must fall, an accuracy rise (it is compared negated): an epoch is an improvement when its
    value beats the best so far by more than `min_delta`. With `restore_best` the model gets the best
    epoch's weights back when the run stops.
    """

    def __init__(self, settings: Mapping[str, Any], model: torch.nn.Module | None = None):
        self.settings, self.model = settings, model
        self.best: tuple[float, int, dict] | None = None  # (signed value, epoch, weights if kept)

    def on_epoch_end(self, epoch: int, row: Row) -> Ending | None:
        es = self.settings
        if not es.get("enabled") or es["monitor"] not in row:
            return None
        sign = -1.0 if es["monitor"].endswith("accuracy") else 1.0
        value = sign * row[es["monitor"]]
        if self.best is None or value < self.best[0] - es["min_delta"]:
            state = copy.deepcopy(self.model.state_dict()) if es["restore_best"] else {}
            self.best = (value, epoch, state)
            return None
        best_value, best_epoch, state = self.best
        if epoch - best_epoch < es["patience"]:
            return None
        if es["restore_best"]:
            self.model.load_state_dict(state)
        restored = ", restored its weights" if es["restore_best"] else ""
        return Ending(RunState.STOPPED_EARLY, (
            f"Early stopping at epoch {epoch}: {es['monitor']} had not improved for {es['patience']} epochs; "
            f"best was {sign * best_value:.4g} at epoch {best_epoch}{restored}."),
            restored=bool(es["restore_best"]))


class EpochLimit:
    """Ends the run after `limit` epochs (None: no limit)."""

    def __init__(self, limit: int | None):
        self.limit = limit

    def on_epoch_end(self, epoch: int, row: Row) -> Ending | None:
        if self.limit is not None and epoch >= self.limit:
            return Ending(RunState.FINISHED, f"Reached the epoch limit ({self.limit}).")
        return None
