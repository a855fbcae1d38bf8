"""The one per-point loss (`losses.per_example`, `point_losses.point_losses`) against torch's own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.datasets.base import BINARY, MULTICLASS, REGRESSION
from playground.core.losses import LOSSES, make_loss, per_example, target_tensor, twin_loss
from playground.core.point_losses import point_losses
from playground.core.probes import output_to_value

# (task, head activation) each loss is checked on
CASES = {"mse": (REGRESSION, "linear"), "mae": (REGRESSION, "linear"), "huber": (REGRESSION, "linear"),
         "binary_cross_entropy": (BINARY, "linear"), "cross_entropy": (MULTICLASS, "linear"),
         "cross_entropy_probs": (MULTICLASS, "softmax")}


def sample(name: str, n: int = 64, k: int = 3, scale: float = 3.0, seed: int = 0):
    """(outputs as the head gives them, targets as target_tensor makes them) for loss `name`."""
    task, head = CASES[name]
    g = torch.Generator().manual_seed(seed)
    width = k if task == MULTICLASS else 1
    out = scale * torch.randn(n, width, generator=g, dtype=torch.float64)
    if head == "softmax":
        out = torch.softmax(out, dim=1)
    if task == MULTICLASS:
        y = torch.randint(0, k, (n,), generator=g)
    elif task == BINARY:
        y = torch.randint(0, 2, (n,), generator=g)
    else:
        y = scale * torch.randn(n, generator=g, dtype=torch.float64)
    return out, target_tensor(y.numpy(), task)


def test_every_loss_is_checked():
    assert set(CASES) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_per_example_is_torchs_reduction_none(name):
    out, y = sample(name)
    module = make_loss(name)
    module.reduction = "none"
    expected = module(out, y.to(out.dtype) if y.is_floating_point() else y).reshape(len(out), -1).mean(dim=1)
    got = per_example(name, out.numpy(), y.numpy())
    assert got.shape == (len(out),)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-12)
    module.reduction = "mean"  # and averaged, the number the run reports
    assert got.mean() == pytest.approx(float(module(out, y.to(out.dtype) if y.is_floating_point() else y)))


def test_huber_switches_from_squared_to_absolute_at_delta_one():
    got = per_example("huber", np.array([[0.5], [3.0], [-1.0]]), np.zeros((3, 1)))
    assert got == pytest.approx([0.125, 2.5, 0.5])


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_points_loss_from_its_value_is_its_per_example_loss(name):
    """The views hold values (probabilities, not logits); the loss they show from them is the same
    number torch gives for the raw outputs."""
    task, head = CASES[name]
    out, y = sample(name, scale=2.0)
    values = output_to_value(task, head, name)(out).numpy()
    labels = y.numpy() if task == MULTICLASS else y.numpy().reshape(-1)
    expected = per_example(name, out.numpy(), y.numpy())
    np.testing.assert_allclose(point_losses(values, labels, task, name), expected, rtol=1e-9, atol=1e-12)


def test_a_saturated_mistake_reads_sixteen_nats_not_infinity():
    losses = point_losses(np.array([[0.0], [1.0]]), np.array([1, 1]), BINARY)
    assert losses == pytest.approx([16.118, 0.0], abs=1e-3)


def test_an_unknown_loss_falls_back_to_the_tasks_usual_one():
    values, y = np.array([[1.5]]), np.array([1.0])
    assert point_losses(values, y, REGRESSION, "no_such_loss") == pytest.approx([0.25])


@pytest.mark.parametrize("name", sorted(n for n in CASES if LOSSES[n].twin is not None))
def test_the_twin_finds_each_loss_by_its_torch_class(name):
    assert twin_loss(make_loss(name)) is LOSSES[name].twin
