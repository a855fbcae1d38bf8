"""What the status bar and the Train/Pause button say about an active run.

The button shows the last click at once (`TrainingController.intent`); the status line says what
the trainer is really doing until it has caught up ("Pausing after this step…") and then what it
did ("Paused at epoch 12"), including Step presses still queued.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from playground.core.run.state import RunState
from playground.gui.training import TrainingController


def _tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("RunStatus", text, None, n)


def control_state(controller: TrainingController) -> str:
    """The state the run controls show: "running" while training or stepping is asked for, "paused",
    "stopping", or the run's state when none is active."""
    intent = controller.intent
    return RunState.RUNNING if intent == RunState.STEPPING else intent


def active_run_text(controller: TrainingController) -> str:
    """The status sentence for the active run ("" when none is active or nothing has arrived yet)."""
    snap, request = controller.latest, controller.request
    if not controller.is_active or snap is None:
        return ""
    settled, intent = request.settled, controller.intent
    if intent == RunState.STOPPING:
        return _tr("Stopping after this step…")
    if intent == RunState.PAUSED:
        if not settled:
            return _tr("Pausing after this step…")
        return _tr("Paused at epoch {0}. Space resumes, Ctrl+Right steps one epoch, Shift+Ctrl+Right "
                   "one batch.").format(f"{snap.epoch:,}")
    if intent == RunState.STEPPING:
        if settled and snap.queued_epochs:
            return _tr("Stepping one epoch at a time: %n to go. Space pauses and drops the rest, Esc "
                       "stops.", snap.queued_epochs)
        if settled and snap.queued_batches:
            return _tr("Stepping one batch at a time: %n to go. Space pauses and drops the rest, Esc "
                       "stops.", snap.queued_batches)
        return _tr("Stepping… Space pauses and drops the queued steps, Esc stops.")
    if not settled:
        return _tr("Resuming…")
    return _tr("Training. Space pauses, Esc stops.")
