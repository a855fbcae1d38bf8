"""Handwritten-digit image sets, shipped offline: scikit-learn's 8x8 digits and a 28x28 MNIST subset.

Images come out as float32 (n, 1, h, w) in [0, 1]. `samples` caps how many are used (a seeded,
class-balanced pick); `noise` adds Gaussian pixel noise of std 0.5*noise, clipped to [0, 1].
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

import playground
from playground.core.datasets.base import IMAGE, MULTICLASS, Dataset
from playground.core.datasets.splits import assemble, split_indices, streams
from playground.core.errors import DataError
from playground.core.spec import DataSpec

PIXEL_NOISE_STD = 0.5  # at noise = 1
DIGIT_NAMES = tuple(str(d) for d in range(10))


def mnist_path() -> Path:
    """Where the shipped MNIST subset lives (the project is installed editable, assets/ beside it)."""
    return Path(playground.__file__).resolve().parent.parent / "assets" / "data" / "mnist-5k.npz"


@functools.cache
def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits as (float32 images in [0, 1], int64 labels), read-only."""
    from sklearn.datasets import load_digits  # imported late: scikit-learn is slow to import

    bunch = load_digits()
    return _frozen(bunch.images.astype(np.float32) / 16.0), _frozen(bunch.target.astype(np.int64))


@functools.cache
def mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000-image MNIST subset as (float32 images in [0, 1], int64 labels), read-only."""
    path = mnist_path()
    if not path.is_file():
        raise DataError(f"{path}: the MNIST subset is missing; reinstall NN Playground or restore "
                        "assets/data/mnist-5k.npz")
    try:
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
    except (OSError, ValueError, KeyError) as e:
        raise DataError(f"{path}: cannot read the MNIST subset: {e}") from None
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DataError(f"{path}: expected images (n, 28, 28) and n labels, got {images.shape} "
                        f"and {labels.shape}")
    return _frozen(images.astype(np.float32) / 255.0), _frozen(labels.astype(np.int64))


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)  # cached and shared between loads: nobody may change it
    return a


def balanced_pick(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of n examples, seeded-random, with class counts as equal as the data allows."""
    perm = rng.permutation(len(labels))
    shuffled = labels[perm]
    order = np.argsort(shuffled, kind="stable")
    starts = np.searchsorted(shuffled[order], shuffled[order])  # first slot of each row's class
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - starts  # k-th example of its class in shuffled order
    return perm[np.argsort(rank, kind="stable")[:n]]


def _load(arrays: Callable[[], tuple[np.ndarray, np.ndarray]], spec: DataSpec, seed: int) -> Dataset:
    images, labels = arrays()
    s = streams(seed)
    pick = balanced_pick(labels, min(spec.samples, len(labels)), s.data)
    x = images[pick][:, None, :, :]
    if spec.noise > 0:
        x = np.clip(x + PIXEL_NOISE_STD * spec.noise * s.noise.standard_normal(x.shape, np.float32), 0, 1)
    return assemble(split_indices(len(x), spec.train_fraction, spec.validation_fraction, s.split),
                    name=spec.dataset, kind=IMAGE, task=MULTICLASS, num_classes=10, x=x, y=labels[pick],
                    class_names=DIGIT_NAMES, available=len(labels), requested=spec.samples)


def loader(arrays: Callable[[], tuple[np.ndarray, np.ndarray]]) -> Callable[[DataSpec, int], Dataset]:
    """A `load(spec, seed) -> Dataset` over a cached (images, labels) pair."""
    return functools.partial(_load, arrays)
