"""Arrays to QImages with a colour look-up table: vectorised, no per-pixel Python.

Every map inside the network (neuron outputs, weights, filters, feature maps) is drawn with the
same diverging orange–white–blue ramp as the decision boundary, with levels symmetric around 0,
so one colour means one sign everywhere on screen. A (n, h, w) stack becomes n images with one
`lut[index]` gather; a 6×8 network's 48 neuron maps convert in well under a millisecond.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from PySide6.QtGui import QImage

from playground.gui.plots import _style as st

ARGB = np.ndarray  # (n,) uint32 0xAARRGGBB


def _pack(rgb: np.ndarray) -> ARGB:
    rgb = rgb.astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


# Thumbnails are small: a stronger ramp than the boundary's background keeps them readable.
DIVERGING = _pack(st.diverging_lut(256, keep=0.9))
DIVERGING_STRONG = _pack(st.diverging_lut(256, keep=1.0))  # lines: full colour at the ends
GREY = _pack(st.sequential_lut(256, colour=st.TEXT))
_CURVE_INK, _ZERO_INK, _PAPER_INK = (_pack(st.rgb(c)[None])[0] for c in (st.TEXT, st.BORDER, st.PAPER))


def class_colours(k: int) -> ARGB:
    """(k,) packed soft class colours, as in the boundary's predicted-class map."""
    return _pack(st.class_lut(k, keep=0.75))


def symmetric_level(values: np.ndarray, bound: float | None = None) -> float:
    """Half-width of the colour levels: the activation's known bound, else the data's max |value|."""
    if bound is not None and math.isfinite(bound) and bound > 0:
        return float(bound)
    span = st.finite_range(np.abs(values))
    top = span[1] if span is not None else 0.0
    return top if top > 1e-12 else 1.0


@lru_cache(maxsize=64)
def _weights(n_in: int, n_out: int, nearest: bool) -> np.ndarray:
    """(n_out, n_in) matrix that resamples a line of n_in pixel centres to n_out (linear or nearest)."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if nearest:
        m[rows, np.round(pos).astype(int)] = 1.0
        return m
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    f = pos - i0
    np.add.at(m, (rows, i0), 1 - f)
    np.add.at(m, (rows, i1), f)
    return m


_LIMIT = 1e37  # |values| a float32 weighted sum of a few of them cannot overflow


def _resamplable(values: np.ndarray) -> np.ndarray:
    """float32 values that matrix products can mix: NaN as 0 (it would spread along a whole row and
    column), infinities and overflowing magnitudes at ±_LIMIT (far off any colour scale anyway)."""
    v = np.asarray(values, dtype=np.float32)
    if np.isfinite(v).all() and (v.size == 0 or np.abs(v).max() <= _LIMIT):
        return v
    return np.clip(np.nan_to_num(v, nan=0.0, posinf=_LIMIT, neginf=-_LIMIT), -_LIMIT, _LIMIT)


def resample(stack: np.ndarray, size: int, nearest: bool = False) -> np.ndarray:
    """(n, h, w) or (h, w) maps resampled to size×size: two matrix products, bilinear by default.

    Done in numpy so that painting the result is a 1:1 blit; Qt's smooth scaling of 48 images
    cost ~3 ms a frame.
    """
    stack = _resamplable(stack)
    h, w = stack.shape[-2:]
    if (h, w) == (size, size):
        return stack
    rows = _weights(h, size, nearest).astype(np.float32)
    cols = _weights(w, size, nearest).astype(np.float32)
    return rows @ stack @ cols.T


def resample_lines(values: np.ndarray, size: int) -> np.ndarray:
    """(n, w) curves sampled at `size` pixel columns (linear, as `resample` does for maps)."""
    values = _resamplable(values)
    if values.shape[-1] == size:
        return values
    return values @ _weights(values.shape[-1], size, False).astype(np.float32).T


def curve_pixels(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, width: float = 1.0,
                 lut: ARGB = DIVERGING) -> np.ndarray:
    """(n, s, s) packed colours of n curves given at s pixel columns (n, s): the 1-D heat map.

    Each column is filled from the zero line to the curve in the colour a map gives that value
    (blue above 0, orange below, pale near it), under a faint zero line and a dark curve `width`
    device pixels thick; levels lo..hi span the height. Masks and one LUT gather for all curves at
    once, no painter: the network's curves convert as cheaply as its maps.
    """
    v = np.asarray(values, dtype=np.float64)  # float64: levels near float32's limit have no span in it
    n, size = v.shape
    lo = np.asarray(lo, dtype=np.float64).reshape(n, 1)
    hi = np.asarray(hi, dtype=np.float64).reshape(n, 1)
    pad = 1 + size // 16  # clear of the node's border
    top = pad
    bottom = top + (size - 1 - 2 * pad) // 2 * 2  # an even height: 0 (mid-level) on a whole row, crisp
    span = np.where(hi - lo == 0, np.float32(1), hi - lo)

    def row(x: np.ndarray) -> np.ndarray:
        x = np.clip(np.nan_to_num(x), lo - span, hi + span)  # off the scale: at the edge, no overflow
        return np.clip(top + (hi - x) / span * (bottom - top), top, bottom)

    r, z = row(v), np.round(row(np.zeros_like(lo)))  # (n, s), (n, 1)
    k = np.arange(size, dtype=np.float32)[None, :, None]  # image rows, top down
    near, far = np.minimum(np.round(r), z)[:, None], np.maximum(np.round(r), z)[:, None]
    fill = (k >= near) & (k <= far)
    # The curve covers the rows it passes through in its column: from the midpoint with the left
    # neighbour to the one with the right, so steep parts stay joined.
    ends = np.concatenate([r[:, :1], (r[:, 1:] + r[:, :-1]) / 2, r[:, -1:]], axis=1)
    low = np.minimum(np.minimum(ends[:, :-1], ends[:, 1:]), r) - width / 2  # (n, s)
    high = np.maximum(np.maximum(ends[:, :-1], ends[:, 1:]), r) + width / 2
    colours = lut[indices(v, lo, hi)][:, None, :]  # (n, 1, s): each column's value colour
    out = np.where(fill, colours, _PAPER_INK)
    out[np.arange(n), z[:, 0].astype(int)] = _ZERO_INK
    # Antialiased: rows fully inside the curve's span are ink; the first and last row of each
    # column's span (pixel k covers k-0.5..k+0.5) are blended by how much of them it covers.
    first = np.clip(np.floor(low + 0.5), 0, size - 1).astype(int)
    last = np.clip(np.floor(high + 0.5), 0, size - 1).astype(int)
    out[(k > first[:, None]) & (k < last[:, None])] = _CURVE_INK
    units, cols = np.indices((n, size))
    two = last > first
    for rows, cover, keep in ((first, np.minimum(first + 0.5, high) - low, np.ones_like(two)),
                              (last, high - np.maximum(last - 0.5, low), two)):
        at = (units[keep], rows[keep], cols[keep])
        out[at] = _blend(out[at], _CURVE_INK, np.clip(cover[keep], 0, 1))
    return out


def _blend(under: ARGB, over: int, alpha: np.ndarray) -> ARGB:
    """Packed colours `under` with `over` laid on them at opacity `alpha` (per pixel)."""
    shifts = np.array([16, 8, 0], dtype=np.uint32)
    a = alpha.astype(np.float32)[:, None]
    rgb = ((under[:, None] >> shifts) & 0xFF) * (1 - a) + ((np.uint32(over) >> shifts) & 0xFF) * a
    return _pack(np.round(rgb))


def indices(stack: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """Values mapped to 0..255 LUT indices (NaN → middle, ±inf → the ends); lo/hi scalars or one per
    map of a stack.

    Values are clipped to lo..hi first and the scale is worked out in float64, so that no float32
    arithmetic overflows whatever the levels (a diverging run's maps reach 1e38).
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if np.ndim(stack) == 3 and lo.ndim == 1:
        lo, hi = lo[:, None, None], hi[:, None, None]
    span = np.where(hi - lo == 0, 1.0, hi - lo)
    scale, offset = (255.0 / span).astype(np.float32), (lo * 255.0 / span).astype(np.float32)
    idx = st.clip_levels(stack, lo, hi) * scale - offset
    idx[np.isnan(idx)] = 127.5
    return np.clip(idx, 0, 255).astype(np.uint8)


def pixels(stack: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray, lut: ARGB = DIVERGING,
           flip: bool = False) -> np.ndarray:
    """(n, h, w) packed colours of a stack of maps; `flip` puts row 0 at the bottom (plane maps)."""
    stack = np.asarray(stack)
    if stack.ndim == 2:
        stack = stack[None]
    idx = indices(stack, lo, hi)
    return lut[idx[:, ::-1, :] if flip else idx]


def class_pixels(stack: np.ndarray, k: int) -> np.ndarray:
    """(n, h, w) packed class colours of predicted-class maps (values 0..k-1), row 0 at the bottom."""
    lut = np.zeros(256, dtype=np.uint32)
    lut[:k] = class_colours(k)[:256]
    idx = np.clip(np.round(np.nan_to_num(np.asarray(stack))), 0, 255).astype(np.uint8)
    if idx.ndim == 2:
        idx = idx[None]
    return lut[idx[:, ::-1, :]]


def qimage(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of (h, w) packed colours."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def to_images(stack: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray, lut: ARGB = DIVERGING,
              flip: bool = False) -> list[QImage]:
    """One QImage per (h, w) slice of `stack` (n, h, w), each owning its pixels."""
    return [qimage(p) for p in pixels(stack, lo, hi, lut, flip)]
