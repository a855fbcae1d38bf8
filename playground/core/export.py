"""Files a run leaves behind (weights, metric history), written atomically.

Every write goes through `atomic.atomic_write`: a crash or a failing serialiser leaves either the
old file or the new one, never half of one. Weights are a plain state dict read back with
``torch.load(weights_only=True)``, which refuses arbitrary pickled objects (never plain pickle).
torch is imported on use, so reading history or writing CSV never pays for it.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from playground.core.atomic import atomic_write
from playground.core.errors import DataError

if TYPE_CHECKING:
    import torch


# ---------------------------------------------------------------- weights -------------------

def save_weights(state_dict: Mapping[str, torch.Tensor], path: str | os.PathLike[str]) -> None:
    """Write a model's state dict (tensors only) atomically, loadable with `load_weights`."""
    import torch

    tensors = {}
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"state dict entry {key!r} is a {type(value).__name__}, not a tensor")
        tensors[str(key)] = value.detach().cpu().clone()
    with atomic_write(path, binary=True) as f:
        torch.save(tensors, f)


def load_weights(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read weights written by `save_weights`; refuses anything but tensors (no arbitrary unpickling).

    Raises DataError naming the file when it is missing, damaged or holds something else.
    """
    import torch

    name = Path(path).name
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except Exception as e:  # torch raises UnpicklingError, RuntimeError, EOFError, ... for bad files
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"{name}: not a weights file NN Playground can read ({first_line})") from None
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        raise DataError(f"{name}: not a weights file (expected a mapping of names to tensors)")
    return data


# ---------------------------------------------------------------- history -------------------

def _cell(value: float) -> str:
    """CSV text for one value: empty for NaN (a missing value to spreadsheets and pandas alike),
    whole numbers without a trailing '.0', everything else in Python's shortest round-trip form."""
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def write_history_csv(history: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Write per-epoch history as CSV atomically: a header row of the keys, then one row per epoch."""
    keys = list(history)
    columns = [np.asarray(history[k], dtype=np.float64).ravel() for k in keys]
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        sizes = ", ".join(f"{k}={len(c)}" for k, c in zip(keys, columns, strict=True))
        raise ValueError(f"history columns differ in length: {sizes}")
    rows = [[_cell(c[i]) for c in columns] for i in range(lengths.pop() if lengths else 0)]
    with atomic_write(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows(rows)


class HistoryCsvStream:
    """Every epoch's row of a run, spooled to disk as it comes, then written as one history CSV.

    Why: the history a run keeps in memory is bounded (older epochs thinned, see `History`), but
    the command line's history.csv promises one row per epoch however long the run. So rows go to
    disk as they come (`add`, e.g. as a `History` listener; memory stays flat, the disk grows by a
    row, ~20 bytes per column, per epoch), into an anonymous temporary file beside the target that
    vanishes with the process whatever happens. `commit` then writes the CSV atomically: a header
    of every column seen, in order of appearance, and the rows, empty cells where a row lacked a
    column (one appearing late). It copies the spooled rows once, so the folder briefly needs
    twice the file's size.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._spool: IO[str] | None = tempfile.TemporaryFile(  # noqa: SIM115 - open for the whole run
            "w+", dir=self.path.parent, encoding="utf-8", newline="")
        self._keys: dict[str, int] = {}
        self._ragged = False  # a column appeared after the first row: earlier rows need padding
        self.rows = 0

    def add(self, row: Mapping[str, float]) -> None:
        """Spool one epoch's row."""
        for key in row:
            if key not in self._keys:
                self._ragged |= self.rows > 0
                self._keys[key] = len(self._keys)
        cells = [""] * len(self._keys)
        for key, value in row.items():
            cells[self._keys[key]] = _cell(value)
        self._spool.write(",".join(cells) + "\n")
        self.rows += 1

    def commit(self) -> None:
        """Write the CSV (atomically: the old file stays until the new one is whole) and close."""
        spool = self._spool
        with atomic_write(self.path) as f:
            csv.writer(f, lineterminator="\n").writerow(list(self._keys))
            spool.seek(0)
            if not self._ragged:
                shutil.copyfileobj(spool, f, 1 << 20)
            else:
                width = len(self._keys)
                for line in spool:  # cells are numbers: commas only separate them
                    f.write(line[:-1] + "," * (width - 1 - line.count(",")) + "\n")
        self.close()

    def close(self) -> None:
        """Drop the spooled rows (also after `commit`)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def __enter__(self) -> HistoryCsvStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
