"""The person's own CSV file: a header row, then numbers only; one column is the target.

Errors name the file, the row (counted as a person counts lines in the file, header = 1), the
column and the bad value. Inputs are standardised with the *training* split's mean and std so no
test information leaks in (unless `standardize` is off: then the numbers as written are the model's
inputs); the Dataset's transform applies the same scaling to new points. Targets are never scaled. Two
input columns make a 2-D point set (boundary plots and features work), more make a table; one input
column with a numeric target is a 1-D line set (the points and the fitted curve are drawn).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.datasets.base import BINARY, LINE1D, MULTICLASS, POINTS2D, REGRESSION, TABLE, Dataset
from playground.core.datasets.splits import assemble, margin_extent, split_indices, streams
from playground.core.errors import DataError
from playground.core.features import apply_features
from playground.core.readfile import FileRefused, MiB, open_regular
from playground.core.spec import DATA_PARAMS, DataSpec

MAX_AUTO_CLASSES = 20  # "auto": an integer target with at most this many values is a class label
MAX_CLASSES = 100
CSV_MAX_BYTES = 256 * MiB  # a million rows of twenty numbers; read as Python text, this is already GBs
FLOAT32_MAX = float(np.finfo(np.float32).max)  # the model trains in float32: larger cells become inf
_SEPARATORS = (";", "\t", "|")  # what a one-column header may really be split by, most likely first
_SHOWN = {";": "';'", "\t": "a tab", "|": "'|'", " ": "a space"}
EVERY_ROW = int(next(p for p in DATA_PARAMS if p.name == "samples").maximum)  # `samples` at its top: all


def _asked(samples: int) -> int:
    """The rows `samples` asks for, 0 for "every row there is" (never reported as a shortfall)."""
    return 0 if samples >= EVERY_ROW else samples


@dataclass(frozen=True)
class Table:
    """A parsed CSV: column names, values (rows, columns) and each row's line number in the file."""

    columns: tuple[str, ...]
    values: np.ndarray
    lines: np.ndarray


def read_table(path: Path) -> Table:
    """Parse a numeric CSV with a header row, or raise DataError saying where it is broken."""
    name = path.name
    try:
        with open_regular(path, CSV_MAX_BYTES, "a CSV file") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            columns = _header(next(reader, None), name)
            rows, lines = [], []
            for cells in reader:
                if all(not c.strip() for c in cells):
                    continue  # blank lines (a trailing newline, say) are not rows
                if len(cells) != len(columns):
                    raise DataError(f"{name}: row {reader.line_num}: {len(cells)} cells, but the header "
                                    f"names {len(columns)} columns")
                rows.append(cells)
                lines.append(reader.line_num)
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    except csv.Error as e:
        raise DataError(f"{name}: row {reader.line_num}: {e}") from None
    except FileRefused as e:
        raise DataError(f"{name}: {e.reason}") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return Table(columns, _numbers(rows, lines, columns, name), np.asarray(lines, dtype=np.int64))


def _header(cells: list[str] | None, name: str) -> tuple[str, ...]:
    if not cells:
        raise DataError(f"{name}: the file is empty; it needs a header row naming the columns")
    columns = tuple(c.strip() for c in cells)
    for i, c in enumerate(columns):
        if not c:
            raise DataError(f"{name}: row 1: column {i + 1} has no name in the header")
        if columns.index(c) != i:
            raise DataError(f'{name}: row 1: column "{c}" appears twice in the header')
    if all(_is_number(c) for c in columns):
        raise DataError(f"{name}: row 1 holds numbers; the first row must be a header naming the columns")
    if len(columns) < 2:
        separator = _likely_separator(cells[0])
        if separator:
            raise DataError(f"{name}: one column found; is the separator {_SHOWN[separator]}? "
                            "(columns must be separated by commas)")
        raise DataError(f"{name}: needs at least 2 columns (inputs and a target), found {len(columns)}")
    return columns


def _likely_separator(header: str) -> str:
    """The character a one-column header is most likely split by, "" if none is there."""
    counts = [(header.count(sep), sep) for sep in _SEPARATORS]
    count, sep = max(counts, key=lambda c: c[0])
    if count:
        return sep
    return " " if " " in header.strip() else ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers(rows: list[list[str]], lines: list[int], columns: tuple[str, ...], name: str) -> np.ndarray:
    """All cells as float64; on the first bad cell, a DataError with its row, column and value."""
    if not rows:
        return np.empty((0, len(columns)))
    try:
        values = np.array(rows, dtype=np.float64)  # fast path: numpy parses the strings in C
    except ValueError:  # slow path, to say where it broke
        values = np.array([[_cell(cell, line, col, name) for col, cell in zip(columns, cells, strict=True)]
                           for cells, line in zip(rows, lines, strict=True)])
    with np.errstate(invalid="ignore"):
        bad = np.argwhere(~(np.abs(values) <= FLOAT32_MAX))  # NaN, ±inf, and what float32 makes inf
    if len(bad):
        r, c = bad[0]
        where, text = f'{name}: row {lines[r]}, column "{columns[c]}"', rows[r][c].strip()
        if np.isfinite(values[r, c]):
            raise DataError(f"{where}: {text!r} is too large for a 32-bit float (at most ±3.4e38)")
        raise DataError(f"{where}: not a finite number: {text!r}")
    return values


def _cell(text: str, line: int, column: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataError(f'{name}: row {line}, column "{column}": not a number: {text.strip()!r}') from None


def infer_task(y: np.ndarray, choice: str) -> str:
    """The task for target values `y`: `choice` unless "auto", which picks classification for an
    integer target with at most 20 distinct values (binary if exactly 2), else regression."""
    if choice != "auto":
        return choice
    distinct = np.unique(y)
    if np.all(distinct == np.round(distinct)) and len(distinct) <= MAX_AUTO_CLASSES:
        return BINARY if len(distinct) == 2 else MULTICLASS
    return REGRESSION


def _classes(y: np.ndarray, task: str, name: str, target: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels 0..k-1 in ascending order of the original values, and those values as names."""
    values, labels = np.unique(y, return_inverse=True)
    where = f'{name}: target column "{target}"'
    if len(values) < 2:
        raise DataError(f"{where} holds a single value ({_fmt(values[0])}); there is nothing to learn")
    if task == BINARY and len(values) != 2:
        raise DataError(f"{where}: two-class classification needs exactly 2 distinct values, found "
                        f"{len(values)}; choose multiclass or regression")
    if len(values) > MAX_CLASSES:
        raise DataError(f"{where} has {len(values)} distinct values, too many classes (at most "
                        f"{MAX_CLASSES}); choose regression")
    return labels.astype(np.int64), tuple(_fmt(v) for v in values)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


@dataclass(frozen=True)
class Standardise:
    """Raw inputs -> model inputs: (raw - mean) / std with training statistics, then 2-D features."""

    mean: np.ndarray
    std: np.ndarray
    features: tuple[str, ...] | None = None  # set for 2-input files (POINTS2D)

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        z = ((np.asarray(raw, dtype=np.float64) - self.mean) / self.std).astype(np.float32)
        return z if self.features is None else apply_features(z, self.features)


def _scaling(fit: np.ndarray, standardize: bool) -> tuple[np.ndarray, np.ndarray]:
    """The training rows' mean and std (a constant column keeps std 1), or (0, 1): no scaling."""
    fit = fit.astype(np.float64)
    if not standardize:
        return np.zeros(fit.shape[1]), np.ones(fit.shape[1])
    std = fit.std(axis=0)
    return fit.mean(axis=0), np.where(std > 0, std, 1.0)


def load_csv(spec: DataSpec, seed: int) -> Dataset:
    """Read, check and split the CSV named by spec.params["path"]; see the module docstring."""
    p = spec.params
    if not str(p["path"]).strip():
        raise DataError("csv: no file chosen; set the path of a CSV file")
    path = Path(p["path"]).expanduser()
    if not os.path.lexists(path):  # anything else that is there, read_table refuses with its reason
        raise DataError(f"{path}: file not found")
    table = read_table(path)
    name = path.name
    if len(table.values) < 2:
        raise DataError(f"{name}: needs at least 2 data rows below the header, found {len(table.values)}")
    target = p["target"] or table.columns[-1]
    if target not in table.columns:
        raise DataError(f'{name}: no column "{target}" to predict (columns: {", ".join(table.columns)})')
    t = table.columns.index(target)
    inputs = tuple(c for c in table.columns if c != target)
    s = streams(seed)
    pick = np.sort(s.data.permutation(len(table.values))[:spec.samples])  # `samples` caps the rows used
    raw = np.delete(table.values, t, axis=1)[pick].astype(np.float32)
    y = table.values[pick, t]
    task = infer_task(y, p["task"])
    labels, class_names = (y, ()) if task == REGRESSION else _classes(y, task, name, target)
    parts = split_indices(len(raw), spec.train_fraction, spec.validation_fraction, s.split)
    mean, std = _scaling(raw[parts.train], p["standardize"])
    is_2d = len(inputs) == 2
    transform = Standardise(mean, std, spec.features if is_2d else None)
    common = dict(name=name, task=task, num_classes=len(class_names) if task != REGRESSION else 0,
                  x=transform(raw), y=labels, class_names=class_names, transform=transform,
                  available=len(table.values), requested=_asked(spec.samples))
    if len(inputs) == 1 and task == REGRESSION:  # drawn as the built-in line set: points and the fit
        return assemble(parts, kind=LINE1D, raw=raw, feature_names=inputs,
                        extent=margin_extent(raw[:, 0], y, 0.05), **common)
    if is_2d:
        names = inputs if spec.features == ("x1", "x2") else spec.features
        return assemble(parts, kind=POINTS2D, raw=raw, feature_names=names,
                        extent=margin_extent(raw[:, 0], raw[:, 1]), **common)
    return assemble(parts, kind=TABLE, feature_names=inputs, **common)
