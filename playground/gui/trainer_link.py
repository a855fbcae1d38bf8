"""What the window tells about its trainer process: whether it still responds, and why it went away.

The child sends a heartbeat when it has sent nothing else for half a second, training, paused or
idle (`messages.HEARTBEAT_SECONDS`), so a silence of `messages.NOT_RESPONDING_SECONDS` means the
process is stopped (SIGSTOP, a debugger) or starved of CPU, whatever its run was doing. The
window then says so instead of showing a curve that froze for no visible reason.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QObject, Signal

from playground.core import remote

_BUSY_GAP = 1.0  # s between two frame ticks: the window itself was busy, so its reader was too


class ProcessWatch(QObject):
    """Follows the trainer process of the active run from the frame clock's ticks."""

    changed = Signal(bool)  # False: the process went silent; True: it spoke again

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.responding = True
        self._last_tick = 0.0

    def tick(self, proc: remote.TrainerProcess | None) -> None:
        """Judge the process now, unless the last tick was long ago (then the reader thread may not
        have had a turn to take what the child sent meanwhile)."""
        now, last = time.monotonic(), self._last_tick
        self._last_tick = now
        if now - last < _BUSY_GAP:
            self._set(proc is None or proc.responding)

    def reset(self) -> None:
        """No run, nothing to judge: silence only matters while a run is on."""
        self._set(True)

    def _set(self, responding: bool) -> None:
        if responding != self.responding:
            self.responding = responding
            self.changed.emit(responding)


def exit_text(code: int, error: str) -> str:
    """What the person reads when the trainer process is gone (`error`: the bad message that ended it)."""
    if error:
        return QCoreApplication.translate(
            "TrainingController", "The training process sent a message that could not be read ({0}), so it "
            "was stopped. Press Train to start again.").format(error)
    return QCoreApplication.translate(
        "TrainingController", "The training process stopped unexpectedly (exit code {0}). Press Train to "
        "start again.").format(code)
