"""A softmax output head: offered for k classes, trained with the probability cross-entropy, shown
as class probabilities, and refused (double softmax) with the cross-entropy that takes logits."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from playground.core.datasets import load_dataset
from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict
from playground.core.losses import LOSSES, make_loss
from playground.core.preflight import check_run
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end


def blobs(head: str = "softmax", loss: str = "cross_entropy_probs", **training):
    return experiment_from_dict({
        "seed": 1,
        "data": {"dataset": "blobs", "samples": 300, "noise": 0.1, "train_fraction": 0.5},
        "network": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}],
                    "output": {"activation": head}},
        "training": {"loss": loss, "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 50,
                     "epochs": 20, **training},
    })


def test_the_probability_loss_on_softmax_equals_cross_entropy_on_the_logits():
    torch.manual_seed(0)
    z, y = 3 * torch.randn(64, 10), torch.randint(0, 10, (64,))
    ours = make_loss("cross_entropy_probs")(torch.softmax(z, dim=1), y)
    torch.testing.assert_close(ours, torch.nn.CrossEntropyLoss()(z, y), rtol=1e-5, atol=1e-6)
    # a probability of 0 is clipped to 1e-7 as Keras does, so the loss stays finite
    p = torch.tensor([[1.0, 0.0]])
    assert make_loss("cross_entropy_probs")(p, torch.tensor([1])).item() == pytest.approx(-math.log(1e-7))


def test_a_softmax_head_with_the_probability_loss_trains_and_reports_its_own_probabilities():
    snap = run_to_end(blobs(), RunOptions(grid_resolution=8, slice_seconds=1.0))
    assert snap.metrics["test_accuracy"] > 0.9, snap.metrics["test_accuracy"]
    assert np.isfinite(snap.history["train_loss"]).all()
    train_values, _ = snap.point_values
    np.testing.assert_allclose(train_values.sum(axis=1), 1.0, rtol=1e-5)
    # the values shown are the head's output itself, not a softmax of it (that would squash them)
    run = TrainingRun(blobs(), RunOptions(grid_resolution=8))
    with torch.no_grad():
        out = run.model(run.train.x).numpy()
    np.testing.assert_allclose(run.to_value(torch.from_numpy(out)).numpy(), out)


def test_the_softmax_heads_loss_matches_the_linear_heads_at_the_same_weights():
    """Same seed, same initial weights: softmax + probability loss is the linear head's
    cross-entropy with the softmax moved out of the loss into the head."""
    soft, plain = TrainingRun(blobs()), TrainingRun(blobs(head="linear", loss="cross_entropy"))
    for a, b in zip(soft.model.parameters(), plain.model.parameters(), strict=True):
        assert torch.equal(a, b)
    x, y = soft.train.x, soft.train.y
    with torch.no_grad():
        torch.testing.assert_close(soft.loss_fn(soft.model(x), y), plain.loss_fn(plain.model(x), y))


def test_image_snapshots_carry_the_shown_samples_class_probabilities():
    exp = experiment_from_dict({
        "data": {"dataset": "digits", "samples": 200, "train_fraction": 0.5},
        "network": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu"}]},
        "training": {"loss": "cross_entropy", "optimizer": {"name": "adam", "lr": 0.01}, "epochs": 2},
    })
    run = TrainingRun(exp, RunOptions(conv_maps=True, feature_sample=3))
    snap = list(run.snapshots())[-1]
    with torch.no_grad():
        expected = torch.softmax(run.model(run.test.x[3:4]), dim=1)[0].numpy()
    assert snap.sample_probabilities.shape == (10,)
    np.testing.assert_allclose(snap.sample_probabilities, expected, rtol=1e-6)
    assert TrainingRun(exp, RunOptions()).snapshots().__next__().sample_probabilities is None


def test_a_csv_task_is_checked_once_its_data_is_loaded():
    """compat judges the head statically; for data whose task is only known once read, the run's
    preflight applies the same rule (here forced by handing it the loaded data)."""
    exp = blobs(head="linear", loss="cross_entropy")
    ds = load_dataset(exp.data, exp.seed)
    wrong = replace(exp, network=replace(exp.network, output={**exp.network.output, "activation": "softmax"}))
    with pytest.raises(SpecError) as err:
        check_run(wrong, ds)
    assert err.value.path == "network.output.activation" and "double softmax" in err.value.message


def test_every_loss_states_its_formula():
    for name, entry in LOSSES.items():
        assert entry.formula.startswith("L = "), name
    assert "applies log-softmax itself" in LOSSES["cross_entropy"].formula
