"""The names that join the trainer's output to the views: what a view looks up is what the trainer wrote."""

from __future__ import annotations

import pytest

from playground.core import keys
from playground.core.experiment import experiment_from_dict
from playground.core.model import build_model
from playground.core.run.loop import RunOptions, TrainingRun


def two_layers():
    return experiment_from_dict({
        "seed": 1, "data": {"dataset": "circle", "samples": 120},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "relu"},
                               {"type": "dense", "units": 3, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 10, "epochs": 2}})


@pytest.mark.parametrize("fast", [True, False], ids=["twin", "torch"])
def test_every_per_layer_column_a_view_reads_is_in_the_history(fast):
    run = TrainingRun(two_layers(), RunOptions(fast=fast, grid_resolution=4))
    assert (run.fast is not None) == fast
    snap = list(run.snapshots())[-1]
    history, blocks = snap.history, range(3)  # two hidden layers and the head
    assert len(history["epoch"]) == 2
    grads = keys.layer_series(history, keys.GRAD_NORM)  # the dynamics view's gradient plot
    assert sorted(grads) == list(blocks)
    assert all(len(column) == 2 and (column > 0).all() for _, column in grads.values())
    activity = keys.layer_series(history, keys.DEAD, keys.SATURATED)  # its activity plot
    assert {i: kind for i, (kind, _) in activity.items()} == {0: keys.DEAD, 1: keys.SATURATED}
    # the snapshot's per-layer mappings name the same blocks (designer badges, network view)
    assert {keys.block_index(k) for k in snap.grad_norms} == set(blocks)
    assert {keys.block_index(k): kind for k, (kind, _) in snap.activity.items()} == {0: keys.DEAD,
                                                                                    1: keys.SATURATED}
    for k, norm in snap.grad_norms.items():
        assert history[keys.grad_norm_key(keys.block_index(k))][-1] == pytest.approx(norm)
    summary = [k for k in history if not keys.is_grad_norm_key(k)]  # the CLI's metrics
    assert "train_loss" in summary and keys.layer_key(keys.DEAD, 0) in summary
    assert not any(k.startswith(keys.GRAD_NORM) for k in summary)


def test_parameter_keys_are_the_models_own_names():
    """The network view and step mode address a Dense block's weights by these keys."""
    model = build_model(two_layers().network, (2,), 1, seed=0)
    names = dict(model.named_parameters())
    for block in range(3):
        for kind in ("weight", "bias"):
            key = keys.parameter_key(block, kind)
            assert key in names
            assert keys.parse_parameter_key(key) == (block, kind)
    assert names[keys.parameter_key(1, "weight")].shape == (3, 4)


def test_other_columns_are_not_taken_for_layers():
    assert keys.parse_layer_key("train_loss") is None
    assert keys.parse_layer_key("val.accuracy") is None
    assert keys.parse_layer_key("grad_norm.x") is None
    assert keys.parse_layer_key(keys.layer_key(keys.SATURATED, 12)) == (keys.SATURATED, 12)
