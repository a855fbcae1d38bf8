"""The training controller: runs the core trainer in a child process and hands the newest snapshot out.

Why it looks like this:

* **A child process, not a thread.** With the trainer on a QThread, its Python and pyqtgraph's
  painting took turns on the GIL: the 60 Hz tick p99 doubled (34-52 ms) and training ran at half
  speed, though each alone was smooth. `playground.core.remote` runs the trainer in a child with
  its own interpreter; snapshots come back as `wire` messages (arrays as raw bytes, no pickle) on a
  reader thread that only blocks on the pipe. A run is started by sending its experiment; the
  child is reused for the next run (and pooled between controllers), so only the first run pays
  for starting torch there.
* **Validation on the calling (main) thread.** The core's pre-run checks (`preflight.check_run`:
  loss, head, shapes, memory, split: what `TrainingRun` checks before building anything) run
  here, so bad input is a synchronous error (one message, state "error"), with the core's own
  message, before anything is sent. The window hands in its session's cached outcome (`checks`);
  building a whole run here for it cost the GUI thread 12-27 ms per press.
* **Coalescing with a one-slot mailbox, drained by a frame clock.** The reader drops every
  snapshot into a lock-protected slot (overwriting any older one); the window's `FrameScheduler`
  (gui/frames.py: a 60 Hz timer on the GUI thread) takes the newest one and delivers it. So the
  GUI always renders the newest state, never a backlog, and the trainer never waits for the
  display. Rendering on the clock (as a game loop does on vsync), not whenever a message happens
  to arrive, keeps each frame's work inside its own 16.7 ms: the clock stays on its grid instead
  of being pushed back by a frame drawn just before it was due.
* **Two-phase frames.** Drawing everything for a snapshot in one tick took 13-20 ms here (the
  boundary ~4 ms, the curves ~8 ms, the rest of the window more), which is a whole frame. So a
  tick that delivers a new snapshot (`snapshot_ready`, `Phase.MAIN`: the views a person watches
  most, the boundary and the network) is followed by a tick that hands the same snapshot to
  `snapshot_followup` (`Phase.FOLLOWUP`: curves, dynamics, counters), and takes no new one.
  Snapshots come every ~33 ms, so every view still shows every snapshot, and no tick carries all
  of the work. Views register with `controller.frames`.
* **Run ids.** Every run has a fresh id; the reader ignores messages from any other run, so a new
  start or a reset can never show an old run's snapshot, even if its event was already queued.
* **The last click decides.** Pause, Resume, Step and Stop show at once and the trainer follows;
  reports from before the last click never move the state back (`run_intent`).
* **torch on the main thread.** Importing torch in a thread stalled the GUI 115-171 ms; it is
  imported here at start-up, and `torch_setup.warm_up` pays torch's lazy first-optimizer import up
  front (what the trainer process does at its start, too).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch  # noqa: F401 - imported on the main thread at start-up (see above)
from PySide6.QtCore import QObject, Signal, SignalInstance

from playground.core import commands, remote, torch_setup
from playground.core.datasets.base import Dataset
from playground.core.experiment import Experiment, experiment_to_dict
from playground.core.preflight import check_run
from playground.core.run.loop import RunOptions
from playground.core.run.state import FINAL_STATES, RunState
from playground.core.snapshot import Snapshot
from playground.core.speed import Pace
from playground.gui.frames import FrameScheduler
from playground.gui.run_intent import RunIntent
from playground.gui.trainer_link import EndedModel, ProcessWatch, RunFailed, edit_refusal, exit_text
from playground.gui.trainer_link import RemoteInputError as _RemotePlaygroundError

_ACTIVE = frozenset({RunState.RUNNING, RunState.PAUSED})
user_message = remote.failure_text


class _Mailbox:
    """A one-snapshot slot shared by the worker (put) and the GUI (take)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None

    def put(self, snap: Snapshot) -> None:
        """Store `snap`, replacing one the frame clock has not taken yet."""
        with self._lock:
            self._snap = snap

    def take(self) -> Snapshot | None:
        with self._lock:
            snap, self._snap = self._snap, None
        return snap


class TrainingController(QObject):
    """Owns the training process: start, pause/resume/step/stop, live learning rate, shutdown.

    `state` follows the snapshots that answer the last click (what the trainer really did), so the
    GUI never shows "paused" while a running snapshot is still on its way; `intent` is what the
    person last asked for, shown at once.
    """

    state_changed = Signal(str)
    responding_changed = Signal(bool)  # the trainer process went silent (False) or spoke again (True)
    error = Signal(str)
    run_started = Signal(int)
    _ended = Signal(int, str, bool)  # from the reader thread: wire run, error message, expected error

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        torch_setup.warm_up()  # on the main thread, before any run (torch imported here, not in a thread)
        self._ended.connect(self._on_ended)
        self._mailbox = _Mailbox()
        self.frames = FrameScheduler(self._on_frame, self)  # delivers the newest snapshot once per frame
        self._run_id = 0
        # (wire id, assembler) of the current run; replaced as a whole so the reader sees one or the other
        self._current: tuple[int, remote.RunAssembler] | None = None
        self.ended = EndedModel(self._deliver, self)  # the ended run's model, kept for edits
        self._state = RunState.IDLE
        self.request = RunIntent(self)  # the last click and whether the trainer has taken it
        self._latest: Snapshot | None = None
        self._last_start: tuple[Experiment, Dataset | None, RunOptions] | None = None
        self.last_exception: BaseException | None = None  # for tests and logs; users see `error`
        self._watched: tuple[str, int] | None = None  # survives restarts, like a debugger watch
        self.watch = ProcessWatch(self)
        self.watch.changed.connect(self.responding_changed)
        self._proc: remote.TrainerProcess | None = remote.acquire(self._on_message)  # warm by first Train
        # Raises what a run of (experiment, dataset) would be refused with; the window's session caches it
        self.checks: Callable[[Experiment, Dataset | None], object] = check_run

    # ------------------------------------------------------------------ properties --------
    @property
    def snapshot_ready(self) -> SignalInstance:
        """The newest Snapshot of the current run (phase 1 of its frame)."""
        return self.frames.ready

    @property
    def snapshot_followup(self) -> SignalInstance:
        """The same Snapshot one frame later, for the secondary views (phase 2)."""
        return self.frames.followup

    @property
    def state(self) -> RunState:
        return self._state

    @property
    def latest(self) -> Snapshot | None:
        """The last snapshot delivered for the current run (None after reset)."""
        return self._latest

    @property
    def run_id(self) -> int:
        return self._run_id

    @property
    def responding(self) -> bool:
        """False while the active run's trainer process has been silent for a few seconds (stopped by
        the system, or starved of CPU); the state is still the run's last, it resumes if the process does."""
        return self.watch.responding

    @property
    def is_active(self) -> bool:
        """True while a run can still train (running or paused)."""
        return self._current is not None and self._state in _ACTIVE

    @property
    def intent(self) -> RunState:
        """The last request to the active run: running, paused, stepping or stopping (else the state)."""
        return self.request.wanted if self.is_active else self._state

    # ------------------------------------------------------------------ run control -------
    def start(self, experiment: Experiment, dataset: Dataset | None = None,
              options: RunOptions | None = None) -> bool:
        """Stop any current run, validate and start a new one. False if it could not start.

        The trainer process rebuilds the data from `experiment` (generators are seeded, CSV files
        re-read); `dataset` only spares validation a reload.
        """
        options = options if options is not None else RunOptions()
        self._retire()
        self._latest = None
        self._run_id += 1
        self._last_start = (experiment, dataset, options)
        try:
            self.checks(experiment, dataset)  # the core's own checks, synchronously
        except Exception as exc:  # construction errors share the one error path
            self._fail(exc)
            return False
        wire_id = remote.new_run_id()
        self._current = (wire_id, remote.RunAssembler(options.history_rows))
        proc = self._process()
        proc.start_run(wire_id, experiment_to_dict(experiment), dataclasses.asdict(options))
        if self._watched is not None:
            proc.command(wire_id, commands.WatchParameter(*self._watched))
        self.frames.start()
        self.request.start(options.start_paused)
        self._set_state(RunState.PAUSED if options.start_paused else RunState.RUNNING)
        self.run_started.emit(self._run_id)
        return True

    def pause(self) -> None:
        """Pause within one slice, dropping any queued steps."""
        self._control(commands.Pause(), RunState.PAUSED)

    def resume(self) -> None:
        self._control(commands.Resume(), RunState.RUNNING)

    def toggle(self) -> None:
        """Space: pause a run that trains or steps, resume a paused one (as the last click left it,
        not the last report), or start the last experiment again."""
        if self.is_active:
            if self.request.wanted in (RunState.RUNNING, RunState.STEPPING):
                self.pause()
            elif self.request.wanted == RunState.PAUSED:
                self.resume()
        elif self._last_start is not None:
            experiment, dataset, options = self._last_start
            self.start(experiment, dataset, replace(options, start_paused=False))

    def step_epoch(self) -> None:
        """Train exactly one epoch, then stay paused.

        A running run is paused by the step itself; with no active run the last experiment starts
        paused and steps, so Step works from idle and after a finished run the way Train does.
        Presses add up, one epoch each, until Pause or Stop drops those not done.
        """
        if self._paused_run():
            self._control(commands.StepEpoch(), RunState.STEPPING)

    def step_batch(self) -> None:
        """Do exactly one optimizer step, then stay paused (starts the last experiment if idle)."""
        if self._paused_run():
            self._control(commands.StepBatch(), RunState.STEPPING)

    def _paused_run(self) -> bool:
        """An active run that may step (from idle the last experiment starts paused); False if none."""
        if not self.is_active:
            if self._last_start is None:
                return False
            experiment, dataset, options = self._last_start
            if not self.start(experiment, dataset, replace(options, start_paused=True)):
                return False
        return self.request.wanted != RunState.STOPPING

    def stop(self) -> None:
        """Stop within one slice; the final snapshot (state "stopped") keeps the results on screen."""
        self._control(commands.Stop(), RunState.STOPPING)

    def reset(self) -> None:
        """Stop and forget the run: no more snapshots from it, state idle, no latest snapshot."""
        self._retire()
        self._run_id += 1
        self._latest = None
        self._set_state(RunState.IDLE)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate of the running trainer from its next step on."""
        self._command(commands.SetLearningRate(float(lr)))

    def set_pace(self, pace: Pace) -> None:
        """How fast the running trainer goes from now on (`core.speed`); a new run takes the experiment's."""
        self._command(commands.SetPace(pace.per_second, pace.unit))

    def set_parameter(self, key: str, index: int, value: float) -> str:
        """Overwrite one weight (state-dict key, flat index) of the live model before its next step, or
        of the one an ended run left (`EndedModel`). "" when sent, else why it could not be."""
        run = self._current or self.ended.run  # a run that ended but has not said so yet: still its id
        edit = commands.SetParameter(key, int(index), float(value))
        sent = run is not None and self._proc is not None and self._proc.command(run[0], edit)
        return "" if sent else edit_refusal(self._state)

    def edit_refusal(self) -> str:
        """Why a typed weight could reach no model now ("" when it can)."""
        return "" if self._current or self.ended.run else edit_refusal(self._state)

    def watch_parameter(self, key: str | None, index: int = 0) -> None:
        """Ask the trainer to record the optimizer's arithmetic for one weight (None stops)."""
        self._watched = None if key is None else (key, index)
        self._command(commands.WatchParameter(key, int(index)))

    def set_feature_sample(self, index: int) -> None:
        """Choose the test image whose conv feature maps the snapshots carry."""
        self._command(commands.SetFeatureSample(int(index)))

    def shutdown(self) -> bool:
        """Stop the run and give the trainer process back (window close). True: nothing is left running.

        Nothing here waits: the child finishes its run by itself and waits, pooled, for the next
        controller; the pool is closed at exit.
        """
        self._retire()
        self._run_id += 1
        proc, self._proc = self._proc, None
        if proc is not None:
            remote.release(proc)
        return True

    # ------------------------------------------------------------------ internals ---------
    def _process(self) -> remote.TrainerProcess:
        if self._proc is None or not self._proc.alive or not self._proc.responding:
            if self._proc is not None:
                self._proc.kill()
            self._proc = remote.acquire(self._on_message)
        return self._proc

    def _command(self, command: commands.Command) -> bool:
        if self.is_active and self._proc is not None:
            return self._proc.command(self._current[0], command)  # False: the process is gone
        return False

    def _control(self, command: commands.Command, wanted: RunState) -> None:
        """Send a pause/resume/step/stop; the run is to end up `wanted` (shown at once)."""
        if self._command(command):
            self.request.asked(wanted)

    def _retire(self) -> None:
        """Forget the current run (its late messages no longer match) and ask the child to stop it."""
        current, self._current = self._current, None
        self.ended.release(self._proc)
        self.frames.stop()
        self.watch.reset()
        self._mailbox.take()
        if current is not None and self._proc is not None:
            self._proc.command(current[0], commands.Stop())

    # Runs on the trainer process's reader thread: only hands data over.
    def _on_message(self, msg: dict[str, Any]) -> None:
        current = self._current
        op = msg["op"]
        try:
            if op == "exit":
                self.ended.run = None  # its model went with the process
                if current is not None:
                    self._ended.emit(current[0], exit_text(msg["code"], msg.get("error", "")), False)
                return
            if current is None or msg.get("run") != current[0]:
                return self.ended.take(msg)
            if op == "snapshot":
                self._mailbox.put(current[1].add(msg))
            elif op == "ended":
                self._ended.emit(current[0], msg["error"], msg["expected"])
        except RuntimeError:  # the controller was deleted while a message was on its way
            pass

    def _on_frame(self) -> None:
        """A tick with no phase 2 due: the newest snapshot, if any."""
        self.watch.tick(self._proc)
        if self._current is None:
            self.frames.stop()
        else:
            self._deliver(self._mailbox.take())

    def _deliver(self, snap: Snapshot | None) -> None:
        if snap is None:
            return
        run_id = self._run_id
        self._latest = snap
        self.frames.show(snap)
        if run_id != self._run_id:
            return  # a slot started or reset a run: this snapshot's state is no longer news
        if snap.state != RunState.RUNNING:
            self.frames.flush()  # a pause or the end is one event, not a stream: all views at once
            if run_id != self._run_id:
                return
        if self.request.answers(snap):  # else stale: sent before the trainer took the last click
            self._set_state(snap.state)
        if snap.state == RunState.DIVERGED and snap.message and run_id == self._run_id:
            self.error.emit(snap.message)

    def _on_ended(self, wire_id: int, message: str, expected: bool) -> None:
        if self._current is None or wire_id != self._current[0]:
            return
        run_id = self._run_id
        self.frames.flush()
        self._deliver(self._mailbox.take())  # the final snapshot, if the clock has not taken it yet
        if run_id != self._run_id:
            return
        self.frames.flush()  # no more frames: the secondary views get the final snapshot now
        if run_id != self._run_id:
            return
        self._current, self.ended.run = None, None if message else self._current  # the process keeps it
        self.frames.stop()
        self.watch.reset()
        if message:
            self._fail(_RemotePlaygroundError(message) if expected else RunFailed(message))
        elif self._state not in FINAL_STATES:
            self._set_state(self._latest.state if self._latest is not None else RunState.IDLE)

    def _fail(self, exc: BaseException) -> None:
        """The one error path: state "error" and one message (already worded if from the child)."""
        self.last_exception = exc
        self._set_state(RunState.ERROR)
        remote_error = isinstance(exc, (RunFailed, _RemotePlaygroundError))
        self.error.emit(str(exc) if remote_error else user_message(exc))

    def _set_state(self, state: RunState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
