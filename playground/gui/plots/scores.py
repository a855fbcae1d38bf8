"""The Metrics tab: ROC and precision-recall curves, and the figures behind them.

A binary task gets a threshold slider: the test set's 2×2 confusion matrix, its precision, recall,
F1 and accuracy, and a ring on each curve follow the slider live. The counts at every stop of the
slider come with the snapshot (`core.curves.threshold_confusion`), so moving it costs no model
call and no arithmetic of its own (`core.metrics.threshold_figures` of a 2×2 table). The
threshold is a setting of this view, not of the run. A task with k classes gets its confusion
matrix and each class's precision, recall, F1 and support with their macro and weighted averages.

It draws only while it is visible, and the newest snapshot when it becomes visible.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from playground.core.curves import THRESHOLDS, Curves
from playground.core.datasets.base import BINARY, MULTICLASS, Dataset
from playground.core.metrics import ClassReport, class_report, threshold_figures
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st
from playground.gui.plots.images import ConfusionView, class_label
from playground.gui.plots.rates import PR, ROC, RateCurves

DEFAULT_STOP = 50  # threshold 0.5, where the run's own figures are taken


def _tr(text: str) -> str:
    return QCoreApplication.translate("ScoresView", text)


def _num(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "–"


def _percent(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "–"


def class_table(report: ClassReport, names: list[str]) -> str:
    """Per-class figures with their averages, as an HTML table (scikit-learn's classification_report)."""
    head = "".join(f"<th align='right'>{h}</th>" for h in
                   (_tr("precision"), _tr("recall"), _tr("F1"), _tr("support")))
    rows = [f"<tr><th align='left'>{_tr('class')}</th>{head}</tr>"]

    def row(name: str, p: float, r: float, f: float, support: str, bold: bool = False) -> str:
        cells = "".join(f"<td align='right'>{v}</td>" for v in (_num(p), _num(r), _num(f), support))
        label = f"<b>{name}</b>" if bold else name
        return f"<tr><td>{label}</td>{cells}</tr>"

    for i, name in enumerate(names):
        support = str(int(report.support[i]))
        rows.append(row(name, report.precision[i], report.recall[i], report.f1[i], support))
    total = str(int(report.support.sum()))
    for name, figures in ((_tr("macro avg"), report.macro), (_tr("weighted avg"), report.weighted)):
        rows.append(row(name, figures["precision"], figures["recall"], figures["f1"], total, bold=True))
    accuracy = _tr("accuracy {0}").format(_percent(report.accuracy))
    return f"<table cellspacing='5'>{''.join(rows)}</table><p>{accuracy}</p>"


class ScoresView(QWidget):
    """ROC and PR curves of the latest test predictions; a threshold slider for binary tasks."""

    threshold_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.roc = RateCurves(ROC)
        self.pr = RateCurves(PR)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(THRESHOLDS) - 1)
        self.slider.setPageStep(10)
        self.slider.setValue(DEFAULT_STOP)
        self.slider.setAccessibleName(_tr("Threshold"))
        self.slider.setToolTip(_tr("The probability from which a test example counts as class 1. "
                                   "The run's own figures use 0.5; this only changes what is shown."))
        self.threshold_label = QLabel()
        self.confusion = ConfusionView()
        self.confusion.setMinimumSize(200, 180)
        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.figures.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self._latest: Snapshot | None = None
        self._drawn: tuple[int, str] | None = None
        self._counts: np.ndarray | None = None
        self._build()
        self.slider.valueChanged.connect(self._on_slider)
        self.set_dataset(None)

    def _build(self) -> None:
        curves = QHBoxLayout()
        curves.addWidget(self.roc)
        curves.addWidget(self.pr)
        self.threshold_row = QWidget()
        row = QHBoxLayout(self.threshold_row)
        row.setContentsMargins(0, 0, 0, 0)
        title = QLabel(_tr("Threshold"))
        row.addWidget(title)
        row.addWidget(self.slider, 1)
        row.addWidget(self.threshold_label)
        below = QHBoxLayout()
        below.addWidget(self.confusion, 1)
        below.addWidget(self.figures, 1)
        self.content = QWidget()
        lay = QVBoxLayout(self.content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(curves, 3)
        lay.addWidget(self.threshold_row)
        lay.addLayout(below, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.addWidget(self.hint)
        outer.addWidget(self.content, 1)

    # ------------------------------------------------------------------ API ---------------
    @property
    def threshold(self) -> float:
        """The slider's threshold: class 1 from this P(class 1) on."""
        return float(THRESHOLDS[self.slider.value()])

    def set_dataset(self, ds: Dataset | None) -> None:
        """Lay out the curves and tables for `ds` (regression and no data: a hint only)."""
        self.dataset = ds if ds is not None and ds.task in (BINARY, MULTICLASS) else None
        binary = self.dataset is not None and self.dataset.task == BINARY
        if self.dataset is None:
            self.hint.setText(_tr("ROC and precision–recall curves are drawn for classification tasks."))
        self.content.setVisible(self.dataset is not None)
        self.threshold_row.setVisible(binary)
        self.confusion.set_dataset(self.dataset)
        if self.dataset is not None:
            ds = self.dataset
            shown = [1] if binary else list(range(ds.num_classes))
            names = [""] if binary else [class_label(ds, c) for c in shown]
            colours = [st.POSITIVE] if binary else [st.class_colour(c) for c in shown]
            for plot in (self.roc, self.pr):
                plot.set_classes(names, colours)
        self.clear()

    def update_snapshot(self, snap: Snapshot) -> None:
        """Keep the newest snapshot; draw it now if the tab is showing, else when it is shown."""
        self._latest = snap
        if self.isVisible():
            self._draw()

    def clear(self) -> None:
        """Forget the run: empty curves and tables; the slider keeps its place."""
        self._latest, self._drawn, self._counts = None, None, None
        for plot in (self.roc, self.pr):
            plot.clear()
        self.confusion.clear()
        self.figures.setText("")
        if self.dataset is not None:
            self.hint.setText(_tr("Train to see the curves of the test set."))
        self.hint.setVisible(True)
        self._show_threshold()

    # ------------------------------------------------------------------ internals ---------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._draw()

    def _draw(self) -> None:
        snap = self._latest
        if snap is None or self.dataset is None or self._drawn == (snap.epoch, snap.state):
            return
        curves = snap.curves
        if isinstance(curves, Curves) and isinstance(curves.classes, tuple) \
                and len(curves.classes) == len(self.roc.items):
            self._drawn = (snap.epoch, snap.state)
            self.hint.setVisible(False)
            self.roc.show_curves(curves)
            self.pr.show_curves(curves)
            if self.dataset.task == BINARY:
                counts = curves.threshold_confusion
                ok = isinstance(counts, np.ndarray) and counts.shape == (len(THRESHOLDS), 2, 2) \
                    and counts.dtype.kind in "iu"
                self._counts = np.asarray(counts) if ok else None
                self._show_threshold()
        if self.dataset.task == MULTICLASS and isinstance(snap.confusion, np.ndarray):
            self._show_classes(snap.confusion)

    def _show_classes(self, confusion: np.ndarray) -> None:
        k = self.dataset.num_classes
        if confusion.shape != (k, k) or confusion.dtype.kind not in "iu":
            return
        self.confusion.show_counts(confusion)
        names = [class_label(self.dataset, c) for c in range(k)]
        self.figures.setText(class_table(class_report(confusion), names))

    def _on_slider(self, _value: int) -> None:
        self._show_threshold()
        self.threshold_changed.emit(self.threshold)

    def _show_threshold(self) -> None:
        """The 2×2 matrix, the figures and the rings on the curves at the slider's threshold."""
        t = self.threshold
        self.threshold_label.setText(f"{t:.2f}")
        if self._counts is None or self.dataset is None or self.dataset.task != BINARY:
            for plot in (self.roc, self.pr):
                plot.set_marker(None)
            return
        counts = self._counts[self.slider.value()]
        self.confusion.show_counts(counts)
        f = threshold_figures(counts)
        self.roc.set_marker((f["fpr"], f["recall"]))
        self.pr.set_marker((f["recall"], f["precision"]) if counts[:, 1].sum() else None)
        name = class_label(self.dataset, 1)
        rule = _tr("Class {0} when P({0}) ≥ {1}:").format(name, f"{t:.2f}")
        cells = [(_tr("precision"), _num(f["precision"])), (_tr("recall"), _num(f["recall"])),
                 (_tr("F1"), _num(f["f1"])), (_tr("accuracy"), _percent(f["accuracy"])),
                 (_tr("false positive rate"), _num(f["fpr"]))]
        rows = "".join(f"<tr><td>{k}</td><td align='right'>{v}</td></tr>" for k, v in cells)
        self.figures.setText(f"<p>{rule}</p><table cellspacing='3'>{rows}</table>")


if __name__ == "__main__":
    import sys

    from playground.core.run.loop import RunOptions
    from playground.gui.plots._preview import preview

    preview(ScoresView, dataset=sys.argv[1] if len(sys.argv) > 1 else "circle",
            options=RunOptions(curves=True))
