"""What the network view draws, and where: columns of units from an Experiment, laid out in a rect.

Kept apart from the painting so the geometry (node rects, connection curves, hit-testing) is plain
data that tests and the view share. Columns read left to right the way data flows: the input
features, one column per hidden layer whose output is a vector, the output head, and for k-class
point data a last column with the predicted-class map. A deep stack shows its first and last
MAX_HIDDEN hidden layers with a gap between them that says how many are left out ("… 91 more
layers"): a hundred columns of 12-pixel nodes would overprint each other at any window size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QCoreApplication, QLocale, QPointF, QRectF
from PySide6.QtGui import QPainterPath

from playground.core.activations import ACTIVATIONS
from playground.core.datasets.base import LINE1D, MULTICLASS, POINTS2D, Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.features import FEATURES
from playground.core.layers import LAYERS, OUTPUT
from playground.core.model import NetworkReport, inspect_network
from playground.core.params import validate_params

MAX_SHOWN = 8  # units drawn per column; the rest collapse into "+k more"
MAX_HIDDEN = 10  # hidden-layer columns drawn; deeper stacks keep their first and last five
MAX_LINES = 200  # connections drawn per layer pair; above it only the strongest are kept
CURVE_SAMPLES = 12  # points per connection curve for hit-testing

INPUT, HIDDEN, HEAD, OUTPUT_MAP = "input", "hidden", "head", "output"
_KEEPS_RANGE = ("dropout", "flatten")  # identity at evaluation: outputs stay in the input's range


@dataclass
class Column:
    """One column of units. `layer` is the NetworkSpec index (-1 inputs, len(layers) the head)."""

    layer: int
    kind: str
    title: str
    subtitle: str
    units: int
    labels: tuple[str, ...] = ()
    bound: float | None = None  # colour levels ±bound for its maps; None = from the data
    activation: str = ""  # what its outputs went through last ("tanh"; "" for none known)
    linear: bool = False  # fed through an nn.Linear: weights and biases to draw
    bias: bool = False
    grid: int | None = None  # index into Snapshot.neuron_grids
    over_x: bool = False  # 1-D data: its units' pictures are curves over x, not maps over the plane
    weights: int | None = None  # index into Snapshot.weights
    short: str = ""  # the subtitle for narrow columns ("8 tanh" for "Dense 8 tanh")
    skipped: int = 0  # hidden layers left out just before this column (a gap, no lines across it)
    rects: list[QRectF] = field(default_factory=list)
    bias_rects: list[QRectF] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return min(self.units, MAX_SHOWN)

    @property
    def more(self) -> int:
        return self.units - self.shown

    @property
    def joined(self) -> bool:
        """Lines come into it from the column before (not into the class map, nor across a gap)."""
        return self.kind != OUTPUT_MAP and not self.skipped

    @property
    def titles(self) -> tuple[str, ...]:
        """The title, then shorter forms for narrow columns: "Layer 12", "L12"; "Output", "Out"."""
        short = {HIDDEN: f"L{self.layer + 1}", INPUT: "In", HEAD: "Out"}.get(self.kind, "")
        return (self.title, short) if short else (self.title,)

    @property
    def subtitles(self) -> tuple[str, ...]:
        """The layer label, then shorter forms: "Dense 4096 relu", "4096 relu", "4096"."""
        forms = (self.subtitle, self.short, QLocale().toString(self.units))
        return tuple(dict.fromkeys(t for t in forms if t))

    def name(self, unit: int) -> str:
        """"Layer 2, unit 3" (1-based, as the designer numbers layers), "Input X₁", "Output"."""
        if self.kind == INPUT:
            return _tr("Input {0}").format(self.labels[unit] if unit < len(self.labels) else unit + 1)
        if self.kind == OUTPUT_MAP:
            return _tr("Predicted class")
        if self.kind == HEAD:
            if unit < len(self.labels):
                return _tr("Output, class {0}").format(self.labels[unit])
            return _tr("Output") if self.units == 1 else _tr("Output, unit {0}").format(unit + 1)
        return _tr("Layer {0}, unit {1}").format(self.layer + 1, unit + 1)


def _tr(text: str) -> str:
    return QCoreApplication.translate("NetworkView", text)


def _bound(activation: str | None) -> float | None:
    if activation is None or activation not in ACTIVATIONS:
        return None
    lo, hi = ACTIVATIONS[activation].range
    top = max(abs(lo), abs(hi))
    return top if math.isfinite(top) else None


def _short(label: str) -> str:
    """"Dense 8 tanh" → "8 tanh": the column title already says which layer it is."""
    kind, _, rest = label.partition(" ")
    return rest if kind in ("Dense", "Output") and rest else label


def _input_labels(ds: Dataset, n: int) -> tuple[str, ...]:
    names = ds.feature_names or tuple(f"x{i + 1}" for i in range(n))
    return tuple(FEATURES[name].label if name in FEATURES else name for name in names)


def network_problem(experiment: Experiment, ds: Dataset, report: NetworkReport | None = None) -> str:
    """"" when the stack can be built on `ds`, else what to fix (the designer shows where).

    `report`: `inspect_network` of the same, if at hand (the window's session caches it).
    """
    try:
        if report is None:
            report = inspect_network(experiment.network, ds.input_shape, ds.output_units)
    except PlaygroundError as exc:
        return str(exc)
    if report.ok:
        return ""
    index, message = report.first_error
    if index == len(experiment.network.layers):
        return _tr("Fix the network in Design first (the output head): {0}").format(message)
    return _tr("Fix the network in Design first (layer {0}): {1}").format(index + 1, message)


def build_columns(experiment: Experiment, ds: Dataset,
                  report: NetworkReport | None = None) -> tuple[list[Column], str]:
    """The columns for `experiment` on `ds`, or ([], why not) for a broken or non-vector stack."""
    if report is None:
        report = inspect_network(experiment.network, ds.input_shape, ds.output_units)
    if not report.ok:
        return [], network_problem(experiment, ds, report)
    if len(ds.input_shape) != 1:
        return [], _tr("Image inputs are shown as filters and feature maps.")
    n_in = ds.input_shape[0]
    features = _tr("{0} feature").format(n_in) if n_in == 1 else _tr("{0} features").format(n_in)
    cols = [Column(-1, INPUT, _tr("Input"), features, n_in, _input_labels(ds, n_in))]
    grids = weights = 0
    bound: float | None = None
    activation = ""
    for info, spec in zip(report.hidden, experiment.network.layers, strict=True):
        if info.out_shape is None or len(info.out_shape) != 1:
            return [], _tr("Layers with image outputs are shown as feature maps.")
        params = validate_params(LAYERS[spec.type].params, spec.params, "")
        if spec.type not in _KEEPS_RANGE:  # else keep the previous bound and activation
            activation = params.get("activation", params.get("function")) or ""
            bound = _bound(activation or None)
        col = Column(info.index, HIDDEN, _tr("Layer {0}").format(info.index + 1), info.label,
                     info.out_shape[0],
                     bound=bound, activation=activation, linear=spec.type == "dense",
                     bias=bool(params.get("bias", False)), short=_short(info.label))
        if ds.kind in (POINTS2D, LINE1D):
            col.grid, grids = grids, grids + 1
        if col.linear:
            col.weights, weights = weights, weights + 1
        cols.append(col)
    cols[1:] = elide(cols[1:])
    head = validate_params(OUTPUT.params, experiment.network.output, "")
    classes = ds.class_names if ds.task == MULTICLASS else ()
    cols.append(Column(report.head.index, HEAD, _tr("Output"), report.head.label, ds.output_units,
                       tuple(classes), linear=True, bias=bool(head["bias"]), weights=weights,
                       short=_short(report.head.label)))
    if ds.kind == POINTS2D and ds.output_units > 1:
        cols.append(Column(report.head.index + 1, OUTPUT_MAP, _tr("Prediction"), _tr("class map"), 1))
    for col in cols:
        col.over_x = ds.kind == LINE1D
    return cols, ""


def elide(hidden: list[Column], keep: int = MAX_HIDDEN) -> list[Column]:
    """At most `keep` hidden columns: the first and the last ones, the count of those between them
    kept on the column after the gap (layers 1-5, "… 90 more layers", 96-100)."""
    if len(hidden) <= keep + 1:  # leaving one column out would save no room
        return hidden
    first, last = hidden[:keep // 2], hidden[keep // 2 - keep:]
    last[0].skipped = len(hidden) - keep
    return first + last


def safe_columns(experiment: Experiment, ds: Dataset | None,
                 report: NetworkReport | None = None) -> tuple[list[Column], str]:
    """`build_columns` that turns any spec error into the "why not" text."""
    if ds is None:
        return [], _tr("No data to show.")
    try:
        return build_columns(experiment, ds, report)
    except PlaygroundError as exc:
        return [], str(exc)


# ------------------------------------------------------------------ geometry -----------------
HEADER = 50.0  # three text lines above the columns: title, layer label, activity
FOOTER = 22.0  # the "+k more" line


def place(cols: list[Column], area: QRectF) -> float:
    """Lay the columns out in `area`; sets every column's rects and returns the node size.

    Nodes are as large as the width allows (columns need room for their connections between
    them) and the whole block, headers included, sits in the middle of the area, so a small
    network does not float under headers pinned to the top.
    """
    if not cols:
        return 0.0
    rows = max(c.shown for c in cols)
    margin = 18.0  # room for the bias squares on the left of each node
    width = max(10.0, area.width() - 2 * margin)
    room = max(10.0, area.height() - HEADER - FOOTER)
    slots = [i + sum(1 for c in cols[:i + 1] if c.skipped) for i in range(len(cols))]  # a gap takes one
    size = min(room / (rows * 1.3), width / ((slots[-1] + 1) * 1.75), 72.0)
    size = float(max(12, int(size)))  # whole pixels: node images are blitted, not scaled
    gap = min(size * 0.6, (room - rows * size) / (rows - 1)) if rows > 1 else 0.0
    block = rows * size + (rows - 1) * gap
    top = area.top() + max(0.0, (area.height() - HEADER - FOOTER - block) / 2) + HEADER
    step = (width - size) / slots[-1] if len(cols) > 1 else 0.0
    for i, col in enumerate(cols):
        s = float(round(size * 1.6)) if col.kind == OUTPUT_MAP else size
        height = col.shown * s + (col.shown - 1) * gap
        x = round(area.left() + margin + slots[i] * step + (size - s) / 2)
        y0 = top + (block - height) / 2
        col.rects = [QRectF(x, round(y0 + u * (s + gap)), s, s) for u in range(col.shown)]
        col.bias_rects = [bias_rect(r) for r in col.rects]
    return size


def header_top(cols: list[Column]) -> float:
    """Where the column titles start: just above the tallest column."""
    return min((c.rects[0].top() for c in cols if c.rects), default=HEADER) - HEADER


def bias_rect(node: QRectF) -> QRectF:
    """The small bias square at a node's bottom-left, outside it (as TensorFlow Playground does)."""
    b = max(5.0, node.width() * 0.2)
    return QRectF(node.left() - b - 2, node.bottom() - b, b, b)


def curves(src: list[QRectF], dst: list[QRectF], samples: int = CURVE_SAMPLES) -> np.ndarray:
    """Sampled S-curves from every source's right edge to every target's left edge: (n_dst, n_src, S, 2)."""
    p0 = np.array([[r.right(), r.center().y()] for r in src])
    p3 = np.array([[r.left(), r.center().y()] for r in dst])
    a = np.broadcast_to(p0[None, :, None, :], (len(dst), len(src), 1, 2))
    d = np.broadcast_to(p3[:, None, None, :], (len(dst), len(src), 1, 2))
    half = (d[..., 0] - a[..., 0]) / 2
    b = np.concatenate([a[..., :1] + half[..., None], a[..., 1:]], axis=-1)
    c = np.concatenate([d[..., :1] - half[..., None], d[..., 1:]], axis=-1)
    t = np.linspace(0.0, 1.0, samples)[None, None, :, None]
    u = 1 - t
    return u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d


def curve_path(points: np.ndarray) -> QPainterPath:
    """The cubic Bézier through a sampled curve's end points (horizontal tangents at both ends)."""
    (x0, y0), (x3, y3) = points[0], points[-1]
    half = (x3 - x0) / 2
    path = QPainterPath(QPointF(x0, y0))
    path.cubicTo(QPointF(x0 + half, y0), QPointF(x3 - half, y3), QPointF(x3, y3))
    return path


def nearest(polylines: np.ndarray, x: float, y: float) -> tuple[int, float]:
    """(index, distance) of the polyline in (n, S, 2) closest to (x, y); (-1, inf) for none."""
    if not len(polylines):
        return -1, math.inf
    a, b = polylines[:, :-1], polylines[:, 1:]
    ab = b - a
    p = np.array([x, y])
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    dist = np.linalg.norm(a + t[..., None] * ab - p, axis=-1).min(axis=1)
    i = int(dist.argmin())
    return i, float(dist[i])
