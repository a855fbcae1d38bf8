"""Seeded random streams, train/validation/test splits, and assembling the Dataset value.

Every loader draws from three independent streams derived from the seed: `data` (positions,
which examples), `noise` (only the noise) and `split` (the shuffle). So moving the noise slider
changes the noise and nothing else: the same points keep their places and their split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.datasets.base import MULTICLASS, REGRESSION, Dataset
from playground.core.errors import DataError


@dataclass(frozen=True)
class Streams:
    """Independent random generators for one load: positions, noise and the split shuffle."""

    data: np.random.Generator
    noise: np.random.Generator
    split: np.random.Generator


def streams(seed: int) -> Streams:
    """Three independent generators derived from `seed` (same seed, same numbers, bit for bit)."""
    data, noise, split = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    return Streams(data, noise, split)


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts; `val` is carved from the end of the training part."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def split_indices(n: int, train_fraction: float, validation_fraction: float,
                  rng: np.random.Generator) -> Split:
    """Shuffle n rows; round(train_fraction*n) train (at least 1 train and 1 test), then validation.

    Validation takes round(validation_fraction * n_train) of the training part but always leaves
    one training example.
    """
    if n < 2:
        raise DataError(f"need at least 2 examples to have a training and a test set, got {n}")
    order = rng.permutation(n)
    n_train = min(max(round(train_fraction * n), 1), n - 1)
    n_val = min(max(round(validation_fraction * n_train), 0), n_train - 1)
    keep = n_train - n_val
    return Split(order[:keep], order[keep:n_train], order[n_train:])


def targets(y: np.ndarray, task: str) -> np.ndarray:
    """Class labels as int64 (n,), regression targets as float32 (n, 1)."""
    if task == REGRESSION:
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)
    return np.asarray(y, dtype=np.int64).reshape(-1)


def margin_extent(x: np.ndarray, y: np.ndarray, margin: float = 0.1) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of the values with `margin` of each span added on both sides."""
    out: list[float] = []
    for v in (x, y):
        lo, hi = float(np.min(v)), float(np.max(v))
        pad = margin * (hi - lo) if hi > lo else 1.0
        out += [lo - pad, hi + pad]
    return (out[0], out[1], out[2], out[3])


def assemble(parts: Split, *, name: str, kind: str, task: str, num_classes: int,
             x: np.ndarray, y: np.ndarray, raw: np.ndarray | None = None, **extra: Any) -> Dataset:
    """Cut full arrays (model inputs x, targets y, optional raw points) into a Dataset's splits."""
    y = targets(y, task)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if task == MULTICLASS and num_classes < 2:
        raise DataError(f"{name}: a classification task needs at least 2 classes, got {num_classes}")

    def cut(a: np.ndarray | None, idx: np.ndarray) -> np.ndarray | None:
        return None if a is None else np.ascontiguousarray(a[idx])

    raw = None if raw is None else np.asarray(raw, dtype=np.float32)
    return Dataset(
        name=name, kind=kind, task=task, num_classes=num_classes, input_shape=tuple(x.shape[1:]),
        x_train=x[parts.train], y_train=y[parts.train], x_val=x[parts.val], y_val=y[parts.val],
        x_test=x[parts.test], y_test=y[parts.test], raw_train=cut(raw, parts.train),
        raw_val=cut(raw, parts.val), raw_test=cut(raw, parts.test), **extra)


def as_float32(a: np.ndarray) -> np.ndarray:
    """The identity transform of 1-D sets: raw x already is the model input."""
    return np.asarray(a, dtype=np.float32)
