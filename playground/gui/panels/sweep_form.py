"""The Sweep panel's form: which settings to vary and how, read into a checked core Sweep.

Each row is a setting of the experiment by its path in the preset (learning rate, batch size,
L2, optimizer, the units of each dense layer): tick it, type values (`0.001, 0.01, 0.1`) or a
range (`1e-4..1`, random and TPE only). `make_sweep` reads the form into a core Sweep, which
checks every value against the experiment before anything starts; bad input comes back as one
sentence naming the setting and the value (SweepInputError), and nothing runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.errors import SpecError
from playground.core.experiment import Experiment
from playground.core.search.section import MAX_FOLDS, MAX_TRIALS


def _tr(text: str) -> str:
    return QCoreApplication.translate("SweepForm", text)


class SweepInputError(ValueError):
    """Bad input in the form: the sentence to show (it names the setting and the value)."""


@dataclass(frozen=True)
class Setting:
    """A row of the form: what the person reads, the preset path, whether values must be numbers."""

    label: str
    path: str
    example: str
    numeric: bool = True


def settings_of(exp: Experiment) -> list[Setting]:
    """The settings a sweep offers for `exp`: the training ones, then each dense layer's units."""
    rows = [Setting(_tr("Learning rate"), "training.optimizer.lr", "0.001, 0.01, 0.1"),
            Setting(_tr("Batch size"), "training.batch_size", "10, 25, 50"),
            Setting(_tr("L2"), "training.l2", "0, 0.0001, 0.001"),
            Setting(_tr("Optimizer"), "training.optimizer.name", "sgd, adam", numeric=False)]
    for i, layer in enumerate(exp.network.layers):
        if layer.type == "dense":
            rows.append(Setting(_tr("Units of layer {n}").format(n=i + 1), f"network.layers.{i}.units",
                                "4, 8, 16"))
    return rows


def samplers() -> list[tuple[str, str]]:
    return [("grid", _tr("Grid (every combination)")), ("random", _tr("Random draws")),
            ("tpe", _tr("TPE (model-based)"))]


class SweepForm(QWidget):
    """The rows, the sampler and its trial count, workers, epochs and cross-validation."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.checks: dict[str, QCheckBox] = {}
        self.edits: dict[str, QLineEdit] = {}
        self._rows: list[Setting] = []
        self._search: Any = None  # the experiment's own search section, last offered
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.sampler = QComboBox()
        for name, text in samplers():
            self.sampler.addItem(text, name)
        self.trials = QSpinBox(minimum=1, maximum=MAX_TRIALS, value=8)
        self.trials.setToolTip(self.tr("Trials to draw (random and TPE)"))
        self.sampler.currentIndexChanged.connect(lambda _i: self._enable_trials())
        self.workers = QSpinBox(minimum=1, maximum=256)
        from playground.core.search.sweep import default_workers

        self.workers.setValue(default_workers())
        self.workers.setToolTip(self.tr("Worker processes: trials that train side by side"))
        self.epochs = QSpinBox(minimum=1, maximum=1_000_000, value=100)
        self.cross_validate = QCheckBox(self.tr("Cross-validate"))
        self.folds = QSpinBox(minimum=2, maximum=MAX_FOLDS, value=5, suffix=self.tr(" folds"))
        self.folds.setEnabled(False)
        self.cross_validate.toggled.connect(self.folds.setEnabled)
        how = QHBoxLayout()
        how.addWidget(self.sampler, 1)
        how.addWidget(self.trials)
        cv = QHBoxLayout()
        cv.addWidget(self.cross_validate)
        cv.addWidget(self.folds)
        cv.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Search"), how)
        form.addRow(self.tr("Workers"), self.workers)
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow(cv)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.grid)
        lay.addLayout(form)
        self._enable_trials()

    def _enable_trials(self) -> None:
        self.trials.setEnabled(self.sampler.currentData() != "grid")

    def set_experiment(self, exp: Experiment) -> None:
        """Rows for `exp`'s settings; what was ticked and typed stays (by path)."""
        rows = settings_of(exp)
        if [r.path for r in rows] != [r.path for r in self._rows]:
            self._set_rows(rows)
            if exp.training.epochs:
                self.epochs.setValue(min(exp.training.epochs, self.epochs.maximum()))
        if exp.search != self._search:
            self._search = exp.search
            self.offer_search(exp.search)

    def offer_search(self, search: Any) -> None:
        """Fill the form from a preset's own `search` section (lr-search-grid: its grid of rates)."""
        from playground.core.search.paths import normal_path

        if not search or not search.get("params"):
            return
        for check in self.checks.values():
            check.setChecked(False)
        for path, spec in search["params"].items():
            path = normal_path(path)
            if path in self.checks:
                text = (f"{spec['low']}..{spec['high']}" if isinstance(spec, Mapping)
                        else ", ".join(str(v) for v in spec))
                self.set_values(path, text)
        self.sampler.setCurrentIndex(max(0, self.sampler.findData(search.get("sampler", "grid"))))
        self.trials.setValue(int(search.get("trials", self.trials.value())))
        folds = int(search.get("folds", 0))
        self.cross_validate.setChecked(folds >= 2)
        if folds >= 2:
            self.folds.setValue(folds)

    def _set_rows(self, rows: list[Setting]) -> None:
        kept = {p: (self.checks[p].isChecked(), self.edits[p].text()) for p in self.checks}
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.checks.clear()
        self.edits.clear()
        self._rows = rows
        for i, row in enumerate(rows):
            check, edit = QCheckBox(row.label), QLineEdit()
            edit.setPlaceholderText(row.example)
            edit.setToolTip(self.tr("Values separated by commas ({example}), or a range LO..HI for random "
                                    "and TPE ({path})").format(example=row.example, path=row.path))
            ticked, text = kept.get(row.path, (False, ""))
            check.setChecked(ticked)
            edit.setText(text)
            edit.textEdited.connect(lambda _t, c=check: c.setChecked(True))
            self.grid.addWidget(check, i, 0)
            self.grid.addWidget(edit, i, 1)
            self.checks[row.path], self.edits[row.path] = check, edit

    def set_values(self, path: str, text: str) -> None:
        """Tick `path` with `text` as its values (tests, and a preset's own search section)."""
        self.checks[path].setChecked(True)
        self.edits[path].setText(text)
        self.edits[path].setCursorPosition(0)  # the list's start in view

    # ------------------------------------------------------------------ reading -----------
    def label_of(self, path: str) -> str:
        return next((r.label for r in self._rows if r.path == path), path)

    def params(self) -> list[Any]:
        """The ticked rows as SearchParams; SweepInputError naming the setting and the value."""
        from playground.core.search.paths import parse_set

        out = []
        grid = self.sampler.currentData() == "grid"
        for row in self._rows:
            if not self.checks[row.path].isChecked():
                continue
            text = self.edits[row.path].text().strip() or self.edits[row.path].placeholderText()
            if grid and ".." in text:
                raise SweepInputError(_tr("{setting}: the range “{text}” needs Random draws or TPE; a grid "
                                          "takes values separated by commas.").format(setting=row.label,
                                                                                       text=text))
            try:
                param = parse_set(f"{row.path}={text}")
            except SpecError as e:
                raise SweepInputError(_tr("{setting}: “{text}” is not a list of values or a range "
                                          "({problem}).").format(setting=row.label, text=text,
                                                                 problem=e.message)) from None
            if "" in param.values:
                raise SweepInputError(_tr("{setting}: “{text}” has an empty value (two commas in a row, or "
                                          "one at an end).").format(setting=row.label, text=text))
            if row.numeric and not param.is_range:
                for v in param.values:
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        raise SweepInputError(_tr("{setting}: “{value}” is not a number.").format(
                            setting=row.label, value=v))
            out.append(param)
        if not out:
            raise SweepInputError(_tr("Tick at least one setting to vary and give it values."))
        return out

    def plan(self) -> Any:
        """The form as a core SweepPlan (SweepInputError for bad input)."""
        from playground.core.search.sweep import SweepPlan

        return SweepPlan(params=tuple(self.params()), sampler=self.sampler.currentData(),
                         trials=self.trials.value(), workers=self.workers.value(), epochs=self.epochs.value(),
                         folds=self.folds.value() if self.cross_validate.isChecked() else 0)

    def make_sweep(self, exp: Experiment) -> Any:
        """A checked core Sweep of `exp`; SweepInputError (one sentence) before anything starts."""
        from playground.core.search.sweep import Sweep

        plan = self.plan()
        try:
            return Sweep(exp, plan)
        except SpecError as e:
            setting = self.label_of(e.path.split("[")[0])
            sentence = _tr("{setting}: {problem}").format(setting=setting, problem=str(e))
            raise SweepInputError(sentence) from None


__all__ = ["Setting", "SweepForm", "SweepInputError", "settings_of"]
