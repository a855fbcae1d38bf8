"""What the point views share: per-point losses in the run's loss family (computed by
`core.point_losses`), loss-sized points, and the hover read-out (a card beside the cursor, a ring
round the hovered point).

The decision boundary (2-D sets) and the fitted curve (1-D sets) both draw data points over what
the model computes, and a person hovering either should see the same card and the same loss
numbers: one module keeps the two views from drifting apart.

Per-point losses follow the run's loss, so the number on the card is the term that point adds to
the loss being minimised (squared error for MSE, absolute error for MAE, ...), not a stand-in.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QPointF
from PySide6.QtGui import QFont

from playground.core.datasets.base import BINARY, MULTICLASS
from playground.core.losses import LOSSES
from playground.core.point_losses import is_cross_entropy, point_loss_name, point_losses
from playground.gui.plots import _style as st

POINT_SIZE = 7
SIZE_RANGE = (5, 16)  # px, for "size points by loss"
HIT_PX = 6  # how near (in pixels) the mouse must be to a point's edge to hover it
# Points drawn per split. pyqtgraph draws each as a symbol with a brush picked in Python: 10^6
# points took seconds to set and most of a second per paint. The splits are shuffled, so the first
# ones are a fair sample, and an index into them is an index into the data set's split.
SHOWN_POINTS = 1000


def shown(a: np.ndarray | None) -> np.ndarray | None:
    """The part of a split's points (or values) that is drawn."""
    return None if a is None else a[:SHOWN_POINTS]


# ------------------------------------------------------------------ losses --------------------
def loss_family(task: str, loss: str = "auto") -> str:
    """How one point's loss is measured for `loss` ("auto": the task's usual loss) on `task`: the
    name its registry entry gives it ("squared error", "cross-entropy", ...)."""
    return LOSSES[point_loss_name(task, loss)].point_name


def loss_scale(task: str, loss: str, error: float) -> float:
    """The loss that draws a point about two thirds of the way to the largest size.

    Cross-entropy is in nats (p = 0.5 gives a middling size); the other families are measured by
    the loss of a typical `error` (a fifth of the targets' half-range, say).
    """
    if is_cross_entropy(point_loss_name(task, loss)):
        return 1.0
    return float(point_losses(np.array([error]), np.zeros(1), task, loss)[0]) or 1.0


def loss_sizes(losses: np.ndarray, scale: float) -> np.ndarray:
    """Whole-pixel symbol sizes growing with the loss and levelling off (1 - e^-loss/scale)."""
    lo, hi = SIZE_RANGE
    t = 1.0 - np.exp(-np.nan_to_num(np.asarray(losses), nan=0.0, posinf=50.0) / scale)
    return np.rint(lo + (hi - lo) * t)


def class_text(index: float, class_names: tuple[str, ...]) -> str:
    """"class 2", or the class's own name when it has one that is not just its number."""
    if not math.isfinite(index):  # a diverged run predicts no class at all
        return QCoreApplication.translate("PointReadouts", "no class (not a number)")
    i = int(round(float(index)))
    name = class_names[i] if 0 <= i < len(class_names) else str(i)
    return f"class {name}" if name == str(i) else name


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


# ------------------------------------------------------------------ scatter sizes -------------
def scatter_sizes(item: pg.ScatterPlotItem, n: int) -> np.ndarray:
    """The drawn size of each of the item's `n` points (POINT_SIZE where none is set)."""
    sizes = item.data["size"] if len(item.data) == n else None
    return np.where(sizes > 0, sizes, POINT_SIZE) if sizes is not None else np.full(n, POINT_SIZE)


def set_sizes(item: pg.ScatterPlotItem, sizes: np.ndarray | None) -> None:
    """Re-size the points only when a size changes (None: all POINT_SIZE): re-sizing re-renders."""
    n = len(item.data)
    if sizes is None or len(sizes) != n:
        sizes = np.full(n, float(POINT_SIZE))
    if n and not np.array_equal(item.data["size"], sizes):
        item.setSize(sizes)


def nearest_point(vb: pg.ViewBox, layers: list[tuple[str, pg.ScatterPlotItem, np.ndarray | None]],
                  x: float, y: float) -> tuple[str, int] | None:
    """The nearest visible point whose edge is within HIT_PX pixels of (x, y): (layer key, index).

    `layers` are (key, scatter item, (n, 2) positions); distances are measured in pixels, so a
    plot whose axes have different scales still hits what the eye sees.
    """
    sx, sy = vb.viewPixelSize()
    best: tuple[float, str, int] | None = None
    for key, item, pos in layers:
        if pos is None or not len(pos) or not item.isVisible():
            continue
        dist = np.hypot((pos[:, 0] - x) / sx, (pos[:, 1] - y) / sy)
        reach = scatter_sizes(item, len(pos)) / 2 + HIT_PX
        i = int(np.argmin(dist - reach))
        if dist[i] <= reach[i] and (best is None or dist[i] < best[0]):
            best = (float(dist[i]), key, i)
    return None if best is None else best[1:]


# ------------------------------------------------------------------ the card ------------------
class HoverReadout:
    """The read-out card beside the cursor and a ring round what it is about, in one plot."""

    def __init__(self, plot: pg.PlotItem):
        self.label = pg.TextItem(color=st.TEXT, fill=pg.mkBrush(255, 255, 255, 230),
                                 border=pg.mkPen(st.BORDER), anchor=(0, 1))
        font = QFont()
        font.setPointSizeF(8.5)
        self.label.setFont(font)
        self.label.setZValue(50)
        # A ring round the hovered point: which dot the read-out is about, in a crowd of them.
        self.ring = pg.ScatterPlotItem(size=POINT_SIZE + 7, pen=pg.mkPen(st.TEXT, width=1.5),
                                       brush=None, pxMode=True)
        self.ring.setZValue(40)
        self.ring.hide()
        plot.addItem(self.ring, ignoreBounds=True)
        # The card lives on the ViewBox in pixels, not in the data: it needs no data coordinates,
        # and it stacks above anything else pinned to the plot (the boundary's caption).
        self.label.setParentItem(plot.getViewBox())
        self.label.hide()

    @property
    def text(self) -> str:
        """What the card shows now ("" when hidden)."""
        return self.label.toPlainText() if self.label.isVisible() else ""

    def show(self, vb: pg.ViewBox, scene_pos: QPointF, text: str,
             ring: tuple[float, float, float] | None = None) -> None:
        """The card beside the cursor, on the side with room; a ring (x, y, size px) or none."""
        if ring is None:
            self.ring.hide()
        else:
            self.ring.setData(pos=[ring[:2]], size=ring[2])
            self.ring.show()
        self.label.setText(text)
        box = vb.sceneBoundingRect()
        right = scene_pos.x() > box.center().x()
        low = scene_pos.y() < box.top() + box.height() * 0.35
        self.label.setAnchor((1.0 if right else 0.0, 0.0 if low else 1.0))
        offset = QPointF(-10 if right else 10, 12 if low else -10)
        self.label.setPos(vb.mapFromScene(scene_pos + offset))
        self.label.show()

    def hide(self) -> None:
        self.label.hide()
        self.ring.hide()


class PointReadouts:
    """Hover read-outs and loss-sized points, shared by the 2-D boundary and 1-D regression views.

    A view mixes this in before its PlotView base and provides `readout` (a HoverReadout),
    `dataset`, `_loss`, `_size_by_loss`, `_hover_pos`, `train_points` and `test_points`,
    `_layers()` (its scatter layers, for `nearest_point`), `_loss_sizes(split, n)` (sizes or
    None), and `_hover_content(hit, x, y)`: the card's text and ring for a point hit (split,
    index), or for the place (x, y) in data coordinates when hit is None.
    """

    def set_loss(self, loss: str) -> None:
        """The run's loss ("auto" or a registry name): point read-outs and sizes use its family."""
        if loss != self._loss:
            self._loss = loss
            self._resize_points()

    def set_size_by_loss(self, on: bool) -> None:
        """Draw each point bigger the higher its loss, so the hard examples stand out."""
        self._size_by_loss = bool(on)
        self._resize_points()

    @property
    def hover_text(self) -> str:
        """What the hover read-out shows now ("" when hidden)."""
        return self.readout.text

    def hover_at(self, scene_pos: QPointF) -> str:
        """Show the read-out for the mouse at `scene_pos` (scene coordinates); returns its text."""
        vb = self.getPlotItem().getViewBox()
        text, ring = "", None
        if self.dataset is not None and vb.sceneBoundingRect().contains(scene_pos):
            at = vb.mapSceneToView(scene_pos)
            hit = nearest_point(vb, self._layers(), at.x(), at.y())
            text, ring = self._hover_content(hit, at.x(), at.y())
        self._hover_pos = scene_pos if text else None
        if text:
            self.readout.show(vb, scene_pos, text, ring)
        else:
            self.readout.hide()
        return text

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self._hover_pos = None
        self.readout.hide()
        super().leaveEvent(event)

    def _resize_points(self) -> None:
        """Point sizes from the current point values (uniform when off or before a run)."""
        for split, item in (("train", self.train_points), ("test", self.test_points)):
            set_sizes(item, self._loss_sizes(split, len(item.data)) if self._size_by_loss else None)
