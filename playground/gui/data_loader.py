"""The one background loader of data sets: the window never builds data on its GUI thread.

A 10^6-row CSV took 38 s and a million generated points 26 s on the GUI thread, with the window
frozen. Every data set the window uses is now requested here (`DataLoader.request`), and the
answer comes back by signal:

* **Where the work runs.** The person's CSV file is read by a child process (`core.dataload`:
  the reader is Python and, on a thread of this process, held the GIL for seconds); built-in sets
  are built by numpy on a thread, which leaves the GIL to the window most of the time. A generated
  2-D/1-D set of up to `INLINE_SAMPLES` is built on the spot (a few milliseconds, less than a
  thread's hand-over), so small edits stay synchronous.
* **One request at a time, the newest wins.** A new request cancels the one in flight; every job
  reports through its own signals, disconnected when it is cancelled, so a stale result can never
  land (STYLE 9).
* **Cancel = disconnect, ask to stop, wait with a timeout.** Asking to stop kills a CSV child (its
  CPU and memory come back at once); a numpy build cannot be interrupted, finishes within a second
  or two and its result is dropped. Only shutdown waits (`shutdown(timeout_ms)`), so Cancel never
  freezes the window and closing it never hangs. A new request starts when a cancelled build's
  thread has ended, so scrolling the noise of a million points never runs ten builds at once.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QLocale, QObject, Signal

from playground.core import dataload
from playground.core.datasets import DATASETS, LINE1D, POINTS2D, load_dataset
from playground.core.datasets.base import Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import DataSpec

log = logging.getLogger(__name__)

INLINE_SAMPLES = 10_000  # generated sets up to this size: built on the spot (~10 ms at most here)
RECENT_SETS = 4  # data sets kept by RecentData, within RECENT_BYTES (the current one always)
RECENT_BYTES = 256 << 20
DataKey = tuple[DataSpec, int]  # (data spec, seed): what a data set is a function of


def _tr(text: str) -> str:
    return QCoreApplication.translate("DataLoader", text)


def _number(n: int) -> str:
    return QLocale().toString(int(n))


def is_csv(spec: DataSpec) -> bool:
    return spec.dataset == "csv"


def is_inline(spec: DataSpec) -> bool:
    """Whether `spec` is cheap enough to build on the GUI thread (a small generated set)."""
    entry = DATASETS.get(spec.dataset)
    kind = entry.kind if entry is not None else None
    return kind in (POINTS2D, LINE1D) and spec.samples <= INLINE_SAMPLES


def describe(spec: DataSpec) -> str:
    """What a person is waiting for, in a few words ("Generating 1,000,000 samples of Circle…")."""
    entry = DATASETS.get(spec.dataset)
    if is_csv(spec):
        return _tr("Reading {file}…").format(file=Path(str(spec.params.get("path", ""))).name)
    if entry is not None and entry.kind in (POINTS2D, LINE1D):
        return _tr("Generating {count} samples of {name}…").format(count=_number(spec.samples),
                                                                   name=entry.label)
    return _tr("Loading {name}…").format(name=entry.label if entry is not None else spec.dataset)


def load_failure(exc: BaseException) -> str:
    """One sentence for a person: the core's message for bad data, the type for a bug."""
    if isinstance(exc, PlaygroundError):
        return " ".join(str(exc).split())
    if isinstance(exc, MemoryError):
        return _tr("Out of memory while loading the data: use a smaller file or fewer samples.")
    return _tr("Loading the data failed ({error}).").format(error=f"{type(exc).__name__}: {exc}")


class LoadJob(QObject):
    """One request on its own daemon thread; reports `progress` and then `done` (see the signals)."""

    # Each carries the job itself, so the loader can tell a superseded job's queued answer.
    progress = Signal(object, str)
    done = Signal(object, object, str)  # job, Dataset | None, "" or the sentence naming the problem
    ended = Signal(object)  # job: its thread is about to return (also when it was stopped)

    def __init__(self, spec: DataSpec, seed: int):
        super().__init__()
        self.spec, self.seed = spec, seed
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._proc = None
        self.last_exception: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="data-loader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    @property
    def running(self) -> bool:
        """Whether its thread has started and not yet ended."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Ask the job to stop: a child is killed now; a numpy build runs out and is ignored."""
        self._stop.set()
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def wait(self, timeout_s: float) -> bool:
        """True when the job's thread has ended within `timeout_s` (or never started)."""
        if self.started:
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -------------------------------------------------------------- on the job's thread ---------
    def _run(self) -> None:
        try:
            ds = self._from_child() if is_csv(self.spec) else load_dataset(self.spec, self.seed)
        except Exception as exc:  # noqa: BLE001 - one error path: every failure becomes a sentence
            if not isinstance(exc, PlaygroundError):
                self.last_exception = exc
                log.exception("loading %s failed", self.spec.dataset)
            ds, error = None, load_failure(exc)
        else:
            error = ""
        if not self._stop.is_set():
            self.done.emit(self, ds, error)
        self.ended.emit(self)

    def _from_child(self) -> Dataset | None:
        proc = dataload.start_child()
        with self._lock:
            self._proc = proc
        try:
            if self._stop.is_set():
                proc.kill()
                return None
            dataload.write_message(proc.stdin, dataload.spec_message(self.spec, self.seed))
            proc.stdin.close()
            return self._answer(proc)
        except (BrokenPipeError, ValueError, OSError):
            if self._stop.is_set():
                return None
            raise
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()

    def _answer(self, proc) -> Dataset | None:
        path = Path(str(self.spec.params.get("path", ""))).expanduser()
        size = path.stat().st_size if path.is_file() else 0
        limit = 16 * size + (64 << 20)  # a dataset holds at most ~4 bytes per byte of CSV text
        while (message := dataload.read_message(proc.stdout, limit)) is not None:
            op = message.get("op")
            if op == "rows":
                self.progress.emit(self, _tr("Reading {file}: {rows} rows…").format(
                    file=path.name, rows=_number(message["rows"])))
            elif op == "done":
                return dataload.dataset_from_message(message["dataset"])
            elif op == "error":
                raise PlaygroundError(str(message["message"]))
        if self._stop.is_set():
            return None
        raise PlaygroundError(_tr("The data loader stopped unexpectedly (exit status {code}).")
                              .format(code=proc.wait()))


class DataLoader(QObject):
    """Builds data sets off the GUI thread, one request at a time; see the module docstring.

    Signals carry the request's key, (spec, seed): `started(key, text)` when a background load
    begins, `progress(key, text)`, then exactly one of `loaded(key, dataset)`, `failed(key,
    message)` or `cancelled(key)`. Inline builds emit `loaded`/`failed` before `request` returns.
    """

    started = Signal(object, str)
    progress = Signal(object, str)
    loaded = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job: LoadJob | None = None
        self._key: DataKey | None = None
        self._draining: LoadJob | None = None  # a cancelled job whose thread still runs
        self._since = 0.0
        self.last_exception: BaseException | None = None  # for tests and logs; people see `failed`

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def key(self) -> DataKey | None:
        """What is being loaded now (None when idle)."""
        return self._key if self._job is not None else None

    @property
    def seconds(self) -> float:
        """How long the current load has been running."""
        return time.monotonic() - self._since if self._job is not None else 0.0

    def request(self, spec: DataSpec, seed: int) -> None:
        """Load (spec, seed), superseding any request in flight."""
        self.cancel()
        key = (spec, seed)
        if is_inline(spec):
            try:
                ds = load_dataset(spec, seed)
            except Exception as exc:  # noqa: BLE001 - the same error path as a background load
                if not isinstance(exc, PlaygroundError):
                    self.last_exception = exc
                    log.exception("loading %s failed", spec.dataset)
                self.failed.emit(key, load_failure(exc))
                return
            self.loaded.emit(key, ds)
            return
        job = LoadJob(spec, seed)
        self._job, self._key, self._since = job, key, time.monotonic()
        job.progress.connect(self._on_progress)  # queued: the slots run on the GUI thread
        job.done.connect(self._on_done)
        job.ended.connect(self._on_ended)
        self.started.emit(key, describe(spec))
        if self._draining is None:
            job.start()  # else when the cancelled job's thread has ended

    def cancel(self) -> None:
        """Drop the request in flight (if any); `cancelled` tells who waits for it."""
        job, key = self._job, self._key
        if job is None:
            return
        self._drop(job)
        self.cancelled.emit(key)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel and wait up to `timeout_ms` for the jobs' threads (window close). True: none left."""
        deadline = time.monotonic() + timeout_ms / 1000
        if self._job is not None:
            self._drop(self._job)
        draining, self._draining = self._draining, None
        return draining is None or draining.wait(max(0.0, deadline - time.monotonic()))

    def _drop(self, job: LoadJob) -> None:
        self._job = self._key = None
        job.progress.disconnect(self._on_progress)
        job.done.disconnect(self._on_done)
        job.stop()
        if job.running:
            self._draining = job

    def _on_ended(self, job: LoadJob) -> None:
        if job is not self._draining:
            return
        self._draining = None
        job.wait(1.0)  # it has emitted its last signal: only returning is left
        waiting = self._job
        if waiting is not None and not waiting.started:
            waiting.start()

    def _on_progress(self, job: LoadJob, text: str) -> None:
        if job is self._job:
            self.progress.emit(self._key, text)

    def _on_done(self, job: LoadJob, ds: Dataset | None, error: str) -> None:
        if job is not self._job:
            return  # a superseded job's answer, queued before it was disconnected
        key = self._key
        self._job = self._key = None
        job.wait(1.0)  # it has emitted its last signal: only returning is left
        if job.last_exception is not None:
            self.last_exception = job.last_exception
        if ds is None:
            self.failed.emit(key, error or _tr("The data could not be loaded."))
        else:
            self.loaded.emit(key, ds)


def _nbytes(ds: Dataset) -> int:
    return sum(v.nbytes for f in dataclasses.fields(ds) if isinstance(v := getattr(ds, f.name), np.ndarray))


class RecentData:
    """The last few data sets by (spec, seed), most recent last, within a memory budget.

    A list, not a dict: a DataSpec holds a mapping, so it compares but does not hash.
    """

    def __init__(self, max_sets: int = RECENT_SETS, max_bytes: int = RECENT_BYTES):
        self._items: list[tuple[DataKey, Dataset]] = []
        self._max_sets, self._max_bytes = max_sets, max_bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._items)

    def get(self, key: DataKey) -> Dataset | None:
        return next((ds for k, ds in self._items if k == key), None)

    def touch(self, key: DataKey) -> None:
        """Make `key` the most recent."""
        found = [item for item in self._items if item[0] == key]
        self._items = [item for item in self._items if item[0] != key] + found

    def add(self, key: DataKey, ds: Dataset, keep: DataKey | None = None) -> None:
        """Remember `ds`; forget the oldest sets over the budget, never `key` or `keep`."""
        self._items = [item for item in self._items if item[0] != key] + [(key, ds)]
        total = sum(_nbytes(d) for _, d in self._items)
        for old, d in list(self._items):
            if len(self._items) <= self._max_sets and total <= self._max_bytes:
                break
            if old != key and old != keep:
                self._items = [item for item in self._items if item[0] != old]
                total -= _nbytes(d)
