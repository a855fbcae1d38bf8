"""Input features of 2-D point sets: the columns TensorFlow Playground lets a person feed in.

Each Entry's factory maps raw points (n, 2) to one feature column (n,). `apply_features` stacks the
chosen columns; the same function turns decision-boundary grids into model inputs, so a feature is
defined in exactly one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from playground.core.registry import Entry, Registry


def _feature(name: str, label: str, help: str, fn: Callable[[np.ndarray], np.ndarray]) -> Entry:
    return Entry(name=name, label=label, help=help, factory=fn)


FEATURES: Registry[Entry] = Registry("feature", [
    _feature("x1", "X₁", "The first coordinate as it is.", lambda p: p[:, 0]),
    _feature("x2", "X₂", "The second coordinate as it is.", lambda p: p[:, 1]),
    _feature("x1^2", "X₁²", "The first coordinate squared: lets one neuron draw curved boundaries.",
             lambda p: p[:, 0] ** 2),
    _feature("x2^2", "X₂²", "The second coordinate squared: lets one neuron draw curved boundaries.",
             lambda p: p[:, 1] ** 2),
    _feature("x1*x2", "X₁X₂", "The product of the coordinates: positive in two opposite quadrants "
             "(solves XOR alone).", lambda p: p[:, 0] * p[:, 1]),
    _feature("sin_x1", "sin(X₁)", "Sine of the first coordinate: a wave across the plane.",
             lambda p: np.sin(p[:, 0])),
    _feature("sin_x2", "sin(X₂)", "Sine of the second coordinate: a wave across the plane.",
             lambda p: np.sin(p[:, 1])),
])


def apply_features(raw: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The model inputs for raw 2-D points: one float32 column per feature name, in order.

    Used both for the data and for plot grids, so training and drawing always agree.
    """
    points = np.asarray(raw, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"features need raw points of shape (n, 2), got {points.shape}")
    out = np.empty((len(points), len(names)), dtype=np.float32)
    for i, name in enumerate(names):
        out[:, i] = FEATURES.lookup(name, f"data.features[{i}]").factory(points)
    return out


__all__ = ["FEATURES", "apply_features"]
