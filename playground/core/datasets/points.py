"""2-D point sets with TensorFlow Playground's geometry (its ``src/dataset.ts``), vectorised.

Each generator returns raw points (n, 2) in about [-6, 6]² and their targets. `noise` is TF
Playground's noise fraction (its 0-50 % slider is our 0-0.5; we allow up to 1). As in TF
Playground, circle, xor and the two regression planes keep every point where it is and compute the
label at a randomly *shifted* position, so noise flips labels near the boundary; gauss, spiral,
moons and blobs move the points themselves. Positions come from `streams.data` and noise from
`streams.noise`, so changing the noise never moves the clean part of the picture.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from playground.core.datasets.base import BINARY, MULTICLASS, POINTS2D, REGRESSION, Dataset
from playground.core.datasets.splits import Streams, assemble, split_indices, streams
from playground.core.features import apply_features
from playground.core.spec import DataSpec

EXTENT = (-6.0, 6.0, -6.0, 6.0)
TWO_PI = 2 * np.pi

Generator = Callable[[int, float, Streams, Mapping[str, Any]], tuple[np.ndarray, np.ndarray]]


def _halves(n: int) -> tuple[int, int]:
    """Sizes of the positive and the negative half (the first gets the odd one)."""
    return (n + 1) // 2, n // 2


def circle(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Label 1 inside radius 2.5, 0 on the ring 3.5..5; label taken at a point shifted by noise."""
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([s.data.uniform(0, radius * 0.5, n_in), s.data.uniform(radius * 0.7, radius, n_out)])
    angle = s.data.uniform(0, TWO_PI, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = points + s.noise.uniform(-radius, radius, (n, 2)) * noise
    return points, (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(np.int64)


def xor(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in [-5, 5]² pushed 0.3 away from the axes; label 1 where x1*x2 >= 0."""
    points = s.data.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    shifted = points + s.noise.uniform(-5, 5, (n, 2)) * noise
    return points, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def gauss(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussians at (2, 2) (label 1) and (-2, -2); variance 0.5 at noise 0, 4 at noise 0.5."""
    variance = 0.5 + 7.0 * noise  # TF Playground: scaleLinear([0, 0.5] -> [0.5, 4]), extrapolated
    n_pos, n_neg = _halves(n)
    centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), [n_pos, n_neg], axis=0)
    points = centres + np.sqrt(variance) * s.data.standard_normal((n, 2))
    return points, np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])


def spiral(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of 1.75 turns out to radius 5; noise shifts by uniform(-1, 1)*noise."""
    half = n / 2
    n_pos, n_neg = _halves(n)
    i = np.concatenate([np.arange(n_pos), np.arange(n_neg)]).astype(np.float64)
    delta = np.repeat([0.0, np.pi], [n_pos, n_neg])
    r = i / half * 5
    t = 1.75 * i / half * TWO_PI + delta
    points = np.column_stack([r * np.sin(t), r * np.cos(t)])
    points += s.noise.uniform(-1, 1, (n, 2)) * noise
    return points, np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])


def moons(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two moons (outer label 0, inner 1) scaled by 3.5 and centred.

    The angle is drawn at random rather than evenly spaced, so clean data does not look like a
    dotted line; Gaussian noise has a standard deviation of 0.5*noise in moon units.
    """
    n_out = n // 2
    t = s.data.uniform(0, np.pi, n)
    c, sn = np.cos(t), np.sin(t)
    outer = np.arange(n) < n_out
    points = np.where(outer[:, None], np.column_stack([c, sn]), np.column_stack([1 - c, 0.5 - sn]))
    points += 0.5 * noise * s.noise.standard_normal((n, 2))
    return (points - [0.5, 0.25]) * 3.5, (~outer).astype(np.int64)


def blobs(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """k Gaussian blobs on a circle of radius 3.5; spread 0.6 at noise 0, 3 at noise 1."""
    k = int(params["classes"])
    labels = np.arange(n, dtype=np.int64) % k
    angle = TWO_PI * labels / k + np.pi / 2
    centres = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + (0.6 + 2.4 * noise) * s.data.standard_normal((n, 2)), labels


def reg_plane(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A tilted plane: target (x1 + x2) / 10 (range -1.2..1.2), taken at a noise-shifted point."""
    radius = 6.0
    points = s.data.uniform(-radius, radius, (n, 2))
    shifted = points + s.noise.uniform(-radius, radius, (n, 2)) * noise
    return points, (shifted[:, 0] + shifted[:, 1]) / 10.0


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def reg_gauss(n: int, noise: float, s: Streams, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Six cones of height +-1 and radius 2; the target is the one largest in magnitude."""
    radius = 6.0
    points = s.data.uniform(-radius, radius, (n, 2))
    shifted = points + s.noise.uniform(-radius, radius, (n, 2)) * noise
    d = np.hypot(shifted[:, None, 0] - _BUMPS[:, 0], shifted[:, None, 1] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1 - d / 2, 0, 1)
    pick = np.argmax(np.abs(values), axis=1)
    return points, values[np.arange(n), pick]


def _load(gen: Generator, task: str, spec: DataSpec, seed: int) -> Dataset:
    s = streams(seed)
    raw, y = gen(spec.samples, spec.noise, s, spec.params)
    raw = raw.astype(np.float32)
    transform = functools.partial(apply_features, names=spec.features)
    num_classes = {BINARY: 2, REGRESSION: 0}[task] if task != MULTICLASS else int(spec.params["classes"])
    class_names = tuple(str(c) for c in range(num_classes))
    return assemble(split_indices(len(raw), spec.train_fraction, spec.validation_fraction, s.split),
                    name=spec.dataset, kind=POINTS2D, task=task, num_classes=num_classes,
                    x=transform(raw), y=y, raw=raw, extent=EXTENT, feature_names=spec.features,
                    class_names=class_names, transform=transform)


def loader(gen: Generator, task: str) -> Callable[[DataSpec, int], Dataset]:
    """A `load(spec, seed) -> Dataset` for a 2-D generator: features applied, split, extent [-6, 6]²."""
    return functools.partial(_load, gen, task)


__all__ = ["EXTENT", "blobs", "circle", "gauss", "loader", "moons", "reg_gauss",
           "reg_plane", "spiral", "xor"]
