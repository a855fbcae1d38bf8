"""A weight typed after a run ended edits the model it left, and the run reports that model again.

Before, a Set-parameter command for an ended run was dropped without a word: the trainer process
had let the run go, and the window showed the old value as if the edit had been taken.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from playground.core import remote
from playground.core.commands import SetParameter, StepEpoch, Stop
from playground.core.experiment import default_experiment, experiment_to_dict
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.run.state import RunState
from tests.core.test_remote import Inbox


def _bce(logits: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy on logits, computed here in float64 (torch's formula, not torch's code)."""
    z = logits.astype(np.float64).ravel()
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _forward(weights: tuple, x: np.ndarray) -> np.ndarray:
    """The default 2-4-2-1 tanh network from a snapshot's dense weights."""
    h = x.astype(np.float64)
    for i, (w, b) in enumerate(weights):
        h = h @ w.T.astype(np.float64) + b.astype(np.float64)
        if i < len(weights) - 1:
            h = np.tanh(h)
    return h


def _stopped_run() -> tuple[TrainingRun, object]:
    run = TrainingRun(default_experiment(), RunOptions(weights=True, grid_resolution=20, fast=False))
    snaps = run.snapshots()
    while run.epoch < 3:
        next(snaps)
    run.stop()
    last = None
    for last in snaps:  # noqa: B007
        pass
    assert last.state == RunState.STOPPED
    return run, last


def test_revised_applies_the_edit_and_reports_the_edited_model_figures():
    run, last = _stopped_run()
    assert run.revised() is None  # nothing edited: nothing to report again
    run.set_parameter("2.linear.bias", 0, 5.0)
    snap = run.revised()
    assert snap.state == RunState.STOPPED and snap.epoch == last.epoch and snap.step == last.step
    assert snap.message.startswith(last.message) and "edited by hand" in snap.message
    assert float(snap.weights[-1][1][0]) == 5.0
    assert float(dict(run.model.named_parameters())["2.linear.bias"].detach()) == 5.0
    ds = run.dataset
    expected = _bce(_forward(snap.weights, ds.x_test), ds.y_test.astype(np.float64))
    assert snap.metrics["test_loss"] == pytest.approx(expected, rel=1e-5)
    assert snap.metrics["test_loss"] != pytest.approx(last.metrics["test_loss"], rel=1e-3)
    assert not np.array_equal(snap.boundary, last.boundary)
    np.testing.assert_array_equal(snap.history["test_loss"], last.history["test_loss"])  # no new epoch


@pytest.fixture(scope="module")
def child() -> Iterator[tuple[remote.TrainerProcess, Inbox]]:
    inbox = Inbox()
    proc = remote.TrainerProcess(inbox.queue.put)
    assert inbox.next("ready")
    yield proc, inbox
    assert proc.close(5.0)


def _run_and_stop(proc: remote.TrainerProcess, inbox: Inbox) -> tuple[int, remote.RunAssembler, object]:
    run = remote.new_run_id()
    options = dataclasses.asdict(RunOptions(grid_resolution=10, weights=True, start_paused=True))
    proc.start_run(run, experiment_to_dict(default_experiment()), options)
    proc.command(run, StepEpoch())
    proc.command(run, StepEpoch())
    assembler, last = remote.RunAssembler(), None
    while True:
        msg = inbox.next(run=run)
        if msg["op"] == "ended":
            assert msg["error"] == ""
            return run, assembler, last
        last = assembler.add(msg)
        if last.epoch == 2 and last.state == "paused":
            proc.command(run, Stop())


def test_the_trainer_process_keeps_an_ended_run_model_for_edits(child):
    proc, inbox = child
    run, assembler, last = _run_and_stop(proc, inbox)
    assert last.state == RunState.STOPPED and last.epoch == 2
    proc.command(run, SetParameter("0.linear.weight", 3, -2.5))
    msg = inbox.next("snapshot", run)
    assert msg["start"] == assembler.history.appended  # no new epochs came with it
    assert all(len(column) == 0 for column in msg["snap"].history.values())
    edited = assembler.add(msg)
    assert edited.state == RunState.STOPPED and edited.epoch == 2 and len(edited.history["epoch"]) == 2
    w0 = last.weights[0][0].copy()
    w0.flat[3] = -2.5
    np.testing.assert_array_equal(edited.weights[0][0], w0)


def _next_news(inbox: Inbox) -> dict:
    """The next message that is not a heartbeat."""
    while True:
        msg = inbox.next()
        if msg["op"] != "alive":
            return msg


def test_stop_or_a_new_start_lets_the_kept_model_go(child):
    proc, inbox = child
    run, _, _ = _run_and_stop(proc, inbox)
    proc.command(run, Stop())  # the window's Reset or a new start: the child frees the model
    proc.command(run, SetParameter("0.linear.bias", 0, 1.0))
    proc.command(run, Stop())
    later = remote.new_run_id()  # the child reads in order: a reply to the edit would come first
    proc.start_run(later, experiment_to_dict(default_experiment()), dataclasses.asdict(
        RunOptions(grid_resolution=10, weights=True, start_paused=True)))
    assert _next_news(inbox)["run"] == later
    proc.command(later, Stop())
    assert inbox.next("ended", later)["error"] == ""
    proc.command(run, SetParameter("0.linear.bias", 0, 1.0))  # an older run: nothing kept
    proc.command(later, SetParameter("0.linear.bias", 0, 1.0))
    msg = _next_news(inbox)
    assert msg["op"] == "snapshot" and msg["run"] == later
    assert float(msg["snap"].weights[0][1][0]) == 1.0


def test_torch_and_the_fast_path_report_the_same_edit():
    exp = default_experiment()
    out = []
    for fast in (False, True):
        torch.manual_seed(0)
        run = TrainingRun(exp, RunOptions(weights=True, grid_resolution=10, fast=fast, epochs=2))
        for _ in run.snapshots():
            pass
        run.set_parameter("1.linear.weight", 5, 0.75)
        out.append(run.revised())
    assert [float(s.weights[1][0].flat[5]) for s in out] == [0.75, 0.75]
    assert out[0].metrics["test_loss"] == pytest.approx(out[1].metrics["test_loss"], rel=1e-4)
