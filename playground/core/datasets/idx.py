"""Reading MNIST as published: IDX files (gzipped or not) and Keras's ``mnist.npz``, checked.

Every check names the file and says what is wrong in one sentence (a DataError): the IDX magic
number, the image size (28x28), the number of examples (60,000 training, 10,000 test), a file cut
short or with bytes left over, labels outside 0-9. Arrays stay uint8 (70,000 images are 55 MB as
bytes, 220 MB as float32): the loader converts only the examples a run uses.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.errors import DataError

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # 0x00000803: uint8, 3 dimensions; 0x00000801: uint8, 1
SIDE = 28
CLASSES = 10


@dataclass(frozen=True)
class Part:
    """One of MNIST's two parts: its IDX file names (without .gz) and how many examples it has."""

    name: str  # "training" or "test", as the messages say it
    images: str
    labels: str
    count: int


TRAIN = Part("training", "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000)
TEST = Part("test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000)
PARTS = (TRAIN, TEST)
IDX_NAMES = tuple(name for part in PARTS for name in (part.images, part.labels))
NPZ_KEYS = {TRAIN: ("x_train", "y_train"), TEST: ("x_test", "y_test")}  # Keras's names


@dataclass(frozen=True)
class MnistArrays:
    """The whole of MNIST as uint8: images (n, 28, 28) and labels (n,) for each part, read-only."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: not a complete gzip file ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def _header(data: bytes, path: Path, magic: int, dims: int) -> tuple[int, ...]:
    head = 4 + 4 * dims
    if len(data) < head:
        raise DataError(f"{path}: too short for an IDX file ({len(data)} bytes)")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        what = "images" if magic == IMAGES_MAGIC else "labels"
        raise DataError(f"{path}: not an IDX file of MNIST {what} (magic number {found}, expected {magic})")
    return tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))


def _checked_count(path: Path, found: int, part: Part) -> None:
    if found != part.count:
        raise DataError(f"{path}: holds {found:,} examples, but MNIST's {part.name} part has {part.count:,}")


def read_images(path: Path, part: Part) -> np.ndarray:
    """The images of one IDX file as uint8 (n, 28, 28), checked against `part`."""
    data = _read_bytes(path)
    n, rows, cols = _header(data, path, IMAGES_MAGIC, 3)
    if (rows, cols) != (SIDE, SIDE):
        raise DataError(f"{path}: images are {rows}x{cols}, MNIST's are {SIDE}x{SIDE}")
    _checked_count(path, n, part)
    return _payload(data, path, 16, n * rows * cols).reshape(n, rows, cols)


def read_labels(path: Path, part: Part) -> np.ndarray:
    """The labels of one IDX file as uint8 (n,), checked against `part` and the range 0-9."""
    data = _read_bytes(path)
    (n,) = _header(data, path, LABELS_MAGIC, 1)
    _checked_count(path, n, part)
    return _checked_labels(_payload(data, path, 8, n), path)


def _payload(data: bytes, path: Path, start: int, size: int) -> np.ndarray:
    if len(data) - start != size:
        short = "is cut short" if len(data) - start < size else "has extra bytes at the end"
        raise DataError(f"{path}: {short} ({len(data) - start:,} data bytes, the header promises {size:,})")
    return np.frombuffer(data, dtype=np.uint8, offset=start)


def _checked_labels(labels: np.ndarray, path: Path, key: str = "") -> np.ndarray:
    if labels.size and int(labels.max()) >= CLASSES:
        where = f"{path} ({key})" if key else str(path)
        raise DataError(f"{where}: has label {int(labels.max())}, but MNIST's labels are 0 to 9")
    return labels


def idx_file(folder: Path, name: str) -> Path | None:
    """The IDX file `name` in `folder`, gzipped (NAME.gz) or not (NAME); None if neither is there."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def read_idx_folder(folder: Path) -> MnistArrays:
    """All four IDX files of `folder`, checked; a DataError names the first missing or bad one."""
    arrays = []
    for part in PARTS:
        for name, read in ((part.images, read_images), (part.labels, read_labels)):
            path = idx_file(folder, name)
            if path is None:
                raise DataError(f"{folder / name}: missing (neither {name}.gz nor {name} is in {folder})")
            arrays.append(_frozen(read(path, part)))
    return MnistArrays(*arrays)


def read_npz(path: Path) -> MnistArrays:
    """Keras's ``mnist.npz`` (x_train, y_train, x_test, y_test), checked like the IDX files."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            found = {key: archive[key] for key in archive.files if key in _ALL_KEYS}
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not a readable .npz archive ({exc})") from None
    arrays = []
    for part in PARTS:
        x_key, y_key = NPZ_KEYS[part]
        missing = [k for k in (x_key, y_key) if k not in found]
        if missing:
            raise DataError(f"{path}: has no array {missing[0]!r} (Keras's mnist.npz has "
                            f"{', '.join(_ALL_KEYS)})")
        x, y = found[x_key], found[y_key]
        if x.shape != (part.count, SIDE, SIDE) or x.dtype != np.uint8:
            raise DataError(f"{path} ({x_key}): expected uint8 images of shape ({part.count}, {SIDE}, "
                            f"{SIDE}), got {x.dtype} {x.shape}")
        if y.shape != (part.count,) or y.dtype.kind not in "iu" or (y.size and int(y.min()) < 0):
            raise DataError(f"{path} ({y_key}): expected {part.count:,} whole-number labels, got {y.dtype} "
                            f"{y.shape}")
        arrays += [_frozen(x), _frozen(_checked_labels(y, path, y_key).astype(np.uint8))]
    return MnistArrays(*arrays)


_ALL_KEYS = tuple(key for keys in NPZ_KEYS.values() for key in keys)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)  # cached and shared between loads: nobody may change it
    return a


def idx_bytes(array: np.ndarray, compress: bool) -> bytes:
    """The IDX bytes of a uint8 array (images (n, 28, 28) or labels (n,)), gzipped if asked."""
    magic = IMAGES_MAGIC if array.ndim == 3 else LABELS_MAGIC
    head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = head + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    return gzip.compress(data, compresslevel=6, mtime=0) if compress else data


def arrays_by_name(arrays: MnistArrays) -> Mapping[str, np.ndarray]:
    """The four arrays under their IDX file names (for writing them out)."""
    return dict(zip(IDX_NAMES, (arrays.train_images, arrays.train_labels, arrays.test_images,
                                arrays.test_labels), strict=True))
