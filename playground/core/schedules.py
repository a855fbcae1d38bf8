"""Learning-rate schedules as pure per-epoch multipliers of the base learning rate.

Written as factor(epoch) instead of torch's scheduler objects so that the person can change the
base learning rate live (the schedule keeps its shape) and the lr curve can be drawn ahead of time.
Reduce-on-plateau is the one stateful schedule: it observes the monitored loss each epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.core.params import Param
from playground.core.registry import Entry, Registry

_WARMUP = Param("warmup_epochs", int, 0, "Ramp the learning rate up linearly over this many epochs "
                "first (0 = no warm-up).", minimum=0, maximum=100_000)


@dataclass
class Schedule:
    """Multiplier of the base learning rate per epoch; `observe` feeds it the epoch's loss."""

    name: str
    params: dict
    _plateau_factor: float = 1.0
    _best: float = math.inf
    _bad_epochs: int = 0

    def factor(self, epoch: int) -> float:
        """Multiplier for `epoch` (0-based), warm-up included."""
        p = self.params
        warm = p.get("warmup_epochs", 0)
        ramp = min(1.0, (epoch + 1) / warm) if warm else 1.0
        f = SCHEDULES[self.name].factory(max(0, epoch - warm), p, self)
        return ramp * f

    def observe(self, epoch: int, loss: float) -> None:
        """Reduce-on-plateau bookkeeping: shrink when `loss` has not improved for `patience` epochs."""
        if self.name != "plateau" or not math.isfinite(loss):
            return
        p = self.params
        if loss < self._best * (1 - 1e-4):
            self._best, self._bad_epochs = loss, 0
            return
        self._bad_epochs += 1
        if self._bad_epochs > p["patience"]:
            self._plateau_factor = max(p["min_factor"], self._plateau_factor * p["factor"])
            self._bad_epochs = 0


def _constant(e: int, p: dict, s: Schedule) -> float:
    return 1.0


def _step(e: int, p: dict, s: Schedule) -> float:
    return p["gamma"] ** (e // p["step_size"])


def _exponential(e: int, p: dict, s: Schedule) -> float:
    return p["gamma"] ** e


def _cosine(e: int, p: dict, s: Schedule) -> float:
    t = (e % p["period"]) / p["period"]
    return p["min_factor"] + (1 - p["min_factor"]) * 0.5 * (1 + math.cos(math.pi * t))


def _plateau(e: int, p: dict, s: Schedule) -> float:
    return s._plateau_factor


SCHEDULES: Registry[Entry] = Registry("schedule", [
    Entry("constant", "Constant", "The same learning rate every epoch.", (_WARMUP,), _constant),
    Entry("step", "Step decay", "Multiply the learning rate by gamma every step_size epochs: "
          "lr · gamma^⌊epoch / step_size⌋ (torch's StepLR).",
          (Param("step_size", int, 100, "Epochs between drops.", minimum=1, maximum=1_000_000),
           Param("gamma", float, 0.5, "Multiplier at each drop.", minimum=0, maximum=1, min_exclusive=True),
           _WARMUP), _step),
    Entry("exponential", "Exponential decay", "Multiply the learning rate by gamma every epoch: "
          "lr · gamma^epoch (torch's ExponentialLR).",
          (Param("gamma", float, 0.99, "Multiplier per epoch.", minimum=0, maximum=1, min_exclusive=True),
           _WARMUP), _exponential),
    Entry("cosine", "Cosine annealing", "Glide the learning rate down along a half cosine over `period` "
          "epochs, then restart: lr · (m + (1 − m)·½(1 + cos(π·t / period))), m = min_factor, t = epoch "
          "mod period (torch's CosineAnnealingWarmRestarts).",
          (Param("period", int, 200, "Epochs per cosine cycle.", minimum=1, maximum=1_000_000),
           Param("min_factor", float, 0.0, "Lowest multiplier reached.", minimum=0, maximum=1),
           _WARMUP), _cosine),
    Entry("plateau", "Reduce on plateau", "Cut the learning rate by `factor` when the validation loss "
          "(or test loss without a validation split) stops improving for `patience` epochs.",
          (Param("factor", float, 0.5, "Multiplier at each cut.", minimum=0, maximum=1, min_exclusive=True),
           Param("patience", int, 20, "Epochs without improvement before a cut.", minimum=1, maximum=100_000),
           Param("min_factor", float, 1e-3, "Never go below this multiplier.", minimum=0, maximum=1),
           _WARMUP), _plateau),
])


def make_schedule(name: str, params: dict) -> Schedule:
    """A fresh Schedule for registry entry `name` with validated `params`."""
    return Schedule(name, dict(params))
