"""The data-set table and the one public way to load data: `load_dataset(spec, seed)`.

Every DatasetEntry's factory is a loader ``(spec, seed) -> Dataset`` over an already validated
spec; its fields say statically what the set is (``kind``, ``task`` — None for the person's CSV,
where the file decides — and where known ``input_shape``/``num_classes``) so checks can run before
any data is loaded. Loading is deterministic: same (spec, seed), bit-identical arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from playground.core.datasets import images, lines, mnist_full, points
from playground.core.datasets.base import (
    BINARY,
    IMAGE,
    LINE1D,
    MULTICLASS,
    POINTS2D,
    REGRESSION,
    TABLE,
    TASKS,
    Dataset,
)
from playground.core.datasets.csv_data import load_csv
from playground.core.errors import SpecError
from playground.core.params import Param
from playground.core.registry import Entry, Registry
from playground.core.spec import DATA_PARAMS, DataSpec

_SAMPLES = next(p for p in DATA_PARAMS if p.name == "samples")
ALL_SAMPLES = int(_SAMPLES.maximum)  # "every row there is"


def default_samples(name: str) -> int:
    """How many examples data set `name` starts with: all of a fixed set or file, else 500."""
    samples = DATASETS[name].samples
    return int(_SAMPLES.default if samples is None else samples)


def data_defaults(name: str) -> dict[str, Any]:
    """The data settings a person starts from on set `name`: its size, and its own train share if
    it has fixed train and test parts (full MNIST's 6/7 is its standard 60,000/10,000 split)."""
    out: dict[str, Any] = {"samples": default_samples(name)}
    if DATASETS[name].train_fraction is not None:
        out["train_fraction"] = DATASETS[name].train_fraction
    return out


def missing_data(name: str) -> str:
    """Why set `name` cannot load yet because its files are not on this computer ("" when they are).

    Cheap (looks for the files, reads nothing): the app asks before loading, `validate` per preset.
    """
    if DATASETS[name].download == mnist_full.NAME and mnist_full.missing():
        return mnist_full.missing_message()
    return ""


@dataclass(frozen=True, kw_only=True)
class DatasetEntry(Entry):
    """A data set's loader and what is known about it before loading (None: known once loaded)."""

    kind: str  # POINTS2D, LINE1D, IMAGE or TABLE
    task: str | None  # BINARY, MULTICLASS, REGRESSION; None: the file decides (CSV)
    input_shape: tuple[int, ...] | None = None  # the model's input; points: from the features
    num_classes: int | None = None
    samples: int | None = None  # its size, for fixed sets and files (None: generated, 500 to start)
    train_fraction: float | None = None  # its own train share, for a set with fixed parts
    download: str | None = None  # the name of the files it needs fetched first (mnist_full.NAME)


def _entry(name: str, label: str, help: str, factory, kind: str, task: str | None,
           params: tuple[Param, ...] = (), **known: Any) -> DatasetEntry:
    return DatasetEntry(name, label, help, params, factory, kind=kind, task=task, **known)


_CLASSES = Param("classes", int, 3, "Number of blobs, one class each.", minimum=3, maximum=5)
_CSV_PARAMS = (
    Param("path", str, "", "The CSV file: a header row naming the columns, then numbers only.",
          label="file"),
    Param("target", str, "", "The column to predict; empty = the last column.", label="target column"),
    Param("task", str, "auto", "What to learn. auto: a whole-number target with at most 20 distinct "
          "values is a class label (two classes = binary), anything else is regression.",
          choices=("auto", "binary", "multiclass", "regression")),
    Param("standardize", bool, True, "Scale each input column to mean 0 and spread 1 (training rows' "
          "statistics) before training. Off: train on the numbers as written, so a linear model's "
          "weights are the data's own slopes (a one-row example keeps its inputs).",
          label="standardize inputs"),
)

DATASETS: Registry[DatasetEntry] = Registry("dataset", [
    _entry("circle", "Circle", "A disc of one class inside a ring of the other: needs a curved boundary.",
           points.loader(points.circle, BINARY), POINTS2D, BINARY),
    _entry("xor", "Exclusive or", "Opposite quadrants share a class: no single line separates them.",
           points.loader(points.xor, BINARY), POINTS2D, BINARY),
    _entry("gauss", "Two Gaussians", "Two overlapping clouds that one straight line separates.",
           points.loader(points.gauss, BINARY), POINTS2D, BINARY),
    _entry("spiral", "Spiral", "Two interleaved spirals: the hardest 2-D set, needs depth or features.",
           points.loader(points.spiral, BINARY), POINTS2D, BINARY),
    _entry("moons", "Two moons", "Two interlocking half-circles (scikit-learn's moons), scaled to the plane.",
           points.loader(points.moons, BINARY), POINTS2D, BINARY),
    _entry("blobs", "Blobs", "Three to five Gaussian clouds, one class each: multi-class classification.",
           points.loader(points.blobs, MULTICLASS), POINTS2D, MULTICLASS, (_CLASSES,)),
    _entry("reg_plane", "Plane", "Regression on a tilted plane: the target is (x1 + x2) / 10.",
           points.loader(points.reg_plane, REGRESSION), POINTS2D, REGRESSION),
    _entry("reg_gauss", "Multi-Gaussian", "Regression on six cones of height +1 or -1 across the plane.",
           points.loader(points.reg_gauss, REGRESSION), POINTS2D, REGRESSION),
    _entry("line", "Line", "1-D regression on y = 3x + 2: one linear neuron learns weight 3 and bias 2.",
           lines.loader(lines.line), LINE1D, REGRESSION, input_shape=(1,)),
    _entry("sine", "Sine", "1-D regression on y = sin(x) over one period: needs a hidden layer.",
           lines.loader(lines.sine), LINE1D, REGRESSION, input_shape=(1,)),
    _entry("digits", "Digits 8×8", "1,797 small handwritten digits (scikit-learn), ten classes.",
           images.loader(images.digits_arrays), IMAGE, MULTICLASS, input_shape=(1, 8, 8), num_classes=10,
           samples=1797),
    _entry("mnist", "MNIST 28×28", "5,000 MNIST handwritten digits, 500 of each, ten classes.",
           images.loader(images.mnist_arrays), IMAGE, MULTICLASS, input_shape=(1, 28, 28), num_classes=10,
           samples=5000),
    _entry("mnist-full", "MNIST 28×28, full", "All 70,000 MNIST digits in MNIST's own split: training "
           "examples come from its 60,000 training images, test examples from its 10,000 test images "
           "(samples 70,000 at train share 6/7 is the whole standard split). Downloaded once, on request.",
           mnist_full.load, IMAGE, MULTICLASS, input_shape=(1, 28, 28), num_classes=10,
           samples=mnist_full.TOTAL, train_fraction=mnist_full.STANDARD_TRAIN_FRACTION,
           download=mnist_full.NAME),
    _entry("csv", "Your CSV", "Your own CSV file: a header row, numbers only, one column to predict.",
           load_csv, TABLE, None, _CSV_PARAMS, samples=ALL_SAMPLES),
])


def load_dataset(spec: DataSpec, seed: int) -> Dataset:
    """Build the train/validation/test data `spec` describes, the same bits for the same seed.

    The data-set parameters are validated (defaults filled) here too, so a hand-built DataSpec works;
    raises SpecError for an unknown set or parameter, DataError for a file that cannot be used.
    """
    entry = DATASETS.lookup(spec.dataset, "data.dataset")
    if not spec.features:
        raise SpecError("data.features", "must name at least one input feature", list(spec.features))
    spec = replace(spec, params=entry.validate(spec.params, "data.params"))
    return entry.factory(spec, seed)


__all__ = ["BINARY", "DATASETS", "IMAGE", "LINE1D", "MULTICLASS", "POINTS2D", "REGRESSION", "TABLE",
           "TASKS", "DataSpec", "Dataset", "DatasetEntry", "data_defaults", "default_samples", "load_dataset",
           "missing_data"]
