"""The trainer process: runs arrive whole, commands reach them, failures come back as messages."""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterator

import pytest

from playground.core import remote
from playground.core.experiment import default_experiment, experiment_to_dict
from playground.core.trainer import RunOptions, run_to_end
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
    proc.command(run, "step_epoch")  # may arrive before the child has built the run: kept for it
    proc.command(run - 1, "resume")  # an old run's command: ignored
    while (msg := inbox.next("snapshot", run))["snap"].epoch < 1:
        assert msg["snap"].state == "paused"
    assert msg["snap"].epoch == 1 and msg["snap"].state == "paused"
    proc.command(run, "set_learning_rate", 0.5)
    proc.command(run, "step_batch")
    while (msg := inbox.next("snapshot", run))["snap"].step == 25:
        pass
    assert msg["snap"].step == 26 and msg["snap"].lr == pytest.approx(0.5)
    proc.command(run, "stop")
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
