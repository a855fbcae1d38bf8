"""Training dynamics: per-layer gradient norms, unit activity and the learning rate, per epoch.

Three stacked plots share the epoch axis, so a glance reads them together:

* **Gradient norm per layer, log axis.** Vanishing gradients show as the input-side layers' curves
  lying decades below the output's; exploding ones as curves shooting up. Colours run along the
  depth of the network (input side light, output dark), so "the ladder" of curves reads as depth.
* **Dead / saturated units.** ReLU-family layers: share of units that output 0 for every training
  example; tanh/sigmoid layers: share of outputs pinned at the flat ends. A dashed line marks the
  50% level at which the designer puts a warning badge on the block.
* **Learning rate**, only when it can change (a schedule, warm-up, or a live edit): the actual lr
  per epoch, and the planned curve ahead, dashed, computed from the schedule's `factor(epoch)`.

Like the loss curves, items are created once (a curve per layer appears the first time its
history column does) and fed with `setData`; a snapshot is drawn only when its history grew, and
axis ranges move in round steps so the axes are not re-laid out every frame. While a run streams,
the view follows at ~8 Hz (REFRESH_S, its spacing with the window's FrameScheduler): redrawing a
dozen per-layer curves of thousands of epochs for every snapshot took a third of a core (spiral,
tabs_benchmark), which the trainer then lacked.
A paused or finished run's snapshot is always drawn.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.core.diagnostics import diagnose_gradients
from playground.core.experiment import Experiment
from playground.core.keys import DEAD, SATURATED, layer_series
from playground.core.keys import GRAD_NORM as GRAD
from playground.core.model import NetworkReport
from playground.core.schedules import Schedule, make_schedule
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st
from playground.gui.plots.curves import nice_ceil

REFRESH_S = 0.12  # while a run streams, one redraw in this long (the FrameScheduler spaces it)
WARN_SHARE = 0.5  # the designer's badge threshold, drawn as a guide line
MAX_LEGEND = 8  # legend entries: a deeper stack shows its first and last four and how many are between
_LR_COLOUR = st.POSITIVE
PLAN_POINTS = 2048  # most epochs the planned learning rate is drawn at
_PLAN_COLOUR = "#7fb3d9"  # the same blue, lighter: the plan is what has not happened yet
# Depth ramp: light orange at the input side, through red-violet, to dark blue at the output.
_DEPTH = pg.ColorMap([0.0, 0.5, 1.0], [(245, 147, 34), (190, 60, 120), (24, 61, 120)])


@lru_cache(maxsize=256)
def layer_colour(i: int, blocks: int) -> str:
    """Colour of block `i` of `blocks` (hidden layers then the head) along the depth ramp."""
    t = i / max(blocks - 1, 1)
    return _DEPTH.map(t, mode="qcolor").name()


def block_label(i: int, exp: Experiment | None, report: NetworkReport | None) -> str:
    """"Layer 1 (Dense 4 tanh)" for hidden block i, "Output" for the head."""
    hidden = len(exp.network.layers) if exp is not None else None
    if hidden is not None and i >= hidden:
        return "Output"
    if report is not None and i < len(report.hidden) and report.hidden[i].label:
        return f"Layer {i + 1} ({report.hidden[i].label})"
    return f"Layer {i + 1}"


def planned_lr(schedule: Schedule, base_lr: float, last_epoch: int,
               points: int = PLAN_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(epochs 1..last_epoch, lr) as the schedule plans it: epoch e trains with base·factor(e−1).

    At most `points` epochs, evenly spaced (true epochs, exact values): a run with no epoch limit
    plans ever further ahead, and one Python call per epoch grew without end (1.25 M calls per
    redraw at epoch 10^6). A plot is a few hundred pixels wide; 2048 points outdraw it.
    """
    last_epoch = max(last_epoch, 0)
    if last_epoch <= points:
        epochs = np.arange(1, last_epoch + 1, dtype=float)
    else:
        epochs = np.unique(np.round(np.linspace(1, last_epoch, points)))
    lr = np.array([base_lr * schedule.factor(int(e) - 1) for e in epochs], dtype=float)
    return epochs, lr


class DynamicsView(QWidget):
    """Gradient norms, unit activity and learning rate of the run, per layer and epoch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._exp: Experiment | None = None
        self._report: NetworkReport | None = None
        self._schedule: Schedule | None = None
        self._ranges: dict[str, tuple[float, float]] = {}
        self._drawn: tuple | None = None
        self._pending: Snapshot | None = None
        self.grad_curves: dict[int, pg.PlotDataItem] = {}
        self.activity_curves: dict[int, pg.PlotDataItem] = {}
        self._colours: dict[int, str] = {}
        self._legend_items: tuple = ()
        self._build()
        self.clear()

    def _build(self) -> None:
        title = QLabel(self.tr("TRAINING DYNAMICS"))
        title.setObjectName("sectionTitle")
        self.diagnosis = QLabel()
        self.diagnosis.setObjectName("hint")
        self.diagnosis.setWordWrap(True)
        # One legend for both per-layer plots (same colour per layer), as wrapped text above them:
        # a legend inside a plot covers exactly the curves it names.
        self.legend = QLabel()
        self.legend.setObjectName("legend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground(st.PAPER)
        layout = self.plots.ci
        self.grad_plot = layout.addPlot(row=0, col=0)
        self.activity_plot = layout.addPlot(row=1, col=0)
        self.lr_plot = layout.addPlot(row=2, col=0)
        for plot in (self.grad_plot, self.activity_plot, self.lr_plot):
            st.use_epoch_axis(plot)
        st.style_plot(self.grad_plot, "", self.tr("gradient norm"))
        st.style_plot(self.activity_plot, self.tr("epoch"), self.tr("dead / saturated %"))
        st.style_plot(self.lr_plot, self.tr("epoch (the whole planned run)"), self.tr("learning rate"))
        for plot in (self.grad_plot, self.activity_plot, self.lr_plot):
            plot.setMouseEnabled(x=False, y=False)
            plot.disableAutoRange()
            plot.getAxis("left").setWidth(62)  # equal axis widths: the plots line up one above the other
        # The lr plot keeps its own epoch axis: it shows the whole planned run, not only the past.
        self.activity_plot.setXLink(self.grad_plot)
        self.grad_plot.setLogMode(x=False, y=True)
        self.activity_plot.setYRange(0, 100, padding=0.04)
        self.warn_line = pg.InfiniteLine(WARN_SHARE * 100, angle=0, movable=False,
                                         pen=pg.mkPen(st.WRONG, width=1, style=Qt.PenStyle.DashLine))
        self.activity_plot.addItem(self.warn_line)
        pg.InfLineLabel(self.warn_line, "warning", position=0.97, anchors=[(1, 1), (1, 1)], color=st.WRONG)
        self.lr_actual = self.lr_plot.plot([], [], pen=pg.mkPen(_LR_COLOUR, width=1), connect="finite")
        self.lr_planned = self.lr_plot.plot([], [], pen=pg.mkPen(_PLAN_COLOUR, width=1.5,
                                                                 style=Qt.PenStyle.DashLine))
        self.lr_planned.setZValue(-1)
        self.now_line = pg.InfiniteLine(0, angle=90, movable=False, pen=pg.mkPen(st.BORDER, width=1))
        pg.InfLineLabel(self.now_line, "now", position=0.08, anchors=[(0, 1), (0, 1)], color=st.MUTED)
        self.lr_plot.addItem(self.now_line)
        self._lr_shown = True
        for row, stretch in enumerate((3, 2, 2)):  # the gradient ladder needs the most height
            layout.layout.setRowStretchFactor(row, stretch)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(4)
        lay.addWidget(title)
        lay.addWidget(self.diagnosis)
        lay.addWidget(self.legend)
        lay.addWidget(self.plots, 1)

    # ------------------------------------------------------------------ API ---------------
    @property
    def lr_visible(self) -> bool:
        """Whether the learning-rate plot is part of the view (a schedule or a changed lr)."""
        return self._lr_shown

    def set_experiment(self, exp: Experiment, report: NetworkReport | None = None) -> None:
        """Labels from the layer stack, and the schedule whose plan the lr plot draws ahead."""
        self._exp, self._report = exp, report
        sched = exp.training.schedule
        changes = sched.name != "constant" or sched.params.get("warmup_epochs", 0) > 0
        self._schedule = make_schedule(sched.name, dict(sched.params)) if changes else None
        self._drawn = None  # labels may have changed: the next snapshot redraws them
        self._draw_plan(0, None)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Redraw from the snapshot's history when it grew (an epoch ended) or the lr changed.

        While hidden (another tab in front) only the newest snapshot is kept, drawn on show.
        """
        if not self.isVisible():
            self._pending = snap
            return
        self._pending = None
        history = snap.history
        epochs = history.get("epoch")
        if epochs is None or len(epochs) == 0:
            return
        key = (len(epochs), float(epochs[-1]), snap.lr)
        if key == self._drawn:
            return
        self._drawn = key
        blocks = self._block_count(history)
        self._draw_family(self.grad_curves, self.grad_plot, epochs, layer_series(history, GRAD), blocks)
        self._draw_family(self.activity_curves, self.activity_plot, epochs,
                          layer_series(history, DEAD, SATURATED), blocks)
        self._update_legend()
        self._fit(epochs)
        self._draw_lr(epochs, history.get("lr"), snap)
        self.diagnosis.setText(diagnose(history, self._exp))

    def clear(self) -> None:
        """Forget the run; the planned learning rate (if any) stays, it belongs to the experiment."""
        for curve in (*self.grad_curves.values(), *self.activity_curves.values(), self.lr_actual):
            self._hide(curve)
        self._ranges.clear()
        self._drawn, self._drawn_at = None, -math.inf
        self._pending = None
        self._update_legend()
        self.now_line.setValue(0.0)
        self._set_range("x", self.grad_plot, "x", (0.0, 10.0))
        self._set_range("grad", self.grad_plot, "y", (-4.0, 1.0))
        self.diagnosis.setText(self.tr("Gradient size per layer, dead or saturated units and the learning "
                                       "rate appear here while the network trains."))
        self._draw_plan(0, None)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._pending is not None:
            self.update_snapshot(self._pending)

    # ------------------------------------------------------------------ curves ------------
    def _block_count(self, history: Mapping[str, np.ndarray]) -> int:
        if self._exp is not None:
            return len(self._exp.network.layers) + 1
        return max(layer_series(history, GRAD), default=0) + 1

    def _draw_family(self, curves: dict[int, pg.PlotDataItem], plot: pg.PlotItem, epochs: np.ndarray,
                     series: dict[int, tuple[str, np.ndarray]], blocks: int) -> None:
        for i in set(curves) - set(series):
            self._hide(curves[i])
        for i in sorted(series):
            kind, y = series[i]
            y = y * 100.0 if kind != GRAD else np.where(y > 0, y, np.nan)  # log axis: no zeros
            if i not in curves:
                curves[i] = plot.plot([], [], connect="finite")
                curves[i].setDownsampling(auto=True, method="peak")
                curves[i].setClipToView(True)
                curves[i].setVisible(False)
            curve = curves[i]
            colour = layer_colour(i, blocks)
            name = block_label(i, self._exp, self._report)
            label = name if kind == GRAD else f"{name.split(' (')[0]} {kind}"
            if not curve.isVisible() or curve.name() != label or self._colours.get(i) != colour:
                curve.setPen(pg.mkPen(colour, width=1))
                curve.opts["name"] = label
                curve.setVisible(True)
            self._colours[i] = colour
            curve.setData(epochs, y)

    def _hide(self, curve: pg.PlotDataItem) -> None:
        curve.setData([], [])
        curve.setVisible(False)

    def _update_legend(self) -> None:
        """Coloured squares and names of the blocks drawn (both plots use the same colours); for a deep
        stack only the first and last MAX_LEGEND / 2, the colours running along the depth between them."""
        names = {i: c.name() for i, c in self.grad_curves.items() if c.isVisible()}
        for i, c in self.activity_curves.items():
            if c.isVisible() and i not in names:
                names[i] = block_label(i, self._exp, self._report)
        items = tuple((self._colours[i], names[i]) for i in sorted(names))
        if items == self._legend_items:
            return
        self._legend_items = items
        entries = [f"<span style='white-space:nowrap'><span style='color:{c}'>&#9632;</span>&nbsp;"
                   f"<span style='color:{st.MUTED}'>{html.escape(n)}</span></span>" for c, n in items]
        if len(entries) > MAX_LEGEND + 1:  # a hundred names would bury the plots: the ends and a count
            half = MAX_LEGEND // 2
            gap = self.tr("… {0} more layers").format(QLocale().toString(len(entries) - 2 * half))
            entries[half:-half] = [f"<span style='color:{st.MUTED}'>{html.escape(gap)}</span>"]
        self.legend.setText("&nbsp;&nbsp; ".join(entries))

    # ------------------------------------------------------------------ learning rate -----
    def _draw_lr(self, epochs: np.ndarray, lr: np.ndarray | None, snap: Snapshot) -> None:
        span = st.finite_range(lr) if lr is not None and len(lr) > 1 else None
        changed = span is not None and span[1] > span[0] * (1 + 1e-9)
        if lr is not None and (self._schedule is not None or changed):
            self.lr_actual.setVisible(True)
            self.lr_actual.setData(epochs, lr)
        self.now_line.setValue(float(epochs[-1]))
        self._draw_plan(int(epochs[-1]), snap, force=changed)

    def _draw_plan(self, epoch: int, snap: Snapshot | None, force: bool = False) -> None:
        """The planned lr (dashed) over the whole run: up to the epoch limit, or a bit ahead without one."""
        self._show_lr(self._schedule is not None or force)
        limit = self._exp.training.epochs if self._exp is not None else 0
        end = limit or nice_ceil(max(epoch, 8) * 1.25, 10)
        self._set_range("lr_x", self.lr_plot, "x", (0.0, float(end)))
        if self._schedule is None or self._schedule.name == "plateau":
            self.lr_planned.setData([], [])  # reduce-on-plateau reacts to the loss: no plan to draw
        else:
            base = float(self._exp.training.optimizer.params.get("lr", 0.0))
            factor = self._schedule.factor(epoch)
            if snap is not None and snap.lr > 0 and factor > 1e-12:
                base = snap.lr / factor  # follows a live lr edit: the schedule keeps its shape
            self.lr_planned.setData(*planned_lr(self._schedule, base, int(end)))
        values = [c.yData for c in (self.lr_actual, self.lr_planned) if c.yData is not None and len(c.yData)]
        bounds = st.finite_range(np.concatenate(values)) if values else None
        self._set_range("lr", self.lr_plot, "y", (0.0, nice_ceil(bounds[1]) if bounds else 1.0))

    def _show_lr(self, show: bool) -> None:
        """The lr plot takes room only when the learning rate can change."""
        if show == self._lr_shown:
            return
        self._lr_shown = show
        if show:
            self.plots.ci.addItem(self.lr_plot, row=2, col=0)
        else:
            self.plots.ci.removeItem(self.lr_plot)
        self.lr_plot.setVisible(show)

    # ------------------------------------------------------------------ ranges ------------
    def _fit(self, epochs: np.ndarray) -> None:
        self._set_range("x", self.grad_plot, "x", (0.0, nice_ceil(float(epochs[-1]), 10)))
        values = [c.yData for c in self.grad_curves.values() if c.isVisible() and c.yData is not None]
        bounds = st.finite_range(np.concatenate(values)) if values else None
        if bounds is not None:
            low, high = max(bounds[0], 1e-12), max(bounds[1], 1e-12)
            lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
            self._set_range("grad", self.grad_plot, "y", (float(lo), float(max(hi, lo + 1))))

    def _set_range(self, key: str, plot: pg.PlotItem, axis: str, span: tuple[float, float]) -> None:
        st.set_range_once(self._ranges, key, plot, axis, span, 0.02 if axis == "x" else 0.04)


def diagnose(history: Mapping[str, np.ndarray], exp: Experiment | None = None) -> str:
    """One sentence about the recent epochs (the verdict is core.diagnostics')."""
    d = diagnose_gradients(history, exp)
    tr = QCoreApplication.translate
    if d.verdict == "vanishing":
        if d.saturating:
            return tr("DynamicsView", "Vanishing gradients: the first layer's gradient is {0}× the "
                      "output's, so it barely learns. Try ReLU, fewer layers, Xavier/He initialisation or "
                      "BatchNorm."
                      ).format(f"{d.ratio:.1e}")
        return tr("DynamicsView", "Vanishing gradients: the first layer's gradient is {0}× the output's, so "
                  "it barely learns. Try He initialisation, BatchNorm, a residual-free shallower stack or "
                  "Adam.").format(f"{d.ratio:.1e}")
    if d.verdict == "exploding":
        return tr("DynamicsView", "Exploding gradients: the first layer's gradient is {0}× the output's. "
                  "Try a lower learning rate, gradient clipping or smaller initial weights."
                  ).format(f"{d.ratio:.1e}")
    if d.verdict == "healthy":
        return tr("DynamicsView", "Gradients reach the first layer at {0}× the output's size: healthy."
                  ).format(f"{d.ratio:.2g}")
    return tr("DynamicsView", "Gradient norm per layer (log scale), unit activity and learning rate per "
              "epoch.")


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(DynamicsView, "spiral")
