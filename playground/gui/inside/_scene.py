"""The network view's data per snapshot: neuron images, drawn connections, hit-test arrays.

`Scene` turns a Snapshot into what is painted (QImages per shown unit, connections with their
widths and colours) and answers "what is under this point". It keeps no Qt widgets, so the view
stays a thin binder of events to this state. A unit's picture is a heat map over the input plane
for 2-D data, and for 1-D data its curve over x (maps of one row, see `Maps.curve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainterPath

from playground.core.datasets.base import BINARY, LINE1D, MULTICLASS, POINTS2D, Dataset
from playground.core.keys import block_id, parameter_key
from playground.core.probes import NEURON_RESOLUTION, curve_points, grid_points, line_points
from playground.core.snapshot import Snapshot
from playground.gui.inside import _images as im
from playground.gui.inside._layout import (
    HEAD,
    MAX_LINES,
    OUTPUT_MAP,
    Column,
    curve_path,
    curves,
    nearest,
)
from playground.gui.plots import _style as st

INPUT_RES = NEURON_RESOLUTION  # the input feature maps' side, as the trainer's neuron maps
INPUT_POINTS = curve_points(INPUT_RES)  # the input curves of 1-D data, as the trainer's unit curves
CURVE_INK = 1.25  # width of a node's curve, in px
BIG_CURVE = 160  # side in device px of a curve enlarged where no size is asked for
_PAPER = int(QColor(st.PAPER).rgba())
_BORDER = int(QColor(st.MUTED).rgba())


def line_width(w: np.ndarray, node: float) -> np.ndarray:
    """Line width in px for weights: TensorFlow Playground's 1 + 1.8·|w| (clamped), scaled to the nodes."""
    top = max(3.0, node * 0.22)
    return np.round(np.clip(0.6 + 1.8 * np.abs(w), 0.6, top) * 4) / 4  # quarter pixels: fewer pens


def line_shade(w: np.ndarray) -> np.ndarray:
    """Index into the strong diverging ramp, in 16 steps per sign: pale near 0, full from |w| = 1
    (TensorFlow Playground's weight colour scale)."""
    t = np.clip(np.asarray(w, dtype=np.float64), -1.0, 1.0)
    t = np.sign(t) * (0.2 + 0.8 * np.abs(t))  # never white: a weight of 0.01 is still a line
    return np.clip(np.round((t + 1) * 15) * 255 / 30, 0, 255).astype(int)


@dataclass
class Lines:
    """The connections drawn into one column, thinnest first: targets, sources, values, widths, shades.

    Curve points (for hit-testing) and paths (for the strip renderer) are picked lazily: most
    frames need neither, the line strips being reused and the mouse elsewhere.
    """

    dst: np.ndarray
    src: np.ndarray
    value: np.ndarray
    width: np.ndarray
    shade: np.ndarray  # index into _images.DIVERGING_STRONG
    curves: np.ndarray  # (n_dst, n_src, S, 2): every possible curve of the column pair
    all_paths: list[list[QPainterPath]]

    @cached_property
    def key(self) -> bytes:
        """Equal keys draw identical pixels."""
        return b"|".join(a.tobytes() for a in (self.dst, self.src, self.shade, self.width))

    @cached_property
    def points(self) -> np.ndarray:
        return self.curves[self.dst, self.src]

    @cached_property
    def paths(self) -> list[QPainterPath]:
        return [self.all_paths[d][s] for d, s in zip(self.dst.tolist(), self.src.tolist(), strict=True)]


@dataclass
class Maps:
    """The maps of one column: (n, h, w) values and per-map colour levels (lo defaults to -hi).

    `classes` > 0: values are class indices (or, for 1×1 maps, unit u shows class u's colour).
    Maps of one row (n, 1, w) are curves over x (1-D data), drawn as line plots, levels bottom to top.
    """

    stack: np.ndarray
    hi: np.ndarray
    lo: np.ndarray | None = None
    classes: int = 0

    @property
    def lows(self) -> np.ndarray:
        return -self.hi if self.lo is None else self.lo

    @property
    def curve(self) -> bool:
        return not self.classes and self.stack.shape[1] == 1 and self.stack.shape[2] > 1

    def pixels(self, size: int, only: int | None = None, ink: float = 1.0) -> np.ndarray:
        """(n, size, size) packed colours, top row first (size 0: the maps' own resolution, BIG_CURVE
        for curves); `ink`: the width of a curve in px."""
        units = slice(None) if only is None else slice(only, only + 1)
        stack = self.stack[units]
        if self.curve:
            lines = im.resample_lines(stack[:, 0], size or BIG_CURVE)
            return im.curve_pixels(lines, self.lows[units], self.hi[units], ink)
        if self.classes and stack.shape[1:] == (1, 1):
            colours = im.class_colours(self.classes)[units]
            return np.broadcast_to(colours[:, None, None], (len(colours), max(size, 1), max(size, 1)))
        if size:
            stack = im.resample(stack, size, nearest=bool(self.classes))
        if self.classes:
            return im.class_pixels(stack, self.classes)
        return im.pixels(stack, self.lows[units], self.hi[units], flip=True)


@dataclass
class Canvas:
    """One column's nodes as a single image (maps, white gaps, borders): one blit per column."""

    image: QImage
    top_left: QPointF
    tops: list[int]  # each node's first row, in device pixels
    size: int  # node side, in device pixels


@dataclass(frozen=True)
class Hit:
    """What is under the mouse: a unit ("neuron"), a weight or a bias of column `col`."""

    kind: str
    col: int
    unit: int
    src: int = -1


class Scene:
    """Per-layout geometry and per-snapshot images/lines of a network view."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.dataset: Dataset | None = None
        self.node = 0.0
        self.curves: dict[int, np.ndarray] = {}  # column index -> (n_dst, n_src, S, 2)
        self.paths: dict[int, list[list[QPainterPath]]] = {}  # column index -> [dst][src]
        self.input_maps: Maps | None = None
        self.dpr = 1.0
        self._rows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.clear()

    def clear(self) -> None:
        """Forget the snapshot: empty nodes and grey structure lines until the next one."""
        self.maps: dict[int, Maps] = {0: self.input_maps} if self.input_maps is not None else {}
        self.canvases: dict[int, Canvas] = {}
        self.weights: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self.lines: dict[int, Lines] = {}
        self.activity: dict[int, tuple[str, float]] = {}
        self.biases: list[tuple[QRectF, QColor]] = []
        self.snap: Snapshot | None = None
        self._render_images()

    # ------------------------------------------------------------------ layout ------------
    def set_columns(self, columns: list[Column], dataset: Dataset | None) -> None:
        self.columns, self.dataset = columns, dataset
        self.input_maps = self._input_maps()
        self.curves, self.paths = {}, {}
        self.clear()

    def relayout(self, node: float, dpr: float = 1.0) -> None:
        """After `place` moved the rects: new curves, images at the new size, lines from the kept weights."""
        self.node, self.dpr = node, dpr
        self._rows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.curves = {j: curves(self.columns[j - 1].rects, col.rects)
                       for j, col in enumerate(self.columns) if j and col.joined}
        # Paths are built once per layout: making ~350 QPainterPaths costs milliseconds.
        self.paths = {j: [[curve_path(c) for c in row] for row in pts] for j, pts in self.curves.items()}
        self._render_images()
        self._build_lines()

    def _input_maps(self) -> Maps | None:
        """Each input feature over the plane, or along x for 1-D data, once per layout (TensorFlow
        Playground's feature tiles)."""
        ds = self.dataset
        if not self.columns or ds is None or ds.kind not in (POINTS2D, LINE1D) or ds.extent is None \
                or ds.transform is None:
            return None
        if ds.kind == LINE1D:
            shape, values = (1, INPUT_POINTS), ds.transform(line_points(ds, INPUT_POINTS))
        else:
            shape, values = (INPUT_RES, INPUT_RES), ds.transform(grid_points(ds.extent, INPUT_RES))
        stack = values[:, :self.columns[0].shown].T.reshape(-1, *shape)
        # Per feature: x1 and x1² have different ranges, and each tile should show its own shape.
        return Maps(stack, np.array([im.symmetric_level(g) for g in stack]))

    # ------------------------------------------------------------------ snapshot ----------
    def ingest(self, snap: Snapshot) -> None:
        """Maps, images and lines for `snap`; parts whose shapes do not fit the layout are skipped."""
        self.snap = snap
        for j, col in enumerate(self.columns):
            if col.grid is not None and snap.neuron_grids is not None and col.grid < len(snap.neuron_grids):
                shown = snap.neuron_grids[col.grid][:col.shown]
                self.maps[j] = Maps(shown, np.full(len(shown), im.symmetric_level(shown, col.bound)))
            if col.weights is not None and snap.weights is not None and col.weights < len(snap.weights):
                w, b = snap.weights[col.weights]
                if w.shape[0] == col.units and (w.shape[1] == self.columns[j - 1].units or col.skipped):
                    self.weights[j] = (w, b)
            if col.kind in (HEAD, OUTPUT_MAP) and snap.boundary is not None:
                self._output_maps(j, col, snap.boundary)
            elif col.kind == HEAD and col.units == 1 and snap.curve is not None:
                fit = snap.curve[1][None, None]  # 1-D: the output's curve is the fitted curve
                self.maps[j] = Maps(fit, np.array([im.symmetric_level(fit)]))
        self.activity = {j: snap.activity[block_id(c.layer)] for j, c in enumerate(self.columns)
                         if block_id(c.layer) in snap.activity}
        self._render_images()
        self._build_lines()

    def _output_maps(self, j: int, col: Column, boundary: np.ndarray) -> None:
        ds = self.dataset
        task = ds.task if ds is not None else BINARY
        if task != MULTICLASS:  # one unit: its map is the model's output, as the boundary shows it
            level = im.symmetric_level(boundary)
            lo, hi = (0.0, 1.0) if task == BINARY else (-level, level)
            self.maps[j] = Maps(boundary[None], np.array([hi]), lo=np.array([lo]))
        elif col.kind == OUTPUT_MAP:
            self.maps[j] = Maps(boundary[None], np.array([float(ds.num_classes)]), classes=ds.num_classes)
        else:  # k units with no map of their own: their class colours, as in the boundary
            self.maps[j] = Maps(np.zeros((col.shown, 1, 1)), np.ones(col.shown), classes=col.units)

    def _render_images(self) -> None:
        """Every column's nodes as one image at the node's device-pixel size: painting is then a
        blit per column, not a smooth scale per unit.

        Maps of the same resolution and size are converted in one batch (one resample, one LUT
        gather for the whole network): per-column numpy calls cost more than the arithmetic.
        Curves of any length are resampled to the node's width first and drawn in one batch too.
        """
        colours: dict[int, np.ndarray] = {}
        batches: dict[tuple, list[int]] = {}
        for j, maps in self.maps.items():
            size = self._px(j)
            if maps.classes:
                colours[j] = maps.pixels(size)
            else:
                batches.setdefault((None if maps.curve else maps.stack.shape[1:], size), []).append(j)
        for (shape, size), cols in batches.items():
            group = [self.maps[j] for j in cols]
            lo = np.concatenate([m.lows for m in group])
            hi = np.concatenate([m.hi for m in group])
            if shape is None:
                lines = np.concatenate([im.resample_lines(m.stack[:, 0], size) for m in group])
                pixels = im.curve_pixels(lines, lo, hi, CURVE_INK * self.dpr)
            else:
                stack = im.resample(np.concatenate([m.stack for m in group]), size)
                pixels = im.pixels(stack, lo, hi, flip=True)
            ends = np.cumsum([len(m.stack) for m in group])[:-1]
            colours.update(zip(cols, np.split(pixels, ends), strict=True))
        self.canvases = {j: self._canvas(j, c) for j, c in colours.items() if self.columns[j].rects}
        self._bias_colours()

    def _px(self, j: int) -> int:
        rects = self.columns[j].rects
        return max(1, round(rects[0].width() * self.dpr)) if rects else 1

    def _canvas(self, j: int, colours: np.ndarray) -> Canvas:
        """Nodes stacked at their rows with white gaps and a 1 px border, as one image."""
        size = self._px(j)
        key = (j, size)
        if key not in self._rows:  # row indices depend on the layout only: computed once per layout
            rects = self.columns[j].rects
            tops = np.array([round((r.top() - rects[0].top()) * self.dpr) for r in rects])
            self._rows[key] = tops, (tops[:, None] + np.arange(size)).ravel()
        tops, rows = self._rows[key]
        n = len(tops)
        canvas = np.full((tops[-1] + size, size), _PAPER, dtype=np.uint32)
        canvas[rows] = colours[:n].reshape(n * size, size)
        canvas[tops], canvas[tops + size - 1] = _BORDER, _BORDER
        canvas[rows, 0], canvas[rows, size - 1] = _BORDER, _BORDER
        image = im.qimage(canvas)
        image.setDevicePixelRatio(self.dpr)
        return Canvas(image, self.columns[j].rects[0].topLeft(), tops.tolist(), size)

    def unit_image(self, j: int, u: int) -> QImage | None:
        """The pixels drawn for one unit now (None while it has no map)."""
        canvas = self.canvases.get(j)
        if canvas is None or u >= len(canvas.tops):
            return None
        return canvas.image.copy(QRect(0, canvas.tops[u], canvas.size, canvas.size))

    def _bias_colours(self) -> None:
        """(rect, colour) of every drawn bias square, colours from one vectorised LUT lookup."""
        cols = [j for j, c in enumerate(self.columns)
                if c.bias and j in self.weights and self.weights[j][1] is not None]
        if not cols:
            self.biases = []
            return
        values = np.concatenate([self.weights[j][1][:self.columns[j].shown] for j in cols])
        argb = im.DIVERGING[im.indices(values, -1.0, 1.0)].tolist()
        rects = [r for j in cols for r in self.columns[j].bias_rects]
        self.biases = [(r, QColor.fromRgba(c)) for r, c in zip(rects, argb, strict=True)]

    def grid(self, j: int, u: int) -> np.ndarray | None:
        maps = self.maps.get(j)
        return maps.stack[u] if maps is not None and u < len(maps.stack) else None

    def big_image(self, j: int, u: int, side: int = 0) -> QImage | None:
        """The unit's picture for the enlarged hover and pinned views: a map at its own resolution
        (smoothed when drawn), a curve drawn afresh at `side` device px (0: BIG_CURVE), lines crisp."""
        maps = self.maps.get(j)
        if maps is None or u >= len(maps.stack):
            return None
        side = side or BIG_CURVE
        pixels = maps.pixels(side, only=u, ink=max(1.5, side / 80)) if maps.curve else maps.pixels(0, only=u)
        return im.qimage(pixels[0])

    def _build_lines(self) -> None:
        """Every column pair's lines in one pass of array operations: per-pair numpy calls cost more
        than the arithmetic. Within a pair, thin lines come first (strong ones on top) and equal
        pens sit together; a pair with more than MAX_LINES candidates keeps its strongest."""
        self.lines = {}
        links = [j for j in self.curves if self.columns[j].linear and j in self.weights]
        if not links:
            return
        blocks = [self.weights[j][0][:self.columns[j].shown, :self.columns[j - 1].shown] for j in links]
        sizes = [b.size for b in blocks]
        value = np.nan_to_num(np.concatenate(blocks, axis=None, dtype=float), nan=0, posinf=1e6, neginf=-1e6)
        width, shade = line_width(value, self.node), line_shade(value)
        order = np.lexsort((shade, width, np.repeat(np.arange(len(links)), sizes)))
        starts = np.cumsum([0, *sizes])
        for k, j in enumerate(links):
            idx = order[starts[k]:starts[k + 1]]
            if len(idx) > MAX_LINES:  # a big layer pair: the strongest lines make the readable picture
                idx = idx[np.sort(np.argsort(np.abs(value[idx]), kind="stable")[-MAX_LINES:])]
            dst, src = np.divmod(idx - starts[k], blocks[k].shape[1])
            self.lines[j] = Lines(dst, src, value[idx], width[idx], shade[idx], self.curves[j], self.paths[j])

    # ------------------------------------------------------------------ queries -----------
    def hit(self, x: float, y: float) -> Hit | None:
        """The bias, unit or weight under (x, y), in that order of priority."""
        for j, col in enumerate(self.columns):
            for u, rect in enumerate(col.rects):
                if col.bias and j in self.weights and col.bias_rects[u].adjusted(-2, -2, 2, 2).contains(x, y):
                    return Hit("bias", j, u)
                if rect.contains(x, y):
                    return Hit("neuron", j, u)
        best: tuple[float, Hit] | None = None
        for j, lines in self.lines.items():
            i, dist = nearest(lines.points, x, y)
            if i >= 0 and dist <= max(4.0, lines.width[i] / 2 + 2) and (best is None or dist < best[0]):
                best = (dist, Hit("weight", j, int(lines.dst[i]), int(lines.src[i])))
        return best[1] if best else None

    def value(self, hit: Hit) -> float | None:
        """The current weight or bias value under a hit (None for units or unknown weights)."""
        if hit.col not in self.weights:
            return None
        w, b = self.weights[hit.col]
        if hit.kind == "weight":
            return float(w[hit.unit, hit.src])
        if hit.kind == "bias" and b is not None:
            return float(b[hit.unit])
        return None

    def parameter(self, hit: Hit) -> tuple[str, int] | None:
        """(state-dict key, flat index) of a weight or bias hit, as `TrainingRun.set_parameter` takes."""
        col = self.columns[hit.col]
        if hit.kind == "weight" and hit.col in self.weights:
            return parameter_key(col.layer, "weight"), hit.unit * self.weights[hit.col][0].shape[1] + hit.src
        if hit.kind == "bias":
            return parameter_key(col.layer, "bias"), hit.unit
        return None
