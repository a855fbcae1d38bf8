"""The trainer process: runs arrive whole, commands reach them, failures come back as messages."""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import struct
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from playground.core import remote
from playground.core.commands import (
    CommandError,
    Resume,
    SetLearningRate,
    SetParameter,
    StepBatch,
    StepEpoch,
    Stop,
)
from playground.core.experiment import default_experiment, experiment_to_dict
from playground.core.run.loop import RunOptions, run_to_end
from tests.tolerance import assert_float32_close, run_terms

WAIT = 60.0  # s: the first message waits for torch to load in the child on a slow machine


class Inbox:
    """Messages from one TrainerProcess, read with a timeout."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()

    def next(self, op: str | None = None, run: int | None = None) -> dict:
        while True:
            msg = self.queue.get(timeout=WAIT)
            if (op is None or msg["op"] == op) and (run is None or msg.get("run") == run):
                return msg

    def run_to_end(self, run: int) -> tuple[list, dict]:
        """Every assembled snapshot of `run`, and its "ended" message."""
        assembler, snaps = remote.RunAssembler(), []
        while True:
            msg = self.next(run=run)
            if msg["op"] == "ended":
                return snaps, msg
            snaps.append(assembler.add(msg))


@pytest.fixture(scope="module")
def child() -> Iterator[tuple[remote.TrainerProcess, Inbox]]:
    inbox = Inbox()
    proc = remote.TrainerProcess(inbox.queue.put)
    assert inbox.next("ready")
    yield proc, inbox
    assert proc.close(5.0)
    assert proc.proc.returncode == 0


def options(**kw) -> dict:
    return dataclasses.asdict(RunOptions(grid_resolution=10, **kw))


def test_a_run_in_the_child_equals_the_same_run_here(child):
    proc, inbox = child
    exp = default_experiment()
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(exp), options(epochs=6))
    snaps, ended = inbox.run_to_end(run)
    assert ended["error"] == "" and snaps[-1].state == "finished" and snaps[-1].epoch == 6
    here = run_to_end(exp, RunOptions(grid_resolution=10, epochs=6))
    # The child runs BLAS on one thread, this process maybe on more: sums in other orders.
    rule = run_terms(exp, here.step)
    for key in ("epoch", "train_loss", "test_loss", "test_accuracy"):  # whole history, rebuilt from parts
        assert_float32_close(snaps[-1].history[key], here.history[key], **rule, what=key)
    assert_float32_close(snaps[-1].boundary, here.boundary, **rule)
    epochs = [len(s.history["epoch"]) for s in snaps]
    assert epochs == sorted(epochs)


def test_commands_reach_the_run_they_name(child):
    proc, inbox = child
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(default_experiment()), options(start_paused=True))
    proc.command(run, StepEpoch())  # may arrive before the child has built the run: kept for it
    proc.command(run - 1, Resume())  # an old run's command: ignored
    while (msg := inbox.next("snapshot", run))["snap"].epoch < 1:  # running while the epoch is stepped,
        assert msg["snap"].state in ("paused", "running")  # when it takes more than one time slice
    while msg["snap"].state != "paused":
        msg = inbox.next("snapshot", run)
    assert msg["snap"].epoch == 1
    proc.command(run, SetLearningRate(0.5))
    proc.command(run, StepBatch())
    while (msg := inbox.next("snapshot", run))["snap"].step == 25:
        pass
    assert msg["snap"].step == 26 and msg["snap"].lr == pytest.approx(0.5)
    proc.command(run, Stop())
    while (ended := inbox.next(run=run))["op"] != "ended":
        last = ended["snap"]
    assert last.state == "stopped" and ended["error"] == ""


def test_a_newer_start_supersedes_and_errors_come_back_as_messages(child):
    proc, inbox = child
    bad = experiment_to_dict(default_experiment())
    bad["training"]["optimizer"]["lr"] = -1
    run = remote.new_run_id()
    proc.start_run(run, bad, options())
    ended = inbox.next("ended", run)
    assert ended["expected"] and "lr" in ended["error"]
    # the child still serves: a run after a failure trains
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(default_experiment()), options(epochs=2))
    snaps, ended = inbox.run_to_end(run)
    assert ended["error"] == "" and snaps[-1].epoch == 2


def test_a_killed_child_is_reported():
    inbox = Inbox()
    proc = remote.TrainerProcess(inbox.queue.put)
    proc.proc.kill()
    assert inbox.next("exit")["code"] != 0
    assert not proc.alive
    assert not proc.send({"op": "quit"})


def test_the_pool_hands_out_live_children_only():
    first = remote.acquire(lambda _m: None)
    remote.release(first)
    assert remote.acquire(lambda _m: None) is first  # reused: no second torch import
    first.kill()
    remote.release(first)  # dead: not kept
    second = remote.acquire(lambda _m: None)
    assert second is not first and second.alive
    second.close(5.0)


def test_unknown_commands_and_malformed_messages_are_refused_and_the_run_goes_on(child, caplog):
    proc, inbox = child
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(default_experiment()), options(start_paused=True))
    inbox.next("snapshot", run)  # the run is built: commands now reach it (or the table)
    for message, named in [
        ({"op": "cmd", "run": run, "name": "state_dict", "args": []}, "unknown command 'state_dict'"),
        ({"op": "cmd", "run": run, "name": "_finish", "args": ["stopped", "x"]}, "unknown command '_finish'"),
        ({"op": "cmd", "run": run, "name": "set_learning_rate", "args": ["fast"]}, "must be a number"),
        ({"op": "cmd", "run": run}, "field 'name'"),
        ({"op": "frobnicate", "run": run}, "not a message"),
        (["pause"], "not a message"),
    ]:
        assert proc.send(message)
        assert named in inbox.next("refused")["error"]
    assert proc.alive
    proc.command(run, StepEpoch())  # the run and the child's reader are unharmed
    while (msg := inbox.next("snapshot", run))["snap"].epoch < 1:
        pass
    assert msg["snap"].state == "paused"
    proc.command(run, Stop())
    assert inbox.next("ended", run)["error"] == ""
    assert "the trainer process refused a message: unknown command 'state_dict'" in caplog.text
    caplog.clear()  # read: the test-wide guard fails a test on log warnings nobody looked at


def test_a_command_that_does_not_fit_is_refused_before_it_is_sent(child):
    proc, _ = child
    with pytest.raises(CommandError):
        proc.command(1, "state_dict")
    with pytest.raises(CommandError):
        proc.command(1, SetParameter("w", "one", 1.0))


# A child that says it is ready, sends one frame of garbage, then waits for input forever.
GARBAGE_CHILD = """
import struct, sys
from playground.core import messages
out = sys.stdout.buffer
messages.write_message(out, {"op": "ready"})
out.write(struct.pack("<Q", 12) + b'\\x05\\x00\\x00\\x00[1,2]xxx')
out.flush()
sys.stdin.buffer.read()
"""


@pytest.mark.parametrize("frame", [
    b"\x05\x00\x00\x00[1,2]xxx",  # decodes to a list: not a message
    b"\xff\xff\xff\xff" + b"x" * 8,  # header runs past the end
    b'\x17\x00\x00\x00{"op":"snapshot","x":1}',  # a JSON object where a tagged list belongs
])
def test_a_child_that_sends_garbage_is_stopped_and_the_exit_says_why(frame, caplog):
    inbox = Inbox()
    script = GARBAGE_CHILD.replace("b'\\x05\\x00\\x00\\x00[1,2]xxx'", repr(frame)).replace(
        "12", str(len(frame)))
    proc = remote.TrainerProcess(inbox.queue.put, argv=[sys.executable, "-c", script])
    assert inbox.next("ready")
    exit_message = inbox.next("exit")
    assert exit_message["error"] and exit_message["code"] != 0  # killed: it would have waited forever
    assert not proc.alive
    assert f"bad message from the trainer process, stopping it: {exit_message['error']}" in caplog.text
    caplog.clear()


def test_a_frame_longer_than_the_cap_ends_the_link(caplog):
    inbox = Inbox()
    script = GARBAGE_CHILD.replace("struct.pack(\"<Q\", 12) + b'\\x05\\x00\\x00\\x00[1,2]xxx'",
                                   "struct.pack('<Q', 2**60)")
    proc = remote.TrainerProcess(inbox.queue.put, argv=[sys.executable, "-c", script])
    assert "frame of" in inbox.next("exit")["error"]
    assert not proc.alive
    assert "bad message from the trainer process, stopping it: frame of" in caplog.text
    caplog.clear()


def wait_for(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_a_paused_child_keeps_beating_and_a_stopped_one_is_not_responding(child):
    proc, inbox = child
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(default_experiment()), options(start_paused=True))
    inbox.next("snapshot", run)
    inbox.next("alive")  # paused, the run sends nothing; the heartbeat does
    inbox.next("alive")
    assert proc.responding
    try:
        os.kill(proc.proc.pid, signal.SIGSTOP)
        wait_for(lambda: not proc.responding)
        assert proc.alive  # stopped, not dead
    finally:
        os.kill(proc.proc.pid, signal.SIGCONT)
    wait_for(lambda: proc.responding)
    proc.command(run, Stop())
    assert inbox.next("ended", run)["error"] == ""


def test_the_pool_never_keeps_a_child_that_does_not_respond(monkeypatch):
    quiet = remote.TrainerProcess(None, argv=[sys.executable, "-c", "import sys; sys.stdin.buffer.read()"])
    monkeypatch.setattr(remote.TrainerProcess, "responding", property(lambda _self: False))
    remote.release(quiet)
    assert not quiet.alive  # killed, not pooled


def test_a_garbled_frame_from_the_window_ends_the_child_instead_of_its_reader_thread():
    inbox = Inbox()
    proc = remote.TrainerProcess(inbox.queue.put)
    assert inbox.next("ready")
    proc.proc.stdin.write(struct.pack("<Q", 6) + b"\x02\x00\x00\x00[[")  # framing lost from here on
    proc.proc.stdin.flush()
    assert inbox.next("exit")["code"] == 0  # it stopped by itself, cleanly, rather than hang


def test_the_window_gets_every_epoch_and_keeps_a_bounded_history(child):
    """The child sends every epoch's row (not slices of its own thinned history); the window's
    History thins them itself, within its budget, with every kept row true to its epoch."""
    proc, inbox = child
    exp = default_experiment()
    run = remote.new_run_id()
    proc.start_run(run, experiment_to_dict(exp), options(epochs=300, history_rows=16))  # the child thins
    assembler, sizes = remote.RunAssembler(max_rows=32), []
    while (msg := inbox.next(run=run))["op"] != "ended":
        sizes.append(len(assembler.add(msg).history["epoch"]))
    assert assembler.history.appended == 300 and max(sizes) <= 32 and assembler.history.level > 0
    kept = assembler.history.views()
    here = run_to_end(exp, RunOptions(grid_resolution=10, epochs=300))
    rows = kept["epoch"].astype(int) - 1
    np.testing.assert_array_equal(rows, assembler.history.sequence())
    rule = run_terms(exp, here.step)  # the child may sum in another order (see test above)
    for key in ("train_loss", "test_loss", "test_accuracy"):
        assert_float32_close(kept[key], here.history[key][rows], **rule, what=key)
    assert kept["epoch"][-1] == 300 and kept["epoch"][0] == 1
