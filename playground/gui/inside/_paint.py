"""Painting the network view: the per-snapshot frame, and the hover/pin overlay on top of it.

The frame (headers, connections, neuron maps, biases) changes only with a snapshot or a resize,
so the view renders it once into a pixmap; hovering repaints just the blit and the overlay.
Connections are drawn grouped by pen (sign × quantised width × alpha), thin lines first, so a
6×8 network costs a few hundred `drawPath` calls and a few dozen pen changes per frame.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QCoreApplication, QLocale, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from playground.gui import theme
from playground.gui.inside import _images as im
from playground.gui.inside._layout import OUTPUT_MAP, Column, header_top
from playground.gui.inside._scene import Hit, Lines, Scene
from playground.gui.inside.hover import describe
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


def paint_frame(p: QPainter, scene: Scene, base: QFont, step: float, strips: Strips,
                exact: bool = True) -> None:
    """What changes with a snapshot (over the `paint_labels` layer); `step`: distance between columns.

    `exact=False` (a run streaming) lets `strips` redraw only a few changed column pairs this frame.
    """
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_headers(p, scene, base, step, activity=True)
    strips.plan(scene, exact)
    for j, col in enumerate(scene.columns):
        if j == 0 or col.kind == OUTPUT_MAP:
            continue
        if j in scene.lines:
            strips.draw(p, scene, j)
        else:
            _paint_structure(p, scene, j)
    _paint_nodes(p, scene, base)


class Strips:
    """The weight lines between two columns, rendered into an image reused while they look the same.

    Antialiased strokes are most of a frame's cost (~0.7 ms per 8×8 column pair here). Widths and
    colours are quantised, so once training settles most column pairs draw exactly what they drew
    last frame, and a strip is one blit instead of 64 strokes. While a run streams, at most
    `budget` changed strips are redrawn per frame, those left waiting longest first (the others
    show their previous look, a frame or two old); a paused or final frame redraws every changed
    strip, so what stays on screen is exact. That caps a deep network's frame (a 6×8 spiral net
    changed all 7 strips every frame early in training: ~5 ms of strokes in one frame).
    """

    def __init__(self, budget: int = 2) -> None:
        self.budget = budget
        self._cache: dict[int, tuple[bytes, QImage, float]] = {}
        self._waiting: dict[int, int] = {}  # strip -> frames it has shown an old look
        self._now: set[int] = set()
        self.hits = self.misses = self.deferred = 0

    def clear(self) -> None:
        """Forget every strip (the layout moved)."""
        self._cache.clear()
        self._waiting.clear()

    def stale(self, scene: Scene) -> list[int]:
        """Column pairs whose drawn look is not (or not yet) that of the scene's weights."""
        return [j for j, lines in scene.lines.items()
                if j not in self._cache or self._cache[j][0] != lines.key]

    def plan(self, scene: Scene, exact: bool) -> None:
        """Choose the strips redrawn this frame: all changed ones if `exact`, else up to `budget`."""
        changed = self.stale(scene)
        if not exact:
            missing = [j for j in changed if j not in self._cache]  # nothing to show yet: now
            old = sorted((j for j in changed if j in self._cache), key=lambda j: -self._waiting.get(j, 0))
            changed = missing + old[: max(0, self.budget - len(missing))]
        self._now = set(changed)

    def draw(self, p: QPainter, scene: Scene, j: int) -> None:
        lines = scene.lines[j]
        key = lines.key
        cached = self._cache.get(j)
        if cached is not None and cached[0] == key:
            self.hits += 1
            self._waiting.pop(j, None)
        elif cached is not None and j not in self._now:
            self.deferred += 1
            self._waiting[j] = self._waiting.get(j, 0) + 1
        else:
            self.misses += 1
            self._waiting.pop(j, None)
            cached = self._render(scene, j, key, p.device().height() / p.device().devicePixelRatioF())
            self._cache[j] = cached
        p.drawImage(QPointF(cached[2], 0), cached[1])

    @staticmethod
    def _render(scene: Scene, j: int, key: bytes, height: float) -> tuple[bytes, QImage, float]:
        x0 = math.floor(scene.columns[j - 1].rects[0].right()) - 1
        x1 = math.ceil(scene.columns[j].rects[0].left()) + 1
        dpr = scene.dpr
        img = QImage(max(1, math.ceil((x1 - x0) * dpr)), max(1, math.ceil(height * dpr)),
                     QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(0)
        q = QPainter(img)
        try:
            q.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            q.translate(-x0, 0)
            paint_lines(q, scene.lines[j])
        finally:
            q.end()
        return key, img, float(x0)


def paint_lines(p: QPainter, lines: Lines) -> None:
    """Weighted connections, one pen per (colour step, width step) group, weakest first.

    Colours are opaque steps of the diverging ramp (pale near 0, full from |w| = 1): on the white
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


def _paint_headers(p: QPainter, scene: Scene, base: QFont, step: float, activity: bool) -> None:
    """Column titles and layer labels (`activity` False), or only the dead/saturated line under them.

    Each text gets its column's width and no more: where even its shortest form does not fit, it is
    left out (the hover names every unit), so neighbouring titles never overprint.
    """
    title, small = QFont(base), small_font(base)
    title.setBold(True)
    width = min(step * 0.94, 160.0)
    top = max(4.0, header_top(scene.columns))
    fm_title, fm_small = QFontMetricsF(title), QFontMetricsF(small)
    for j, col in enumerate(scene.columns):
        if not col.rects:
            continue
        x = max(2.0, col.rects[0].center().x() - width / 2)
        if activity:
            kind, share = scene.activity.get(j, ("", 0.0))
            if kind and share >= 0.005:
                y = top + fm_title.height() + fm_small.height() + 2
                colour = st.WRONG if share >= 0.5 else st.MUTED
                _text(p, small, colour, (f"{share:.0%} {kind}", f"{share:.0%}"), x, y, width)
            continue
        _text(p, title, st.TEXT, col.titles, x, top, width)
        _text(p, small, st.MUTED, col.subtitles, x, top + fm_title.height() + 1, width)


def fitting(fm: QFontMetricsF, forms: tuple[str, ...], width: float) -> str:
    """The first (longest) of `forms` that fits `width`, else ""."""
    return next((t for t in forms if fm.horizontalAdvance(t) <= width), "")


def _text(p: QPainter, font: QFont, colour: str, forms: tuple[str, ...], x: float, y: float,
          width: float) -> None:
    fm = QFontMetricsF(font)
    shown = fitting(fm, forms, width)
    if shown:
        p.setFont(font)
        p.setPen(QColor(colour))
        p.drawText(QRectF(x, y, width, fm.height()), Qt.AlignmentFlag.AlignHCenter, shown)


def _paint_nodes(p: QPainter, scene: Scene, base: QFont) -> None:
    """One blit per column with maps (borders included), grey boxes for the others, then biases."""
    frames = []
    for j, col in enumerate(scene.columns):
        canvas = scene.canvases.get(j)
        if canvas is not None:
            p.drawImage(canvas.top_left, canvas.image)
            continue
        for rect in col.rects:
            p.fillRect(rect, EMPTY_NODE)
        frames += col.rects
    for rect, colour in scene.biases:
        p.fillRect(rect, colour)
    p.setPen(QPen(QColor(st.MUTED), 1.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRects(frames + [rect for rect, _ in scene.biases])


def paint_labels(p: QPainter, scene: Scene, base: QFont, step: float) -> None:
    """What changes only with the layout: titles, layer labels, feature names, "+k more"."""
    _paint_headers(p, scene, base, step, activity=False)
    small = small_font(base)
    width = min(step * 0.94, 100.0)
    for j, col in enumerate(scene.columns):
        for u, rect in enumerate(col.rects):
            if col.labels and u < len(col.labels) and col.kind != OUTPUT_MAP:
                _label_left(p, small, rect, col.labels[u])
        if col.more and col.rects:
            last = col.rects[-1]
            more = QLocale().toString(col.more)
            forms = (QCoreApplication.translate("NetworkView", "+{0} more").format(more), f"+{more}",
                     f"+{col.more // 1000}k" if col.more >= 1000 else "")
            _text(p, small, st.MUTED, forms, last.center().x() - width / 2, last.bottom() + 3, width)
        if col.skipped and col.rects and j:
            _paint_gap(p, small, scene.columns[j - 1], col)


def _paint_gap(p: QPainter, font: QFont, before: Column, after: Column) -> None:
    """"… 90 more layers" in the gap where a deep stack's middle layers are left out, wrapped to the
    gap's width, or as much of it as fits ("…90", "…")."""
    left, right = before.rects[0].right() + 2, after.bias_rects[0].left() - 2
    box = QRectF(left, 0, max(0.0, right - left), 1e4)
    n = QLocale().toString(after.skipped)
    fm, flags = QFontMetricsF(font), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
    for text in (QCoreApplication.translate("NetworkView", "… {0} more layers").format(n), f"…{n}", "…"):
        size = fm.boundingRect(box, flags, text).size()
        if size.width() <= box.width():
            mid = (before.rects[0].top() + before.rects[-1].bottom()) / 2
            p.setFont(font)
            p.setPen(QColor(st.MUTED))
            p.drawText(QRectF(left, mid - size.height() / 2, box.width(), size.height()), flags, text)
            return


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
        big = min(max(3.5 * node.width(), 96.0), 200.0, area.height() - 8)
        img = scene.big_image(hit.col, hit.unit, _device_px(p, big))
        if img is not None:
            x = node.right() + 10 if node.right() + 10 + big < area.right() else node.left() - 10 - big
            y = min(max(area.top() + 4, node.center().y() - big / 2), area.bottom() - big - 4)
            enlarged_map(p, QRectF(x, y, big, big), img)
            return paint_card(p, text, QPointF(x, y + big + 4), area)
    paint_card(p, text, cursor + QPointF(14, 16), area)


def _device_px(p: QPainter, side: float) -> int:
    """A logical length in the painter's device pixels (curves are drawn at the size shown)."""
    return max(16, round(side * p.device().devicePixelRatioF()))


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
        line = QRectF(x + 7, y + 5 + i * fm.height(), w - 14, fm.height())
        p.drawText(line, Qt.AlignmentFlag.AlignLeft, row)


def paint_pinned(p: QPainter, scene: Scene, pinned: tuple[int, int], band: QRectF, base: QFont) -> None:
    """The clicked unit's map, large, in the band under the network, with what it is."""
    j, u = pinned
    p.fillRect(band, QColor(theme.BACKGROUND))
    p.setPen(QPen(QColor(st.BORDER), 1.0))
    p.drawLine(band.topLeft(), band.topRight())
    side = band.height() - 20
    img = scene.big_image(j, u, _device_px(p, side))
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
    detail = describe(scene, Hit("neuron", j, u)).split("\n")[1:]
    rows = [col.subtitle, *detail, "", QCoreApplication.translate("NetworkView", "Click here to unpin.")]
    for i, row in enumerate(rows):
        p.drawText(QPointF(x, band.top() + 50 + 18 * i), row)
