"""Loss and accuracy (or R²) against epoch: the run's history, redrawn from each snapshot.

Curves are created once and fed with `setData` on the snapshot's history arrays; auto
downsampling (peak mode, so spikes survive) and clip-to-view keep long runs as cheap as short
ones. Pens are 1 px: Qt strokes wider pens as paths, which made the curves the costliest view
of a frame (8.8 ms vs 3.1 ms at 5,000 epochs here). Accuracy lives in a second plot beside the
loss (shared epoch axis) rather than on a right axis: two scales on one plot invite reading one
curve against the other's ticks.

Axis ranges are set by hand and grow in round steps instead of auto-ranging: an axis whose range
changes re-lays out its tick texts, which was the largest cost of a frame (measured ~2 ms per
axis, curves 8 ms -> 2.7 ms a frame); with stepped ranges the axes change a few times per decade.
A frame that moves an axis still costs ~12 ms (both epoch axes re-laid out, every curve re-mapped),
so while a run streams, such a frame only moves the loss plot's axes, and the accuracy plot's epoch
axis and the curves follow one frame later: no single frame pays for all of it.

Earlier runs can be overlaid (`set_overlays`): one faint, thin curve per run in the run's own
colour (its test loss, or train loss for a run without a test split), drawn under the live curves
and named in the legend ("Run 2 (test)"). They are redrawn only when their run's history object
changes, so a live frame never touches them, and the stepped ranges grow to include them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from playground.core.keys import BATCH_LOSS_MEAN
from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st

SPLITS = ("train", "test", "val")
_NAMES = {"train": "train", "test": "test", "val": "validation"}


OVERLAY_ALPHA = 90  # of 255, ~0.35: earlier runs stay in the background of the live one
OVERLAY_WIDTH = 1.5
Overlay = tuple[int, str, str, Mapping[str, np.ndarray]]  # (run id, label, colour, history)

_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # fine enough that at most ~20% of an axis is empty
# The epoch axis moves every time a run outgrows it, which a fast run does several times a second
# early on, and each move is the costliest frame of the curves: coarser steps there halve the moves
# for at most a third of the axis left empty.
_EPOCH_STEPS = (1, 1.5, 2, 3, 5, 7.5, 10)


def nice_ceil(value: float, minimum: float = 0.0, steps: tuple[float, ...] = _STEPS) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, ... x 10^k by default) >= value (and >= minimum)."""
    value = max(value, minimum)
    if not math.isfinite(value) or value <= 0:
        return minimum or 1.0
    exp = math.floor(math.log10(value))
    for step in steps:
        if step * 10.0**exp >= value * (1 - 1e-12):
            return step * 10.0**exp
    return 10.0 ** (exp + 1)


def _curve(plot: pg.PlotItem, split: str) -> pg.PlotCurveItem:
    """A live curve: a bare PlotCurveItem fed data already decimated by `peak_decimate`.

    PlotDataItem's own downsampling and clipping (and its Python around `setData`) cost about twice
    as much per frame here; the live curves are redrawn every frame, the overlays are not.
    """
    item = pg.PlotCurveItem(pen=pg.mkPen(st.CURVE_COLOURS[split], width=1), connect="finite")
    item.opts["name"] = _NAMES[split]
    plot.addItem(item)
    return item


def peak_decimate(x: np.ndarray, y: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ~2·`width` points: per bucket of epochs its lowest and highest value (NaN-aware), so
    a spike survives at any zoom; the tail that does not fill a bucket is kept as it is."""
    n = len(y)
    k = n // max(1, width)
    if k < 2:
        return x, y
    m = n // k
    buckets = y[: m * k].reshape(m, k)
    ys = np.empty(2 * m)
    ys[0::2] = np.fmin.reduce(buckets, axis=1)
    ys[1::2] = np.fmax.reduce(buckets, axis=1)
    xs = np.repeat(x[: m * k: k], 2)
    return np.concatenate([xs, x[m * k:]]), np.concatenate([ys, y[m * k:]])


@dataclass(eq=False)
class _OverlayCurves:
    """The drawn curves of one overlaid run, and the history they were drawn from."""

    label: str
    loss: pg.PlotDataItem
    score: pg.PlotDataItem
    history: Mapping[str, np.ndarray] | None = None
    legend_name: str = ""  # the legend entry now shown ("" = none)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # epoch, loss, score ranges


def _overlay_split(history: Mapping[str, np.ndarray]) -> str:
    """The split an overlay shows: test (generalisation is what runs are compared on) when it has one."""
    for split in ("test", "val", "train"):
        if np.isfinite(history.get(f"{split}_loss", [np.nan])).any():
            return split
    return "train"


class CurvesView(pg.GraphicsLayoutWidget):
    """Loss (left) and accuracy or R² (right) per epoch for train, test and validation splits."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        del self.clear  # GraphicsLayoutWidget copies its layout's clear() onto the instance
        self.setBackground(st.PAPER)
        self.loss_plot = self.addPlot(row=0, col=0)
        self.score_plot = self.addPlot(row=0, col=1)
        for plot in (self.loss_plot, self.score_plot):
            st.use_epoch_axis(plot)
        st.style_plot(self.loss_plot, self.tr("epoch"), self.tr("loss"))
        st.style_plot(self.score_plot, self.tr("epoch"), self.tr("accuracy"))
        # Not X-linked: the two epoch axes are set to the same range by hand, so that while a run
        # streams they can move on consecutive frames (`_sync_score_x`), each frame paying for one.
        # Legends where the curves are not: loss falls (top right is free), accuracy rises.
        for plot, offset in ((self.loss_plot, (-6, 6)), (self.score_plot, (-6, -30))):
            plot.setMouseEnabled(x=False, y=False)
            plot.disableAutoRange()
            plot.addLegend(offset=offset, labelTextColor=st.MUTED, labelTextSize="8pt", verSpacing=-6,
                           brush=pg.mkBrush(255, 255, 255, 200))
        self.loss_curves = {s: _curve(self.loss_plot, s) for s in SPLITS}
        self.score_curves = {s: _curve(self.score_plot, s) for s in SPLITS}
        self.batch_curve = pg.PlotCurveItem(pen=pg.mkPen(st.CURVE_COLOURS["train"], width=1,
                                                         style=Qt.PenStyle.DashLine), connect="finite")
        # With it shown, the two train figures are named so that they are never confused.
        self.batch_curve.opts["name"] = self.tr("batch-loss<br>running mean<br>(during the epoch)")
        self.loss_plot.addItem(self.batch_curve)
        self._batch_loss = False  # show the batch-loss running mean (`set_batch_loss`)
        self._score_key = "accuracy"
        self._log_y = False
        self._ranges: dict[str, tuple[float, float]] = {}
        self._drawn: tuple | None = None  # identifies the history last drawn
        self._live: Mapping[str, np.ndarray] | None = None  # the history the live curves show
        self._deferred = False  # the last frame moved the axes and left the curves for this one
        self.overlay_curves: dict[int, _OverlayCurves] = {}
        self.clear()

    @property
    def point_count(self) -> int:
        """Epochs currently drawn (of the live run)."""
        epochs = self._live.get("epoch") if self._live else None
        return 0 if epochs is None else len(epochs)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Redraw every curve from the snapshot's history."""
        history = snap.history
        epochs = history.get("epoch")
        if epochs is None or len(epochs) == 0:
            return
        key = (len(epochs), tuple(sorted((k, repr(float(v[-1]))) for k, v in history.items())))  # NaN-safe
        if key == self._drawn:
            return  # the history only grows when an epoch ends: most frames have nothing new
        self._drawn = key
        self._use_score(self._score_key_for(history))
        streaming = snap.state == RunState.RUNNING and self.point_count and not self._deferred
        if self._fit_ranges(history, sync_score_x=not streaming) and streaming:
            self._drawn, self._deferred = None, True  # the axes moved this frame; the curves follow next
            return
        self._deferred = False
        self._sync_score_x()  # while streaming, a frame after the loss plot's
        self._draw_live(history)

    def _draw_live(self, history: Mapping[str, np.ndarray]) -> None:
        self._live = history
        epochs = history["epoch"]
        for split in SPLITS:
            self._set(self.loss_curves[split], epochs, history.get(f"{split}_loss"))
            self._set(self.score_curves[split], epochs, history.get(f"{split}_{self._score_key}"))
        self._set(self.batch_curve, epochs, history.get(BATCH_LOSS_MEAN) if self._batch_loss else None)

    def set_batch_loss(self, on: bool) -> None:
        """Show the running mean of each epoch's batch losses (what the course's PyTorch loop prints)
        dashed beside the train loss, the two named apart in the legend."""
        self._batch_loss = bool(on)
        train = self.loss_curves["train"]
        name = self.tr("train loss<br>(end of epoch)") if on else _NAMES["train"]
        if train.isVisible():
            self.loss_plot.legend.removeItem(train)
            self.loss_plot.legend.addItem(train, name)
        train.opts["name"] = name
        # Long names: bottom left, under the falling curves (else top right, where nothing is yet).
        corner = ((0, 1), (0, 1), (6, -6)) if on else ((1, 0), (1, 0), (-6, 6))
        self.loss_plot.legend.anchor(*corner)
        self._ranges.pop("loss", None)
        if self._live:
            self._draw_live(self._live)
        self._refit()

    def set_log_y(self, on: bool) -> None:
        """Logarithmic loss axis: late, small improvements stay visible."""
        self._log_y = bool(on)
        self.loss_plot.setLogMode(x=False, y=self._log_y)
        for overlay in self.overlay_curves.values():
            self._draw_overlay(overlay)
        self._ranges.pop("loss", None)
        if self._live:
            self._draw_live(self._live)  # the live curves carry log10 values themselves
        self._refit()

    def set_overlays(self, overlays: Sequence[Overlay]) -> None:
        """Show exactly these earlier runs as faint curves; (re)draw only those whose history changed."""
        wanted = {run_id: (label, colour, history) for run_id, label, colour, history in overlays}
        gone = [run_id for run_id in self.overlay_curves if run_id not in wanted]
        for run_id in gone:
            self._remove_overlay(run_id)
        changed = bool(gone)
        for run_id, (label, colour, history) in wanted.items():
            overlay = self.overlay_curves.get(run_id) or self._add_overlay(run_id, label, colour)
            if overlay.history is not history:
                overlay.history, changed = history, True
                self._draw_overlay(overlay)
        if changed:
            self._refit()

    def clear(self) -> None:
        """Forget the live run; overlaid runs stay."""
        for curve in (*self.loss_curves.values(), *self.score_curves.values(), self.batch_curve):
            self._hide(curve)
        self._ranges.clear()
        self._drawn = self._live = None
        self._set_range("x", self.loss_plot, "x", (0.0, 10.0))
        self._sync_score_x()
        self._set_range("loss", self.loss_plot, "y", (0.0, 1.0))
        self._set_range("score", self.score_plot, "y", (0.0, 1.0))
        if self.overlay_curves:
            self._fit_ranges(None)

    # ------------------------------------------------------------------ ranges ------------
    def _fit_ranges(self, history: Mapping[str, np.ndarray] | None, sync_score_x: bool = True) -> bool:
        """Grow the axes to hold the live history (None: no live run) and every overlay; True if one moved.

        `sync_score_x=False` leaves the accuracy plot's epoch axis for `_sync_score_x` (next frame).
        """
        history = history or {}
        spans = [o.bounds for o in self.overlay_curves.values()]
        last = [float(history["epoch"][-1])] if len(history.get("epoch", ())) else []
        last += [b["epoch"][1] for b in spans if "epoch" in b]
        end = nice_ceil(max(last, default=0.0), 10, _EPOCH_STEPS)
        moved = self._set_range("x", self.loss_plot, "x", (0.0, end))
        if sync_score_x:
            moved |= self._sync_score_x()
        keys = [f"{s}_loss" for s in SPLITS] + [BATCH_LOSS_MEAN] * self._batch_loss
        losses = [history[k] for k in keys if k in history]
        bounds = _merge([st.finite_range(np.concatenate(losses)) if losses else None,
                         *(b.get("loss") for b in spans)])
        if bounds is not None:
            moved |= self._set_range("loss", self.loss_plot, "y", self._loss_range(*bounds))
        if self._score_key == "r2":
            scores = [history[f"{s}_r2"] for s in SPLITS if f"{s}_r2" in history]
            low = _merge([st.finite_range(np.concatenate(scores)) if scores else None,
                          *(b.get("score") for b in spans)])
            floor = -1.0 if low is None or low[0] < -1 else (-0.5 if low[0] < -0.05 else 0.0)
            moved |= self._set_range("score", self.score_plot, "y", (floor, 1.0))
        return moved

    def _loss_range(self, low: float, high: float) -> tuple[float, float]:
        if not self._log_y:
            return 0.0, nice_ceil(high)
        low = max(low, 1e-12)  # log axes take log10 of the range
        return math.floor(math.log10(low)), math.ceil(math.log10(max(high, low * 10)))

    def _sync_score_x(self) -> bool:
        """Give the accuracy plot the loss plot's epoch range; True if it moved."""
        return self._set_range("score_x", self.score_plot, "x", self._ranges["x"])

    def _set_range(self, key: str, plot: pg.PlotItem, axis: str, span: tuple[float, float]) -> bool:
        return st.set_range_once(self._ranges, key, plot, axis, span, 0.02 if axis == "x" else 0.03)

    def _refit(self) -> None:
        self._fit_ranges(self._live)

    # ------------------------------------------------------------------ curves ------------
    @staticmethod
    def _score_key_for(history: Mapping[str, np.ndarray]) -> str:
        has = any(np.isfinite(history.get(f"{s}_accuracy", [np.nan])).any() for s in SPLITS)
        return "accuracy" if has or not any(f"{s}_r2" in history for s in SPLITS) else "r2"

    def _use_score(self, key: str) -> None:
        if key == self._score_key:
            return
        self._score_key = key
        for overlay in self.overlay_curves.values():
            self._draw_overlay(overlay)
        self.score_plot.setLabel("left", self.tr("accuracy") if key == "accuracy" else "R²", color=st.MUTED)
        self._set_range("score", self.score_plot, "y", (0.0, 1.0))

    def _set(self, curve: pg.PlotCurveItem, x: np.ndarray, y: np.ndarray | None) -> None:
        if y is None or not np.isfinite(y).any():
            self._hide(curve)
            return
        if self._log_y and (curve in self.loss_curves.values() or curve is self.batch_curve):
            y = np.log10(np.where(y > 0, y, np.nan))  # the axis is log10; a perfect 0 is not drawable
        if not curve.isVisible():
            curve.setVisible(True)
            self._legend(curve).addItem(curve, curve.name())
        width = int(self.loss_plot.getViewBox().width())
        curve.setData(*peak_decimate(x, y, max(100, width)))

    def _hide(self, curve: pg.PlotCurveItem) -> None:
        """Hide a curve with no data, and keep it out of the legend (splits a run does not have)."""
        curve.setData([], [])
        if curve.isVisible():
            curve.setVisible(False)
            self._legend(curve).removeItem(curve)

    def _legend(self, curve: pg.PlotCurveItem) -> pg.LegendItem:
        plot = self.score_plot if curve in self.score_curves.values() else self.loss_plot
        return plot.legend


    # ------------------------------------------------------------------ overlays ----------
    def _add_overlay(self, run_id: int, label: str, colour: str) -> _OverlayCurves:
        faint = pg.mkColor(colour)
        faint.setAlpha(OVERLAY_ALPHA)
        curves = []
        for plot in (self.loss_plot, self.score_plot):
            # antialiased: a thin translucent line is jagged without it; overlays are static and few
            item = plot.plot([], [], pen=pg.mkPen(faint, width=OVERLAY_WIDTH), connect="finite",
                             antialias=True)
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
            item.setZValue(-1)  # under the live curves
            curves.append(item)
        overlay = self.overlay_curves[run_id] = _OverlayCurves(label, *curves)
        return overlay

    def _remove_overlay(self, run_id: int) -> None:
        overlay = self.overlay_curves.pop(run_id)
        if overlay.legend_name:
            self.loss_plot.legend.removeItem(overlay.loss)
        self.loss_plot.removeItem(overlay.loss)
        self.score_plot.removeItem(overlay.score)

    def _draw_overlay(self, overlay: _OverlayCurves) -> None:
        """Set an overlay's data from its history (the chosen split's loss and score) and its legend."""
        history = overlay.history or {}
        epochs = history.get("epoch")
        if epochs is None or len(epochs) == 0:
            epochs, history = np.zeros(0), {}
        split = _overlay_split(history)
        loss, score = history.get(f"{split}_loss"), history.get(f"{split}_{self._score_key}")
        shown = loss if loss is None or not self._log_y else np.where(loss > 0, loss, np.nan)
        for item, y in ((overlay.loss, shown), (overlay.score, score)):
            item.setData(epochs, y) if y is not None and len(epochs) else item.setData([], [])
        name = f"{overlay.label} ({split})" if len(epochs) else ""
        if name != overlay.legend_name:
            legend = self.loss_plot.legend
            if overlay.legend_name:
                legend.removeItem(overlay.loss)
            if name:
                legend.addItem(overlay.loss, name)
            overlay.legend_name = name
        overlay.bounds = {"epoch": (0.0, float(epochs[-1]))} if len(epochs) else {}
        for key, y in (("loss", loss), ("score", score)):
            span = st.finite_range(y) if y is not None else None
            if span is not None:
                overlay.bounds[key] = span


def _merge(spans: Sequence[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The smallest range holding every given (low, high) span; None when there is none."""
    present = [s for s in spans if s is not None]
    if not present:
        return None
    return min(s[0] for s in present), max(s[1] for s in present)


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(CurvesView)
