"""NetworkView: every unit as a small map of its output over the input plane, every weight as a line.

TensorFlow Playground's network picture for any stack of vector layers: input features on the
left, a column per hidden layer, the output on the right (for 1-D data each unit shows its output
as a curve over x, filled from 0 in the maps' colours, instead of a map). Lines are coloured by
sign (orange negative, blue positive), as thick as |w| and as opaque; the small square at a unit's
lower left is its bias. Hover anything for its value, click a weight or bias to type a new one
(emitted as `parameter_edited`, for the running model or the one a run ended with; where no model
can take it, `edit_refusal` says why and the click shows that instead of an editor), click a unit
to pin its map large under the network (`pin_changed` lets the window show the same unit in the
main boundary view, 2-D data only).

Why a custom-painted QWidget and not a QGraphicsScene: a snapshot replaces every image and every
line 30 times a second, which would mean hundreds of item updates per frame; painting into one
cached pixmap per snapshot costs a few milliseconds, and hover repaints only blit it.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.core.coefficients import INTERCEPT, coefficients
from playground.core.datasets.base import Dataset
from playground.core.experiment import Experiment
from playground.core.model import NetworkReport
from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot
from playground.core.spec import NetworkSpec
from playground.gui.inside import _paint
from playground.gui.inside._editor import ValueEditor
from playground.gui.inside._layout import Column, bias_rect, place, safe_columns
from playground.gui.inside._scene import Hit, Lines, Scene
from playground.gui.inside.hover import describe
from playground.gui.plots import _style as st

PIN_BAND = 170.0  # height of the pinned unit's band under the network
PRESENT_FALLBACK_MS = 40  # with deferred painting, paint anyway if nobody calls `present` by then


class NetworkView(QWidget):
    """The network with live neuron maps and weights.

    Layers are addressed by their NetworkSpec index: -1 for the inputs, ``len(layers)`` for the
    output head (as in `LayerInfo.index`); units from 0.
    """

    neuron_clicked = Signal(int, int)  # layer, unit
    pin_changed = Signal(object)  # (layer, unit) of the unit now pinned, or None
    parameter_edited = Signal(str, int, float)  # state-dict key, flat index, new value

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must keep reaching Train
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 240)
        self.scene = Scene()
        self.problem = self.tr("No network to show.")
        self._network: NetworkSpec | None = None
        self.editor = ValueEditor(self)
        self.editor.committed.connect(self._on_commit)
        self.edit_refusal: Callable[[], str] = lambda: ""  # why a typed value could reach no model now
        self.refusal = ""  # why the last click could not edit, shown on a card there until the next click
        self._render_s = self._prepare_s = self._prepare_cpu_s = 0.0  # the last frame's cost, for pacing
        self.frame_ms = self.frame_cpu_ms = 0.0  # the last frame's conversion + paint, wall and CPU
        self._started_at = 0.0  # when the last frame's conversion began
        self.frames_rendered = 0
        self._shown_state = RunState.RUNNING  # of the snapshot on screen: a streaming run may draw roughly
        self.deferred_paint = False  # convert now, paint at `present` (set by a panel that calls it)
        self._awaiting_present = False
        self._frame: QPixmap | None = None
        self._dirty = True
        self._pending: Snapshot | None = None
        self._scheduled = False
        self._hover: Hit | None = None
        self._cursor = QPointF()
        self._editing: Hit | None = None
        self._refused_at = QPointF()
        self._pinned: tuple[int, int] | None = None
        self._step = 0.0
        self._label_layer: QPixmap | None = None
        self.strips = _paint.Strips()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(560, 520)

    # ------------------------------------------------------------------ API ---------------
    def set_network(self, experiment: Experiment, dataset: Dataset | None,
                    report: NetworkReport | None = None) -> None:
        """Lay out the columns for `experiment` on `dataset` (no snapshot needed); clears the run.

        `report`: the network's inspection on `dataset`, if at hand (the window's session caches it).
        """
        was_pinned = self._pinned is not None
        self._network = experiment.network  # a linear model's hover adds its data-unit coefficient
        columns, self.problem = safe_columns(experiment, dataset, report)
        self.scene.set_columns(columns, dataset)
        self._pending, self._hover, self._pinned = None, None, None
        self.editor.hide()
        self._relayout()
        if was_pinned:
            self.pin_changed.emit(None)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show `snap`: converted in an event of its own, then painted, so neither step holds the
        window's thread for long; a hidden view converts nothing until it is shown.

        While a run streams, the window's FrameScheduler spaces the snapshots it gets by
        `frame_spacing`.
        """
        self._pending = snap
        if not self._scheduled and self.isVisible():
            self._scheduled = True
            QTimer.singleShot(0, self, self._prepare)

    def frame_spacing(self) -> float:
        """Seconds between streaming frames: at least three times their own cost, at most 16 a second.

        The maps change smoothly at that rate, and at 30 the frames carrying them made the window's
        slowest 1% of frames ~2 ms slower here, so the view takes at most a third of the window's
        thread from the plots.
        """
        return min(0.25, max(1 / 16, 3 * self._render_s))

    def _prepare(self) -> None:
        self._scheduled = False
        t, cpu = time.perf_counter(), time.thread_time()
        self._started_at = t
        self._ingest()
        self._prepare_s = time.perf_counter() - t  # added to the paint's own cost for pacing
        self._prepare_cpu_s = time.thread_time() - cpu
        if self.deferred_paint and self._shown_state == RunState.RUNNING:
            self._awaiting_present = True  # painted at the start of the next frame (`present`)
            QTimer.singleShot(PRESENT_FALLBACK_MS, self, self.present)
        else:
            self.update()

    def present(self) -> None:
        """Paint what the last snapshot was converted to, if that is still waiting.

        With `deferred_paint`, a streaming snapshot is converted in one frame and painted in the
        next (the window calls this as the next snapshot arrives): the conversion shares a frame
        with the curves, the painting with the boundary, and neither frame carries both.
        """
        if self._awaiting_present:
            self._awaiting_present = False
            self.update()

    def clear(self) -> None:
        """Forget the run's maps and weights; the layout stays."""
        self._pending = None
        self.scene.clear()
        self.editor.hide()
        self._dirty = True
        self.update()

    @property
    def hover_text(self) -> str:
        """What the hover card says now ("" when nothing is under the mouse)."""
        if self._hover is None:
            return ""
        return describe(self.scene, self._hover) + self._in_data_units(self._hover)

    def _in_data_units(self, hit: Hit) -> str:
        """For a linear model on a CSV file: the hovered weight or bias as the slope or intercept
        on the file's own numbers (un-standardised, `core.coefficients`), else ""."""
        ds, snap = self.scene.dataset, self.scene.snap
        if hit.kind not in ("weight", "bias") or ds is None or snap is None or snap.weights is None \
                or self._network is None or getattr(ds.transform, "std", None) is None:
            return ""
        coefs = coefficients(self._network, ds, snap.weights)
        if coefs is None:
            return ""
        if hit.kind == "bias":
            return "\n" + self.tr("In the file's units: intercept {0}").format(f"{coefs[INTERCEPT]:.4g}")
        name = ds.feature_names[hit.src]
        return "\n" + self.tr("In the file's units: slope {0} per unit of {1}").format(
            f"{coefs[name]:.4g}", name)

    @property
    def pinned(self) -> tuple[int, int] | None:
        """(layer, unit) of the unit pinned large under the network, or None."""
        return None if self._pinned is None else self._key(*self._pinned)

    def refuse(self, reason: str) -> None:
        """Say why an edit cannot be made, on a card where the person clicked (never a silent no-op)."""
        self.refusal, self._refused_at = "\n".join(textwrap.wrap(reason, 46)), QPointF(self._cursor)
        self.update()

    def unpin(self) -> None:
        """Drop the pinned unit (Esc in the boundary view, a new run)."""
        if self._pinned is not None:
            self._set_pinned(None)

    def column(self, layer: int) -> Column | None:
        """The column that draws `layer` (-1 inputs, len(layers) the head)."""
        self._ingest()
        return next((c for c in self.scene.columns if c.layer == layer), None)

    def neuron_image(self, layer: int, unit: int) -> QImage | None:
        """The map drawn for a unit now (None before a snapshot brings one)."""
        self._ingest()
        return self.scene.unit_image(self._index(layer), unit)

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

    def drawn_lines(self, layer: int) -> Lines | None:
        """The weight lines drawn into `layer` now (None before weights arrive)."""
        self._ingest()
        return self.scene.lines.get(self._index(layer))

    # ------------------------------------------------------------------ internals ---------
    def _index(self, layer: int) -> int:
        return next((j for j, c in enumerate(self.scene.columns) if c.layer == layer), -1)

    def _key(self, j: int, unit: int) -> tuple[int, int]:
        return self.scene.columns[j].layer, unit

    def _ingest(self) -> None:
        if self._pending is not None:
            snap, self._pending = self._pending, None
            self._shown_state = snap.state
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
        self._dirty, self._label_layer = True, None
        self.strips.clear()
        self.update()

    def _render_frame(self) -> None:
        dpr = self.devicePixelRatioF()
        frame = QPixmap(self.size() * dpr)
        frame.setDevicePixelRatio(dpr)
        frame.fill(QColor(st.PAPER))
        p = QPainter(frame)
        try:
            if self.scene.columns:
                p.drawPixmap(0, 0, self._labels())
                _paint.paint_frame(p, self.scene, self.font(), self._step, self.strips,
                                   exact=self._shown_state != RunState.RUNNING)
            else:
                p.setPen(QColor(st.MUTED))
                p.drawText(QRectF(self.rect()).adjusted(20, 20, -20, -20),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.problem)
        finally:
            p.end()  # a painter left active on a pixmap crashes Qt later
        self._frame, self._dirty = frame, False
        self.frames_rendered += 1

    def _labels(self) -> QPixmap:
        """The layer of text that changes only with the layout, rendered once per layout."""
        if self._label_layer is None or self._label_layer.deviceIndependentSize() != self.size():
            dpr = self.devicePixelRatioF()
            layer = QPixmap(self.size() * dpr)
            layer.setDevicePixelRatio(dpr)
            layer.fill(QColor(st.PAPER))
            p = QPainter(layer)
            try:
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                _paint.paint_labels(p, self.scene, self.font(), self._step)
            finally:
                p.end()
            self._label_layer = layer
        return self._label_layer

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        t, cpu = time.perf_counter(), time.thread_time()
        if self._pending is not None or self._dirty or self._frame is None \
                or self._frame.deviceIndependentSize() != self.size():
            self._ingest()
            self._render_frame()
            self._render_s, self._prepare_s = self._prepare_s + time.perf_counter() - t, 0.0
            self.frame_ms = 1e3 * self._render_s
            self.frame_cpu_ms = 1e3 * (self._prepare_cpu_s + time.thread_time() - cpu)
            self._prepare_cpu_s = 0.0
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, self._frame)
            if self._pinned is not None and self.scene.columns:
                band = QRectF(self.rect())
                band.setTop(band.bottom() - PIN_BAND)
                _paint.paint_pinned(p, self.scene, self._pinned, band, self.font())
            if self.refusal:
                _paint.paint_card(p, self.refusal, self._refused_at + QPointF(12, 12), QRectF(self.rect()))
            elif self._hover is not None:
                area = QRectF(self.rect())
                _paint.paint_hover(p, self.scene, self._hover, self._cursor, self.hover_text, area)
        finally:
            p.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self._relayout()
        super().resizeEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self._ingest()
        self._cursor = event.position()
        if self.refusal and (self._cursor - self._refused_at).manhattanLength() > 40:
            self.refusal = ""  # the person moved on
        hit = self.scene.hit(self._cursor.x(), self._cursor.y())
        if hit != self._hover or hit is not None:
            self._hover = hit
            hand = hit is not None
            self.setCursor(Qt.CursorShape.PointingHandCursor if hand else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._ingest()
        pos = event.position()
        self.refusal = ""
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
        changed = pin != self._pinned
        self._pinned, self._hover = pin, None
        self._relayout()
        if changed:
            self.pin_changed.emit(self.pinned)

    def _open_editor(self, hit: Hit, pos: QPoint) -> None:
        value = self.scene.value(hit)
        if value is None or self.scene.parameter(hit) is None:
            return
        self._cursor = QPointF(pos)
        reason = self.edit_refusal()
        if reason:
            self.refuse(reason)
            return
        self._editing = hit
        text = describe(self.scene, hit).split("\n")[0].rsplit(":", 1)[0]
        tip = self.tr("{0}: type a value, Enter applies it to the model, Esc cancels").format(text)
        self.editor.open_at(pos + QPoint(10, 10), value, tip)

    def _on_commit(self, value: float) -> None:
        hit, self._editing = self._editing, None
        target = self.scene.parameter(hit) if hit is not None else None
        if target is not None:
            self.parameter_edited.emit(target[0], target[1], float(value))


# Shown on its own inside its panel: python -m playground.gui.inside.inside_panel spiral
