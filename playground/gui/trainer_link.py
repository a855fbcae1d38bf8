"""What the window tells about its trainer process: whether it still responds, why it went away,
the errors it reports, and the model an ended run left in it (`EndedModel`).

The child sends a heartbeat when it has sent nothing else for half a second, training, paused or
idle (`messages.HEARTBEAT_SECONDS`), so a silence of `messages.NOT_RESPONDING_SECONDS` means the
process is stopped (SIGSTOP, a debugger) or starved of CPU, whatever its run was doing. The
window then says so instead of showing a curve that froze for no visible reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from playground.core import remote
from playground.core.commands import Stop
from playground.core.errors import PlaygroundError
from playground.core.run.state import FINAL_STATES, RunState
from playground.core.snapshot import Snapshot


class RunFailed(RuntimeError):
    """A run that failed in the trainer process (the message is the one shown to the person)."""


class RemoteInputError(PlaygroundError):
    """An expected error (bad input) raised in the trainer process."""


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


def edit_refusal(state: str) -> str:
    """Why a weight typed into the Inside view reaches no model, for a run in `state` that has none."""
    if state == RunState.ERROR:
        return QCoreApplication.translate(
            "TrainingController",
            "The run failed, so there is no model to edit: press Train to start a new run.")
    if state in FINAL_STATES:
        return QCoreApplication.translate(
            "TrainingController", "The training process that held this run's model has gone, so there is "
            "no model to edit: press Train to start a new run.")
    return QCoreApplication.translate(
        "TrainingController", "There is no model to edit yet: press Train or Step to start a run.")


class EndedModel(QObject):
    """The run that ended last, whose model its trainer process keeps until the next run, a Stop for
    it, or the process's end: a weight typed after the run ended edits that model, and the process
    answers with a snapshot of the edited model (see `remote`), handed to `deliver` on the GUI thread."""

    _arrived = Signal(int, object)  # from the reader thread: wire run, snapshot

    def __init__(self, deliver: Callable[[Snapshot], None], parent: QObject | None = None):
        super().__init__(parent)
        self.run: tuple[int, remote.RunAssembler] | None = None  # (wire id, assembler) of that run
        self._deliver = deliver
        self._arrived.connect(self._on_arrived)

    def release(self, proc: remote.TrainerProcess | None) -> None:
        """Let the model go (a new run, Reset, closing): the process frees it."""
        run, self.run = self.run, None
        if run is not None and proc is not None:
            proc.command(run[0], Stop())

    def take(self, msg: dict[str, Any]) -> None:
        """On the reader thread: pass on a snapshot of the kept model; anything else is not for it."""
        run = self.run
        if msg["op"] == "snapshot" and run is not None and msg.get("run") == run[0]:
            self._arrived.emit(run[0], run[1].add(msg))

    def _on_arrived(self, wire_id: int, snap: Snapshot) -> None:
        if self.run is not None and wire_id == self.run[0]:  # not one a new run has replaced
            self._deliver(snap)
