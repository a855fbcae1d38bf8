"""Per-epoch metric history in preallocated, doubling numpy buffers.

A snapshot needs a copy of the whole history ~30 times a second; copying slices of float arrays is
a memcpy, where converting Python lists would cost milliseconds on long runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class History:
    """Columns of float64 values, one row per epoch; columns may appear later (NaN before)."""

    def __init__(self, capacity: int = 1024):
        self._cols: dict[str, np.ndarray] = {}
        self._n = 0
        self._cap = capacity

    def __len__(self) -> int:
        return self._n

    def append(self, row: Mapping[str, float]) -> None:
        """Add one epoch; keys missing from `row` get NaN."""
        self._reserve(self._n + 1)
        for k, v in row.items():
            self._column(k)[self._n] = v
        self._n += 1

    def extend(self, columns: Mapping[str, np.ndarray]) -> None:
        """Add several epochs at once (all columns the same length; missing ones get NaN)."""
        k = len(next(iter(columns.values()))) if columns else 0
        if k == 0:
            return
        self._reserve(self._n + k)
        for name, values in columns.items():
            self._column(name)[self._n:self._n + k] = values
        self._n += k

    def _reserve(self, rows: int) -> None:
        """Room for `rows` rows, doubling (old views keep the old buffers)."""
        if rows <= self._cap:
            return
        while self._cap < rows:
            self._cap *= 2
        for name, col in self._cols.items():
            grown = np.full(self._cap, np.nan)
            grown[: self._n] = col[: self._n]
            self._cols[name] = grown

    def _column(self, name: str) -> np.ndarray:
        """The buffer of `name`, new ones all NaN: a column appearing late reads NaN before."""
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = np.full(self._cap, np.nan)
        return col

    def views(self) -> dict[str, np.ndarray]:
        """Read-only views of every column (no copy).

        Safe to hand to another thread as an immutable snapshot: rows are only ever appended, and
        growing swaps in a new buffer while old views keep the old one, so what a view shows never
        changes.
        """
        return {k: self.column(k) for k in self._cols}

    def copy(self) -> dict[str, np.ndarray]:
        """Independent arrays of length len(self) for each column."""
        return {k: col[: self._n].copy() for k, col in self._cols.items()}

    def last(self, key: str) -> float:
        col = self._cols.get(key)
        return float(col[self._n - 1]) if col is not None and self._n else float("nan")

    def column(self, key: str) -> np.ndarray:
        """A read-only view (no copy) for use inside the trainer."""
        col = self._cols.get(key)
        view = col[: self._n] if col is not None else np.full(self._n, np.nan)
        view = view.view()
        view.flags.writeable = False
        return view
