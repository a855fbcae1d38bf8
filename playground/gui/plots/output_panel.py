"""The output column: the view that fits the data (boundary, fitted curve, image guesses, metrics)
with the loss/accuracy curves under it, a metrics line and the display toggles.

It shows snapshots only and holds no run state of its own beyond what is drawn, so a run can be
swapped, reset or replayed by calling `clear`, `set_dataset` and `update_snapshot`.
"""

from __future__ import annotations

import html
import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core.coefficients import coefficients, coefficients_text
from playground.core.datasets.base import IMAGE, LINE1D, MULTICLASS, POINTS2D, REGRESSION, TABLE, Dataset
from playground.core.snapshot import Snapshot
from playground.core.spec import NetworkSpec
from playground.gui.plots.boundary import BoundaryView
from playground.gui.plots.curves import CurvesView
from playground.gui.plots.images import ConfusionView, SampleGridView
from playground.gui.plots.regression import RegressionView
from playground.gui.plots.scores import ScoresView

EMPTY = "empty"
_PAGES = (EMPTY, POINTS2D, LINE1D, IMAGE, TABLE)
_METRIC_NAMES = {"loss": "loss", "accuracy": "accuracy", "precision": "precision", "recall": "recall",
                 "f1": "F1", "roc_auc": "ROC AUC", "r2": "R²"}
_CLASS_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")


def _fmt(value: float, percent: bool = False) -> str:
    if not math.isfinite(value):
        return "–"
    if percent:
        return f"{value:.1%}"
    # "7.41e-4", not "0.000741": a well-trained loss keeps the line short enough to fit the panel
    return f"{value:.3g}" if value == 0 or abs(value) >= 1e-3 else f"{value:.2e}".replace("e-0", "e-")


def metrics_line(snap: Snapshot, task: str | None) -> str:
    """"Epoch 312 · train loss 0.012 · test loss 0.015 · test accuracy 98.4%" (what fits the task)."""
    parts = [f"Epoch {snap.epoch:,}"]
    for split in ("train", "test", "val"):
        value = snap.latest(f"{split}_loss")
        if math.isfinite(value):
            parts.append(f"{split} loss {_fmt(value)}")
    key = "r2" if task == REGRESSION else "accuracy"
    for split in ("train", "test"):
        value = snap.latest(f"{split}_{key}")
        if math.isfinite(value):
            parts.append(f"{split} {_METRIC_NAMES[key]} {_fmt(value, key == 'accuracy')}")
    return " · ".join(parts)  # thin separators: the line must fit the panel at 1440 px


def metrics_table(snap: Snapshot, keys: tuple[str, ...] = tuple(_METRIC_NAMES), title: bool = True) -> str:
    """The latest metrics as a small HTML table: one row per metric of `keys`, columns per split
    (a split with no figure at all, such as an absent validation split, is left out)."""
    splits = [s for s in ("train", "val", "test")
              if any(math.isfinite(snap.metrics.get(f"{s}_{k}", math.nan)) for k in keys)]
    rows = []
    for key in keys:
        values = [snap.metrics.get(f"{s}_{key}", math.nan) for s in splits]
        if any(math.isfinite(v) for v in values):
            cells = "".join(f"<td align='right'>{_fmt(v, key == 'accuracy')}</td>" for v in values)
            rows.append(f"<tr><td>{_METRIC_NAMES[key]}</td>{cells}</tr>")
    head = "".join(f"<th align='right'>{s}</th>" for s in splits)
    heading = f"<p><b>Epoch {snap.epoch:,}</b></p>" if title else ""
    return (f"{heading}<table cellspacing='{8 if title else 3}'><tr><th></th>{head}</tr>"
            + "".join(rows) + "</table>")


def _checkbox(text: str, tip: str) -> QCheckBox:
    box = QCheckBox(text)
    box.setToolTip(tip)
    return box


class OutputPanel(QWidget):
    """Output of a run: picks the views for the data kind; curves always below."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self._network: NetworkSpec | None = None  # a linear model's table shows its coefficients
        self.boundary = BoundaryView()
        self.regression = RegressionView()
        self.samples = SampleGridView()
        self.confusion = ConfusionView()
        self.curves = CurvesView()
        self.score_view = ScoresView()  # the Metrics tab beside this one: fed from here, like the others
        self.summary = QLabel()
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.show_test = _checkbox(self.tr("Show test data"),
                                   self.tr("Draw the test examples (dark outline) too."))
        self.size_by_loss = _checkbox(self.tr("Size by loss"), self.tr(
            "Draw each point bigger the higher its loss, so the hard examples stand out."))
        self.discretize = _checkbox(self.tr("Discretize output"), self.tr(
            "Colour by the predicted class instead of the model's confidence (two classes: class 1 from the "
            "Metrics tab's threshold on)."))
        self.log_scale = _checkbox(self.tr("Log scale"), self.tr("Logarithmic loss axis: small late "
                                                                 "improvements stay visible."))
        self.batch_loss = _checkbox(self.tr("Batch loss"), self.tr(
            "Also draw the running mean of the batch losses during each epoch (dashed; what a PyTorch loop "
            "that adds up loss.item() prints), beside the train loss measured at the end of the epoch."))
        self.metrics = QLabel()
        self.metrics.setObjectName("counter")
        self.scores = QLabel()  # every classification metric beside the curves, whatever the data
        self.scores.setObjectName("scores")
        self.scores.setTextFormat(Qt.TextFormat.RichText)
        self.scores.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scores.setFixedWidth(190)
        self.scores.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Ignored)
        self.scores.setToolTip(QCoreApplication.translate(
            "OutputPanel", "Precision, recall and F1 at the predicted class (macro averages over the "
            "classes when there are more than two); ROC AUC ranks by the predicted probability."))
        # Text that changes every frame must not change the panel's minimum size: a relayout
        # resizes the plots, and a resized plot re-lays out all its axes (the costly part).
        self.metrics.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._build()
        self.show_test.toggled.connect(self._on_show_test)
        self.size_by_loss.toggled.connect(self._on_size_by_loss)
        self.discretize.toggled.connect(self.boundary.set_discretize)
        self.log_scale.toggled.connect(self.curves.set_log_y)
        self.batch_loss.toggled.connect(self.curves.set_batch_loss)
        self.score_view.threshold_changed.connect(self._on_threshold)
        self.set_dataset(None)

    def _build(self) -> None:
        title = QLabel(self.tr("OUTPUT"))
        title.setObjectName("sectionTitle")
        toggles = QHBoxLayout()
        toggles.addWidget(title)
        toggles.addStretch(1)
        for box in (self.show_test, self.size_by_loss, self.discretize, self.log_scale):
            toggles.addWidget(box)
        toggles.addWidget(self.batch_loss)
        self.pages = QStackedWidget()
        empty = QLabel(self.tr("No data to show."))
        empty.setObjectName("hint")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image_page, self._table_page = QWidget(), QWidget()
        self._image_row = QHBoxLayout(self._image_page)
        self._image_row.addWidget(self.samples, 3)
        self._table_row = QHBoxLayout(self._table_page)
        self._table_row.addWidget(self.summary, 2)
        for row in (self._image_row, self._table_row):
            row.setContentsMargins(0, 0, 0, 0)
        for page in (empty, self.boundary, self.regression, self._image_page, self._table_page):
            self.pages.addWidget(page)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.pages)
        below = QWidget()
        below_row = QHBoxLayout(below)
        below_row.setContentsMargins(0, 0, 0, 0)
        below_row.addWidget(self.curves, 1)
        below_row.addWidget(self.scores)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.curves.setMinimumHeight(140)
        self.pages.setMinimumHeight(200)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addLayout(toggles)
        lay.addWidget(self.metrics)
        lay.addWidget(split, 1)

    # ------------------------------------------------------------------ API ---------------
    @property
    def page(self) -> str:
        """Which view is showing: "empty", "points2d", "line1d", "image" or "table"."""
        return _PAGES[self.pages.currentIndex()]

    def set_dataset(self, ds: Dataset | None) -> None:
        """Show the views that fit `ds` (None: an empty panel) and draw its data."""
        self.dataset = ds
        kind = ds.kind if ds is not None and ds.kind in _PAGES else EMPTY
        self.boundary.set_dataset(ds if kind == POINTS2D else None)
        self.regression.set_dataset(ds if kind == LINE1D else None)
        self.samples.set_dataset(ds if kind == IMAGE else None)
        has_confusion = ds is not None and ds.task == MULTICLASS and kind in (IMAGE, TABLE)
        self.confusion.set_dataset(ds if has_confusion else None)
        row = self._image_row if kind == IMAGE else self._table_row
        row.addWidget(self.confusion, 2)  # re-parents it into the page that shows it
        self.confusion.setVisible(has_confusion)
        self.score_view.set_dataset(ds)
        self.pages.setCurrentIndex(_PAGES.index(kind))
        self.show_test.setEnabled(kind in (POINTS2D, LINE1D))
        self.discretize.setEnabled(kind == POINTS2D and ds.task != REGRESSION)
        self.size_by_loss.setEnabled(kind in (POINTS2D, LINE1D))
        self._on_show_test(self.show_test.isChecked())
        self.boundary.set_discretize(self.discretize.isChecked())
        # the table page shows every metric already; other classification pages get the side table
        self.scores.setVisible(ds is not None and ds.task != REGRESSION and kind != TABLE)
        self._clear_text()

    def set_loss(self, loss: str) -> None:
        """The run's loss ("auto" or a registry name): per-point losses are read out in its family."""
        self.boundary.set_loss(loss)
        self.regression.set_loss(loss)

    def set_network(self, network: NetworkSpec) -> None:
        """The run's network: a linear one's table page shows its fitted coefficients."""
        self._network = network

    def _coefficients(self, snap: Snapshot) -> str:
        """"y = 1.5·a − 0.7·b + 4" in the file's own units for a linear model, else ""."""
        if self._network is None or self.dataset is None or snap.weights is None:
            return ""
        coefs = coefficients(self._network, self.dataset, snap.weights)
        if coefs is None:
            return ""
        text = self.tr("Fitted, in the file's units: y = {0}").format(coefficients_text(coefs))
        return f"<p>{html.escape(text, quote=False)}</p>"  # column names are the file's: may hold < or &

    def update_snapshot(self, snap: Snapshot) -> None:
        """Draw the newest snapshot in every visible view (both frame phases at once)."""
        self.update_main(snap)
        self.update_secondary(snap)

    def update_main(self, snap: Snapshot) -> None:
        """The first phase of a frame: the page's picture (boundary, fitted line or images)."""
        kind = self.page
        if kind == POINTS2D:
            self.boundary.update_snapshot(snap)
        elif kind == LINE1D:
            self.regression.update_snapshot(snap)
        elif kind == IMAGE:
            self.samples.update_snapshot(snap)
        elif kind == TABLE:
            self.summary.setText(metrics_table(snap) + self._coefficients(snap))
        if self.confusion.isVisibleTo(self):
            self.confusion.update_snapshot(snap)

    def update_secondary(self, snap: Snapshot) -> None:
        """The second phase (one frame later): the curves and the metrics line."""
        self.curves.update_snapshot(snap)
        self.score_view.update_snapshot(snap)
        self.metrics.setText(metrics_line(snap, self.dataset.task if self.dataset else None))
        if self.scores.isVisibleTo(self):
            self.scores.setText(metrics_table(snap, _CLASS_METRICS, title=False))

    def plot_for_export(self, name: str) -> pg.PlotItem | None:
        """The PlotItem to export: "loss" (always), "boundary" (when the boundary is showing)."""
        if name == "loss":
            return self.curves.loss_plot
        if name == "boundary" and self.page == POINTS2D:
            return self.boundary.getPlotItem()
        return None

    def clear(self) -> None:
        """Forget the run: no boundary, curve, guesses or history; the data stays drawn."""
        for view in (self.boundary, self.regression, self.samples, self.confusion, self.curves,
                     self.score_view):
            view.clear()
        self._clear_text()

    # ------------------------------------------------------------------ internals ---------
    def _on_show_test(self, show: bool) -> None:
        self.boundary.set_show_test(show)
        self.regression.set_show_test(show)

    def _on_threshold(self, threshold: float) -> None:
        """The Metrics tab's threshold also splits the discretized plane, and the box says where."""
        self.boundary.set_threshold(threshold)
        self.discretize.setText(self.tr("Discretize output") if threshold == 0.5
                                else self.tr("Discretize at {0}").format(f"{threshold:.2f}"))

    def _on_size_by_loss(self, on: bool) -> None:
        self.boundary.set_size_by_loss(on)
        self.regression.set_size_by_loss(on)

    def _clear_text(self) -> None:
        self.metrics.setText(self.tr("Epoch 0") if self.dataset is not None else "")
        self.summary.setText(self.tr("Train to see the metrics.") if self.page == TABLE else "")
        self.scores.setText("")


if __name__ == "__main__":
    import sys

    from playground.gui.plots._preview import preview

    preview(OutputPanel, dataset=sys.argv[1] if len(sys.argv) > 1 else "circle")
