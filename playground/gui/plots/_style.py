"""Colours and small helpers shared by the plot views (TensorFlow Playground's palette).

Orange means the negative class / low values and blue the positive class / high values, with white
in between, as in TensorFlow Playground; k classes get a calm qualitative palette whose first two
entries are that same orange and blue, so a 2-class and a k-class set read alike.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QWidget

from playground.gui import theme

NEGATIVE, POSITIVE, CLASS_COLOURS = theme.NEGATIVE, theme.POSITIVE, theme.CLASS_COLOURS
CURVE_COLOURS = theme.CURVE_COLOURS
TEXT, MUTED, BORDER = theme.TEXT, theme.MUTED, theme.BORDER
WRONG = theme.ERROR
PAPER = TRAIN_OUTLINE = theme.SURFACE
TEST_OUTLINE = theme.TEXT


def rgb(colour: str) -> np.ndarray:
    c = QColor(colour)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def _toward_white(colours: np.ndarray, keep: float) -> np.ndarray:
    """Blend toward white: `keep` = 1 is the colour itself. Lighter backgrounds let points stand out."""
    return colours * keep + 255.0 * (1.0 - keep)


def diverging_lut(n: int = 256, keep: float = 0.65) -> np.ndarray:
    """(n, 3) uint8 ramp orange -> white -> blue, softened for use as a background."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    white = np.full(3, 255.0)
    out = np.where(t < 0, white + (rgb(NEGATIVE) - white) * -t, white + (rgb(POSITIVE) - white) * t)
    return np.clip(_toward_white(out, keep), 0, 255).astype(np.ubyte)


def class_lut(k: int, keep: float = 0.55) -> np.ndarray:
    """(k, 3) uint8 soft class colours for a predicted-class map."""
    cols = np.array([rgb(class_colour(i)) for i in range(max(k, 1))])
    return np.clip(_toward_white(cols, keep), 0, 255).astype(np.ubyte)


def sequential_lut(n: int = 256, colour: str = POSITIVE) -> np.ndarray:
    """(n, 3) uint8 ramp white -> `colour` (counts in a confusion matrix)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return np.clip(255.0 + (rgb(colour) - 255.0) * t, 0, 255).astype(np.ubyte)


def class_colour(i: int) -> str:
    return CLASS_COLOURS[int(i) % len(CLASS_COLOURS)]


def value_brushes(values: np.ndarray, levels: tuple[float, float]) -> list[QColor]:
    """A diverging colour per value (regression targets), never paler than 35% of full strength:
    a value near zero must not vanish as a white dot on a white background."""
    lo, hi = levels
    t = np.clip((np.asarray(values, dtype=np.float64) - lo) / ((hi - lo) or 1.0) * 2 - 1, -1, 1)
    strength = 0.35 + 0.65 * np.abs(t)
    white = np.full(3, 255.0)
    out = []
    for ti, si in zip(t, strength, strict=True):
        end = rgb(POSITIVE if ti >= 0 else NEGATIVE)
        out.append(QColor(*(white + (end - white) * si).astype(int)))
    return out


def short_count(value: float) -> str:
    """A tick label for a count that stays short: 20k, 1.5M (and 950 or 2.5 as they are)."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(value) >= size:
            scaled = value / (size if size != 1e4 else 1e3)
            return f"{scaled:.4g}{suffix}"
    return f"{value:.4g}"


class EpochAxis(pg.AxisItem):
    """Epoch ticks as 20k, 1.5M: a run with no limit reaches 10,000 epochs within a minute, and
    five- and six-digit ticks ran into one another ("200004000060000") under a 170-pixel curve."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        plain = super().tickStrings(values, scale, spacing)
        return [short_count(v * scale) if abs(v * scale) >= 1e4 else text
                for v, text in zip(values, plain, strict=True)]


def use_epoch_axis(plot: pg.PlotItem) -> None:
    """Give `plot` an `EpochAxis` at the bottom (before `style_plot` styles it)."""
    plot.setAxisItems({"bottom": EpochAxis("bottom")})


def style_plot(plot: pg.PlotItem, x_label: str = "", y_label: str = "") -> None:
    """Quiet axes on white: muted ticks and labels, no context menu, no auto-range button."""
    plot.hideButtons()
    plot.setMenuEnabled(False)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(BORDER))
        axis.setTextPen(pg.mkPen(MUTED))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads worse than plain small numbers
        # Repainting an axis replays its QPicture of tick texts (~2 ms); the heat map under the plot
        # dirties the axes' edges every frame. A pixmap cache turns that into a blit until the
        # axis itself changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if x_label:
        plot.setLabel("bottom", x_label, color=MUTED)
    if y_label:
        plot.setLabel("left", y_label, color=MUTED)


# Non-finite numbers reach the views whenever a run diverges. Every view takes its axis ranges and
# colour levels from `finite_range` and hands colour-mapped data through `clip_levels`, so NaN and
# ±inf never reach pyqtgraph's range and level arithmetic or Qt's painter.


def finite_range(values: np.ndarray) -> tuple[float, float] | None:
    """(min, max) of the finite entries, or None if there are none."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if v.size else None


def clip_levels(values: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """`values` as float32 inside the colour levels lo..hi: ±inf and anything off the scale sit at its
    ends (so rescaling to colours cannot overflow), NaN stays NaN (drawn blank or neutral)."""
    return np.clip(np.asarray(values, dtype=np.float32), np.float32(lo), np.float32(hi))


class PlotView(pg.PlotWidget):
    """A white PlotWidget whose `clear()` is the subclass's own.

    PlotWidget copies some PlotItem methods onto the instance, `clear` among them, which would
    shadow a view's `clear()` (and remove every item, points included); the copy is dropped here.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background=PAPER)
        del self.clear


def set_range_once(cache: dict, key: str, plot: pg.PlotItem, axis: str, span: tuple[float, float],
                   padding: float) -> bool:
    """Set an axis range only when it changed (True then): re-laying out tick labels is the costly
    part of a frame. A non-finite span is ignored (pyqtgraph raises on it)."""
    if cache.get(key) == span or not all(map(math.isfinite, span)):
        return False
    cache[key] = span
    if axis == "x":
        plot.setXRange(*span, padding=padding)
    else:
        plot.setYRange(*span, padding=padding)
    return True
