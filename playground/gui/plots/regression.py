"""1-D regression: the data points and the model's fitted curve over the plotted x range.

Points are drawn once per data set; each snapshot only moves the curve (`setData` on the
snapshot's (x, ŷ) arrays). When the whole model is one Dense unit the fit is a line, and the
equation y = w·x + b is printed from the snapshot's weights when the run reports them, in the data's
own units (a one-column CSV's standardised weight is un-standardised).

Hover and "size by loss" work as on the decision boundary (same card, same loss numbers, from
`_points`): near a data point the card gives its x, target, the model's ŷ and that point's loss in
the run's loss family; anywhere else it reads the fitted curve at the cursor's x.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QWidget

from playground.core.coefficients import in_data_units
from playground.core.datasets.base import LINE1D, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st
from playground.gui.plots._points import (
    POINT_SIZE,
    HoverReadout,
    PointReadouts,
    loss_family,
    loss_scale,
    loss_sizes,
    point_losses,
    scatter_sizes,
    shown,
)


def line_equation(snap: Snapshot, dataset: Dataset | None = None) -> str:
    """"y = w·x + b" when the model is a single 1→1 Dense layer and its weights are reported, in the
    data's own units (a standardised CSV column's weight un-standardised: `core.coefficients`)."""
    weights = snap.weights
    if not weights or len(weights) != 1:
        return ""
    w, b = weights[0]
    if np.shape(w) != (1, 1):
        return ""
    line = in_data_units(dataset, w, b) if dataset is not None else None
    if line is not None:
        w, b = line[0].reshape(1, 1), np.array([line[1]])
    bias = float(b[0]) if b is not None else 0.0
    sign = "+" if bias >= 0 else "−"
    return f"y = {_coefficient(float(w[0, 0]))}·x {sign} {_coefficient(abs(bias))}"


def _coefficient(value: float) -> str:
    """"3.045"; a diverged run's 2.15e+18 (not nineteen digits) and nan as they are."""
    return f"{value:.3f}" if abs(value) < 1e4 else f"{value:.3g}"


def _column(a: np.ndarray) -> np.ndarray:
    """The first column of (n,) or (n, k) data as float64 (n,)."""
    return np.asarray(a, dtype=np.float64).reshape(len(a), -1)[:, 0]


class RegressionView(PointReadouts, st.PlotView):
    """Train points (filled), test points (rings, toggleable) and the fitted curve."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        plot = self.getPlotItem()
        st.style_plot(plot, "x", "y")
        plot.setMouseEnabled(x=False, y=False)
        # A fixed range (the data's extent): auto-ranging on the moving curve re-laid out both
        # axes every frame, the largest cost of drawing this view.
        plot.disableAutoRange()
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(st.TRAIN_OUTLINE, width=1),
                                               brush=pg.mkBrush(st.POSITIVE))
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(st.POSITIVE, width=1.2),
                                              brush=pg.mkBrush(255, 255, 255, 0))
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(st.NEGATIVE, width=3))
        self.equation = pg.TextItem("", color=st.TEXT, anchor=(0, 0))
        for item in (self.train_points, self.test_points, self.curve):
            plot.addItem(item)
        plot.addItem(self.equation, ignoreBounds=True)
        self.test_points.setVisible(False)
        self.dataset: Dataset | None = None
        self._fit: tuple[np.ndarray, np.ndarray] | None = None
        self._point_values: tuple[np.ndarray, np.ndarray] | None = None
        self._loss = "auto"
        self._size_by_loss = False
        self._hover_pos: QPointF | None = None
        self.readout = HoverReadout(plot)
        self.scene().sigMouseMoved.connect(self.hover_at)

    # ------------------------------------------------------------------ API ---------------
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
                item.setData(x=_column(shown(raw)), y=_column(shown(y)))
        self._fit_range()
        self._place_equation()

    def update_snapshot(self, snap: Snapshot) -> None:
        """Move the fitted curve (and the equation of a linear model); re-size points by loss."""
        if snap.curve is None or self.dataset is None:
            return
        x, y = snap.curve
        self._fit = (x, y)
        self.curve.setData(x, np.where(np.isfinite(y), y, np.nan), connect="finite")
        self.equation.setText(line_equation(snap, self.dataset))
        if snap.point_values is not None:
            self._point_values = snap.point_values
            if self._size_by_loss:
                self._resize_points()
        if self._hover_pos is not None:
            self.hover_at(self._hover_pos)  # the model moved under a still mouse

    def set_show_test(self, show: bool) -> None:
        self.test_points.setVisible(bool(show))

    def _hover_content(self, hit: tuple[str, int] | None, x: float, y: float
                       ) -> tuple[str, tuple[float, float, float] | None]:
        """A point's target, prediction and loss, or the fitted value at x."""
        return self._point_text(*hit) if hit is not None else self._curve_text(x)

    def clear(self) -> None:
        """Forget the run's curve and point values; the data points stay."""
        self.curve.setData([], [])
        self.equation.setText("")
        self._fit = self._point_values = None
        self._resize_points()
        self.readout.hide()
        self._hover_pos = None

    # ------------------------------------------------------------------ hover -------------
    def _layers(self) -> list[tuple[str, pg.ScatterPlotItem, np.ndarray]]:
        return [(split, item, np.column_stack([item.data["x"], item.data["y"]]))
                for split, item in (("train", self.train_points), ("test", self.test_points))]

    def _point_text(self, split: str, i: int) -> tuple[str, tuple[float, float, float]]:
        """"train point\\nx = 1.23 · y = 4.5 · ŷ = 4.1 · loss 0.16 (squared error)" and its ring."""
        ds = self.dataset
        item = self.train_points if split == "train" else self.test_points
        x, y = float(item.data["x"][i]), float(item.data["y"][i])
        parts = [f"x = {x:.3g}", f"y = {y:.3g}"]
        values = None if self._point_values is None else self._point_values[split != "train"]
        if values is not None and len(values) > i:
            y_hat = float(_column(values)[i])
            loss = float(point_losses(np.array([y_hat]), np.array([y]), ds.task, self._loss)[0])
            parts += [f"ŷ = {y_hat:.3g}", f"loss {loss:.3g} ({loss_family(ds.task, self._loss)})"]
        ring = (x, y, float(scatter_sizes(item, len(item.data))[i]) + 7)
        return f"{split} point\n" + " · ".join(parts), ring

    def _curve_text(self, x: float) -> tuple[str, tuple[float, float, float] | None]:
        """The fitted value at x ("" outside the fitted range or before a run), ringed on the curve."""
        if self._fit is None:
            return "", None
        xs, ys = self._fit
        finite = np.isfinite(ys)
        if not finite.any() or not xs[0] <= x <= xs[-1]:
            return "", None
        y_hat = float(np.interp(x, xs[finite], ys[finite]))
        return f"ŷ = {y_hat:.3g} at x = {x:.3g}", (x, y_hat, 9.0)

    # ------------------------------------------------------------------ loss sizes --------
    def _loss_sizes(self, split: str, n: int) -> np.ndarray | None:
        ds = self.dataset
        if ds is None or self._point_values is None or not n:
            return None
        values = self._point_values[split != "train"]
        if values is None or len(values) < n:
            return None
        values = values[:n]
        y = (ds.y_train if split == "train" else ds.y_test)[:n]
        # Measured against a typical error: a fifth of the targets' half-range (as the boundary does).
        span = st.finite_range(_column(ds.y_train)) or (0.0, 1.0)
        error = 0.2 * ((span[1] - span[0]) / 2 or 1.0)
        scale = loss_scale(ds.task, self._loss, error)
        return loss_sizes(point_losses(values, y, ds.task, self._loss), scale)

    # ------------------------------------------------------------------ layout ------------
    def _fit_range(self) -> None:
        ds = self.dataset
        if ds.extent is not None:
            x0, x1, y0, y1 = ds.extent
        else:
            (x0, x1), (y0, y1) = (st.finite_range(a) or (-1.0, 1.0) for a in (ds.raw_train, ds.y_train))
        self.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def _place_equation(self) -> None:
        ds = self.dataset
        x, y = st.finite_range(ds.raw_train), st.finite_range(ds.y_train)
        if x is not None and y is not None:
            self.equation.setPos(x[0], y[1])


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(RegressionView, dataset="line")
