"""Full MNIST (60,000 training and 10,000 test images), fetched on request into the user data folder.

Not shipped: `get` downloads the four published IDX files (checked by SHA-256) and `import_from`
takes them, or Keras's ``mnist.npz``, from disk. Either way the folder ends up holding the four
IDX files, gzipped or not, under their published names; `load` reads them from there.

MNIST's own split is kept: training examples come only from its training images and test
examples only from its test images. `samples` and `train_fraction` say how many of each, as for
every set; samples 70,000 with train_fraction 6/7 is the whole standard split. A part asked for
more than it holds gives all it has, and the Dataset reports the shortfall (`requested`, `short`).

Memory: the files are kept as uint8 (55 MB, one copy per process, reused while the files stay
the same); a load converts only the examples it uses to float32, once, straight into the split
arrays (all 70,000 are 220 MB), because the trainer and the views take float32 arrays.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from playground.core.atomic import atomic_write
from playground.core.datasets.base import IMAGE, MULTICLASS, Dataset
from playground.core.datasets.idx import (
    IDX_NAMES,
    PARTS,
    TEST,
    TRAIN,
    MnistArrays,
    arrays_by_name,
    idx_bytes,
    idx_file,
    read_idx_folder,
    read_npz,
)
from playground.core.datasets.images import DIGIT_NAMES, PIXEL_NOISE_STD, balanced_pick
from playground.core.datasets.splits import streams
from playground.core.download import DownloadError, Progress, RemoteFile, fetch, part_path
from playground.core.errors import DataError, MissingDataError
from playground.core.userdirs import datasets_dir

if TYPE_CHECKING:
    from playground.core.spec import DataSpec

NAME = "mnist"
TOTAL = TRAIN.count + TEST.count
STANDARD_TRAIN_FRACTION = TRAIN.count / TOTAL  # 6/7: samples 70,000 at this share is the standard split

# The mirrors torchvision uses (S3) and TensorFlow Datasets uses (Google Cloud Storage), tried in
# turn. SHA-256 values as TensorFlow Datasets records them; torchvision lists the same files by MD5:
# f68b3c2dcbeaaa9fbdd348bbdeb94873, d53e105ee54ea40749a09fcbcd1e9432, 9fb629c4189551a2d022fa330f9573f3,
# ec29112dd5afa0611ce80d1b7f02629c (in the order below).
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
           "https://storage.googleapis.com/cvdf-datasets/mnist/")
FILES = (
    RemoteFile("train-images-idx3-ubyte.gz", 9_912_422,
               "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    RemoteFile("train-labels-idx1-ubyte.gz", 28_881,
               "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    RemoteFile("t10k-images-idx3-ubyte.gz", 1_648_877,
               "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    RemoteFile("t10k-labels-idx1-ubyte.gz", 4_542,
               "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
)
_CHUNK = 4096  # images converted to float32 at a time: no full-size temporary arrays


def folder() -> Path:
    """Where full MNIST lives: ``<user data folder>/datasets/mnist``."""
    return datasets_dir(NAME)


def missing(where: Path | None = None) -> list[str]:
    """The IDX files (published names without .gz) not yet in the folder; [] when all four are."""
    where = folder() if where is None else where
    return [name for name in IDX_NAMES if idx_file(where, name) is None]


def missing_message(where: Path | None = None) -> str:
    """The one sentence that says full MNIST is not here and how to get it."""
    where = folder() if where is None else where
    absent = len(missing(where)) or len(IDX_NAMES)
    return (f"full MNIST is not on this computer yet ({absent} of its {len(IDX_NAMES)} files are missing "
            f"from {where}): get it with "
            "`nn-playground data get mnist` (about 11 MB) or File ▸ Get full MNIST… in the app, or bring "
            "files you have with `nn-playground data import mnist PATH`")


def require(where: Path | None = None) -> None:
    """Raise MissingDataError (with the how-to sentence) unless all four files are in the folder."""
    if missing(where):
        raise MissingDataError(missing_message(where), NAME)


def arrays(where: Path | None = None) -> MnistArrays:
    """All of MNIST as checked uint8 arrays; read once per process while the files stay the same."""
    where = folder() if where is None else where
    require(where)
    files = [idx_file(where, name) for name in IDX_NAMES]
    signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p is not None)
    return _read(str(where), signature)


@functools.lru_cache(maxsize=1)  # one copy (55 MB); a changed file changes the signature
def _read(where: str, signature: tuple) -> MnistArrays:
    return read_idx_folder(Path(where))


# ------------------------------------------------------------------ the data set -----------

def part_sizes(samples: int, train_fraction: float) -> tuple[int, int]:
    """How many training and test images `samples` at `train_fraction` asks for, as each part allows.

    The share is rounded as every other set rounds it (at least one example on each side); a part
    asked for more than it holds gives all it has.
    """
    n_train = min(max(round(train_fraction * samples), 1), samples - 1)
    return min(n_train, TRAIN.count), min(samples - n_train, TEST.count)


def load(spec: DataSpec, seed: int) -> Dataset:
    """The Dataset for `spec` from MNIST's own parts: a seeded, class-balanced pick from each."""
    a = arrays()
    s = streams(seed)
    n_train, n_test = part_sizes(spec.samples, spec.train_fraction)
    train = balanced_pick(a.train_labels, n_train, s.data)
    test = balanced_pick(a.test_labels, n_test, s.data)
    n_val = min(max(round(spec.validation_fraction * n_train), 0), n_train - 1)  # as split_indices does
    fit, val = train[:n_train - n_val], train[n_train - n_val:]
    noise = PIXEL_NOISE_STD * spec.noise

    def x(images: np.ndarray, pick: np.ndarray) -> np.ndarray:
        return _floats(images, pick, noise, s.noise)

    def y(labels: np.ndarray, pick: np.ndarray) -> np.ndarray:
        return labels[pick].astype(np.int64)

    return Dataset(
        name=spec.dataset, kind=IMAGE, task=MULTICLASS, num_classes=10, input_shape=(1, 28, 28),
        x_train=x(a.train_images, fit), y_train=y(a.train_labels, fit),
        x_val=x(a.train_images, val), y_val=y(a.train_labels, val),
        x_test=x(a.test_images, test), y_test=y(a.test_labels, test),
        class_names=DIGIT_NAMES, available=TOTAL, requested=spec.samples)


def _floats(images: np.ndarray, pick: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """float32 (n, 1, 28, 28) in [0, 1] of the picked images, converted a chunk at a time."""
    out = np.empty((len(pick), 1, *images.shape[1:]), dtype=np.float32)
    for start in range(0, len(pick), _CHUNK):
        block = images[pick[start:start + _CHUNK]].astype(np.float32)
        block /= 255.0
        if noise > 0:
            block += noise * rng.standard_normal(block.shape, np.float32)
            np.clip(block, 0, 1, out=block)
        out[start:start + len(block), 0] = block
    return out


# ------------------------------------------------------------------ getting the files ------

def get(where: Path | None = None, mirrors: Sequence[str] | None = None,
        files: Sequence[RemoteFile] | None = None, progress: Progress | None = None,
        cancel: threading.Event | None = None) -> Path:
    """Download the four files into the folder (resuming, checksum-checked), then check them all.

    `mirrors` and `files` default to MIRRORS and FILES (read at call time: tests point them at a
    local server). Files already there with the right checksum are kept. Raises DownloadCancelled,
    DownloadError, or DataError if the files arrived but are not MNIST. Returns the folder.
    """
    where = folder() if where is None else where
    mirrors = MIRRORS if mirrors is None else mirrors
    for file in FILES if files is None else files:
        try:
            fetch(file, mirrors, where, progress, cancel)
        except DownloadError as exc:
            raise DownloadError(f"{exc}; on a computer without internet, copy the four files (or "
                                "Keras's mnist.npz) from one that has it and use "
                                "`nn-playground data import mnist PATH`") from None
        _drop_other_forms(where, file.name)
    arrays(where)
    return where


def import_from(source: Path, where: Path | None = None) -> Path:
    """Copy MNIST from `source` (a folder of the four IDX files, or Keras's mnist.npz), checked first.

    Nothing is written unless every file passes; a DataError names the first bad or missing one.
    Returns the folder the files now live in.
    """
    where = folder() if where is None else where
    if source.is_dir():
        read_idx_folder(source)  # every check, before anything is copied
        contents = {p.name: p.read_bytes() for p in (idx_file(source, n) for n in IDX_NAMES) if p}
    elif source.is_file() and source.suffix == ".npz":
        named = arrays_by_name(read_npz(source))
        contents = {f"{name}.gz": idx_bytes(a, compress=True) for name, a in named.items()}
    elif source.exists():
        raise DataError(f"{source}: not a folder of MNIST's IDX files nor Keras's mnist.npz")
    else:
        raise DataError(f"{source}: no such file or folder")
    where.mkdir(parents=True, exist_ok=True)
    for file_name, data in contents.items():
        with atomic_write(where / file_name, binary=True) as f:
            f.write(data)
        _drop_other_forms(where, file_name)
    arrays(where)
    return where


def _drop_other_forms(where: Path, file_name: str) -> None:
    """Remove the gzipped/plain twin of `file_name` and its unfinished download: one form per file."""
    base = file_name.removesuffix(".gz")
    for other in (where / base, where / f"{base}.gz"):
        if other.name != file_name:
            other.unlink(missing_ok=True)
    part_path(where, f"{base}.gz").unlink(missing_ok=True)


__all__ = ["FILES", "MIRRORS", "NAME", "PARTS", "STANDARD_TRAIN_FRACTION", "TOTAL", "arrays", "folder", "get",
           "import_from", "load", "missing", "missing_message", "part_sizes", "require"]
