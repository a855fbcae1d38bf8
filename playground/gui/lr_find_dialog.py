"""The learning-rate range test in the app: "Find…" beside the learning-rate field.

The test (core.search.lr_find) trains a copy of the experiment on a QThread, so the window stays
responsive; its `should_stop` callback, asked once per step, doubles as the progress count and
is how Cancel ends it between two steps. The dialog plots the smoothed loss against the learning
rate (log x), marks the suggestion with its reason, and "Use this" makes it the experiment's
learning rate as one undoable edit of the session.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.errors import PlaygroundError, failure_text
from playground.core.experiment import Experiment
from playground.core.search.lr_find import END_LR, START_LR, STEPS, LrFinding
from playground.core.spec import experiment_to_dict
from playground.gui.plots import _style as st
from playground.gui.session import Session
from playground.gui.widgets.number_field import format_number

LR_PATH = "training.optimizer.lr"


class LrFindThread(QThread):
    """Runs lr_find on a copy of `experiment`; `step(i)` as it goes, then `found` or `failed`."""

    step = Signal(int)
    found = Signal(object)  # LrFinding
    failed = Signal(str)

    def __init__(self, experiment: Experiment, steps: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._experiment, self._steps = experiment, steps
        self._cancel = threading.Event()
        self._done = 0

    def cancel(self) -> None:
        """Ask the test to end before its next step (thread-safe)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _should_stop(self) -> bool:
        self.step.emit(self._done)  # asked once before each step: the steps done so far
        self._done += 1
        return self._cancel.is_set()

    def run(self) -> None:  # the thread's body
        from playground.core.search.lr_find import lr_find

        try:
            finding = lr_find(self._experiment, steps=self._steps, should_stop=self._should_stop)
        except (PlaygroundError, RuntimeError, MemoryError) as e:  # bad setup, torch's own errors
            self.failed.emit(failure_text(e))
            return
        self.found.emit(finding)


def rounded(lr: float) -> float:
    """The suggestion as the reason sentence words it (3 significant digits): a value a person can read."""
    return float(f"{lr:.3g}")


class LrFindDialog(QDialog):
    """Run the range test on the session's experiment; "Use this" applies the suggestion (undoable)."""

    def __init__(self, session: Session, parent: QWidget | None = None, steps: int = STEPS):
        super().__init__(parent)
        self.setObjectName("lrFindDialog")
        self.setWindowTitle(self.tr("Find a learning rate"))
        self.session = session
        self.finding: LrFinding | None = None
        self._closing: int | None = None  # the result to close with once the thread has ended
        self._build(steps)
        self.thread_ = LrFindThread(session.experiment, steps, self)
        self.thread_.step.connect(self.progress.setValue)
        self.thread_.found.connect(self._on_found)
        self.thread_.failed.connect(self._on_failed)
        self.thread_.finished.connect(self._on_finished)

    def _build(self, steps: int) -> None:
        self.status = QLabel(self.tr("Training a copy of the experiment for up to {steps} minibatches "
                                     "while the learning rate rises from {start} to {end}…").format(
            steps=steps, start=format_number(START_LR), end=format_number(END_LR)))
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, steps)
        self.plot = pg.PlotWidget(background=st.PAPER)
        self.plot.setMinimumSize(460, 260)
        st.style_plot(self.plot.getPlotItem(), self.tr("learning rate"), self.tr("smoothed loss"))
        self.plot.setLogMode(x=True, y=False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(st.POSITIVE, width=2))
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(st.NEGATIVE, width=2))
        self.marker.hide()
        self.plot.addItem(self.marker)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.use_button = QPushButton(self.tr("Use this"))
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_suggestion)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        for w in (self.status, self.progress, self.plot, self.reason):
            lay.addWidget(w)
        lay.addLayout(buttons)

    # ------------------------------------------------------------------ running -----------
    def start(self) -> None:
        self.thread_.start()

    @property
    def running(self) -> bool:
        return self.thread_.isRunning()

    @property
    def suggested_lr(self) -> float | None:
        """What "Use this" applies: the suggestion rounded as the sentence shows it."""
        lr = self.finding.suggested_lr if self.finding is not None else None
        return rounded(lr) if lr is not None else None

    def _on_found(self, finding: LrFinding) -> None:
        self.finding = finding
        points = [(lr, y) for lr, y in zip(finding.lrs, finding.smoothed, strict=True) if math.isfinite(y)]
        if points:
            xs, ys = zip(*points, strict=True)
            self.curve.setData(list(xs), list(ys))
        self.progress.setValue(self.progress.maximum())
        if self.thread_.cancelled:
            self.status.setText(self.tr("Cancelled."))
            return
        if finding.suggested_lr is not None:
            self.marker.setPos(math.log10(finding.suggested_lr))  # the view's x is log10(lr)
            self.marker.show()
            self.status.setText(self.tr("Suggested learning rate: {lr}").format(
                lr=format_number(self.suggested_lr)))
            self.use_button.setEnabled(True)
            self.use_button.setDefault(True)
        else:
            self.status.setText(self.tr("No suggestion."))
        self.reason.setText(finding.reason)
        self.cancel_button.setText(self.tr("Close"))

    def _on_failed(self, message: str) -> None:
        self.status.setText(self.tr("The range test failed: {message}").format(message=message))
        self.cancel_button.setText(self.tr("Close"))

    def _on_finished(self) -> None:
        if self._closing is not None:
            super().done(self._closing)

    # ------------------------------------------------------------------ closing -----------
    def use_suggestion(self) -> None:
        """Make the suggestion the experiment's learning rate: one undoable edit."""
        lr = self.suggested_lr
        if lr is None:
            return
        from playground.core.search.paths import trial_experiment

        try:
            new = trial_experiment(experiment_to_dict(self.session.experiment), {LR_PATH: lr})
        except PlaygroundError as e:
            QMessageBox.warning(self, self.tr("Find a learning rate"), str(e))
            return
        self.session.edit(new, self.tr("Use the suggested learning rate"))
        self.accept()

    def done(self, result: int) -> None:  # noqa: D401 - Qt API: Cancel, Close, Escape, the title bar
        """Close at once when the test has ended; otherwise cancel it and close when it has."""
        if self.thread_.isRunning():
            self._closing = result
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Cancelling…"))
            self.thread_.cancel()
            return
        super().done(result)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread (the window is closing); True when it has ended."""
        self.thread_.cancel()
        return self.thread_.wait(timeout_ms)


def open_lr_find(session: Session, parent: QWidget, **kwargs: Any) -> LrFindDialog:
    """Show the dialog over `parent` (window-modal) and start the test."""
    dialog = LrFindDialog(session, parent, **kwargs)
    dialog.open()
    dialog.start()
    return dialog


__all__ = ["LrFindDialog", "LrFindThread", "open_lr_find", "rounded"]
