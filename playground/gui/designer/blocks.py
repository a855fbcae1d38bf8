"""What each canvas block says, and how one is painted.

`describe()` turns the experiment, its data and the latest NetworkReport into one BlockView per
block (input, hidden layers, output head); `paint_block()` draws one. Keeping the wording apart
from the widget keeps the canvas about geometry and gestures only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF

from playground.core.compat import check_head
from playground.core.datasets.base import IMAGE, Dataset
from playground.core.errors import SpecError
from playground.core.experiment import Experiment
from playground.core.keys import DEAD, SATURATED
from playground.core.layers import LAYERS
from playground.core.model import LayerInfo, NetworkReport
from playground.gui import theme
from playground.gui.designer import look

INPUT, HIDDEN, OUTPUT = "input", "hidden", "output"


@dataclass(frozen=True)
class BlockView:
    """The text and state of one block; `type_name` picks the badge for hidden layers."""

    kind: str
    title: str
    shape: str = ""
    detail: str = ""
    error: str = ""
    tooltip: str = ""
    type_name: str = ""


def _tr(text: str) -> str:
    return QCoreApplication.translate("NetworkDesigner", text)


def _plural(n: int, one: str, many: str) -> str:
    """`one` or `many` (whole phrases with a {0} for the count, for translators) filled with `n`."""
    return _tr(one if n == 1 else many).format(look.count_text(n))


def _size(info: LayerInfo) -> str:
    """The parameter count, or why there is none yet (a broken layer above leaves no shape)."""
    if info.in_shape is None or (info.out_shape is None and not info.error):
        return _tr("waits for the layer above")
    return _plural(info.n_params, QT_TRANSLATE_NOOP("NetworkDesigner", "{0} param"),
                   QT_TRANSLATE_NOOP("NetworkDesigner", "{0} params"))


def _input_view(dataset: Dataset | None, dataset_error: str) -> BlockView:
    if dataset is None:
        msg = dataset_error or _tr("the data could not be loaded")
        return BlockView(INPUT, _tr("Inputs: data not loaded"), "?", msg, msg, msg)
    shape = look.shape_text(dataset.input_shape)
    if dataset.kind == IMAGE:
        title = _tr("Inputs: image {0}").format(shape)
    else:
        names = [look.pretty_feature(f) for f in dataset.feature_names] or [_tr("{0} values").format(shape)]
        title = _tr("Inputs: {0}").format(", ".join(names))
    examples = _plural(len(dataset.x_train), QT_TRANSLATE_NOOP("NetworkDesigner", "{0} training example"),
                       QT_TRANSLATE_NOOP("NetworkDesigner", "{0} training examples"))
    detail = f"{dataset.name} · {examples}"
    return BlockView(INPUT, title, shape, detail, tooltip=f"{title}\n{detail}")


def _output_title(dataset: Dataset | None) -> str:
    if dataset is None:
        return _tr("Output")
    if dataset.output_units == 1:
        return _tr("Output · {0} unit ({1})").format(look.count_text(1), dataset.task)
    return _tr("Output · {0} units ({1})").format(look.count_text(dataset.output_units), dataset.task)


def head_problem(exp: Experiment, dataset: Dataset | None) -> str:
    """The core's sentence when the head's activation does not fit the loss or the task (a softmax
    head into cross-entropy: double softmax), "" when it does or there is no data to judge by."""
    if dataset is None:
        return ""
    try:
        check_head(exp, dataset.task, dataset.output_units)
    except SpecError as exc:
        return exc.message
    return ""


def describe(exp: Experiment, dataset: Dataset | None, dataset_error: str,
             report: NetworkReport | None) -> list[BlockView]:
    """One BlockView per block, from the inputs to the output head."""
    infos = list(report.layers) if report is not None else []
    hidden = [i for i in infos if not i.is_output]
    head = next((i for i in infos if i.is_output), None)
    views = [_input_view(dataset, dataset_error)]
    for k, layer in enumerate(exp.network.layers):
        entry = LAYERS.get(layer.type)
        label = entry.label if entry is not None else layer.type
        info = hidden[k] if k < len(hidden) else None
        title = info.label if info is not None and info.label else label
        if info is None:
            shape, detail, error = "?", f"Layer {k + 1}", ""
        else:
            shape, error = look.shape_text(info.out_shape), info.error or ""
            detail = f"Layer {k + 1} · {_size(info)}"
        tip = f"Layer {k + 1} · {label}\n" + (f"⚠ {error}" if error else (entry.help if entry else ""))
        views.append(BlockView(HIDDEN, title, shape, detail, error, tip, layer.type))
    activation = exp.network.output.get("activation", "linear")
    if head is None:
        views.append(BlockView(OUTPUT, _output_title(dataset), "?", _tr("activation {0}").format(activation)))
    else:
        detail = f"{activation} · {_size(head)}"
        error = head.error or head_problem(exp, dataset)
        tip = _tr("The output head: its size follows the task.") + "\n" + (f"⚠ {error}" if error else "")
        views.append(BlockView(OUTPUT, _output_title(dataset), look.shape_text(head.out_shape), detail,
                               error, tip.strip()))
    return views


def block_height(fm: QFontMetrics) -> int:
    """Two lines of text plus padding: scales with the font, so HiDPI and large fonts fit."""
    return 2 * fm.height() + 18


def _badge(p: QPainter, rect: QRectF, view: BlockView) -> None:
    if view.kind == HIDDEN:
        look.paint_badge(p, rect, view.type_name)
        return
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(look.INPUT_ACCENT if view.kind == INPUT else look.OUTPUT_ACCENT)
    p.drawEllipse(rect)
    font = QFont(p.font())
    font.setBold(True)
    font.setPixelSize(max(7, int(rect.height() * 0.36)))
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "in" if view.kind == INPUT else "out")
    p.restore()


def _frame(view: BlockView, selected: bool, hovered: bool) -> tuple[QColor, QPen]:
    if view.error:
        return look.ERROR_FILL, QPen(look.ERROR, 2.4 if selected else 1.6)
    if selected:
        return look.SELECTED_FILL, QPen(look.SELECTED, 2.0)
    return look.BLOCK, QPen(QColor("#9aa5b1") if hovered else look.BORDER, 1.0)


WARN_SHARE = 0.5  # above this share of dead / saturated units a block gets a warning badge
_WARN_FILL, _WARN_EDGE, _WARN_TEXT = QColor(theme.WARNING_FILL), QColor("#f3b562"), QColor("#a35200")


def activity_warning(kind: str, share: float, function: str = "") -> tuple[str, str] | None:
    """(badge text, tooltip) for a block whose units are mostly dead or saturated, else None.

    The tooltip says what the number means and what to try, since a badge alone only alarms.
    """
    if not share > WARN_SHARE:
        return None
    pct = f"{share:.0%}"
    if kind == DEAD:
        return (_tr("⚠ {0} dead").format(pct), _tr(
            "{0} of units are dead: they output 0 for every training example; "
            "try a lower learning rate, leaky ReLU or He initialisation.").format(pct))
    if kind == SATURATED:
        name = function or "tanh/sigmoid"
        return (_tr("⚠ {0} saturated").format(pct), _tr(
            "{0} of outputs are saturated: inputs are so large that {1} is "
            "flat; gradients vanish; try smaller initial weights or a lower learning rate."
        ).format(pct, name))
    return None


def _warning_pill(p: QPainter, rect: QRectF, right: float, baseline_top: float, text: str) -> float:
    """Draw the amber pill right-aligned on the detail line; returns its left edge."""
    fm = p.fontMetrics()
    w, h = fm.horizontalAdvance(text) + 12, fm.height() + 2
    pill = QRectF(right - w, baseline_top - 1, w, h)
    p.setPen(QPen(_WARN_EDGE, 1.0))
    p.setBrush(_WARN_FILL)
    p.drawRoundedRect(pill, h / 2, h / 2)
    p.setPen(_WARN_TEXT)
    p.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    return pill.left()


def paint_block(p: QPainter, rect: QRectF, view: BlockView, selected: bool = False,
                hovered: bool = False, warning: str = "") -> None:
    """A rounded card: badge, title and output shape on top, details (or the error) below;
    `warning` is an activity badge (dead / saturated units) drawn at the right of the details."""
    p.save()
    fill, pen = _frame(view, selected, hovered)
    path = QPainterPath()
    path.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
    p.setPen(pen)
    p.setBrush(fill)
    p.drawPath(path)
    pad = 10
    size = min(rect.height() - 2 * pad, 30)
    _badge(p, QRectF(rect.left() + pad, rect.center().y() - size / 2, size, size), view)
    fm = p.fontMetrics()
    left = rect.left() + 2 * pad + size
    top = rect.center().y() - fm.height() - 1
    bold = QFont(p.font())
    bold.setBold(True)
    shape = f"→ {view.shape}" if view.shape else ""
    shape_w = QFontMetrics(bold).horizontalAdvance(shape) + pad if shape else 0
    p.setFont(bold)
    p.setPen(look.MUTED)
    p.drawText(QRectF(rect.right() - pad - shape_w, top, shape_w, fm.height()),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shape)
    p.setPen(look.TEXT)
    title_w = rect.right() - pad - shape_w - left
    title = QFontMetrics(bold).elidedText(view.title, Qt.TextElideMode.ElideRight, int(title_w))
    p.drawText(QRectF(left, top, title_w, fm.height()), Qt.AlignmentFlag.AlignVCenter, title)
    p.setFont(_small(bold))
    p.setPen(look.ERROR if view.error else look.MUTED)
    text = f"⚠ {view.error}" if view.error else view.detail
    detail_right = rect.right() - pad
    if warning and not view.error:
        detail_right = _warning_pill(p, rect, detail_right, top + fm.height() + 2, warning) - 6
        p.setPen(look.MUTED)
    detail_w = detail_right - left
    text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(detail_w))
    p.drawText(QRectF(left, top + fm.height() + 2, detail_w, fm.height()),
               Qt.AlignmentFlag.AlignVCenter, text)
    p.restore()


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setBold(False)
    if small.pointSizeF() > 0:
        small.setPointSizeF(small.pointSizeF() * 0.9)
    else:
        small.setPixelSize(max(8, int(small.pixelSize() * 0.9)))
    return small


_LINE = QColor("#aab3bf")


def paint_connector(p: QPainter, above: QRectF, below: QRectF) -> None:
    """The arrow from one block down to the next: data flows from the inputs to the head."""
    x, top, bottom = above.center().x(), above.bottom() + 2, below.top() - 2
    p.setPen(QPen(_LINE, 1.5))
    p.drawLine(QPointF(x, top), QPointF(x, bottom - 4))
    p.setBrush(_LINE)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawPolygon(QPolygonF([QPointF(x - 4, bottom - 6), QPointF(x + 4, bottom - 6), QPointF(x, bottom)]))


def paint_drop_zone(p: QPainter, above: QRectF, below: QRectF) -> None:
    """An empty stack shows a dashed drop zone instead of a bare arrow."""
    height = below.top() - above.bottom() - 16
    zone = QRectF(above.left() + 24, above.bottom() + 8, above.width() - 48, height)
    p.setPen(QPen(_LINE, 1.2, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(zone, 8, 8)
    p.setPen(look.MUTED)
    p.drawText(zone, Qt.AlignmentFlag.AlignCenter, _tr("Drag layers from the palette here"))


def paint_marker(p: QPainter, y: float, left: float, right: float) -> None:
    """The insertion marker: a bold line with round ends across the gap a drop would land in."""
    pen = QPen(look.SELECTED, 3)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(left + 5, y), QPointF(right - 5, y))
    p.setBrush(look.SELECTED)
    p.drawEllipse(QPointF(left + 4, y), 4, 4)
    p.drawEllipse(QPointF(right - 4, y), 4, 4)
