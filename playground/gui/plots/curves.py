"""Loss and accuracy (or R²) against epoch: the run's history, redrawn from each snapshot.

Curves are created once and fed with `setData` on the snapshot's history arrays; auto
downsampling (peak mode, so spikes survive) and clip-to-view keep long runs as cheap as short
ones. Accuracy lives in a second plot beside the loss (shared epoch axis) rather than on a right
axis: two scales on one plot invite reading one curve against the other's ticks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st

SPLITS = ("train", "test", "val")
_NAMES = {"train": "train", "test": "test", "val": "validation"}


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
            plot.showGrid(x=False, y=True, alpha=0.15)
            plot.addLegend(offset=offset, labelTextColor=st.MUTED, labelTextSize="8pt", verSpacing=-6,
                           brush=pg.mkBrush(255, 255, 255, 200))
        self.loss_curves = {s: _curve(self.loss_plot, s) for s in SPLITS}
        self.score_curves = {s: _curve(self.score_plot, s) for s in SPLITS}
        self._score_key = "accuracy"
        self._log_y = False
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
        self._use_score(self._score_key_for(history))
        for split in SPLITS:
            self._set(self.loss_curves[split], epochs, history.get(f"{split}_loss"))
            self._set(self.score_curves[split], epochs, history.get(f"{split}_{self._score_key}"))

    def set_log_y(self, on: bool) -> None:
        """Logarithmic loss axis: late, small improvements stay visible."""
        self._log_y = bool(on)
        self.loss_plot.setLogMode(x=False, y=self._log_y)

    def clear(self) -> None:
        for curve in (*self.loss_curves.values(), *self.score_curves.values()):
            self._hide(curve)
        self.score_plot.setYRange(0, 1, padding=0.02)

    # ------------------------------------------------------------------ internals ---------
    @staticmethod
    def _score_key_for(history: Mapping[str, np.ndarray]) -> str:
        has = any(np.isfinite(history.get(f"{s}_accuracy", [np.nan])).any() for s in SPLITS)
        return "accuracy" if has or not any(f"{s}_r2" in history for s in SPLITS) else "r2"

    def _use_score(self, key: str) -> None:
        if key == self._score_key:
            return
        self._score_key = key
        self.score_plot.setLabel("left", "accuracy" if key == "accuracy" else "R²", color=st.MUTED)
        if key == "r2":
            self.score_plot.enableAutoRange(y=True)
        else:
            self.score_plot.setYRange(0, 1, padding=0.02)

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
