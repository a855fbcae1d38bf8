"""NetworkView: every unit as a small map of its output over the input plane, every weight as a line.

TensorFlow Playground's network picture for any stack of vector layers: input features on the
left, a column per hidden layer, the output on the right. Lines are coloured by sign (orange
negative, blue positive), as thick as |w| and as opaque; the small square at a unit's lower left is
its bias. Hover anything for its value, click a weight or bias to type a new one (emitted as
`parameter_edited` for the running model), click a unit to pin its map large under the network.

Why a custom-painted QWidget and not a QGraphicsScene: a snapshot replaces every image and every
line 30 times a second, which would mean hundreds of item updates per frame; painting into one
cached pixmap per snapshot costs a few milliseconds, and hover repaints only blit it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.core.datasets.base import Dataset
from playground.core.experiment import Experiment
from playground.core.snapshot import Snapshot
from playground.gui.inside import _paint
from playground.gui.inside._editor import ValueEditor
from playground.gui.inside._layout import Column, bias_rect, place, safe_columns
from playground.gui.inside._scene import Hit, Scene
from playground.gui.plots import _style as st

PIN_BAND = 170.0  # height of the pinned unit's band under the network


class NetworkView(QWidget):
    """The network with live neuron maps and weights.

    Layers are addressed by their NetworkSpec index: -1 for the inputs, ``len(layers)`` for the
    output head (as in `LayerInfo.index`); units from 0.
    """

    neuron_clicked = Signal(int, int)  # layer, unit
    parameter_edited = Signal(str, int, float)  # state-dict key, flat index, new value

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must keep reaching Train
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 240)
        self.scene = Scene()
        self.problem = "No network to show."
        self.editor = ValueEditor(self)
        self.editor.committed.connect(self._on_commit)
        self.paint_ms = 0.0  # the last paintEvent's cost (benchmarks read it)
        self.frames_rendered = 0
        self._frame: QPixmap | None = None
        self._dirty = True
        self._pending: Snapshot | None = None
        self._hover: Hit | None = None
        self._cursor = QPointF()
        self._editing: Hit | None = None
        self._pinned: tuple[int, int] | None = None
        self._step = 0.0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(560, 520)

    # ------------------------------------------------------------------ API ---------------
    def set_network(self, experiment: Experiment, dataset: Dataset | None) -> None:
        """Lay out the columns for `experiment` on `dataset` (no snapshot needed); clears the run."""
        columns, self.problem = safe_columns(experiment, dataset)
        self.scene.set_columns(columns, dataset)
        self._pending, self._hover, self._pinned = None, None, None
        self.editor.hide()
        self._relayout()

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show `snap`; converted lazily at the next paint, so a hidden view costs nothing."""
        self._pending = snap
        self._dirty = True
        self.update()

    def clear(self) -> None:
        """Forget the run's maps and weights; the layout stays."""
        self._pending = None
        self.scene.clear()
        self.scene.relayout(self.scene.node, self.devicePixelRatioF())
        self.editor.hide()
        self._dirty = True
        self.update()

    @property
    def hover_text(self) -> str:
        """What the hover card says now ("" when nothing is under the mouse)."""
        return self.scene.describe(self._hover) if self._hover is not None else ""

    @property
    def pinned(self) -> tuple[int, int] | None:
        """(layer, unit) of the unit pinned large under the network, or None."""
        return None if self._pinned is None else self._key(*self._pinned)

    def column(self, layer: int) -> Column | None:
        """The column that draws `layer` (-1 inputs, len(layers) the head)."""
        self._ingest()
        return next((c for c in self.scene.columns if c.layer == layer), None)

    def neuron_image(self, layer: int, unit: int) -> QImage | None:
        """The map drawn for a unit now (None before a snapshot brings one)."""
        self._ingest()
        return self.scene.images.get((self._index(layer), unit))

    def neuron_center(self, layer: int, unit: int) -> QPoint:
        return self.column(layer).rects[unit].center().toPoint()

    def bias_center(self, layer: int, unit: int) -> QPoint:
        return bias_rect(self.column(layer).rects[unit]).center().toPoint()

    def connection_midpoint(self, layer: int, src: int, dst: int) -> QPoint:
        """Halfway along the line from unit `src` of the layer before into unit `dst` of `layer`."""
        pts = self.scene.curves[self._index(layer)][dst, src]
        x, y = pts[len(pts) // 2] if len(pts) % 2 else (pts[len(pts) // 2 - 1] + pts[len(pts) // 2]) / 2
        return QPointF(float(x), float(y)).toPoint()

    def connection_width(self, layer: int, src: int, dst: int) -> float | None:
        """The drawn width of that line in px (None when it is not drawn with a weight)."""
        self._ingest()
        lines = self.scene.lines.get(self._index(layer))
        if lines is None:
            return None
        hits = (lines.dst == dst) & (lines.src == src)
        return float(lines.width[hits][0]) if hits.any() else None

    # ------------------------------------------------------------------ internals ---------
    def _index(self, layer: int) -> int:
        return next((j for j, c in enumerate(self.scene.columns) if c.layer == layer), -1)

    def _key(self, j: int, unit: int) -> tuple[int, int]:
        return self.scene.columns[j].layer, unit

    def _ingest(self) -> None:
        if self._pending is not None:
            snap, self._pending = self._pending, None
            self.scene.ingest(snap)
            self._dirty = True

    def _area(self) -> QRectF:
        area = QRectF(self.rect()).adjusted(4, 0, -4, 0)
        if self._pinned is not None:
            area.setBottom(area.bottom() - PIN_BAND)
        return area

    def _relayout(self) -> None:
        area = self._area()
        node = place(self.scene.columns, area)
        cols = self.scene.columns
        self._step = (cols[1].rects[0].center().x() - cols[0].rects[0].center().x()) if len(cols) > 1 else 200
        self.scene.relayout(node, self.devicePixelRatioF())
        self._dirty = True
        self.update()

    def _render_frame(self) -> None:
        dpr = self.devicePixelRatioF()
        frame = QPixmap(self.size() * dpr)
        frame.setDevicePixelRatio(dpr)
        frame.fill(QColor(st.PAPER))
        p = QPainter(frame)
        if self.scene.columns:
            _paint.paint_frame(p, self.scene, self.font(), self._step)
        else:
            p.setPen(QColor(st.MUTED))
            p.drawText(QRectF(self.rect()).adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.problem)
        p.end()
        self._frame, self._dirty = frame, False
        self.frames_rendered += 1

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        t = time.perf_counter()
        self._ingest()
        if self._dirty or self._frame is None or self._frame.deviceIndependentSize() != self.size():
            self._render_frame()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._frame)
        if self._pinned is not None and self.scene.columns:
            band = QRectF(self.rect())
            band.setTop(band.bottom() - PIN_BAND)
            _paint.paint_pinned(p, self.scene, self._pinned, band, self.font())
        if self._hover is not None:
            _paint.paint_hover(p, self.scene, self._hover, self._cursor, self.hover_text, QRectF(self.rect()))
        p.end()
        self.paint_ms = 1e3 * (time.perf_counter() - t)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self._relayout()
        super().resizeEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self._ingest()
        self._cursor = event.position()
        hit = self.scene.hit(self._cursor.x(), self._cursor.y())
        if hit != self._hover or hit is not None:
            self._hover = hit
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit is not None else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._ingest()
        pos = event.position()
        if self._pinned is not None and pos.y() >= self.height() - PIN_BAND:
            self._set_pinned(None)
            return None
        hit = self.scene.hit(pos.x(), pos.y())
        if hit is None:
            self.editor.cancel()
        elif hit.kind == "neuron":
            pin = (hit.col, hit.unit)
            self._set_pinned(None if self._pinned == pin else pin)
            self.neuron_clicked.emit(*self._key(*pin))
        else:
            self._open_editor(hit, pos.toPoint())
        return None

    def _set_pinned(self, pin: tuple[int, int] | None) -> None:
        self._pinned, self._hover = pin, None
        self._relayout()

    def _open_editor(self, hit: Hit, pos: QPoint) -> None:
        value = self.scene.value(hit)
        if value is None or self.scene.parameter(hit) is None:
            return
        self._editing = hit
        text = self.scene.describe(hit).split("\n")[0].rsplit(":", 1)[0]
        self.editor.open_at(pos + QPoint(10, 10), value, f"{text}: type a value, Enter to apply, Esc to cancel")

    def _on_commit(self, value: float) -> None:
        hit, self._editing = self._editing, None
        target = self.scene.parameter(hit) if hit is not None else None
        if target is not None:
            self.parameter_edited.emit(target[0], target[1], float(value))


if __name__ == "__main__":
    import sys

    from playground.gui.plots._preview import preview

    preview(NetworkView, dataset=sys.argv[1] if len(sys.argv) > 1 else "circle")
