"""The Sweep panel: vary settings of the experiment, train every trial in worker processes, compare.

Left the form (sweep_form), then the live trial table and the scatter (sweep_results). Run reads
the form into a core Sweep (checked before anything starts: a bad value is refused in the red line
under the form, naming the setting and the value) and hands it to the SweepRunner, whose thread
posts each trial's start, progress and result here. Stop ends every worker. "Use this" loads the
selected trial's values into the session as one undoable edit; a saved sweep (summary.json)
opens into the same table. With "Curves on the loss plot" ticked, each finished trial's
validation curves are overlaid on the Output tab's loss plot, in the colour of its table row
(validation, not test: the sweep chooses on validation data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.spec import experiment_to_dict
from playground.gui.panels.sweep_form import SweepForm, SweepInputError
from playground.gui.panels.sweep_results import SweepResults
from playground.gui.runs import RUN_COLOURS
from playground.gui.session import Session
from playground.gui.sweep_runner import SweepRunner


class SweepPanel(QWidget):
    """A sweep over the session's experiment; edits only through the session."""

    finished = Signal()  # the sweep ended (finished, stopped or failed) and its summary is shown
    overlays_changed = Signal()  # what `overlays()` returns changed

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sweepPanel")
        self.session = session
        self.runner = SweepRunner(self)
        self.form = SweepForm()
        self.results = SweepResults(colour=self.colour)
        self.run_button = QPushButton(self.tr("Run"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.use_button = QPushButton(self.tr("Use this"))
        self.use_button.setToolTip(self.tr("Load the selected trial's settings into the experiment "
                                           "(Ctrl+Z takes them back)"))
        self.error = QLabel()
        self.error.setObjectName("sweepError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        self.status = QLabel(self.tr("Tick the settings to vary, give their values, press Run."))
        self.status.setWordWrap(True)
        self.overlay_check = QCheckBox(self.tr("Curves on the loss plot"))
        self.overlay_check.setToolTip(self.tr("Overlay each finished trial's validation curves on the "
                                              "Output tab's loss plot, in its row's colour"))
        self.overlay_check.toggled.connect(lambda _on: self.overlays_changed.emit())
        self._curves: dict[int, dict[str, np.ndarray]] = {}  # finished trials' validation histories
        self._layout()
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(self.use_selected)
        self.results.table.itemSelectionChanged.connect(self._enable)
        self.runner.started.connect(self.results.update_trial)
        self.runner.progress.connect(self.results.update_trial)
        self.runner.result.connect(self._on_result)
        self.runner.done.connect(self._on_done)
        self.runner.failed.connect(self._show_error)
        session.changed.connect(self._on_changed)
        self.form.set_experiment(session.experiment)
        self._enable()

    def _layout(self) -> None:
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.form)
        buttons = QHBoxLayout()
        for b in (self.run_button, self.stop_button):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        lay.addWidget(self.error)
        lay.addStretch(1)
        middle = QWidget()
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addWidget(self.status)
        mid.addWidget(self.results.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.overlay_check)
        row.addStretch(1)
        row.addWidget(self.use_button)
        mid.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        for i, w in enumerate((left, middle, self.results.plot_box)):
            split.addWidget(w)
            split.setStretchFactor(i, (0, 3, 2)[i])
        split.setSizes([300, 640, 420])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.addWidget(split)

    # ------------------------------------------------------------------ running -----------
    def run(self) -> bool:
        """Start a sweep from the form; False (and the sentence in red) when the input is refused."""
        if self.runner.running:
            return False
        try:
            sweep = self.form.make_sweep(self.session.experiment)
        except SweepInputError as e:
            self._show_error(str(e))
            return False
        self.error.hide()
        paths = [p.path for p in sweep.plan.params]
        self.results.reset(paths, {p: self.form.label_of(p) for p in paths})
        self._set_curves({})
        note = f" {sweep.note}" if sweep.note else ""
        self.status.setText(self.tr("Running: the objective is the validation loss, never the test loss."
                                    ) + note)
        self.runner.start(sweep)
        self._enable()
        return True

    def stop(self) -> None:
        """No more trials; every worker ends now."""
        if self.runner.running:
            self.status.setText(self.tr("Stopping: ending every worker…"))
            self.runner.stop()

    def _on_result(self, trial: dict[str, Any]) -> None:
        self.results.update_trial(trial)
        if trial.get("history") and trial["state"] != "failed":
            keep = {k: np.array([np.nan if v is None else v for v in vs], dtype=np.float64)
                    for k, vs in trial["history"].items() if not k.startswith("test_")}
            self._set_curves({**self._curves, trial["number"]: keep})
        best = self.runner.sweep.best() if self.runner.sweep is not None else None
        self.results.set_best(best["number"] if best else None)

    def _on_done(self, summary: dict[str, Any]) -> None:
        shown = self.results.trials
        for t in summary["trials"]:  # trials a Stop cut short are only in the summary
            if t["number"] in shown and t["state"] != shown[t["number"]].get("state"):
                self.results.update_trial(t)
        best = summary.get("best")
        self.results.set_best(best["number"] if best else None)
        done = sum(t["state"] == "complete" for t in summary["trials"])
        self.status.setText(self.tr("{done} of {count} trials complete in {seconds:.1f} s; the best "
                                    "(bold) has the lowest validation loss.").format(
            done=done, count=len(summary["trials"]), seconds=summary.get("seconds") or 0.0))
        self._enable()
        self.finished.emit()

    def _set_curves(self, curves: dict[int, dict[str, np.ndarray]]) -> None:
        self._curves = curves
        if self.overlay_check.isChecked():
            self.overlays_changed.emit()

    @staticmethod
    def colour(number: int) -> str:
        return RUN_COLOURS[number % len(RUN_COLOURS)]

    def overlays(self) -> list[tuple[int, str, str, dict[str, np.ndarray]]]:
        """(id, label, colour, history) per finished trial, for CurvesView.set_overlays (ids below
        zero: never a run's)."""
        if not self.overlay_check.isChecked():
            return []
        return [(-1 - n, self.tr("Trial {n}").format(n=n), self.colour(n), history)
                for n, history in sorted(self._curves.items())]

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _enable(self) -> None:
        running = self.runner.running
        self.run_button.setEnabled(not running)
        self.form.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.use_button.setEnabled(self.results.selected_trial() is not None)

    def _on_changed(self, new: Experiment, old: Experiment) -> None:
        self.form.set_experiment(new)

    # ------------------------------------------------------------------ results -----------
    def use_selected(self) -> bool:
        """Load the selected trial's values into the experiment (one undoable edit)."""
        trial = self.results.selected_trial()
        if trial is None:
            return False
        from playground.core.search.paths import trial_experiment

        try:
            new = trial_experiment(experiment_to_dict(self.session.experiment), dict(trial["params"]))
        except PlaygroundError as e:
            self._show_error(self.tr("Trial {n} cannot be used here: {problem}").format(n=trial["number"],
                                                                                        problem=str(e)))
            return False
        self.session.edit(new, self.tr("Use trial {n}'s settings").format(n=trial["number"]))
        return True

    def open_results(self, folder: Path) -> None:
        """Show a saved sweep (its summary.json) in the table; PlaygroundError when it is not one."""
        from playground.core.search.results import read_summary

        summary = read_summary(folder)
        self._set_curves({})  # a summary keeps no histories
        paths = list(dict.fromkeys(p for t in summary["trials"] for p in t.get("params", {})))
        self.results.show_summary(summary, {p: self.form.label_of(p) for p in paths})
        self.error.hide()
        self.status.setText(self.tr("Opened {folder}: {count} trials.").format(folder=folder,
                                                                               count=len(summary["trials"])))
        self._enable()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.gui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    panel = SweepPanel(Session())
    panel.resize(1200, 420)
    panel.show()
    app.exec()
