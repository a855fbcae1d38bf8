"""The running mean of the batch losses during each epoch (what the course's PyTorch loop prints),
recorded beside the end-of-epoch train loss, checked against a plain torch loop on both steppers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.experiment import experiment_from_dict
from playground.core.keys import BATCH_LOSS_MEAN
from playground.core.model import build_model
from playground.core.run.loop import RunOptions, TrainingRun
from tests.tolerance import assert_float32_close

EPOCHS, BATCH = 4, 16


def experiment(dataset: str, loss: str, head: str | None):
    return experiment_from_dict({
        "seed": 5, "data": {"dataset": dataset, "samples": 150, "train_fraction": 0.6},
        "network": {"layers": [{"type": "dense", "units": 5, "activation": "tanh"}],
                    "output": {} if head is None else {"activation": head}},
        "training": {"loss": loss, "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": BATCH,
                     "epochs": EPOCHS}})


def course_loop(run: TrainingRun, initial: dict) -> list[float]:
    """The course's loop: shuffle, then for each batch loss.item() into a running sum, backward, step;
    the running mean at the end of each epoch."""
    exp = run.experiment
    model = build_model(exp.network, run.dataset.input_shape, run.dataset.output_units, seed=exp.seed)
    model.load_state_dict(initial)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(exp.seed)
    x, y, n = run.train.x, run.train.y, len(run.train)
    means = []
    for _ in range(EPOCHS):
        perm = torch.randperm(n, generator=generator)
        running, batches = 0.0, 0
        for lo in range(0, n, BATCH):
            optimizer.zero_grad()
            loss = run.loss_fn(model(x[perm][lo:lo + BATCH]), y[perm][lo:lo + BATCH])
            running, batches = running + loss.item(), batches + 1
            loss.backward()
            optimizer.step()
        means.append(running / batches)
    return means


@pytest.mark.parametrize("fast", [True, False], ids=["twin", "torch"])
@pytest.mark.parametrize("dataset, loss, head", [
    ("circle", "auto", None), ("circle", "mse", "sigmoid"), ("line", "mse", "linear"),
    ("blobs", "cross_entropy", "linear")])
def test_the_running_mean_is_the_course_loops_mean_of_its_batch_losses(fast, dataset, loss, head):
    run = TrainingRun(experiment(dataset, loss, head), RunOptions(fast=fast))
    assert (run.fast is not None) == fast
    initial = run.state_dict()
    for _ in run.snapshots():
        pass
    recorded = run.history.column(BATCH_LOSS_MEAN)
    expected = course_loop(run, initial)
    steps = EPOCHS * -(-len(run.train) // BATCH)
    assert_float32_close(recorded, expected, steps=steps, longest_sum=BATCH, what="running mean per epoch")
    train_loss = run.history.column("train_loss")
    assert not np.allclose(recorded, train_loss)  # a different figure from the end-of-epoch loss


def test_a_watched_step_counts_in_the_twins_running_mean():
    exp = experiment("circle", "auto", None)
    plain, watched = (TrainingRun(exp) for _ in range(2))
    watched.watch_parameter("0.linear.weight", 0)  # the first step of each slice goes through torch
    for run in (plain, watched):
        for _ in run.snapshots():
            pass
    steps = EPOCHS * -(-len(plain.train) // BATCH)
    assert_float32_close(watched.history.column(BATCH_LOSS_MEAN), plain.history.column(BATCH_LOSS_MEAN),
                         steps=steps, longest_sum=BATCH)
