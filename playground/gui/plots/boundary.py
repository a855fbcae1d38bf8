"""The decision boundary: the model's output over the input plane with the data on top.

The heat map is one ImageItem (row-major, created once) fed the snapshot's float32 grid with
fixed levels and a small LUT, placed over the data extent with a rect: updating it is a single
`setImage`, cheap enough for every frame. Points are static per data set, so they are drawn once
in `set_dataset` and never touched while training.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import BINARY, MULTICLASS, POINTS2D, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st


def label_brushes(y: np.ndarray, task: str, levels: tuple[float, float]) -> list:
    """Brush per point: orange/blue for two classes, the class palette for k, a ramp for values."""
    y = np.asarray(y).reshape(len(y), -1)[:, 0]
    if task == BINARY:
        return [pg.mkBrush(st.POSITIVE if v > 0.5 else st.NEGATIVE) for v in y]
    if task == MULTICLASS:
        return [pg.mkBrush(st.class_colour(v)) for v in y]
    return [pg.mkBrush(c) for c in st.value_brushes(y, levels)]


class BoundaryView(st.PlotView):
    """Decision boundary heat map over 2-D data; `discretize` shows hard classes instead of scores."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        plot = self.getPlotItem()
        st.style_plot(plot, "x₁", "x₂")
        plot.setAspectLocked(True)
        plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen(st.TRAIN_OUTLINE, width=1), pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen(st.TEST_OUTLINE, width=1), pxMode=True)
        for item in (self.train_points, self.test_points):
            plot.addItem(item)
        self.dataset: Dataset | None = None
        self._grid: np.ndarray | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._levels: tuple[float, float] = (0.0, 1.0)
        self._discretize = False
        self._show_test = False
        self.test_points.setVisible(False)

    # ------------------------------------------------------------------ API ---------------
    @property
    def discretize(self) -> bool:
        return self._discretize

    @property
    def levels(self) -> tuple[float, float]:
        return self._levels

    def set_dataset(self, ds: Dataset | None) -> None:
        """Draw the points of a 2-D data set (anything else clears the view)."""
        self.clear()
        self.dataset = ds if ds is not None and ds.kind == POINTS2D and ds.raw_train is not None else None
        if self.dataset is None:
            self.train_points.clear()
            self.test_points.clear()
            return
        ds = self.dataset
        self._levels, lut = self._colour_scale(ds)
        self.image.setLookupTable(lut)
        for item, raw, y in ((self.train_points, ds.raw_train, ds.y_train),
                             (self.test_points, ds.raw_test, ds.y_test)):
            if raw is None or len(raw) == 0:
                item.clear()
                continue
            item.setData(pos=np.asarray(raw[:, :2], dtype=np.float64),
                         brush=label_brushes(y, ds.task, self._levels))
        self._extent = ds.extent or self._points_extent(ds)
        x0, x1, y0, y1 = self._extent
        self.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show the snapshot's boundary grid (ignored when it has none)."""
        if snap.boundary is None or self.dataset is None:
            return
        self._grid = snap.boundary
        if snap.extent is not None:
            self._extent = snap.extent
        self._render()

    def set_show_test(self, show: bool) -> None:
        self._show_test = bool(show)
        self.test_points.setVisible(self._show_test)

    def set_discretize(self, on: bool) -> None:
        self._discretize = bool(on)
        if self._grid is not None:
            self._render()

    def clear(self) -> None:
        """Forget the run's boundary; the data points stay."""
        self._grid = None
        self.image.clear()

    # ------------------------------------------------------------------ internals ---------
    @staticmethod
    def _colour_scale(ds: Dataset) -> tuple[tuple[float, float], np.ndarray]:
        if ds.task == BINARY:
            return (0.0, 1.0), st.diverging_lut()
        if ds.task == MULTICLASS:
            return (0.0, float(ds.num_classes)), st.class_lut(ds.num_classes)
        span = st.finite_range(np.abs(ds.y_train)) or (0.0, 1.0)
        m = span[1] or 1.0
        return (-m, m), st.diverging_lut()

    @staticmethod
    def _points_extent(ds: Dataset) -> tuple[float, float, float, float]:
        lo, hi = ds.raw_train.min(axis=0), ds.raw_train.max(axis=0)
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def display_grid(self) -> np.ndarray | None:
        """The grid as shown: hard classes when discretizing (threshold 0.5, or the middle of the range)."""
        grid = self._grid
        if grid is None or not self._discretize or self.dataset.task == MULTICLASS:
            return grid
        lo, hi = self._levels
        mid = 0.5 * (lo + hi)
        return np.where(grid >= mid, np.float32(hi), np.float32(lo))

    def _render(self) -> None:
        x0, x1, y0, y1 = self._extent
        self.image.setImage(self.display_grid(), levels=self._levels, autoLevels=False,
                            rect=QRectF(x0, y0, x1 - x0, y1 - y0))


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(BoundaryView)
