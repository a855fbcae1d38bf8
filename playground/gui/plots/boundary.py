"""The decision boundary: the model's output over the input plane with the data on top.

The heat map is one ImageItem (row-major, created once) fed the snapshot's float32 grid with
fixed levels and a small LUT, placed over the data extent with a rect: updating it is a single
`setImage`, cheap enough for every frame. Points are static per data set, so they are drawn once
in `set_dataset` and never touched while training (unless sized by their loss).

Hovering reads the model out where the person looks: over the plane, the value of the grid cell
under the mouse; near a data point (within a few pixels), that point's label, the model's
prediction and its loss, from the snapshot's `point_values`. "Size points by loss" draws hard
examples bigger; sizes are whole pixels so pyqtgraph's symbol atlas stays a handful of entries,
and the points are re-sized only when a size actually changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import BINARY, MULTICLASS, POINTS2D, REGRESSION, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st


def label_brushes(y: np.ndarray, task: str, levels: tuple[float, float]) -> list:
    """Brush per point: orange/blue for two classes, the class palette for k, a ramp for values.

    Points of one colour share one brush object: pyqtgraph caches a rendered symbol per (size,
    pen, brush) object, so shared brushes keep that cache tiny when sizes change (size by loss:
    ~12 ms a frame with a brush per point, nothing once the few symbols are cached).
    """
    y = np.asarray(y).reshape(len(y), -1)[:, 0]
    if task == BINARY:
        colours = [st.POSITIVE if v > 0.5 else st.NEGATIVE for v in y]
    elif task == MULTICLASS:
        colours = [st.class_colour(v) for v in y]
    else:
        colours = [c.name() for c in st.value_brushes(y, levels)]
    shared = {c: pg.mkBrush(c) for c in set(colours)}
    return [shared[c] for c in colours]


POINT_SIZE = 7
SIZE_RANGE = (5, 16)  # px, for "size points by loss"
HIT_PX = 6  # how near (in pixels) the mouse must be to a point's edge to hover it
_EPS = 1e-7


def class_text(index: float, class_names: tuple[str, ...]) -> str:
    """"class 2", or the class's own name when it has one that is not just its number."""
    i = int(round(float(index)))
    name = class_names[i] if 0 <= i < len(class_names) else str(i)
    return f"class {name}" if name == str(i) else name


def point_losses(values: np.ndarray, y: np.ndarray, task: str) -> np.ndarray:
    """Per-point loss: cross-entropy -log p(true class) for classes, squared error for values."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if task == REGRESSION:
        return (values[:, 0] - np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]) ** 2
    labels = np.asarray(y).reshape(-1).astype(int)
    if task == BINARY:
        p = np.where(labels == 1, values[:, 0], 1.0 - values[:, 0])
    else:
        p = values[np.arange(len(labels)), labels]
    return -np.log(np.clip(p, _EPS, 1.0))


def loss_sizes(losses: np.ndarray, scale: float) -> np.ndarray:
    """Whole-pixel symbol sizes growing with the loss and levelling off (1 - e^-loss/scale)."""
    lo, hi = SIZE_RANGE
    t = 1.0 - np.exp(-np.nan_to_num(np.asarray(losses), nan=0.0, posinf=50.0) / scale)
    return np.rint(lo + (hi - lo) * t)


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
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(st.TRAIN_OUTLINE, width=1),
                                               pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(st.TEST_OUTLINE, width=1),
                                              pxMode=True)
        for item in (self.train_points, self.test_points):
            plot.addItem(item)
        self.dataset: Dataset | None = None
        self._grid: np.ndarray | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._levels: tuple[float, float] = (0.0, 1.0)
        self._discretize = False
        self._show_test = False
        self.test_points.setVisible(False)
        self._point_values: tuple[np.ndarray, np.ndarray] | None = None
        self._size_by_loss = False
        self._hover_pos: QPointF | None = None
        self.hover_label = pg.TextItem(color=st.TEXT, fill=pg.mkBrush(255, 255, 255, 230),
                                       border=pg.mkPen(st.BORDER), anchor=(0, 1))
        font = QFont()
        font.setPointSizeF(8.5)
        self.hover_label.setFont(font)
        self.hover_label.setZValue(50)
        self.hover_label.hide()
        plot.addItem(self.hover_label, ignoreBounds=True)
        # A ring round the hovered point: which dot the read-out is about, in a crowd of them.
        self.hover_ring = pg.ScatterPlotItem(size=POINT_SIZE + 7, pen=pg.mkPen(st.TEXT, width=1.5),
                                             brush=None, pxMode=True)
        self.hover_ring.setZValue(40)
        self.hover_ring.hide()
        plot.addItem(self.hover_ring, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self.hover_at)

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
        if snap.point_values is not None:
            self._point_values = snap.point_values
            if self._size_by_loss:
                self._resize_points()
        if self._hover_pos is not None:
            self.hover_at(self._hover_pos)  # the model moved under a still mouse

    def set_show_test(self, show: bool) -> None:
        self._show_test = bool(show)
        self.test_points.setVisible(self._show_test)

    def set_discretize(self, on: bool) -> None:
        self._discretize = bool(on)
        if self._grid is not None:
            self._render()

    def set_size_by_loss(self, on: bool) -> None:
        """Draw each point bigger the higher its loss, so the hard examples stand out."""
        self._size_by_loss = bool(on)
        self._resize_points()

    @property
    def hover_text(self) -> str:
        """What the hover read-out shows now ("" when hidden)."""
        return self.hover_label.toPlainText() if self.hover_label.isVisible() else ""

    def hover_at(self, scene_pos: QPointF) -> str:
        """Show the read-out for the mouse at `scene_pos` (scene coordinates); returns its text."""
        vb = self.getPlotItem().getViewBox()
        text = ""
        if self.dataset is not None and vb.sceneBoundingRect().contains(scene_pos):
            at = vb.mapSceneToView(scene_pos)
            hit = self._point_at(at.x(), at.y())
            text = self._point_text(*hit) if hit is not None else self._grid_text(at.x(), at.y())
            self._ring(hit)
        self._hover_pos = scene_pos if text else None
        if not text:
            self._ring(None)
            self.hover_label.hide()
            return ""
        self._place_label(vb, scene_pos, text)
        return text

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self._hover_pos = None
        self.hover_label.hide()
        self.hover_ring.hide()
        super().leaveEvent(event)

    def clear(self) -> None:
        """Forget the run's boundary and point values; the data points stay."""
        self._grid = None
        self._point_values = None
        self.image.clear()
        self._resize_points()
        self.hover_label.hide()
        self.hover_ring.hide()
        self._hover_pos = None

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


    # ------------------------------------------------------------------ hover -------------
    def _point_at(self, x: float, y: float) -> tuple[str, int] | None:
        """The nearest visible data point whose edge is within HIT_PX pixels: (split, index)."""
        sx, sy = self.getPlotItem().getViewBox().viewPixelSize()
        best: tuple[float, str, int] | None = None
        for split, item in (("train", self.train_points), ("test", self.test_points)):
            pos = self._raw(split)
            if pos is None or not len(pos) or not item.isVisible():
                continue
            dist = np.hypot((pos[:, 0] - x) / sx, (pos[:, 1] - y) / sy)
            reach = self._sizes(item, len(pos)) / 2 + HIT_PX
            i = int(np.argmin(dist - reach))
            if dist[i] <= reach[i] and (best is None or dist[i] < best[0]):
                best = (float(dist[i]), split, i)
        return None if best is None else best[1:]

    def _ring(self, hit: tuple[str, int] | None) -> None:
        if hit is None:
            self.hover_ring.hide()
            return
        split, i = hit
        item = self.train_points if split == "train" else self.test_points
        x, y = self._raw(split)[i, :2]
        size = float(self._sizes(item, len(item.data))[i]) + 7
        self.hover_ring.setData(pos=[(float(x), float(y))], size=size)
        self.hover_ring.show()

    @staticmethod
    def _sizes(item: pg.ScatterPlotItem, n: int) -> np.ndarray:
        sizes = item.data["size"] if len(item.data) == n else None
        return np.where(sizes > 0, sizes, POINT_SIZE) if sizes is not None else np.full(n, POINT_SIZE)

    def _raw(self, split: str) -> np.ndarray | None:
        return self.dataset.raw_train if split == "train" else self.dataset.raw_test

    def _point_text(self, split: str, i: int) -> str:
        ds = self.dataset
        y = (ds.y_train if split == "train" else ds.y_test)[i]
        label = f"target {float(np.ravel(y)[0]):.3g}" if ds.task == REGRESSION else class_text(
            np.ravel(y)[0], ds.class_names)
        x1, x2 = self._raw(split)[i, :2]
        lines = [f"{split} point ({x1:.2f}, {x2:.2f}) · {label}"]
        values = None if self._point_values is None else self._point_values[split != "train"]
        if values is not None and len(values) > i:
            row = np.asarray(values[i], dtype=np.float64).ravel()
            loss = float(point_losses(row[None, :], np.asarray([y]), ds.task)[0])
            lines.append(f"prediction {self._value_text(row)}")
            kind = "squared error" if ds.task == REGRESSION else "cross-entropy"
            lines.append(f"loss {loss:.3g} ({kind})")
        return "\n".join(lines)

    def _value_text(self, row: np.ndarray) -> str:
        ds = self.dataset
        if ds.task == BINARY:
            return f"P({class_text(1, ds.class_names)}) = {row[0]:.2f}"
        if ds.task == MULTICLASS:
            k = int(np.argmax(row))
            return f"{class_text(k, ds.class_names)} (p = {row[k]:.2f})"
        return f"{row[0]:.3g}"

    def _grid_text(self, x: float, y: float) -> str:
        """The boundary grid cell under (x, y): "P(class 1) = 0.83 at (1.2, -0.4)" ("" off the map)."""
        if self._grid is None or self._extent is None:
            return ""
        x0, x1, y0, y1 = self._extent
        rows, cols = self._grid.shape
        col, row = int((x - x0) / (x1 - x0) * cols), int((y - y0) / (y1 - y0) * rows)
        if not (0 <= col < cols and 0 <= row < rows):
            return ""
        value, ds, where = float(self._grid[row, col]), self.dataset, f"at ({x:.2f}, {y:.2f})"
        if ds.task == BINARY:
            return f"P({class_text(1, ds.class_names)}) = {value:.2f} {where}"
        if ds.task == MULTICLASS:
            return f"{class_text(value, ds.class_names)} {where}"
        return f"value {value:.3g} {where}"

    def _place_label(self, vb: pg.ViewBox, scene_pos: QPointF, text: str) -> None:
        """Beside the cursor, on the side with room: never under the mouse or off the plot."""
        self.hover_label.setText(text)
        box = vb.sceneBoundingRect()
        right = scene_pos.x() > box.center().x()
        low = scene_pos.y() < box.top() + box.height() * 0.35
        self.hover_label.setAnchor((1.0 if right else 0.0, 0.0 if low else 1.0))
        offset = QPointF(-10 if right else 10, 12 if low else -10)
        self.hover_label.setPos(vb.mapSceneToView(scene_pos + offset))
        self.hover_label.show()

    # ------------------------------------------------------------------ loss sizes --------
    def _resize_points(self) -> None:
        """Point sizes from the current point values (uniform when off or before a run)."""
        for split, item in (("train", self.train_points), ("test", self.test_points)):
            n = len(item.data)
            sizes = self._loss_sizes(split, n) if self._size_by_loss else None
            if sizes is None:
                sizes = np.full(n, float(POINT_SIZE))
            if n and not np.array_equal(item.data["size"], sizes):
                item.setSize(sizes)

    def _loss_sizes(self, split: str, n: int) -> np.ndarray | None:
        ds = self.dataset
        if ds is None or self._point_values is None or not n:
            return None
        values = self._point_values[split != "train"]
        y = ds.y_train if split == "train" else ds.y_test
        if values is None or len(values) != n:
            return None
        # Cross-entropy is in nats (p = 0.5 gives a middling size); a squared error is measured
        # against a fifth of the targets' half-range.
        scale = 1.0 if ds.task != REGRESSION else (0.2 * (self._levels[1] or 1.0)) ** 2
        return loss_sizes(point_losses(values, y, ds.task), scale)


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(BoundaryView)
