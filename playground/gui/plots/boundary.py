"""The decision boundary: the model's output over the input plane with the data on top.

The heat map is one ImageItem (row-major, created once) fed the snapshot's float32 grid with
fixed levels and a small LUT, placed over the data extent with a rect: updating it is a single
`setImage`, cheap enough for every frame. Points are static per data set, so they are drawn once
in `set_dataset` and never touched while training (unless sized by their loss).

Hovering reads the model out where the person looks: over the plane, the value of the grid cell
under the mouse; near a data point (within a few pixels), that point's label, the model's
prediction and its loss (in the run's loss family, see `_points`). "Size points by loss" draws
hard examples bigger; sizes are whole pixels so pyqtgraph's symbol atlas stays a handful of
entries, and the points are re-sized only when a size actually changes.

The same plane can show one hidden unit instead of the output (`show_unit`, when a unit is
clicked in the network view): its live map from the snapshot's `neuron_grids`, in diverging
colours symmetric around 0, with a caption saying which unit it is and how to get back. It is
the same picture as the unit's thumbnail, large enough to read, with the data on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import BINARY, MULTICLASS, POINTS2D, REGRESSION, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.inside._images import resample, symmetric_level
from playground.gui.plots import _style as st
from playground.gui.plots._points import (
    POINT_SIZE,
    HoverReadout,
    PointReadouts,
    class_text,
    label_brushes,
    loss_family,
    loss_scale,
    loss_sizes,
    point_losses,
    scatter_sizes,
    shown,
)

UNIT_HINT = QT_TRANSLATE_NOOP("BoundaryView", "click the unit again or press Esc to show the output")
UNIT_RES = 120  # unit maps (40×40) are drawn resampled bilinearly to this: smooth, not blocky, when large


@dataclass(frozen=True)
class UnitFocus:
    """A hidden unit to show instead of the output: where its map is in a snapshot, what it is called."""

    grid: int  # index into Snapshot.neuron_grids
    unit: int
    name: str  # "Layer 2 · unit 3 (tanh)"
    bound: float | None = None  # the activation's largest |output| (colour levels ±bound); None: the map's

    def map_in(self, grids: tuple[np.ndarray, ...] | None) -> np.ndarray | None:
        """The unit's (res, res) map in a snapshot's `neuron_grids` (None where it has none)."""
        if grids is None or self.grid >= len(grids) or self.unit >= len(grids[self.grid]):
            return None
        return grids[self.grid][self.unit]


class BoundaryView(PointReadouts, st.PlotView):
    """Decision boundary heat map over 2-D data; `discretize` shows hard classes instead of scores."""

    unit_dismissed = Signal()  # Esc while a unit is shown: back to the output

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
        self._neurons: tuple[np.ndarray, ...] | None = None
        self._focus: UnitFocus | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._levels: tuple[float, float] = (0.0, 1.0)
        self._lut = st.diverging_lut()
        self._discretize = False
        self._threshold = 0.5  # where discretizing splits a binary output (the Metrics tab's slider)
        self._show_test = False
        self.test_points.setVisible(False)
        self._point_values: tuple[np.ndarray, np.ndarray] | None = None
        self._loss = "auto"
        self._size_by_loss = False
        self._hover_pos: QPointF | None = None
        self.readout = HoverReadout(plot)
        self.hover_label, self.hover_ring = self.readout.label, self.readout.ring
        # The caption sits on the ViewBox itself, not in data coordinates: pinned to the plot's
        # top-left corner whatever the range, and part of an exported picture.
        self.caption = pg.TextItem(color=st.TEXT, fill=pg.mkBrush(255, 255, 255, 225),
                                   border=pg.mkPen(st.BORDER), anchor=(0, 0))
        self.caption.setParentItem(plot.getViewBox())
        self.caption.setPos(6, 6)
        self.caption.setZValue(45)
        self.caption.hide()
        self.scene().sigMouseMoved.connect(self.hover_at)

    # ------------------------------------------------------------------ API ---------------
    @property
    def discretize(self) -> bool:
        return self._discretize

    @property
    def levels(self) -> tuple[float, float]:
        """The colour levels of what is shown (the output's, or ±the shown unit's level)."""
        return self._shown()[1]

    @property
    def unit(self) -> UnitFocus | None:
        """The hidden unit shown instead of the output, or None."""
        return self._focus

    @property
    def caption_text(self) -> str:
        """What the caption says ("" while the output is shown)."""
        return self.caption.textItem.toPlainText() if self.caption.isVisible() else ""

    def set_dataset(self, ds: Dataset | None) -> None:
        """Draw the points of a 2-D data set (anything else clears the view)."""
        self.clear()
        self.dataset = ds if ds is not None and ds.kind == POINTS2D and ds.raw_train is not None else None
        if self.dataset is None:
            self.train_points.clear()
            self.test_points.clear()
            return
        ds = self.dataset
        self._levels, self._lut = self._colour_scale(ds)
        self._apply_lut()
        for item, raw, y in ((self.train_points, ds.raw_train, ds.y_train),
                             (self.test_points, ds.raw_test, ds.y_test)):
            if raw is None or len(raw) == 0:
                item.clear()
                continue
            item.setData(pos=np.asarray(shown(raw)[:, :2], dtype=np.float64),
                         brush=label_brushes(shown(y), ds.task, self._levels))
        self._extent = ds.extent or self._points_extent(ds)
        x0, x1, y0, y1 = self._extent
        self.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show the snapshot's boundary grid, or the shown unit's map (ignored without a boundary)."""
        if snap.boundary is None or self.dataset is None:
            return
        self._grid, self._neurons = snap.boundary, snap.neuron_grids
        if snap.extent is not None:
            self._extent = snap.extent
        self._render()
        if snap.point_values is not None:
            self._point_values = snap.point_values
            if self._size_by_loss:
                self._resize_points()
        self._rehover()

    def show_unit(self, focus: UnitFocus) -> None:
        """Show one hidden unit's live map instead of the output; the data points stay on top."""
        self._focus = focus
        self.caption.setHtml(f"<b>{escape(focus.name)}</b><br>{self.tr(UNIT_HINT)}")
        self.caption.show()
        self._refresh()

    def show_output(self) -> None:
        """Back to the model's output (after `show_unit`)."""
        if self._focus is None:
            return
        self._focus = None
        self.caption.hide()
        self._refresh()

    def set_show_test(self, show: bool) -> None:
        self._show_test = bool(show)
        self.test_points.setVisible(self._show_test)

    def set_threshold(self, threshold: float) -> None:
        """Discretize a binary output at this probability (the Metrics tab's slider)."""
        if threshold != self._threshold:
            self._threshold = float(threshold)
            if self._discretize and self._grid is not None:
                self._render()

    def set_discretize(self, on: bool) -> None:
        self._discretize = bool(on)
        if self._grid is not None:
            self._render()

    def _hover_content(self, hit: tuple[str, int] | None, x: float, y: float
                       ) -> tuple[str, tuple[float, float, float] | None]:
        """A point's label, prediction and loss, or the map's value at (x, y)."""
        if hit is None:
            return self._grid_text(x, y), None
        return self._point_text(*hit), self._ring(*hit)

    def event(self, event: QEvent) -> bool:
        """Claim Esc from the window's Stop shortcut while a unit is shown: Esc means "back" here."""
        if (event.type() == QEvent.Type.ShortcutOverride and self._focus is not None
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if self._focus is not None and event.key() == Qt.Key.Key_Escape:
            self.show_output()
            self.unit_dismissed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def clear(self) -> None:
        """Forget the run's boundary and point values; the data points (and a shown unit) stay."""
        self._grid = self._neurons = self._point_values = None
        self.image.clear()
        self._resize_points()
        self.readout.hide()
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
        (x0, x1), (y0, y1) = (st.finite_range(ds.raw_train[:, k]) or (-1.0, 1.0) for k in (0, 1))
        return x0, x1, y0, y1

    def display_grid(self) -> np.ndarray | None:
        """The values shown: the unit's map (before smoothing for the screen), or the output (hard
        classes when discretizing)."""
        return self._shown()[0]

    def _shown(self) -> tuple[np.ndarray | None, tuple[float, float]]:
        """(grid, colour levels) of what the plane shows now."""
        if self._focus is not None:
            grid = self._focus.map_in(self._neurons)
            level = symmetric_level(grid, self._focus.bound) if grid is not None else 1.0
            return grid, (-level, level)
        grid = self._grid
        if grid is None or not self._discretize or self.dataset.task == MULTICLASS:
            return grid, self._levels
        lo, hi = self._levels
        cut = lo + self._threshold * (hi - lo)
        return np.where(grid >= cut, np.float32(hi), np.float32(lo)), self._levels

    def _render(self) -> None:
        grid, levels = self._shown()
        if grid is None or self._extent is None:
            self.image.clear()
            return
        grid = st.clip_levels(grid, *levels)  # a diverged run's inf and 1e38: off pyqtgraph's scaling
        if self._focus is not None and grid.shape[0] < UNIT_RES:
            grid = resample(grid, UNIT_RES)
        x0, x1, y0, y1 = self._extent
        self.image.setImage(grid, levels=levels, autoLevels=False, rect=QRectF(x0, y0, x1 - x0, y1 - y0))

    def _apply_lut(self) -> None:
        """Units get the diverging ramp (their sign is the story); the output its task's colours."""
        self.image.setLookupTable(st.diverging_lut() if self._focus is not None else self._lut)

    def _refresh(self) -> None:
        """After switching between the output and a unit: colours, picture and read-out."""
        self._apply_lut()
        self._render()
        self._rehover()

    def _rehover(self) -> None:
        if self._hover_pos is not None:
            self.hover_at(self._hover_pos)  # the picture changed under a still mouse

    # ------------------------------------------------------------------ hover -------------
    def _layers(self) -> list[tuple[str, pg.ScatterPlotItem, np.ndarray | None]]:
        ds = self.dataset
        return [("train", self.train_points, shown(ds.raw_train)),
                ("test", self.test_points, shown(ds.raw_test))]

    def _ring(self, split: str, i: int) -> tuple[float, float, float]:
        item = self.train_points if split == "train" else self.test_points
        x, y = self._raw(split)[i, :2]
        return float(x), float(y), float(scatter_sizes(item, len(item.data))[i]) + 7

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
            loss = float(point_losses(row[None, :], np.asarray([y]), ds.task, self._loss)[0])
            lines.append(f"prediction {self._value_text(row)}")
            lines.append(f"loss {loss:.3g} ({loss_family(ds.task, self._loss)})")
        unit = self._cell(float(x1), float(x2)) if self._focus is not None else None
        if unit is not None:
            lines.append(f"{self._focus.name}: {unit:.3g}")
        return "\n".join(lines)

    def _value_text(self, row: np.ndarray) -> str:
        ds = self.dataset
        if ds.task == BINARY:
            return f"P({class_text(1, ds.class_names)}) = {row[0]:.2f}"
        if ds.task == MULTICLASS:
            k = int(np.argmax(row))
            return f"{class_text(k, ds.class_names)} (p = {row[k]:.2f})"
        return f"{row[0]:.3g}"

    def _cell(self, x: float, y: float) -> float | None:
        """The value of the shown grid's cell under (x, y) (None off the map or before a snapshot)."""
        grid = self._grid if self._focus is None else self._focus.map_in(self._neurons)
        if grid is None or self._extent is None:
            return None
        x0, x1, y0, y1 = self._extent
        rows, cols = grid.shape
        col, row = int((x - x0) / (x1 - x0) * cols), int((y - y0) / (y1 - y0) * rows)
        return float(grid[row, col]) if 0 <= col < cols and 0 <= row < rows else None

    def _grid_text(self, x: float, y: float) -> str:
        """The cell under (x, y): "P(class 1) = 0.83 at (1.2, -0.4)", or the unit's value ("" off the map)."""
        value = self._cell(x, y)
        if value is None:
            return ""
        ds, where = self.dataset, f"at ({x:.2f}, {y:.2f})"
        if self._focus is not None:
            return f"{self._focus.name}: {value:.3g} {where}"
        if ds.task == BINARY:
            return f"P({class_text(1, ds.class_names)}) = {value:.2f} {where}"
        if ds.task == MULTICLASS:
            return f"{class_text(value, ds.class_names)} {where}"
        return f"value {value:.3g} {where}"

    # ------------------------------------------------------------------ loss sizes --------
    def _loss_sizes(self, split: str, n: int) -> np.ndarray | None:
        ds = self.dataset
        if ds is None or self._point_values is None or not n:
            return None
        values = self._point_values[split != "train"]
        y = (ds.y_train if split == "train" else ds.y_test)[:n]
        if values is None or len(values) < n:
            return None
        values = values[:n]
        # Cross-entropy is in nats; an error-based loss is measured against a typical error: a
        # fifth of the targets' half-range, or half a probability for two classes.
        error = 0.2 * (self._levels[1] or 1.0) if ds.task == REGRESSION else 0.5
        scale = loss_scale(ds.task, self._loss, error)
        return loss_sizes(point_losses(values, y, ds.task, self._loss), scale)


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(BoundaryView)
