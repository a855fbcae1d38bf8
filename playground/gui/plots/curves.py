"""Loss and accuracy (or R²) against epoch: the run's history, redrawn from each snapshot.

Curves are created once and fed with `setData` on the snapshot's history arrays; auto
downsampling (peak mode, so spikes survive) and clip-to-view keep long runs as cheap as short
ones. Accuracy lives in a second plot beside the loss (shared epoch axis) rather than on a right
axis: two scales on one plot invite reading one curve against the other's ticks.

Axis ranges are set by hand and grow in round steps instead of auto-ranging: an axis whose range
changes re-lays out its tick texts, which was the largest cost of a frame (measured ~2 ms per
axis, curves 8 ms -> 2.7 ms a frame); with stepped ranges the axes change a few times per decade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st

SPLITS = ("train", "test", "val")
_NAMES = {"train": "train", "test": "test", "val": "validation"}


_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # fine enough that at most ~20% of an axis is empty


def nice_ceil(value: float, minimum: float = 0.0) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, ... x 10^k) that is >= value (and >= minimum)."""
    value = max(value, minimum)
    if not math.isfinite(value) or value <= 0:
        return minimum or 1.0
    exp = math.floor(math.log10(value))
    for step in _STEPS:
        if step * 10.0**exp >= value * (1 - 1e-12):
            return step * 10.0**exp
    return 10.0 ** (exp + 1)


def _curve(plot: pg.PlotItem, split: str) -> pg.PlotDataItem:
    item = plot.plot([], [], pen=pg.mkPen(st.CURVE_COLOURS[split], width=2), connect="finite")
    item.opts["name"] = _NAMES[split]
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class CurvesView(pg.GraphicsLayoutWidget):
    """Loss (left) and accuracy or R² (right) per epoch for train, test and validation splits."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        del self.clear  # GraphicsLayoutWidget copies its layout's clear() onto the instance
        self.setBackground(st.PAPER)
        self.loss_plot = self.addPlot(row=0, col=0)
        self.score_plot = self.addPlot(row=0, col=1)
        st.style_plot(self.loss_plot, "epoch", "loss")
        st.style_plot(self.score_plot, "epoch", "accuracy")
        self.score_plot.setXLink(self.loss_plot)
        # Legends where the curves are not: loss falls (top right is free), accuracy rises.
        for plot, offset in ((self.loss_plot, (-6, 6)), (self.score_plot, (-6, -30))):
            plot.setMouseEnabled(x=False, y=False)
            plot.disableAutoRange()
            plot.addLegend(offset=offset, labelTextColor=st.MUTED, labelTextSize="8pt", verSpacing=-6,
                           brush=pg.mkBrush(255, 255, 255, 200))
        self.loss_curves = {s: _curve(self.loss_plot, s) for s in SPLITS}
        self.score_curves = {s: _curve(self.score_plot, s) for s in SPLITS}
        self._score_key = "accuracy"
        self._log_y = False
        self._ranges: dict[str, tuple[float, float]] = {}
        self._drawn: tuple | None = None  # identifies the history last drawn
        self.clear()

    @property
    def point_count(self) -> int:
        """Epochs currently drawn (of the train loss curve)."""
        x = self.loss_curves["train"].xData
        return 0 if x is None else len(x)

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
        for split in SPLITS:
            self._set(self.loss_curves[split], epochs, history.get(f"{split}_loss"))
            self._set(self.score_curves[split], epochs, history.get(f"{split}_{self._score_key}"))
        self._fit_ranges(history)

    def set_log_y(self, on: bool) -> None:
        """Logarithmic loss axis: late, small improvements stay visible."""
        self._log_y = bool(on)
        self.loss_plot.setLogMode(x=False, y=self._log_y)
        self._ranges.pop("loss", None)
        self._refit()

    def clear(self) -> None:
        for curve in (*self.loss_curves.values(), *self.score_curves.values()):
            self._hide(curve)
        self._ranges.clear()
        self._drawn = None
        self._set_range("x", self.loss_plot, "x", (0.0, 10.0))
        self._set_range("loss", self.loss_plot, "y", (0.0, 1.0))
        self._set_range("score", self.score_plot, "y", (0.0, 1.0))

    # ------------------------------------------------------------------ ranges ------------
    def _fit_ranges(self, history: Mapping[str, np.ndarray]) -> None:
        self._set_range("x", self.loss_plot, "x", (0.0, nice_ceil(float(history["epoch"][-1]), 10)))
        losses = [history[f"{s}_loss"] for s in SPLITS if f"{s}_loss" in history]
        bounds = st.finite_range(np.concatenate(losses)) if losses else None
        if bounds is not None:
            self._set_range("loss", self.loss_plot, "y", self._loss_range(*bounds))
        if self._score_key == "r2":
            scores = [history[f"{s}_r2"] for s in SPLITS if f"{s}_r2" in history]
            low = st.finite_range(np.concatenate(scores)) if scores else None
            floor = -1.0 if low is None or low[0] < -1 else (-0.5 if low[0] < -0.05 else 0.0)
            self._set_range("score", self.score_plot, "y", (floor, 1.0))

    def _loss_range(self, low: float, high: float) -> tuple[float, float]:
        if not self._log_y:
            return 0.0, nice_ceil(high)
        low = max(low, 1e-12)  # log axes take log10 of the range
        return math.floor(math.log10(low)), math.ceil(math.log10(max(high, low * 10)))

    def _set_range(self, key: str, plot: pg.PlotItem, axis: str, span: tuple[float, float]) -> None:
        if self._ranges.get(key) == span:
            return
        self._ranges[key] = span
        if axis == "x":
            plot.setXRange(*span, padding=0.02)
        else:
            plot.setYRange(*span, padding=0.03)

    def _refit(self) -> None:
        x = self.loss_curves["train"].xData
        if x is not None and len(x):
            history = {"epoch": x}
            for s, curve in self.loss_curves.items():
                if curve.isVisible() and curve.yData is not None:
                    history[f"{s}_loss"] = curve.yData
            self._fit_ranges(history)

    # ------------------------------------------------------------------ curves ------------
    @staticmethod
    def _score_key_for(history: Mapping[str, np.ndarray]) -> str:
        has = any(np.isfinite(history.get(f"{s}_accuracy", [np.nan])).any() for s in SPLITS)
        return "accuracy" if has or not any(f"{s}_r2" in history for s in SPLITS) else "r2"

    def _use_score(self, key: str) -> None:
        if key == self._score_key:
            return
        self._score_key = key
        self.score_plot.setLabel("left", "accuracy" if key == "accuracy" else "R²", color=st.MUTED)
        self._set_range("score", self.score_plot, "y", (0.0, 1.0))

    def _set(self, curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray | None) -> None:
        if y is None or not np.isfinite(y).any():
            self._hide(curve)
            return
        if self._log_y and curve in self.loss_curves.values():
            y = np.where(y > 0, y, np.nan)  # log of 0 (a perfect fit) is not drawable
        if not curve.isVisible():
            curve.setVisible(True)
            self._legend(curve).addItem(curve, curve.name())
        curve.setData(x, y)

    def _hide(self, curve: pg.PlotDataItem) -> None:
        """Hide a curve with no data, and keep it out of the legend (splits a run does not have)."""
        curve.setData([], [])
        if curve.isVisible():
            curve.setVisible(False)
            self._legend(curve).removeItem(curve)

    def _legend(self, curve: pg.PlotDataItem) -> pg.LegendItem:
        plot = self.loss_plot if curve in self.loss_curves.values() else self.score_plot
        return plot.legend


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(CurvesView)
