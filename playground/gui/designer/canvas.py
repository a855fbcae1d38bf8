"""The network canvas: the layer stack drawn top to bottom, from the inputs to the output head.

A custom-painted widget that mirrors `session.experiment` (re-rendered on every `changed`, so
loading a preset is just a replay) and turns gestures into edits: palette drops insert, block
drags reorder, Delete removes. It never keeps its own copy of the layers, only the selection and
the geometry it derived from them. Drops arrive as ordinary Qt drag events at a position, and
`index_at` / `block_rect` expose the geometry so tests can aim at gaps and blocks.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDrag,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea, QSizePolicy, QToolTip, QWidget

from playground.core import keys
from playground.core.experiment import Experiment
from playground.core.layers import LAYERS
from playground.core.model import NetworkReport
from playground.gui.designer import blocks, edits, look
from playground.gui.designer.blocks import BlockView
from playground.gui.designer.mime import block_index, block_mime, layer_type
from playground.gui.session import Session

_MARGIN = 12


def network_report(session: Session) -> NetworkReport | None:
    """Shape inference for the current stack, or None when there is no data to infer from."""
    return session.report


class NetworkCanvas(QWidget):
    """Draws the stack; emits `selection_changed(index)` (-1 = none) and `activated(index)`."""

    selection_changed = Signal(int)
    activated = Signal(int)  # double-click: the designer focuses the inspector
    report_changed = Signal(object)  # NetworkReport | None, after every re-render

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self._session = session
        self._selected = -1
        self._hover = -1
        self._marker = -1
        self._press: tuple[int, QPoint] | None = None
        self._views: list[BlockView] = []
        self._rects: list[QRectF] = []
        self._report: NetworkReport | None = None
        self._warnings: dict[int, tuple[str, str]] = {}  # hidden index: (badge, tooltip)
        self._warned = None  # the NetworkSpec the warnings were measured on
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding)
        session.changed.connect(self.refresh)
        session.dataset_changed.connect(self.refresh)  # shapes are inferred from the data
        self.refresh()

    # ------------------------------------------------------------ model → view --------------
    @property
    def report(self) -> NetworkReport | None:
        return self._report

    @property
    def views(self) -> tuple[BlockView, ...]:
        """What each block says, input first and head last (tooltips, errors): for tests and a11y."""
        return tuple(self._views)

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def marker(self) -> int:
        """The gap the insertion marker is drawn in during a drag, or -1 when none is shown."""
        return self._marker

    def _count(self) -> int:
        return len(self._session.experiment.network.layers)

    def refresh(self, *_: object) -> None:
        """Replay the session into the picture and keep the selection on an existing layer."""
        s = self._session
        self._report = network_report(s)
        if s.experiment.network != self._warned:
            self._warnings = {}  # measured on another stack: they would sit on the wrong blocks
        self._views = blocks.describe(s.experiment, s.dataset, s.dataset_error, self._report)
        self._relayout()
        self.select(min(self._selected, self._count() - 1))
        self.update()
        self.report_changed.emit(self._report)

    def set_activity(self, activity: Mapping[str, tuple[str, float]]) -> None:
        """Warning badges from a run's unit activity ({"hidden index": (kind, share)}); {} clears."""
        layers = self._session.experiment.network.layers
        warnings = {}
        for key, (kind, share) in activity.items():
            i = keys.block_index(key)
            if 0 <= i < len(layers):
                function = layers[i].params.get("activation", layers[i].params.get("function", ""))
                found = blocks.activity_warning(kind, share, str(function))
                if found is not None:
                    warnings[i] = found
        self._warned = self._session.experiment.network
        if warnings != self._warnings:
            self._warnings = warnings
            self.update()

    def warning(self, index: int) -> str:
        """The activity warning (tooltip text) on hidden layer `index`, "" when it has none."""
        return self._warnings.get(index, ("", ""))[1]

    def tooltip(self, block: int) -> str:
        """Tooltip of block `block` (0 = inputs): its activity warning first, then what it is."""
        view = self._views[block]
        warning = self.warning(block - 1) if 0 < block < len(self._views) - 1 else ""
        return f"{warning}\n\n{view.tooltip}".strip() if warning else view.tooltip

    def select(self, index: int) -> None:
        """Select hidden layer `index` (-1 clears); emits selection_changed when it changes."""
        index = index if 0 <= index < self._count() else -1
        if index != self._selected:
            self._selected = index
            self.update()
            if index >= 0:
                self._reveal(self.block_rect(index).center(), self.block_rect(index).height())
            self.selection_changed.emit(index)

    def _reveal(self, pos: QPoint, margin: int) -> None:
        """Scroll an enclosing QScrollArea so `pos` is in view (long stacks, drags near an edge)."""
        area = self.parent().parent() if self.parent() is not None else None
        if isinstance(area, QScrollArea):
            area.ensureVisible(pos.x(), pos.y(), 0, margin)

    # ------------------------------------------------------------ geometry -------------------
    def _gap(self) -> int:
        return max(20, self.fontMetrics().height() + 6)

    def _relayout(self) -> None:
        h, gap, n = blocks.block_height(self.fontMetrics()), self._gap(), len(self._views)
        width = max(120, self.width() - 2 * _MARGIN)
        y, self._rects = float(_MARGIN), []
        for _ in range(n):
            self._rects.append(QRectF(_MARGIN, y, width, h))
            y += h + (h + gap if n == 2 else gap)  # an empty stack leaves room for a drop zone
        self.setMinimumHeight(int(self._rects[-1].bottom() + _MARGIN) if self._rects else 0)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(380, self.minimumHeight())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(240, self.minimumHeight())

    def resizeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self._relayout()
        super().resizeEvent(event)

    def block_rect(self, index: int) -> QRect:
        """On-screen rect of hidden layer `index`, in this widget's coordinates."""
        return self._rects[index + 1].toAlignedRect()

    def input_rect(self) -> QRect:
        return self._rects[0].toAlignedRect()

    def output_rect(self) -> QRect:
        return self._rects[-1].toAlignedRect()

    def gap_center(self, gap: int) -> QPoint:
        """The middle of the space where a drop lands at insertion index `gap` (0..len)."""
        above, below = self._rects[gap], self._rects[gap + 1]
        return QPointF(above.center().x(), (above.bottom() + below.top()) / 2).toPoint()

    def index_at(self, pos: QPoint) -> int:
        """Insertion index for a drop at `pos`: how many hidden blocks lie above it (by centre)."""
        hidden = self._rects[1:-1]
        return sum(1 for r in hidden if r.center().y() < pos.y())

    def layer_at(self, pos: QPoint) -> int:
        """Hidden-layer index under `pos`; -1 for the input/output blocks or empty space."""
        for k, r in enumerate(self._rects[1:-1]):
            if r.contains(QPointF(pos)):
                return k
        return -1

    def _block_at(self, pos: QPoint) -> int:
        return next((k for k, r in enumerate(self._rects) if r.contains(QPointF(pos))), -1)

    # ------------------------------------------------------------ painting -------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), look.BACKGROUND)
        if len(self._views) == 2:
            blocks.paint_drop_zone(p, self._rects[0], self._rects[1])
        else:
            for above, below in zip(self._rects, self._rects[1:], strict=False):
                blocks.paint_connector(p, above, below)
        for k, (rect, view) in enumerate(zip(self._rects, self._views, strict=True)):
            hidden = k - 1 if 0 < k < len(self._rects) - 1 else -2  # input/head: never selected
            badge = self._warnings.get(hidden, ("", ""))[0]
            blocks.paint_block(p, rect, view, hidden == self._selected, hidden == self._hover, badge)
        if self._marker >= 0:
            blocks.paint_marker(p, self.gap_center(self._marker).y(), _MARGIN - 4, self.width() - _MARGIN + 4)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            k = self._block_at(e.pos())
            if k >= 0 and self.tooltip(k):
                QToolTip.showText(e.globalPos(), self.tooltip(k), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    # ------------------------------------------------------------ gestures -------------------
    def _edit(self, exp: Experiment, text: str) -> None:
        self._session.edit(exp, text)

    def _label(self, index: int) -> str:
        layer = self._session.experiment.network.layers[index]
        entry = LAYERS.get(layer.type)
        return entry.label if entry is not None else layer.type

    def insert(self, gap: int, type_name: str) -> None:
        """Insert a new layer at `gap` as one undo step and select it."""
        exp = edits.insert_layer(self._session.experiment, gap, type_name)
        self._edit(exp, self.tr("Insert {0}").format(LAYERS[type_name].label))
        self.select(gap)

    def move(self, src: int, gap: int) -> None:
        """Move layer `src` into insertion gap `gap` (no-op next to itself) and keep it selected."""
        dst = edits.gap_to_position(src, gap)
        if dst != src:
            self._edit(edits.move_layer(self._session.experiment, src, dst),
                       self.tr("Move {0}").format(self._label(src)))
        self.select(dst)

    def remove(self, index: int) -> None:
        """Delete layer `index`; the selection moves to its neighbour."""
        if 0 <= index < self._count():
            text = f"Remove {self._label(index)}"
            self._edit(edits.remove_layer(self._session.experiment, index), text)
            self.select(min(index, self._count() - 1))

    def duplicate(self, index: int) -> None:
        self._edit(edits.duplicate_layer(self._session.experiment, index),
                   self.tr("Duplicate {0}").format(self._label(index)))
        self.select(index + 1)

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        k = self.layer_at(e.position().toPoint())
        if e.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self.select(k)
        left = e.button() == Qt.MouseButton.LeftButton
        self._press = (k, e.position().toPoint()) if k >= 0 and left else None

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt API
        pos = e.position().toPoint()
        hover = self.layer_at(pos)
        if hover != self._hover:
            self._hover = hover
            self.update()
        if self._press is None or not e.buttons() & Qt.MouseButton.LeftButton:
            return
        k, start = self._press
        if (pos - start).manhattanLength() >= QApplication.startDragDistance():
            self._press = None
            self._start_drag(k)

    def _start_drag(self, index: int) -> None:
        drag = QDrag(self)
        drag.setMimeData(block_mime(index, id(self)))
        drag.setPixmap(self.grab(self.block_rect(index)))
        drag.setHotSpot(QPoint(20, self.block_rect(index).height() // 2))
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self._press = None

    def leaveEvent(self, e: QEvent) -> None:  # noqa: N802 - Qt API
        self._hover = -1
        self.update()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt API
        k = self.layer_at(e.position().toPoint())
        self.select(k)
        self.activated.emit(k)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key, alt = e.key(), bool(e.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected >= 0:
            self.remove(self._selected)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._count():
            step = -1 if key == Qt.Key.Key_Up else 1
            if alt and self._selected >= 0:
                self.move(self._selected, self._selected + (step if step < 0 else 2))
            else:
                self.select(max(0, min(self._count() - 1, self._selected + step)))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected >= 0:
            self.activated.emit(self._selected)
        else:
            super().keyPressEvent(e)

    def contextMenuEvent(self, e: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        k = self.layer_at(e.pos())
        if k < 0:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Duplicate"), lambda: self.duplicate(k))
        up = menu.addAction(self.tr("Move up"), lambda: self.move(k, k - 1))
        down = menu.addAction(self.tr("Move down"), lambda: self.move(k, k + 2))
        menu.addSeparator()
        menu.addAction(self.tr("Remove"), lambda: self.remove(k))
        up.setEnabled(k > 0)
        down.setEnabled(k < self._count() - 1)
        menu.exec(e.globalPos())
        menu.deleteLater()

    # ------------------------------------------------------------ drops ----------------------
    def _drop_action(self, e: QDropEvent) -> Qt.DropAction | None:
        if layer_type(e.mimeData()) in LAYERS:
            return Qt.DropAction.CopyAction
        if block_index(e.mimeData(), id(self)) is not None:
            return Qt.DropAction.MoveAction
        return None

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        """Accept our payloads and show where the drop would land (enter and move alike)."""
        action = self._drop_action(e)
        if action is None:
            e.ignore()
            return
        e.setDropAction(action)
        e.accept()
        gap = self.index_at(e.position().toPoint())
        self._reveal(e.position().toPoint(), 30)
        if gap != self._marker:
            self._marker = gap
            self.update()

    dragEnterEvent = dragMoveEvent  # QDragEnterEvent is a QDragMoveEvent

    def dragLeaveEvent(self, e: QEvent) -> None:  # noqa: N802 - Qt API
        self._marker = -1
        self.update()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802 - Qt API
        self.dragLeaveEvent(e)
        action = self._drop_action(e)
        if action is None:
            e.ignore()
            return
        gap = self.index_at(e.position().toPoint())
        e.setDropAction(action)
        e.accept()
        name = layer_type(e.mimeData())
        if action == Qt.DropAction.CopyAction and name is not None:
            self.insert(gap, name)
        else:
            self.move(block_index(e.mimeData(), id(self)), gap)


if __name__ == "__main__":
    app = QApplication([])
    canvas = NetworkCanvas(Session())
    canvas.resize(420, 360)
    canvas.show()
    app.exec()
