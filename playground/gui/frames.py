"""The window's frame clock: one place that decides when each live view draws.

Why it looks like this (numbers measured here; gui/training.py tells the story):

* **A 60 Hz clock, not "whenever a message arrives".** Drawing on the clock keeps each frame's
  work inside its own 16.7 ms, so the clock stays on its grid instead of being pushed back by a
  frame drawn just before it was due. A tick with nothing due asks the owner (`take`) for the
  newest snapshot; the owner hands it to `show`.
* **Two phases.** Drawing everything for one snapshot in one tick took 13-20 ms (a whole frame).
  So the tick that shows a new snapshot draws the views a person watches most (`Phase.MAIN`: the
  boundary, the network's paint), and the next tick hands the same snapshot to the rest
  (`Phase.FOLLOWUP`: curves, dynamics, counters) and takes no new one. Snapshots come every
  ~33 ms, so every view still sees every snapshot and no tick carries all of the work.
* **Spacing for costly views.** A view whose drawing is worth less than the stream's pace
  registers a spacing (seconds, or a function of its own measured cost): while a run streams it
  gets at most one snapshot per spacing; a paused or final snapshot (one event, not a stream)
  reaches it at once, and the next streaming one does too.

Views register (`register(callback, phase, spacing)`) instead of each keeping a clock of its own;
callbacks that are bound methods of a QObject are dropped with it (Qt's own disconnection).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import IntEnum

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot

FRAME_MS = 16  # the frame clock: ~60 Hz, the display rate of a common screen
Spacing = float | Callable[[], float]
_now = time.perf_counter  # the clock spacings are measured on (tests replace it)


class Phase(IntEnum):
    """Which tick of a snapshot's two a view draws in."""

    MAIN = 1  # the tick that takes a new snapshot: boundary, network paint, run bar
    FOLLOWUP = 2  # the tick after it: curves, dynamics, the designer's badges, conversions


class _Spaced(QObject):
    """One registered view with a spacing: passes a streaming snapshot on only once `spacing` passed."""

    def __init__(self, callback: Callable[[Snapshot], object], spacing: Spacing, parent: QObject | None):
        super().__init__(parent)
        self._callback, self._spacing = callback, spacing
        self._last = -math.inf  # when a streaming snapshot was last passed on

    def gap(self) -> float:
        return self._spacing() if callable(self._spacing) else self._spacing

    @Slot(object)
    def offer(self, snap: Snapshot) -> None:
        if snap.state == RunState.RUNNING:
            now = _now()
            if now - self._last < self.gap():
                return  # too soon: the stream brings a newer one
            self._last = now
        else:
            self._last = -math.inf
        self._callback(snap)


class FrameScheduler(QObject):
    """The 60 Hz clock and the two-phase frame budget; views register with it."""

    ready = Signal(object)  # phase 1: a new snapshot, this tick
    followup = Signal(object)  # phase 2: the same snapshot, one tick later

    def __init__(self, take: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._take = take
        self._due: Snapshot | None = None  # shown this tick, due to the phase-2 views next
        self.clock = QTimer(self)
        self.clock.setTimerType(Qt.TimerType.PreciseTimer)
        self.clock.setInterval(FRAME_MS)
        self.clock.timeout.connect(self._tick)

    def register(self, callback: Callable[[Snapshot], object], phase: Phase = Phase.MAIN,
                 spacing: Spacing = 0.0) -> None:
        """Call `callback(snapshot)` in `phase` of every frame that has one (spaced, if `spacing`)."""
        signal = self.ready if phase == Phase.MAIN else self.followup
        if not callable(spacing) and spacing <= 0:
            signal.connect(callback)
            return
        owner = getattr(callback, "__self__", None)
        spaced = _Spaced(callback, spacing, owner if isinstance(owner, QObject) else self)
        signal.connect(spaced.offer)

    # ------------------------------------------------------------------ the owner's side ----
    def start(self) -> None:
        self.clock.start()

    def stop(self) -> None:
        """Stop the clock and forget the phase-2 snapshot not handed out yet."""
        self.clock.stop()
        self._due = None

    @property
    def running(self) -> bool:
        return self.clock.isActive()

    def show(self, snap: Snapshot) -> None:
        """Phase 1 for `snap` now; phase 2 on the next tick (or at `flush`)."""
        self._due = snap
        self.ready.emit(snap)

    def flush(self) -> None:
        """Phase 2 now for the snapshot shown last, if still due (a pause or the end: all views at once)."""
        snap, self._due = self._due, None
        if snap is not None:
            self.followup.emit(snap)

    def _tick(self) -> None:
        if self._due is not None:
            self.flush()
        else:
            self._take()
