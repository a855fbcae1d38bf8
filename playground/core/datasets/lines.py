"""1-D regression sets: a straight line and a sine wave, plotted as data plus the fitted curve.

Neither x nor y is normalised: the point of "line" is that a single linear neuron recovers the
slope 3 and the intercept 2 exactly as written here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from playground.core.datasets.base import LINE1D, REGRESSION, Dataset
from playground.core.datasets.splits import (
    Streams,
    as_float32,
    assemble,
    margin_extent,
    split_indices,
    streams,
)
from playground.core.spec import DataSpec

LINE_RANGE = (-2.0, 2.0)
LINE_SLOPE, LINE_INTERCEPT = 3.0, 2.0
LINE_NOISE_STD = 2.0  # Gaussian noise std at noise = 1
SINE_RANGE = (-np.pi, np.pi)
SINE_NOISE_STD = 0.5

Curve = Callable[[int, float, Streams], tuple[np.ndarray, np.ndarray]]


def line(n: int, noise: float, s: Streams) -> tuple[np.ndarray, np.ndarray]:
    """y = 3x + 2 on x in [-2, 2], plus Gaussian noise of std 2*noise."""
    x = s.data.uniform(*LINE_RANGE, n)
    return x, LINE_SLOPE * x + LINE_INTERCEPT + LINE_NOISE_STD * noise * s.noise.standard_normal(n)


def sine(n: int, noise: float, s: Streams) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) on x in [-pi, pi], plus Gaussian noise of std 0.5*noise."""
    x = s.data.uniform(*SINE_RANGE, n)
    return x, np.sin(x) + SINE_NOISE_STD * noise * s.noise.standard_normal(n)


def _load(curve: Curve, spec: DataSpec, seed: int) -> Dataset:
    s = streams(seed)
    x, y = curve(spec.samples, spec.noise, s)
    raw = x.astype(np.float32).reshape(-1, 1)
    return assemble(split_indices(len(raw), spec.train_fraction, spec.validation_fraction, s.split),
                    name=spec.dataset, kind=LINE1D, task=REGRESSION, num_classes=0, x=raw, y=y, raw=raw,
                    extent=margin_extent(x, y, 0.05), feature_names=("x",), transform=as_float32)


def loader(curve: Curve) -> Callable[[DataSpec, int], Dataset]:
    """A `load(spec, seed) -> Dataset` for a 1-D curve; the input features are ignored."""
    return functools.partial(_load, curve)
