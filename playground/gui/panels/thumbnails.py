"""Little pictures of data sets: the picker's thumbnails and the data panel's preview.

Drawn with QPainter from the generated points (coloured by label the way TensorFlow Playground
does: orange for the negative class, blue for the positive one), so a new data set in the core
registry gets its thumbnail for free. Thumbnails are rendered once per process and cached;
image sets get a digit drawn at their resolution instead of a loaded sample (loading costs ~1 s).
"""

from __future__ import annotations

from itertools import compress

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPen, QPixmap

from playground.core.datasets import DATASETS, load_dataset
from playground.core.datasets.base import BINARY, IMAGE, LINE1D, MULTICLASS, POINTS2D, REGRESSION, Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import DataSpec
from playground.core.params import defaults
from playground.gui import theme
from playground.gui.plots._style import finite_range
from playground.resources import icon

NEGATIVE = QColor(theme.NEGATIVE)
POSITIVE = QColor(theme.POSITIVE)
CLASS_COLOURS = theme.CLASS_COLOURS
PAPER = QColor(theme.SURFACE)
FRAME = QColor(theme.BORDER)

_THUMB_SAMPLES = 240
_cache: dict[tuple[str, int], QIcon] = {}
# Points drawn per split: a 200 px square is full long before a million points. The splits are
# shuffled, so the first ones are a fair sample.
PREVIEW_POINTS = 400
_sprites: dict[tuple, QPixmap] = {}
_MAX_SPRITES = 512


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def point_colours(y: np.ndarray, task: str) -> list[QColor]:
    """Colour per example: orange/blue for two classes, a palette for k, a ramp for values."""
    y = np.asarray(y).reshape(len(y), -1)[:, 0]
    if task == BINARY:
        return [POSITIVE if v > 0.5 else NEGATIVE for v in y]
    if task == MULTICLASS:
        return [QColor(CLASS_COLOURS[int(v) % len(CLASS_COLOURS)] if np.isfinite(v) else FRAME) for v in y]
    lo, hi = finite_range(y) or (0.0, 1.0)
    span = (hi - lo) or 1.0
    white = QColor("#f4f4f4")
    out = []
    for v in np.clip(y, lo, hi):  # NaN stays: drawn white, as a value in the middle
        t = (float(v) - lo) / span * 2 - 1 if np.isfinite(v) else 0.0  # -1 .. 1 like TF's colour bar
        out.append(_mix(white, POSITIVE if t > 0 else NEGATIVE, min(1.0, abs(t))))
    return out


def _frame(p: QPainter, rect: QRectF) -> None:
    p.setPen(QPen(FRAME, 1))
    p.setBrush(PAPER)
    p.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))


def _bounds(xy: np.ndarray, extent: tuple[float, float, float, float] | None) -> tuple[float, ...]:
    if extent is not None:
        return extent
    (x0, x1), (y0, y1) = (finite_range(xy[:, k]) or (-1.0, 1.0) for k in (0, 1))
    px, py = (x1 - x0) * 0.05 + 1e-9, (y1 - y0) * 0.05 + 1e-9
    return x0 - px, x1 + px, y0 - py, y1 + py


def _sprite(colour: QColor, radius: float, hollow: bool, ratio: float) -> QPixmap:
    """One point, drawn once per colour (to 5 bits a channel) and size, then stamped.

    A QPainter ellipse per point cost 40-70 µs here (a 1,000-point preview: 50 ms on the GUI
    thread); stamping a ready pixmap costs ~1 µs.
    """
    key = (colour.red() >> 3, colour.green() >> 3, colour.blue() >> 3, colour.alpha() >> 3, radius, hollow,
           ratio)
    pix = _sprites.get(key)
    if pix is None:
        if len(_sprites) >= _MAX_SPRITES:
            _sprites.clear()
        side = 2 * radius + 3
        pix = QPixmap(int(np.ceil(side * ratio)), int(np.ceil(side * ratio)))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        q = QPainter(pix)
        q.setRenderHint(QPainter.RenderHint.Antialiasing)
        if hollow:
            q.setPen(QPen(colour, 1.2))
            q.setBrush(Qt.BrushStyle.NoBrush)
        else:
            q.setPen(QPen(QColor(255, 255, 255, 200), 0.6))
            q.setBrush(colour)
        q.drawEllipse(QPointF(side / 2, side / 2), radius, radius)
        q.end()
        _sprites[key] = pix
    return pix


def paint_points(p: QPainter, rect: QRectF, xy: np.ndarray, colours: list[QColor], radius: float,
                 extent: tuple[float, float, float, float] | None = None, hollow: bool = False) -> None:
    """Scatter `xy` (n, 2) into `rect`; `hollow` draws rings (TF's look for test points)."""
    if len(xy) == 0:
        return
    x0, x1, y0, y1 = _bounds(xy, extent)
    sx, sy = rect.width() / ((x1 - x0) or 1), rect.height() / ((y1 - y0) or 1)
    ratio = p.device().devicePixelRatio() if p.device() is not None else 1.0
    half = radius + 1.5  # the sprite's centre
    keep = np.isfinite(xy[:, :2]).all(axis=1)  # a point at NaN or infinity has no place to go
    xs = (rect.left() + (xy[keep, 0] - x0) * sx - half).tolist()
    ys = (rect.bottom() - (xy[keep, 1] - y0) * sy - half).tolist()
    for x, y, c in zip(xs, ys, compress(colours, keep), strict=False):
        p.drawPixmap(QPointF(x, y), _sprite(c, radius, hollow, ratio))


def paint_image(p: QPainter, rect: QRectF, image: np.ndarray) -> None:
    """One image sample (1, h, w) or (h, w) as grey cells: dark ink on paper."""
    img = np.asarray(image, dtype=float).reshape(image.shape[-2], image.shape[-1])
    lo, hi = finite_range(img) or (0.0, 1.0)
    img = np.nan_to_num((np.clip(img, lo, hi) - lo) / ((hi - lo) or 1.0))
    h, w = img.shape
    side = min(rect.width(), rect.height()) * 0.8
    cell = side / max(h, w)
    left, top = rect.center().x() - cell * w / 2, rect.center().y() - cell * h / 2
    p.setPen(Qt.PenStyle.NoPen)
    ink = QColor(theme.TEXT)
    for r in range(h):
        for c in range(w):
            if img[r, c] > 0.02:
                p.setBrush(_mix(PAPER, ink, float(img[r, c])))
                p.drawRect(QRectF(left + c * cell, top + r * cell, cell + 0.3, cell + 0.3))


def _xy_of(ds: Dataset, raw: np.ndarray | None, y: np.ndarray) -> np.ndarray | None:
    """Plot coordinates: the raw 2-D points, or (x, target) for 1-D regression."""
    if raw is None:
        return None
    raw, y = raw[:PREVIEW_POINTS], y[:PREVIEW_POINTS]
    raw = np.asarray(raw, dtype=float).reshape(len(raw), -1)
    if ds.kind == LINE1D:
        return np.column_stack([raw[:, 0], np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0]])
    return raw[:, :2]


def paint_dataset(p: QPainter, rect: QRectF, ds: Dataset, radius: float, show_test: bool = True) -> None:
    """Draw `ds` into `rect`: points coloured by label (test points as rings), or a digit."""
    _frame(p, rect)
    inner = rect.adjusted(2, 2, -2, -2)
    if ds.kind == IMAGE and len(ds.x_train):
        paint_image(p, inner, ds.x_train[0])
        return
    train = _xy_of(ds, ds.raw_train, ds.y_train)
    test = _xy_of(ds, ds.raw_test, ds.y_test) if show_test else None
    if train is None:
        return
    extent = ds.extent if ds.kind == POINTS2D else None
    if ds.kind == LINE1D:
        both = train if test is None else np.vstack([train, test])
        extent = _bounds(both, None)
    task = BINARY if ds.kind == LINE1D else ds.task  # 1-D: colour is not the target, keep it calm
    colour = (lambda y: [POSITIVE] * len(y)) if ds.kind == LINE1D else (lambda y: point_colours(y, task))
    paint_points(p, inner, train, colour(ds.y_train[:PREVIEW_POINTS]), radius, extent)
    if test is not None:
        paint_points(p, inner, test, colour(ds.y_test[:PREVIEW_POINTS]), radius, extent, hollow=True)


def dataset_pixmap(ds: Dataset, size: int, radius: float = 2.0, ratio: float = 2.0,
                   show_test: bool = True) -> QPixmap:
    """`ds` painted on a square pixmap of `size` logical pixels (sharp on HiDPI)."""
    pix = QPixmap(int(size * ratio), int(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    paint_dataset(p, QRectF(0, 0, size, size), ds, radius, show_test)
    p.end()
    return pix


def _letter_icon(text: str, size: int) -> QIcon:
    pix = QPixmap(size * 2, size * 2)
    pix.setDevicePixelRatio(2)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    _frame(p, QRectF(0, 0, size, size))
    p.setPen(QColor(theme.MUTED))
    p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return QIcon(pix)


def thumbnail(name: str, size: int = 52) -> QIcon:
    """The picker icon of data set `name`, generated once and cached for the process."""
    key = (name, size)
    if key not in _cache:
        _cache[key] = _render_thumbnail(name, size)
    return _cache[key]


def glyph_image(text: str, height: int, width: int) -> np.ndarray:
    """`text` rasterised at the data set's own resolution: a digit that looks like its samples."""
    img = QImage(width, height, QImage.Format.Format_Grayscale8)
    img.fill(0)
    p = QPainter(img)
    font = QFont(p.font())
    font.setPixelSize(max(6, int(height * 1.05)))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor(255, 255, 255))
    p.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    rows = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(height, img.bytesPerLine())
    return rows[:, :width].astype(float) / 255.0


def _digit_icon(shape: tuple[int, ...], size: int) -> QIcon:
    pix = QPixmap(size * 2, size * 2)
    pix.setDevicePixelRatio(2)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    rect = QRectF(0, 0, size, size)
    _frame(p, rect)
    paint_image(p, rect.adjusted(2, 2, -2, -2), glyph_image("3", shape[-2], shape[-1]))
    p.end()
    return QIcon(pix)


def _render_thumbnail(name: str, size: int) -> QIcon:
    entry = DATASETS[name]
    kind = entry.kind
    if kind == IMAGE:
        # Drawn, not loaded: reading an image archive would cost a second at start-up.
        return _digit_icon(entry.input_shape or (1, 8, 8), size)
    if kind not in (POINTS2D, LINE1D):
        return icon("csv")  # the person's own file: nothing to draw before it is chosen
    try:
        spec = DataSpec(dataset=name, samples=_THUMB_SAMPLES, noise=0.0, params=defaults(entry.params))
        ds = load_dataset(spec, 0)
    except (PlaygroundError, ValueError, OSError):
        return _letter_icon(entry.label[:1], size)
    return QIcon(dataset_pixmap(ds, size, radius=1.6, show_test=False))


def task_text(task: str) -> str:
    return {BINARY: "two classes", MULTICLASS: "several classes", REGRESSION: "regression"}.get(task, task)
