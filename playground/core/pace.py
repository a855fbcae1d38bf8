"""How fast a run trains: steps and epochs per second of training, over a window that reads true.

Measured on training time only (the run's `elapsed`): a pause, or the wait for the next Step
press, is not training, so it never drags the figure down (after a pause the window read
"1 steps/s"), and while nothing trains the last figure stays. The window holds at least a second
of training and the whole of the latest epoch, evaluation included: a slice is 1/30 s, and a conv
net's epoch-end evaluation took 7 s here, so a one-slice window read "0.13 steps/s" after every
epoch while the run really did ~4 steps a second. A whole epoch in the window gives the rate the
run keeps up, and a second of it keeps a fast run's figure from flickering.
"""

from __future__ import annotations

from collections import deque

WINDOW_SECONDS = 1.0
_MARKS = 4096  # a bound for very long epochs: 2+ minutes of 30 Hz snapshots


class Pace:
    """Steps/s and epochs/s from (time trained, step, epoch) at each snapshot."""

    def __init__(self) -> None:
        self._marks: deque[tuple[float, int, int]] = deque([(0.0, 0, 0)], maxlen=_MARKS)
        self.rates = (0.0, 0.0)  # (steps per second, epochs per second); 0 until something trained

    def update(self, trained: float, step: int, epoch: int) -> tuple[float, float]:
        """The rates now; unchanged if nothing trained since the last update."""
        marks = self._marks
        if step <= marks[-1][1] or trained <= marks[-1][0]:
            return self.rates
        marks.append((trained, step, epoch))
        # The window starts at the oldest mark taken during the latest whole epoch (its counter then
        # read epoch - 1), or earlier while that is less than WINDOW_SECONDS ago.
        while len(marks) > 2 and marks[0][2] < epoch - 1 and trained - marks[1][0] >= WINDOW_SECONDS:
            marks.popleft()
        t0, s0, e0 = marks[0]
        self.rates = ((step - s0) / (trained - t0), (epoch - e0) / (trained - t0))
        return self.rates
