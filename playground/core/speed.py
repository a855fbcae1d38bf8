"""How fast a run is let train, so a learner can watch it: as fast as it can, N epochs a second,
or N single updates a second (slow motion, one minibatch at a time).

300 epochs of a small net finish in under a second, so "watch it learn" needed Step presses. A
limited pace trains one unit (an epoch, or one update), reports it, and waits until the next is
due; the wait is spent listening to the run's command queue, so Pause and Stop still act at once.
At "max" the loop is untouched. In a preset: `training.pace` is "max" (the default, omitted when
saved), a number of epochs per second, or {"updates_per_second": n}.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.core.errors import SpecError

EPOCH = "epoch"
UPDATE = "update"
EPOCH_RATES = (1, 2, 5, 10, 30, 100)  # what the run bar offers
UPDATE_RATES = (1, 5, 20)  # slow motion
_MAX_RATE = 10_000.0


@dataclass(frozen=True)
class Pace:
    """`per_second` units (EPOCH or UPDATE) a second; 0 = as fast as it can ("max")."""

    per_second: float = 0.0
    unit: str = EPOCH

    @property
    def limited(self) -> bool:
        return self.per_second > 0


MAX = Pace()


def pace_from_json(value: Any, path: str = "training.pace") -> Pace:
    """The pace a preset field holds; SpecError with a sentence naming `path` if it is not one."""
    unit, rate = EPOCH, value
    if value == "max":
        return MAX
    if isinstance(value, dict) and set(value) == {"updates_per_second"}:
        unit, rate, path = UPDATE, value["updates_per_second"], f"{path}.updates_per_second"
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= _MAX_RATE:
        raise SpecError(path, f"must be \"max\", a number of epochs per second (above 0, at most "
                        f"{_MAX_RATE:g}) or {{\"updates_per_second\": n}}", value)
    return Pace(float(rate), unit)


def pace_to_json(pace: Pace) -> Any:
    """The preset form of `pace` (whole numbers written as integers)."""
    if not pace.limited:
        return "max"
    rate = int(pace.per_second) if pace.per_second.is_integer() else pace.per_second
    return rate if pace.unit == EPOCH else {"updates_per_second": rate}


class Pacer:
    """When the next unit of a paced run is due, by an injectable clock (tests use a fake one)."""

    def __init__(self, pace: Pace = MAX, clock: Callable[[], float] = time.monotonic):
        self.pace, self._clock = pace, clock
        self._start = self._due = float("-inf")  # when the last unit started, and the next is due

    def set(self, pace: Pace) -> None:
        """A new pace from now on, as if the last unit had started at it (a faster one need not wait
        out the slow one's interval)."""
        self.pace = pace
        if pace.limited:
            self._due = self._start + 1 / pace.per_second

    def wait(self) -> float:
        """Seconds until the next unit may start (0: now)."""
        return max(0.0, self._due - self._clock())

    def started(self) -> None:
        """A unit starts now: the next is due one interval later (at once if this one overruns)."""
        self._start = self._clock()
        self._due = self._start + 1 / self.pace.per_second
