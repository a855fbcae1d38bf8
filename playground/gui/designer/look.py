"""Colours, glyph icons and text helpers shared by the palette and the canvas.

Kept in one place so a layer looks the same in the palette and on the canvas: its category picks
the accent colour (in registry order, from a calm fixed palette), its registry icon the glyph.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from playground.core.layers import LAYERS
from playground.gui import theme

BACKGROUND = QColor(theme.BACKGROUND)
BLOCK = QColor(theme.SURFACE)
BORDER = QColor(theme.BORDER)
TEXT = QColor(theme.TEXT)
MUTED = QColor(theme.MUTED)
SELECTED = QColor(theme.ACCENT)  # TensorFlow Playground blue
SELECTED_FILL = QColor("#eaf3fb")
ERROR = QColor(theme.ERROR)
ERROR_FILL = QColor(theme.ERROR_FILL)
INPUT_ACCENT = QColor(theme.WARM)  # TensorFlow Playground orange
OUTPUT_ACCENT = QColor(theme.ACCENT)

_ACCENTS = ("#3b82c4", "#e08a2c", "#4a9d6f", "#8c6bb8", "#c9556f", "#3fa3a8", "#8a8f98")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _categories() -> list[str]:
    seen: list[str] = []
    for entry in LAYERS.values():
        cat = entry.category
        if cat not in seen:
            seen.append(cat)
    return seen


def category(type_name: str) -> str:
    entry = LAYERS.get(type_name)
    return entry.category if entry is not None else ""


def accent(type_name: str) -> QColor:
    """The accent colour of a layer type: one per category, stable in registry order."""
    cats = _categories()
    cat = category(type_name)
    return QColor(_ACCENTS[cats.index(cat) % len(_ACCENTS)] if cat in cats else _ACCENTS[-1])


def glyph(type_name: str) -> str:
    """A one- or two-character symbol for a layer type (registry icon, else its initial)."""
    entry = LAYERS.get(type_name)
    if entry is None:
        return "?"
    icon = entry.icon
    return icon if 0 < len(icon) <= 2 else entry.label[:1]


def paint_badge(p: QPainter, rect: QRectF, type_name: str) -> None:
    """A rounded square in the layer's accent colour with its glyph in white."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(accent(type_name))
    r = rect.height() * 0.25
    p.drawRoundedRect(rect, r, r)
    font = QFont(p.font())
    font.setBold(True)
    font.setPixelSize(max(8, int(rect.height() * 0.55)))
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph(type_name))
    p.restore()


def badge_icon(type_name: str, size: int = 20, ratio: float = 2.0) -> QIcon:
    """The palette icon: the badge rendered at `ratio` for sharp HiDPI display."""
    pix = QPixmap(int(size * ratio), int(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    paint_badge(p, QRectF(1, 1, size - 2, size - 2), type_name)
    p.end()
    return QIcon(pix)


def pretty_feature(name: str) -> str:
    """``x1`` → ``X₁``, ``x1^2`` → ``X₁²``, ``x1*x2`` → ``X₁X₂``: the names TF Playground shows."""
    text = re.sub(r"x(\d+)", lambda m: "X" + m.group(1).translate(_SUBSCRIPT), name)
    return text.replace("^2", "²").replace("^3", "³").replace("*", "")


def shape_text(shape: tuple[int, ...] | None) -> str:
    """``(4,)`` → ``4``, ``(8, 26, 26)`` → ``8×26×26``, None → ``?``."""
    if not shape:
        return "?"
    return "×".join(str(d) for d in shape)


def count_text(n: int) -> str:
    """Parameter counts with thin separators: 1 234 567 reads faster than 1234567."""
    return f"{n:,}".replace(",", "\u2009")
