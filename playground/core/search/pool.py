"""Worker processes for a sweep: each runs one trial at a time, and the pool knows which one.

Why not concurrent.futures.ProcessPoolExecutor: when one of its workers dies, the whole pool is
broken and every running future fails, so a killed worker could not be reported as the one trial
it was running while the others go on. Here each worker is a child process
(`python -m playground.core.search.worker`, as the app's trainer process is started) with its own
pipes; the pool knows which trial each one holds, a worker that dies fails exactly that trial,
and a fresh worker takes its place. Messages are JSON lines (no pickle); `close` kills them all.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

from playground.core.errors import PlaygroundError
from playground.core.search.worker import THREAD_VARS

WORKER = ("-m", "playground.core.search.worker")  # after the Python executable
MAX_STARTS_LOST = 3  # workers in a row that die before their first trial: they cannot start here


def worker_env() -> dict[str, str]:
    """This package importable in the child (from the file's own tree), one BLAS thread."""
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env.update({name: "1" for name in THREAD_VARS})
    return env


class Worker:
    """One child process and the task it is running (None when idle)."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, *WORKER], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.task: dict[str, Any] | None = None
        self.ready = False
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, task: dict[str, Any]) -> None:
        self.task = task
        self.proc.stdin.write((json.dumps(task, allow_nan=False) + "\n").encode())
        self.proc.stdin.flush()

    def read(self) -> list[dict[str, Any]] | None:
        """The complete messages that arrived; None once the process has gone (end of its output)."""
        chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
        if not chunk:
            return None
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def kill(self) -> None:
        with suppress(OSError):
            self.proc.kill()
        with suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        for f in (self.proc.stdin, self.proc.stdout):
            with suppress(OSError):
                f.close()


class Pool:
    """`size` workers; `poll` hands back (worker, message) pairs, with message None for a death."""

    def __init__(self, size: int):
        self._env = worker_env()
        self._selector = selectors.DefaultSelector()
        self.workers: list[Worker] = []
        self._lost = 0  # workers in a row that died before they were ever ready
        for _ in range(size):
            self._add()

    def _add(self) -> Worker:
        worker = Worker(self._env)
        self.workers.append(worker)
        self._selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
        return worker

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.ready and w.task is None]

    @property
    def busy(self) -> bool:
        return any(w.task is not None for w in self.workers)

    def poll(self, timeout: float) -> Iterator[tuple[Worker, dict[str, Any] | None]]:
        for key, _ in self._selector.select(timeout):
            worker: Worker = key.data
            messages = worker.read()
            if messages is None:
                self.replace(worker)
                yield worker, None
                continue
            for message in messages:
                if message.get("type") == "ready":
                    worker.ready = True
                    self._lost = 0
                elif message.get("type") == "result":
                    worker.task = None
                yield worker, message

    def replace(self, worker: Worker) -> None:
        """A worker that died: gone from the pool, a fresh one in its place (PlaygroundError when
        workers keep dying before they are ready: Python or torch cannot start in them)."""
        self._selector.unregister(worker.proc.stdout)
        self.workers.remove(worker)
        worker.kill()
        self._lost = 0 if worker.ready else self._lost + 1
        if self._lost >= MAX_STARTS_LOST:
            raise PlaygroundError(f"the sweep's worker processes end before they start (exit status "
                                  f"{worker.proc.returncode}); try --workers 0 to run trials in this process")
        self._add()

    def close(self) -> None:
        """Kill every worker and wait for each (a few ms: nothing is left behind)."""
        for worker in self.workers:
            with suppress(KeyError, ValueError):
                self._selector.unregister(worker.proc.stdout)
            worker.kill()
        self.workers.clear()
        self._selector.close()


__all__ = ["Pool", "Worker", "worker_env"]
