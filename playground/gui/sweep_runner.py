"""A sweep seen from the window: core.search.Sweep's events consumed on a QThread, posted as signals.

The thread only reads `Sweep.events()` (the worker processes do the training) and forwards what
the window shows: each trial starting and finishing at once, progress coalesced to the newest
figures per trial at most every PROGRESS_EVERY seconds (workers report four times a second each,
the table needs no more). `stop()` is Sweep.stop: no new trials, the running ones end with their
workers (the pool kills and reaps them), then the thread ends and `done` carries the summary.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from playground.core.errors import failure_text

PROGRESS_EVERY = 0.25  # seconds between progress signals
WORKER_NICE = 10  # workers below the window's priority: W workers on W cores stay smooth to watch


def lower_priority(pid: int) -> None:
    """Lower a worker's scheduling priority (where the platform allows; the sweep is no slower
    when the window is idle, and the window keeps its frame rate when it is not)."""
    if pid == os.getpid():
        return  # trials in this process: never lower the window's own priority
    with suppress(OSError, AttributeError):  # gone already; no setpriority on Windows
        nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE)
        if os.getpriority(os.PRIO_PROCESS, pid) < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)


class _Consumer(QThread):
    event = Signal(object)  # dict: a "started" or "result" event, or a list of coalesced "progress" ones
    failed = Signal(str)

    def __init__(self, sweep: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.sweep = sweep

    def run(self) -> None:  # the thread's body
        pending: dict[int, dict[str, Any]] = {}
        last = 0.0
        try:
            for event in self.sweep.events():
                if event["type"] == "progress":
                    pending[event["number"]] = event
                    if time.monotonic() - last < PROGRESS_EVERY:
                        continue
                    last = time.monotonic()
                    self.event.emit({"type": "progress", "trials": list(pending.values())})
                    pending.clear()
                    continue
                if event["type"] == "result":
                    pending.pop(event["number"], None)
                self.event.emit(event)
        except Exception as e:  # noqa: BLE001 - workers that cannot start, a storage error: one sentence
            self.failed.emit(failure_text(e))


class SweepRunner(QObject):
    """Runs one sweep at a time off the GUI thread; `started`/`progress`/`result` per trial."""

    started = Signal(dict)  # {"number", "params", "pid"}
    progress = Signal(dict)  # {"number", "epoch", "val_loss"}
    result = Signal(dict)  # a finished trial: {"number", "params", "state", "val_loss", ...}
    done = Signal(dict)  # the sweep's summary (also after Stop)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.sweep: Any = None
        self._thread: _Consumer | None = None
        self.pids: list[int] = []

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, sweep: Any) -> None:
        """Run `sweep` (a core.search.sweep.Sweep, already checked) on a thread of its own."""
        if self.running:
            raise RuntimeError("a sweep is already running")
        self.sweep, self.pids = sweep, []
        self._thread = _Consumer(sweep, self)
        self._thread.event.connect(self._on_event)
        self._thread.failed.connect(self.failed)
        self._thread.finished.connect(self._on_finished)
        self._thread.start()

    def stop(self) -> None:
        """No new trials; the running ones end with their workers (done follows within ~2 s)."""
        if self.sweep is not None:
            self.sweep.stop()

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "progress":
            for figures in event["trials"]:
                self.progress.emit(figures)
        elif kind == "started":
            self.pids.append(event["pid"])
            lower_priority(event["pid"])
            self.started.emit(event)
        elif kind == "result":
            self.result.emit({k: v for k, v in event.items() if k != "type"})

    def _on_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.deleteLater()
        if self.sweep is not None:
            self.done.emit(self.sweep.summary())

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop and wait for the thread (the window is closing); True when nothing is left running."""
        self.stop()
        thread = self._thread
        return thread is None or thread.wait(timeout_ms)


__all__ = ["PROGRESS_EVERY", "SweepRunner"]
