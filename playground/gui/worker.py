"""The training controller: runs the core trainer on a QThread and hands the newest snapshot out.

Why it looks like this:

* **Coalescing with a one-slot mailbox.** The worker thread drops every snapshot into a
  lock-protected slot (overwriting any older one) and posts a queued signal only when the slot was
  empty. So at most one delivery event per run sits in the GUI's queue, however slow a frame is,
  and the GUI always renders the newest state; the trainer never waits for the display
  (steps per second do not depend on frame rate). A polling QTimer would do the same, but would
  add up to one timer period of latency and wake the GUI when nothing happened.
* **Construction on the calling (main) thread.** `TrainingRun(...)` loads data and builds the
  model in milliseconds, so building it synchronously makes bad input a synchronous error (one
  message, state "error") and lets pause/step/lr calls made right after `start` reach a run object
  that already exists.
* **Cancel = disconnect, ask to stop, wait with a timeout** (Orange's concurrent utils). Each run
  has an id; the delivery slot ignores anything not from the current run, so a new start or a
  reset can never show an old run's snapshot, even if its event was already queued.
* **torch on the main thread.** Importing torch inside the worker stalled the GUI 115-171 ms (the
  import holds the GIL); the trainer module imports it here, on the importing (main) thread, and
  `prepare_torch` pays torch's lazy first-optimizer import up front. Intra-op threads are set to
  one: tiny-net steps are steadier, and with two threads on a busy 2-core machine a headless run
  was several times slower (OpenMP threads waiting for each other); the window keeps a core.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import replace

import torch
from PySide6.QtCore import QObject, QThread, Signal

from playground.core.datasets.base import Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.snapshot import DIVERGED, FINAL_STATES, PAUSED, RUNNING, Snapshot
from playground.core.trainer import RunOptions, TrainingRun

log = logging.getLogger(__name__)

IDLE, ERROR = "idle", "error"
_ACTIVE = frozenset({RUNNING, PAUSED})
_torch_ready = False
# Threads that would not stop in time at shutdown: kept referenced so Qt never destroys a running
# QThread (which aborts the process); the process exit ends them.
_orphans: list[QThread] = []


def prepare_torch() -> None:
    """Once, on the main thread, before any run: one intra-op thread, and torch's lazy imports done.

    The first `torch.optim` optimizer imports torch._dynamo (measured 1.2-3.3 s here); building
    the first run on the main thread would freeze the window that long on the first Train press,
    so a throw-away optimizer step pays it here, at start-up, where a wait is expected.
    """
    global _torch_ready
    if _torch_ready:
        return
    torch.set_num_threads(1)
    weight = torch.zeros(2, 1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.1)
    (torch.ones(3, 2) @ weight).sum().backward()
    optimizer.step()
    _torch_ready = True


def user_message(exc: BaseException) -> str:
    """One line for a person: the core's own message for expected errors, the type for bugs."""
    if isinstance(exc, PlaygroundError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "Out of memory: try a smaller network, fewer samples or a smaller batch."
    else:
        text = f"Training failed ({type(exc).__name__}: {exc})"
    return " ".join(text.split())


class _Mailbox:
    """A one-snapshot slot shared by the worker (put) and the GUI (take)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None

    def put(self, snap: Snapshot) -> bool:
        """Store `snap`, replacing an undelivered one; True if the GUI must be told (slot was empty)."""
        with self._lock:
            was_empty = self._snap is None
            self._snap = snap
        return was_empty

    def take(self) -> Snapshot | None:
        with self._lock:
            snap, self._snap = self._snap, None
        return snap


class _RunThread(QThread):
    """Iterates one run's snapshot generator; signals carry the run id so stale ones are ignored."""

    posted = Signal(int)  # a snapshot waits in the mailbox
    ended = Signal(int, str)  # run id, error message ("" when the run ended normally)

    def __init__(self, run: TrainingRun, run_id: int, parent: QObject | None = None):
        super().__init__(parent)
        self.training = run
        self.run_id = run_id
        self.mailbox = _Mailbox()
        self.exception: BaseException | None = None

    def run(self) -> None:  # noqa: D102 - QThread API
        message = ""
        try:
            for snap in self.training.snapshots():
                if self.mailbox.put(snap):
                    self.posted.emit(self.run_id)
        except Exception as exc:  # one error path: every failure becomes a message on the GUI side
            self.exception = exc
            message = user_message(exc)
            if not isinstance(exc, PlaygroundError):
                log.error("training run %d failed:\n%s", self.run_id, traceback.format_exc())
        self.ended.emit(self.run_id, message)


class TrainingController(QObject):
    """Owns the training thread: start, pause/resume/step/stop, live learning rate, shutdown.

    State follows the snapshots (what the trainer really did), so the GUI never shows "paused"
    while a stale running snapshot is still on its way.
    """

    snapshot_ready = Signal(object)  # the newest Snapshot of the current run
    state_changed = Signal(str)
    error = Signal(str)
    run_started = Signal(int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        prepare_torch()
        self._thread: _RunThread | None = None
        self._run_id = 0
        self._state = IDLE
        self._latest: Snapshot | None = None
        self._last_start: tuple[Experiment, Dataset | None, RunOptions] | None = None
        self.last_exception: BaseException | None = None  # for tests and logs; users see `error`
        self._watched: tuple[str, int] | None = None  # survives restarts, like a debugger watch

    # ------------------------------------------------------------------ properties --------
    @property
    def state(self) -> str:
        return self._state

    @property
    def latest(self) -> Snapshot | None:
        """The last snapshot delivered for the current run (None after reset)."""
        return self._latest

    @property
    def run_id(self) -> int:
        return self._run_id

    @property
    def is_active(self) -> bool:
        """True while a run can still train (running or paused)."""
        return self._thread is not None and self._state in _ACTIVE

    # ------------------------------------------------------------------ run control -------
    def start(self, experiment: Experiment, dataset: Dataset | None = None,
              options: RunOptions | None = None) -> bool:
        """Stop any current run, build a new one and start its thread. False if it could not start."""
        options = options if options is not None else RunOptions()
        self._retire()
        self._latest = None
        self._run_id += 1
        self._last_start = (experiment, dataset, options)
        try:
            run = TrainingRun(experiment, options, dataset)
        except Exception as exc:  # construction errors share the one error path
            self._fail(exc)
            return False
        if self._watched is not None:
            run.watch_parameter(*self._watched)
        thread = _RunThread(run, self._run_id, self)
        thread.posted.connect(self._on_posted)
        thread.ended.connect(self._on_ended)
        self._thread = thread
        self._set_state(PAUSED if options.start_paused else RUNNING)
        self.run_started.emit(self._run_id)
        thread.start()
        return True

    def pause(self) -> None:
        if self.is_active:
            self._thread.training.pause()

    def resume(self) -> None:
        if self.is_active:
            self._thread.training.resume()

    def toggle(self) -> None:
        """Space: pause a running run, resume a paused one, or start the last experiment again."""
        if self._state == RUNNING and self.is_active:
            self.pause()
        elif self._state == PAUSED and self.is_active:
            self.resume()
        elif self._last_start is not None:
            experiment, dataset, options = self._last_start
            self.start(experiment, dataset, replace(options, start_paused=False))

    def step_epoch(self) -> None:
        """Train exactly one epoch, then stay paused.

        A running run is paused first; with no active run the last experiment starts paused and
        steps, so Step works from idle and after a finished run the way Train does.
        """
        run = self._paused_run()
        if run is not None:
            run.step_epoch()

    def _paused_run(self) -> TrainingRun | None:
        """The active run, paused; from idle the last experiment is started paused. None if none."""
        if not self.is_active:
            if self._last_start is None:
                return None
            experiment, dataset, options = self._last_start
            if not self.start(experiment, dataset, replace(options, start_paused=True)):
                return None
        run = self._thread.training
        if self._state == RUNNING:
            run.pause()
        return run

    def stop(self) -> None:
        """Ask the run to stop; its final snapshot (state "stopped") keeps the results on screen."""
        if self.is_active:
            self._thread.training.stop()

    def reset(self) -> None:
        """Stop and forget the run: no more snapshots from it, state idle, no latest snapshot."""
        self._retire()
        self._run_id += 1
        self._latest = None
        self._set_state(IDLE)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate of the running trainer from its next step on."""
        if self.is_active:
            self._thread.training.set_learning_rate(lr)

    def step_batch(self) -> None:
        """Do exactly one optimizer step, then stay paused (starts the last experiment if idle)."""
        run = self._paused_run()
        if run is not None:
            run.step_batch()

    def set_parameter(self, key: str, index: int, value: float) -> None:
        """Overwrite one weight of the live model (state-dict key, flat index) before its next step."""
        if self.is_active:
            self._thread.training.set_parameter(key, index, value)

    def watch_parameter(self, key: str | None, index: int = 0) -> None:
        """Ask the trainer to record the optimizer's arithmetic for one weight (None stops)."""
        self._watched = None if key is None else (key, index)
        if self.is_active:
            self._thread.training.watch_parameter(key, index)

    def set_feature_sample(self, index: int) -> None:
        """Choose the test image whose conv feature maps the snapshots carry."""
        if self.is_active:
            self._thread.training.set_feature_sample(index)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop and join the training thread (window close). True if no thread is left running."""
        ok = self._retire(timeout_ms)
        self._run_id += 1
        return ok

    # ------------------------------------------------------------------ internals ---------
    def _retire(self, timeout_ms: int = 2000) -> bool:
        """Disconnect the current thread, ask its run to stop, wait for it. True if it ended."""
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        for signal in (thread.posted, thread.ended):
            signal.disconnect()
        thread.training.stop()
        finished = thread.wait(timeout_ms)
        if finished:
            thread.setParent(None)
            thread.deleteLater()
        else:
            log.warning("training thread did not stop within %d ms", timeout_ms)
            thread.setParent(None)
            _orphans.append(thread)  # never destroy a running QThread (Qt aborts)
        return finished

    def _on_posted(self, run_id: int) -> None:
        if run_id == self._run_id and self._thread is not None:
            self._deliver(self._thread.mailbox.take())

    def _deliver(self, snap: Snapshot | None) -> None:
        if snap is None:
            return
        run_id = self._run_id
        self._latest = snap
        self.snapshot_ready.emit(snap)
        if run_id != self._run_id:
            return  # a slot started or reset a run: this snapshot's state is no longer news
        self._set_state(snap.state)
        if snap.state == DIVERGED and snap.message and run_id == self._run_id:
            self.error.emit(snap.message)

    def _on_ended(self, run_id: int, message: str) -> None:
        thread = self._thread
        if run_id != self._run_id or thread is None:
            return
        self._deliver(thread.mailbox.take())  # the final snapshot, if its event has not come yet
        if run_id != self._run_id:
            return
        if message:
            self._fail(thread.exception or RuntimeError(message))
        elif self._state not in FINAL_STATES:
            self._set_state(self._latest.state if self._latest is not None else IDLE)

    def _fail(self, exc: BaseException) -> None:
        self.last_exception = exc
        self._set_state(ERROR)
        self.error.emit(user_message(exc))

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
