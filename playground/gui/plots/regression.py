"""1-D regression: the data points and the model's fitted curve over the plotted x range.

Points are drawn once per data set; each snapshot only moves the curve (`setData` on the
snapshot's (x, ŷ) arrays). When the whole model is one Dense unit the fit is a line, and the
equation y = w·x + b is printed from the snapshot's weights when the run reports them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import LINE1D, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st


def line_equation(snap: Snapshot) -> str:
    """"y = w·x + b" when the model is a single 1→1 Dense layer and its weights are reported."""
    weights = snap.weights
    if not weights or len(weights) != 1:
        return ""
    w, b = weights[0]
    if np.shape(w) != (1, 1):
        return ""
    bias = float(b[0]) if b is not None else 0.0
    sign = "+" if bias >= 0 else "−"
    return f"y = {float(w[0, 0]):.3f}·x {sign} {abs(bias):.3f}"


class RegressionView(st.PlotView):
    """Train points (filled), test points (rings, toggleable) and the fitted curve."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        plot = self.getPlotItem()
        st.style_plot(plot, "x", "y")
        plot.setMouseEnabled(x=False, y=False)
        # A fixed range (the data's extent): auto-ranging on the moving curve re-laid out both
        # axes every frame, the largest cost of drawing this view.
        plot.disableAutoRange()
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(st.TRAIN_OUTLINE, width=1),
                                               brush=pg.mkBrush(st.POSITIVE))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(st.POSITIVE, width=1.2),
                                              brush=pg.mkBrush(255, 255, 255, 0))
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(st.NEGATIVE, width=3))
        self.equation = pg.TextItem("", color=st.TEXT, anchor=(0, 0))
        for item in (self.train_points, self.test_points, self.curve):
            plot.addItem(item)
        plot.addItem(self.equation, ignoreBounds=True)
        self.test_points.setVisible(False)
        self.dataset: Dataset | None = None

    def set_dataset(self, ds: Dataset | None) -> None:
        """Draw the points of a 1-D regression set (anything else clears the view)."""
        self.clear()
        self.dataset = ds if ds is not None and ds.kind == LINE1D and ds.raw_train is not None else None
        if self.dataset is None:
            self.train_points.clear()
            self.test_points.clear()
            return
        ds = self.dataset
        for item, raw, y in ((self.train_points, ds.raw_train, ds.y_train),
                             (self.test_points, ds.raw_test, ds.y_test)):
            if raw is None or len(raw) == 0:
                item.clear()
            else:
                item.setData(x=np.asarray(raw).reshape(len(raw), -1)[:, 0], y=np.asarray(y).reshape(-1))
        self._fit_range()
        self._place_equation()

    def update_snapshot(self, snap: Snapshot) -> None:
        """Move the fitted curve (and the equation of a linear model)."""
        if snap.curve is None or self.dataset is None:
            return
        x, y = snap.curve
        self.curve.setData(x, np.where(np.isfinite(y), y, np.nan), connect="finite")
        self.equation.setText(line_equation(snap))

    def set_show_test(self, show: bool) -> None:
        self.test_points.setVisible(bool(show))

    def clear(self) -> None:
        """Forget the run's curve; the data points stay."""
        self.curve.setData([], [])
        self.equation.setText("")

    def _fit_range(self) -> None:
        ds = self.dataset
        if ds.extent is not None:
            x0, x1, y0, y1 = ds.extent
        else:
            x = np.asarray(ds.raw_train).reshape(-1)
            y = np.asarray(ds.y_train).reshape(-1)
            x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
        self.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def _place_equation(self) -> None:
        ds = self.dataset
        x = np.asarray(ds.raw_train).reshape(-1)
        y = np.asarray(ds.y_train).reshape(-1)
        if len(x):
            self.equation.setPos(float(x.min()), float(y.max()))


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(RegressionView, dataset="line")
