"""Painting the network view: the per-snapshot frame, and the hover/pin overlay on top of it.

The frame (headers, connections, neuron maps, biases) changes only with a snapshot or a resize,
so the view renders it once into a pixmap; hovering repaints just the blit and the overlay.
Connections are drawn grouped by pen (sign × quantised width × alpha), thin lines first, so a
6×8 network costs a few hundred `drawPath` calls and a few dozen pen changes per frame.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from playground.gui.inside import _images as im
from playground.gui.inside._layout import OUTPUT_MAP, bias_rect, header_top
from playground.gui.inside._scene import Hit, Lines, Scene
from playground.gui.plots import _style as st

STRUCTURE = QColor(st.BORDER)  # lines before the first snapshot, and weightless links
EMPTY_NODE = QColor("#eef1f5")


def small_font(base: QFont, scale: float = 0.85) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(6.0, base.pointSizeF() * scale))
    return font


def _pen(colour: str, alpha: int, width: float) -> QPen:
    c = QColor(colour)
    c.setAlpha(int(alpha))
    pen = QPen(c, width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def paint_frame(p: QPainter, scene: Scene, base: QFont, step: float) -> None:
    """Everything that changes only per snapshot; `step` is the distance between columns."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_headers(p, scene, base, step)
    for j, col in enumerate(scene.columns):
        if j == 0 or col.kind == OUTPUT_MAP:
            continue
        if j in scene.lines:
            paint_lines(p, scene.lines[j])
        else:
            _paint_structure(p, scene, j)
    _paint_nodes(p, scene, base)


def paint_lines(p: QPainter, lines: Lines) -> None:
    """Weighted connections, one pen per (colour step, width step) group, weakest first.

    Colours are opaque steps of the diverging ramp (pale near 0, full from |w| = 2): on the white
    background that reads as TensorFlow Playground's faint-to-strong lines, and opaque strokes
    rasterise several times faster than translucent ones in Qt's raster engine.
    """
    key = None
    for path, shade, width in zip(lines.paths, lines.shade.tolist(), lines.width.tolist(), strict=True):
        if (shade, width) != key:
            key = (shade, width)
            p.setPen(_line_pen(shade, width))
        p.drawPath(path)


@lru_cache(maxsize=1024)
def _line_pen(shade: int, width: float) -> QPen:
    pen = QPen(QColor.fromRgba(int(im.DIVERGING_STRONG[shade])), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def _paint_structure(p: QPainter, scene: Scene, j: int) -> None:
    """Grey lines where there are no weights to show yet (or none at all: one-to-one layers)."""
    col, prev = scene.columns[j], scene.columns[j - 1]
    paths = scene.paths.get(j)
    if paths is None:
        return
    p.setPen(QPen(STRUCTURE, 1.0))
    if col.linear:
        pairs = [(d, s) for d in range(col.shown) for s in range(prev.shown)][:200]
    else:
        pairs = [(u, u) for u in range(min(col.shown, prev.shown))]
    for d, s in pairs:
        p.drawPath(paths[d][s])


def _paint_headers(p: QPainter, scene: Scene, base: QFont, step: float) -> None:
    title, small = QFont(base), small_font(base)
    title.setBold(True)
    width = max(40.0, min(step * 0.96, 160.0))
    top = header_top(scene.columns)
    for j, col in enumerate(scene.columns):
        if not col.rects:
            continue
        cx = col.rects[0].center().x()
        x = max(2.0, cx - width / 2)
        lines = [(title, st.TEXT, col.title), (small, st.MUTED, col.subtitle)]
        kind, share = scene.activity.get(j, ("", 0.0))
        if kind and share >= 0.005:
            lines.append((small, st.WRONG if share >= 0.5 else st.MUTED, f"{share:.0%} {kind}"))
        y = max(4.0, top)
        for font, colour, text in lines:
            fm = QFontMetricsF(font)
            p.setFont(font)
            p.setPen(QColor(colour))
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
            p.drawText(QRectF(x, y, width, fm.height()), Qt.AlignmentFlag.AlignHCenter, shown)
            y += fm.height() + 1


def _paint_nodes(p: QPainter, scene: Scene, base: QFont) -> None:
    border = QPen(QColor(st.MUTED), 1.0)
    small = small_font(base)
    for j, col in enumerate(scene.columns):
        weights = scene.weights.get(j)
        for u, rect in enumerate(col.rects):
            img = scene.images.get((j, u))
            if img is not None:
                p.drawImage(rect.topLeft(), img)  # made at this size: a blit
            else:
                p.fillRect(rect, EMPTY_NODE)
            p.setPen(border)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            if col.bias and weights is not None and weights[1] is not None:
                p.fillRect(bias_rect(rect), im.diverging_colour(float(weights[1][u]), 1.0))
                p.drawRect(bias_rect(rect))
            if col.labels and u < len(col.labels) and col.kind != OUTPUT_MAP:
                _label_left(p, small, rect, col.labels[u])
        if col.more and col.rects:
            last = col.rects[-1]
            p.setFont(small)
            p.setPen(QColor(st.MUTED))
            box = QRectF(last.center().x() - 50, last.bottom() + 3, 100, 16)
            p.drawText(box, Qt.AlignmentFlag.AlignHCenter, f"+{col.more} more")


def _label_left(p: QPainter, font: QFont, rect: QRectF, text: str) -> None:
    """Input feature names and class names beside their node, as TensorFlow Playground's X₁, X₂."""
    fm = QFontMetricsF(font)
    if rect.left() < fm.horizontalAdvance(text) + 6:
        return  # no room on the left of the first column: the hover text names it
    p.setFont(font)
    p.setPen(QColor(st.TEXT))
    w = fm.horizontalAdvance(text)
    p.drawText(QRectF(rect.left() - w - 5, rect.center().y() - fm.height() / 2, w, fm.height()),
               Qt.AlignmentFlag.AlignRight, text)


# ------------------------------------------------------------------ overlay ------------------
def paint_hover(p: QPainter, scene: Scene, hit: Hit, cursor: QPointF, text: str, area: QRectF) -> None:
    """Highlight what is under the mouse: a thicker line, or the unit's map enlarged, plus a card."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if hit.kind == "weight" and hit.col in scene.lines:
        lines = scene.lines[hit.col]
        for i in range(len(lines.paths)):
            if lines.dst[i] == hit.unit and lines.src[i] == hit.src:
                width = float(lines.width[i])
                p.setPen(_pen(st.TEXT, 150, width + 3))
                p.drawPath(lines.paths[i])
                p.setPen(_pen(st.POSITIVE if lines.value[i] >= 0 else st.NEGATIVE, 255, width))
                p.drawPath(lines.paths[i])
    elif hit.kind == "neuron":
        node = scene.columns[hit.col].rects[hit.unit]
        img = scene.big_image(hit.col, hit.unit)
        if img is not None:
            big = min(max(3.5 * node.width(), 96.0), 200.0, area.height() - 8)
            x = node.right() + 10 if node.right() + 10 + big < area.right() else node.left() - 10 - big
            y = min(max(area.top() + 4, node.center().y() - big / 2), area.bottom() - big - 4)
            enlarged_map(p, QRectF(x, y, big, big), img)
            return paint_card(p, text, QPointF(x, y + big + 4), area)
    paint_card(p, text, cursor + QPointF(14, 16), area)


def enlarged_map(p: QPainter, rect: QRectF, img) -> None:
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.fillRect(rect.adjusted(-3, -3, 3, 3), QColor(st.PAPER))
    p.drawImage(rect, img)
    p.setPen(QPen(QColor(st.TEXT), 1.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect.adjusted(-3, -3, 3, 3))


def paint_card(p: QPainter, text: str, at: QPointF, area: QRectF) -> None:
    """A small white card with `text`, kept inside `area`."""
    if not text:
        return
    fm = QFontMetricsF(p.font())
    rows = text.split("\n")
    w = max(fm.horizontalAdvance(r) for r in rows) + 14
    h = fm.height() * len(rows) + 10
    x = min(max(area.left() + 2, at.x()), area.right() - w - 2)
    y = min(max(area.top() + 2, at.y()), area.bottom() - h - 2)
    box = QRectF(x, y, w, h)
    p.setPen(QPen(QColor(st.BORDER), 1.0))
    p.setBrush(QColor(255, 255, 255, 240))
    p.drawRoundedRect(box, 4, 4)
    p.setPen(QColor(st.TEXT))
    for i, row in enumerate(rows):
        if i:
            p.setPen(QColor(st.MUTED))
        p.drawText(QRectF(x + 7, y + 5 + i * fm.height(), w - 14, fm.height()), Qt.AlignmentFlag.AlignLeft, row)


def paint_pinned(p: QPainter, scene: Scene, pinned: tuple[int, int], band: QRectF, base: QFont) -> None:
    """The clicked unit's map, large, in the band under the network, with what it is."""
    j, u = pinned
    p.fillRect(band, QColor("#f6f7f9"))
    p.setPen(QPen(QColor(st.BORDER), 1.0))
    p.drawLine(band.topLeft(), band.topRight())
    img = scene.big_image(j, u)
    side = band.height() - 20
    rect = QRectF(band.left() + 16, band.top() + 10, side, side)
    if img is not None:
        enlarged_map(p, rect, img)
    col = scene.columns[j]
    title = QFont(base)
    title.setBold(True)
    p.setFont(title)
    p.setPen(QColor(st.TEXT))
    x = rect.right() + 16
    p.drawText(QPointF(x, band.top() + 28), col.name(u))
    p.setFont(base)
    p.setPen(QColor(st.MUTED))
    detail = scene.describe(Hit("neuron", j, u)).split("\n")[1:]
    rows = [col.subtitle, *detail, "", "Click here to unpin."]
    for i, row in enumerate(rows):
        p.drawText(QPointF(x, band.top() + 50 + 18 * i), row)
