"""Training in a child process: the window's interpreter never shares a GIL with the trainer.

Why a process: in one process, the trainer thread's Python (one torch call after another) and
pyqtgraph's Python painting took turns on the GIL; each alone was smooth (GUI tick p99 ~17 ms while
training with nothing drawn; a frame's drawing ~2-4 ms), together the tick p99 doubled and the
trainer ran at half speed. A child process has its own interpreter and core, so neither waits.

The child (``python -m playground.core.remote``) trains runs one after another. Its stdin carries
commands, its stdout carries snapshots, both as length-prefixed `wire` messages (no pickle); its
stderr is the parent's, so logs and tracebacks show up where the app's do. A run is rebuilt in the
child from the experiment's JSON (data generators are seeded, so the data is the same).

Messages (`messages` checks each on arrival), parent → child: ``{"op": "start", "run", "experiment",
"options"}``, ``{"op": "cmd", "run", "name", "args"}`` (a `commands.Command` as `commands.encode`
writes it; decoded and checked here, then queued to the run), ``{"op": "quit"}``. Child → parent:
``{"op": "ready"}`` once, ``{"op": "snapshot", "run",
"snap", "start"}`` where ``snap.history`` holds only the epochs appended since the last snapshot,
every one of them, the first being row number ``start`` (`RunAssembler` rebuilds the whole,
bounded history from them), ``{"op": "ended", "run", "error", "expected"}`` after every run, and
``{"op": "refused", "run", "error"}`` for a message it would not act on. When the child is gone,
the parent's reader reports ``{"op": "exit", "code", "error"}``; `error` is set when a bad message
from the child ended the link (the reader then killed it). An ended run's model stays until the next
start or a Stop for it: a weight set for it edits that model, answered with a snapshot of the edit.

`TrainerProcess` is the parent side; `acquire`/`release` keep idle children for reuse, so a new
window or a new test does not pay torch's import again.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from playground.core import commands, messages, wire
from playground.core.commands import Command, CommandError, SetParameter, Stop
from playground.core.errors import PlaygroundError, failure_text
from playground.core.history import RowLog
from playground.core.messages import RunAssembler  # noqa: F401 - the parent's half, used as remote.RunAssembler

log = logging.getLogger(__name__)

# The trainer yields the CPU to the window when both want it (a background job's courtesy): on a
# 2-core machine the window's frames otherwise wait behind training steps. It still takes every
# cycle the window leaves idle.
NICE = 10
Message = messages.Message
_run_ids = itertools.count(1)


def new_run_id() -> int:
    """A run id unique in this process, so a pooled child's stale messages never match a new run."""
    return next(_run_ids)


# ---------------------------------------------------------------------------- child ----------
class _Child:
    """The child's two threads: main trains, a reader routes commands to the run they are for."""

    def __init__(self, inp: IO[bytes], out: IO[bytes]):
        self.inp, self.out = inp, out
        self.starts: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self._out_lock = threading.Lock()  # whole frames: the trainer, the reader and the heartbeat send
        self.sent_at = 0.0
        self.run_id = 0
        self.run: Any = None  # the TrainingRun now training
        self.kept: tuple[int, Any, RowLog] | None = None  # the run that ended last (see `revise`)
        self.pending: dict[int, list[Command]] = {}  # commands for runs not built yet

    def send(self, message: Message) -> None:
        with self._out_lock:
            messages.write_message(self.out, message)
            self.sent_at = time.monotonic()

    def read_commands(self) -> None:
        while True:
            try:
                msg = messages.read_message(self.inp)
            except Exception as exc:  # noqa: BLE001 - a damaged frame: nothing after it can be trusted
                log.error("unreadable message from the window; stopping: %s", exc)
                msg = None
            try:
                op = None if msg is None else messages.check(msg, messages.TO_CHILD)
                if op is None or op == "quit":
                    break
                self.route(op, msg)
            except (wire.WireError, CommandError) as exc:
                self.refuse(msg, str(exc))
        with self.lock:
            if self.run is not None:
                self.run.stop()
        self.starts.put(None)

    def route(self, op: str, msg: Message) -> None:
        if op == "start":
            self.starts.put(msg)
            return
        command = commands.decode(msg["name"], msg["args"])
        with self.lock:
            if msg["run"] == self.run_id and self.run is not None:
                self.run.send(command)
            elif msg["run"] > self.run_id:
                self.pending.setdefault(msg["run"], []).append(command)
            elif self.kept is not None and msg["run"] == self.kept[0]:  # ended: Stop frees its model
                if isinstance(command, Stop):
                    self.kept = None
                elif isinstance(command, SetParameter):
                    self.kept[1].send(command)
                    self.revise(*self.kept)

    def revise(self, run_id: int, run: Any, rows: RowLog) -> None:
        """Report an ended run's model again if weights were edited since (`TrainingRun.revised`)."""
        try:
            snap = run.revised()
        except Exception:  # noqa: BLE001 - an edit must not take the command reader down with it
            log.error("reporting an edited model failed:\n%s", traceback.format_exc())
            return
        if snap is not None:
            start, part = rows.take()  # no new epochs: nothing to add
            self.send({"op": "snapshot", "run": run_id, "start": start,
                       "snap": dataclasses.replace(snap, history=part)})

    def refuse(self, msg: Any, reason: str) -> None:
        """Tell the parent (and the log) that a message was not acted on, and why; then carry on."""
        log.warning("refused a message from the window: %s", reason)
        run = msg.get("run") if isinstance(msg, dict) else None
        with contextlib.suppress(OSError):  # the window is gone: the reader will see the end of input
            self.send({"op": "refused", "run": run if isinstance(run, int) else 0, "error": reason})

    def beat(self) -> None:
        """Send "alive" when nothing else went out for HEARTBEAT_SECONDS: silence means stopped."""
        while True:
            time.sleep(max(0.0, self.sent_at + messages.HEARTBEAT_SECONDS - time.monotonic()))
            try:
                if time.monotonic() - self.sent_at >= messages.HEARTBEAT_SECONDS:
                    self.send({"op": "alive"})
            except (OSError, ValueError):  # the window is gone, or the output was closed at exit
                return

    def serve(self) -> None:
        threading.Thread(target=self.read_commands, name="commands", daemon=True).start()
        self.send({"op": "ready"})
        while True:
            msg = self.starts.get()
            while msg is not None and not self.starts.empty():
                msg = self.starts.get()  # a newer start supersedes: the parent only shows the newest
            if msg is None:
                return
            self.train(msg)

    def train(self, msg: Message) -> None:
        import torch

        from playground.core.run.loop import RunOptions, TrainingRun
        from playground.core.validate import experiment_from_dict

        run_id, error, expected = msg["run"], "", True
        try:
            experiment = experiment_from_dict(msg["experiment"])
            torch.manual_seed(experiment.seed)  # dropout draws from the global generator
            run = TrainingRun(experiment, RunOptions(**msg["options"]))
            with self.lock:
                self.run_id, self.run, self.kept = run_id, run, None
                for command in self.pending.pop(run_id, []):
                    run.send(command)
                self.pending = {k: v for k, v in self.pending.items() if k > run_id}
            rows = RowLog(run.history)  # every epoch's row: the window thins its own copy
            for snap in run.snapshots():
                start, part = rows.take()
                self.send({"op": "snapshot", "run": run_id, "start": start,
                           "snap": dataclasses.replace(snap, history=part)})
            with self.lock:
                self.run, self.kept = None, (run_id, run, rows)
                self.revise(run_id, run, rows)  # edits that arrived as it ended
        except Exception as exc:  # every failure reaches the parent as one message
            error, expected = failure_text(exc), isinstance(exc, PlaygroundError)
            if not expected:
                log.error("training run failed:\n%s", traceback.format_exc())
        finally:
            with self.lock:
                self.run = None
        self.send({"op": "ended", "run": run_id, "error": error, "expected": expected})


def child_main() -> None:
    """Entry point of the child: messages on stdin/stdout; stray prints are sent to stderr."""
    from playground.core.torch_setup import warm_up

    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(level=logging.WARNING, format="trainer process: %(levelname)s %(message)s")
    code = 0
    with contextlib.suppress(OSError):
        os.nice(NICE)
    try:
        child = _Child(sys.stdin.buffer, out)
        threading.Thread(target=child.beat, name="heartbeat", daemon=True).start()  # torch's import too
        warm_up()
        child.serve()
        out.close()
    except BrokenPipeError:
        pass  # the parent went away: nothing left to report to
    except BaseException:
        log.error("the trainer process failed:\n%s", traceback.format_exc())
        code = 1
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: a second with torch loaded, and a reader thread may hold stdin


# ---------------------------------------------------------------------------- parent ---------
def _widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Let one snapshot (a few hundred kB with neuron maps) fit the pipe whole (Linux; else no-op).

    With the default 64 kB the reader thread woke ~6 times per snapshot, and each wake took the
    GIL from the window's thread, which then waited for the reader to be scheduled: frames ran
    late with the window's thread idle. One wake per snapshot leaves one hand-over.
    """
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)


class TrainerProcess:
    """The parent's handle on one child: send commands; a reader thread hands messages to `on_message`.

    `on_message` runs on the reader thread (it must only hand data over, e.g. into a locked slot).
    """

    def __init__(self, on_message: Callable[[Message], None] | None = None,
                 argv: Sequence[str] = (sys.executable, "-m", "playground.core.remote")):
        """Start the child; `argv` is another command that speaks the protocol (tests use fakes)."""
        self.on_message = on_message
        self._send_lock = threading.Lock()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        _widen_pipe(self.proc.stdout.fileno())
        self.ready = threading.Event()
        self._heard = time.monotonic()  # when the last frame arrived (the reader sets it, a float: atomic)
        self._reader = threading.Thread(target=self._read, name="trainer-reader", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self._reader.is_alive()

    @property
    def responding(self) -> bool:
        """False once the child (which beats every HEARTBEAT_SECONDS) has been silent for
        NOT_RESPONDING_SECONDS: stopped by the system, stuck, or starved of CPU."""
        return time.monotonic() - self._heard < messages.NOT_RESPONDING_SECONDS

    def send(self, message: Message) -> bool:
        """Write one message; False if the child is gone."""
        with self._send_lock:
            try:
                messages.write_message(self.proc.stdin, message)
                return True
            except (BrokenPipeError, OSError, ValueError):
                return False

    def start_run(self, run_id: int, experiment: Mapping[str, Any], options: Mapping[str, Any]) -> bool:
        return self.send({"op": "start", "run": run_id, "experiment": experiment, "options": options})

    def command(self, run_id: int, command: Command) -> bool:
        """Send `command` to run `run_id`; CommandError here, before sending, if it does not fit the table."""
        name, args = commands.encode(command)
        return self.send({"op": "cmd", "run": run_id, "name": name, "args": args})

    def _read(self) -> None:
        """Hand each message on, then report the exit. Any bad message (damaged frame, unknown op, wrong
        field, a callback that cannot use it) kills the child: after one bad frame the framing of the
        rest cannot be trusted. The exit then carries the reason, so the run fails instead of hanging."""
        error = ""
        while True:
            try:
                msg = messages.read_message(self.proc.stdout)
                if msg is None:
                    break
                self._heard = time.monotonic()
                self._hand_on(msg)
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, the window must hear of it
                error = " ".join(str(exc).split()) or type(exc).__name__
                log.error("bad message from the trainer process, stopping it: %s", error)
                with contextlib.suppress(OSError):
                    self.proc.kill()
                break
        code = self.proc.wait()
        with self._send_lock, contextlib.suppress(OSError):  # gone: its pipes too (else 2 fds leak a child)
            self.proc.stdout.close()
            self.proc.stdin.close()  # closed even if flushing fails
        callback = self.on_message
        if callback is not None:
            callback({"op": "exit", "code": code, "error": error})

    def _hand_on(self, msg: Message) -> None:
        op = messages.check(msg, messages.TO_PARENT)
        if op == "ready":
            self.ready.set()
        elif op == "refused":
            log.warning("the trainer process refused a message: %s", msg["error"])
        callback = self.on_message
        if callback is not None:
            callback(msg)

    def close(self, timeout: float = 3.0) -> bool:
        """Ask the child to stop its run and exit; kill it after `timeout`. True if it exited by itself."""
        self.on_message = None
        self.send({"op": "quit"})
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
            clean = True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            clean = False
        self._reader.join(1.0)
        return clean

    def kill(self) -> None:
        self.on_message = None
        self.proc.kill()
        self.proc.wait()
        self._reader.join(1.0)
        if not self._reader.is_alive():  # its pipes, closed now rather than by the garbage collector
            for pipe in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()


_idle: list[TrainerProcess] = []
_idle_lock = threading.Lock()


def acquire(on_message: Callable[[Message], None]) -> TrainerProcess:
    """An idle child if one is alive, else a new one (starting it takes torch's import, ~1-3 s)."""
    with _idle_lock:
        while _idle:
            proc = _idle.pop()
            if proc.alive and proc.responding:
                proc.on_message = on_message
                return proc
            proc.kill()
    return TrainerProcess(on_message)


def release(proc: TrainerProcess) -> None:
    """Keep a child that has no run for the next `acquire` (it was told to stop its run).

    A child that is not responding is killed instead: the next window must not inherit a stopped one.
    """
    proc.on_message = None
    if proc.alive and proc.responding:
        with _idle_lock:
            _idle.append(proc)
    else:
        proc.kill()


@atexit.register
def close_idle() -> None:
    """Ends the pooled children (at exit; tests may call it too)."""
    with _idle_lock:
        procs, _idle[:] = list(_idle), []
    for proc in procs:
        proc.close(1.0)


if __name__ == "__main__":
    child_main()
