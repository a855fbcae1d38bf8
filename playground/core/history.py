"""Per-epoch metric history in a bounded set of numpy buffers: recent rows exact, older rows thinned.

A snapshot needs the whole history ~30 times a second; handing out read-only views of float
arrays costs nothing, where converting Python lists would cost milliseconds on long runs.

Why bounded: a run with no epoch limit appended ~160 bytes per epoch, in the trainer process and
again in the window (~11 MB a minute together, without end). A `History` keeps at most `max_rows`
rows (`MAX_ROWS`, 8192, by default: ~1.4 MB for the 20 columns of the circle preset):

* the newest `max_rows // 4` rows are every epoch, exactly as appended;
* older rows are thinned, as TensorBoard thins its event history, but never by dropping at
  random: the older epochs are cut into equal stretches of 2**level epochs, and of each stretch
  only the first row and, for every column, the row holding its minimum and the row holding its
  maximum are kept. Rows are kept whole, so every value kept is a true sample at its true epoch;
  a spike in any column survives, each column's overall minimum and maximum (the best loss, say)
  survive, and the first rows give an evenly spaced sample. When the thinned part outgrows its
  share, the stretches double (level + 1), which only ever merges stretches: the extremes of a
  merged stretch are among the extremes of its halves, so nothing a learner should see is lost.
  (That holds while 2 x columns + 1 rows fit in the thinned share, 3/8 of `max_rows`: up to
  1,535 columns at the default; beyond that only the evenly spaced first rows are kept.)

The very first row (epoch 1) and the last one are always kept. `appended` counts every row ever
appended; rows are identified by that count (their "sequence number"), not by an "epoch" column.
Thinning is deterministic: the same rows appended (in any chunks) give the same history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

MAX_ROWS = 8192  # rows kept per run, however long it runs
Listener = Callable[[Mapping[str, float]], None]


class History:
    """Columns of float64 values, one row per kept epoch; columns may appear later (NaN before)."""

    def __init__(self, max_rows: int = MAX_ROWS, capacity: int = 1024):
        if max_rows < 16:
            raise ValueError(f"a history keeps at least 16 rows, got max_rows={max_rows}")
        self.max_rows = max_rows
        self.recent = max_rows // 4  # the newest rows, kept exactly
        self._cols: dict[str, np.ndarray] = {}
        self._seq = np.zeros(0, dtype=np.int64)  # sequence number of each kept row
        self._n = 0
        self._cap = 0
        self._initial = max(1, min(capacity, max_rows))
        self._appended = 0
        self._level = 0
        self._listeners: list[Listener] = []

    def __len__(self) -> int:
        """Rows kept (at most `max_rows`)."""
        return self._n

    @property
    def appended(self) -> int:
        """Rows ever appended: the epochs the history has seen, kept or thinned."""
        return self._appended

    @property
    def level(self) -> int:
        """Thinned rows stand for stretches of 2**level appended rows (0: nothing thinned yet)."""
        return self._level

    @property
    def nbytes(self) -> int:
        """Bytes of the buffers held now (at most ~8·max_rows per column, plus the row numbers)."""
        return self._seq.nbytes + sum(col.nbytes for col in self._cols.values())

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(row)` with every row appended from now on (before any thinning).

        What must see every epoch (the CLI's history.csv, the trainer process's messages to the
        window) listens here instead of keeping a history of its own.
        """
        self._listeners.append(listener)

    def append(self, row: Mapping[str, float]) -> None:
        """Add one epoch; keys missing from `row` get NaN."""
        self._make_room()
        for k, v in row.items():
            self._column(k)[self._n] = v
        self._seq[self._n] = self._appended
        self._n += 1
        self._appended += 1
        for listener in self._listeners:
            listener(row)

    def extend(self, columns: Mapping[str, np.ndarray]) -> None:
        """Add several epochs at once (all columns the same length; missing ones get NaN).

        Thinned exactly as appending the rows one by one would be.
        """
        k = len(next(iter(columns.values()))) if columns else 0
        done = 0
        while done < k:
            self._make_room()
            take = min(k - done, self._cap - self._n)
            for name, values in columns.items():
                self._column(name)[self._n:self._n + take] = values[done:done + take]
            self._seq[self._n:self._n + take] = np.arange(self._appended, self._appended + take)
            self._n += take
            self._appended += take
            done += take
        if self._listeners and k:
            for i in range(k):
                row = {name: float(values[i]) for name, values in columns.items()}
                for listener in self._listeners:
                    listener(row)

    # ------------------------------------------------------------------ storage -----------
    def _make_room(self) -> None:
        """Room for at least one more row: grow the buffers (doubling, up to max_rows), else thin.

        Both build new buffers: a view handed out earlier keeps the old ones and never changes.
        """
        if self._n < self._cap:
            return
        if self._cap < self.max_rows:
            self._rebuild(np.arange(self._n), min(self.max_rows, max(self._initial, 2 * self._cap)))
        else:
            self._thin()

    def _rebuild(self, rows: np.ndarray, capacity: int) -> None:
        """New buffers of `capacity` rows holding the given kept rows, in order (the rest NaN)."""
        for name, col in self._cols.items():
            fresh = np.full(capacity, np.nan)
            fresh[: len(rows)] = col[rows]
            self._cols[name] = fresh
        seq = np.zeros(capacity, dtype=np.int64)
        seq[: len(rows)] = self._seq[rows]
        self._seq, self._n, self._cap = seq, len(rows), capacity

    def _thin(self) -> None:
        """Thin the rows older than the exact window until they fill at most half their share."""
        old = self._n - self.recent
        target = (self.max_rows - self.recent) // 2
        seq = self._seq[:old]
        values = [col[:old] for col in self._cols.values()]
        kept = np.arange(old)
        while True:
            keep = _extremes(seq[kept], [v[kept] for v in values], self._level)
            if keep.sum() <= target:
                kept = kept[keep]
                break
            if (seq[kept[-1]] >> self._level) == (seq[kept[0]] >> self._level):
                # one stretch holds it all and its extremes still do not fit (thousands of
                # columns): keep the evenly spaced first rows only
                kept = kept[_starts(seq[kept] >> self._level)]
                break
            kept = kept[keep]  # the extremes of a merged stretch are among its halves' extremes
            self._level += 1
        self._rebuild(np.concatenate([kept, np.arange(old, self._n)]), self._cap)

    def _column(self, name: str) -> np.ndarray:
        """The buffer of `name`, new ones all NaN: a column appearing late reads NaN before."""
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = np.full(self._cap, np.nan)
        return col

    # ------------------------------------------------------------------ reading -----------
    def views(self) -> dict[str, np.ndarray]:
        """Read-only views of every column (no copy).

        Safe to hand to another thread as an immutable snapshot: rows are only ever written past
        the end of what a view shows, and growing or thinning builds new buffers while old views
        keep the old ones, so what a view shows never changes.
        """
        return {k: self.column(k) for k in self._cols}

    def copy(self) -> dict[str, np.ndarray]:
        """Independent arrays of length len(self) for each column."""
        return {k: col[: self._n].copy() for k, col in self._cols.items()}

    def sequence(self) -> np.ndarray:
        """The sequence number (0 = first row appended) of each kept row, ascending."""
        return self._seq[: self._n].copy()

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


def _starts(groups: np.ndarray) -> np.ndarray:
    """Indices where a run of equal values in the ascending `groups` begins."""
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def _extremes(seq: np.ndarray, columns: list[np.ndarray], level: int) -> np.ndarray:
    """Mask of the rows to keep: per stretch of 2**level sequence numbers its first row and, per
    column, the first row holding the stretch's minimum and the first holding its maximum (NaN
    ignored: a stretch that is all NaN in a column adds nothing for it; ±inf count as values)."""
    m = len(seq)
    starts = _starts(seq >> level)
    counts = np.diff(np.r_[starts, m])
    keep = np.zeros(m, dtype=bool)
    keep[starts] = True
    index = np.arange(m)
    for values in columns:
        missing = np.isnan(values)
        if missing.all():
            continue
        for sign in (1.0, -1.0):  # minimum of v, then minimum of -v (the maximum)
            v = np.where(missing, np.inf, sign * values)
            low = np.repeat(np.minimum.reduceat(v, starts), counts)
            first = np.minimum.reduceat(np.where((v == low) & ~missing, index, m), starts)
            keep[first[first < m]] = True
    return keep


class RowLog:
    """The rows appended to a History since the last `take`, every one of them, as columns.

    The trainer process sends the window these increments rather than slices of its (thinned)
    history, so the window's own History sees every epoch and thins them the same way.
    """

    def __init__(self, history: History):
        self._start = history.appended
        self._rows: list[dict[str, float]] = []
        history.add_listener(lambda row: self._rows.append(dict(row)))

    def take(self) -> tuple[int, dict[str, np.ndarray]]:
        """(sequence number of the first row, the rows as float64 columns; NaN where a row lacks one)."""
        rows, self._rows = self._rows, []
        start, self._start = self._start, self._start + len(rows)
        keys = dict.fromkeys(k for row in rows for k in row)
        return start, {k: np.array([row.get(k, np.nan) for row in rows], dtype=np.float64) for k in keys}
