"""The person's last click on the run controls, and whether the trainer has caught up with it.

Pause, Resume, Step and Stop take effect on screen at once: the click sets what the person wants
(`wanted`), the Train/Pause button shows it, and the command goes to the trainer process, which
takes it within one slice. Commands are sent and taken in order, so once the trainer has taken
them all, its state is the one the last click asked for. Every snapshot says how many it has
taken (`Snapshot.controls`); a report from before the last click is stale, and is never allowed
to move the state, the button or the status back. Fifty quick clicks end where the last one asked.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot


class RunIntent(QObject):
    """What was last asked of the current run, and how far its trainer has got with it."""

    changed = Signal()  # wanted, settled or the queued steps changed: controls and status follow

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.wanted = RunState.RUNNING
        self.sent = 0  # control commands sent to the current run
        self.taken = 0  # ... and taken by its trainer, as its newest snapshot says
        self._progress: tuple = ()
        self._shown: tuple = ()

    @property
    def settled(self) -> bool:
        """True when the trainer has taken every pause, resume, step and stop sent to this run."""
        return self.taken >= self.sent

    def start(self, paused: bool) -> None:
        """A new run, running or paused, with nothing sent to it yet."""
        self.wanted = RunState.PAUSED if paused else RunState.RUNNING
        self.sent, self.taken, self._progress = 0, 0, ()
        self._notify()

    def asked(self, wanted: RunState) -> None:
        """One more control command was sent; the run is to end up `wanted`."""
        self.sent += 1
        self.wanted = wanted
        self._notify()

    def answers(self, snap: Snapshot) -> bool:
        """Take the report `snap`; True if it answers the last click (or ends the run), so that its
        state is the run's. The trainer then decides what the run is doing (still stepping, say)."""
        self.taken = snap.controls
        # what the status line shows besides the state (not every step: this is announced per change)
        paused_at = snap.epoch if snap.state == RunState.PAUSED else None
        self._progress = (paused_at, snap.queued_epochs, snap.queued_batches)
        answered = snap.done or self.settled
        if answered:
            busy = snap.state == RunState.RUNNING and (snap.queued_epochs or snap.queued_batches)
            self.wanted = RunState.STEPPING if busy else snap.state
        self._notify()
        return answered

    def _notify(self) -> None:
        shown = (self.wanted, self.settled, self._progress)
        if shown != self._shown:
            self._shown = shown
            self.changed.emit()
