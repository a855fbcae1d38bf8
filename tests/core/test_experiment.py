"""Experiment validation: every kind of bad input is named by its field path and value."""

import copy

import pytest

from playground.core.errors import SpecError
from playground.core.experiment import (
    FORMAT,
    VERSION,
    default_experiment,
    experiment_from_dict,
    experiment_to_dict,
)

GOOD = experiment_to_dict(default_experiment())


def mutated(path: str, value):
    d = copy.deepcopy(GOOD)
    node = d
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return d


DELETE = object()


def test_default_round_trips_exactly():
    exp = default_experiment()
    d = experiment_to_dict(exp)
    assert d["format"] == FORMAT and d["version"] == VERSION
    assert experiment_from_dict(d) == exp
    assert experiment_to_dict(experiment_from_dict(d)) == d


def test_defaults_fill_missing_fields():
    exp = experiment_from_dict({"data": {"dataset": "xor"}})
    assert exp.data.dataset == "xor" and exp.training.optimizer.name == "sgd"
    assert exp.network.output["activation"] == "linear"


@pytest.mark.parametrize("path, value, message", [
    ("training.optimizer.lr", -1, "training.optimizer.lr: must be > 0, got -1"),
    ("training.optimizer.name", "adamax", "training.optimizer.name: unknown optimizer"),
    ("training.optimizer.beta1", 0.9, "training.optimizer.beta1: unknown parameter"),
    ("training.batch_size", "ten", "training.batch_size: must be a whole number, got 'ten'"),
    ("training.loss", "hinge", "training.loss: unknown loss"),
    ("training.colour", 1, "training.colour: unknown field"),
    ("data.dataset", "iris", "data.dataset: unknown dataset"),
    ("data.noise", 2, "data.noise: must be <= 1, got 2"),
    ("data.features", ["x1", "x3"], "data.features[1]: unknown feature"),
    ("data.features", [], "data.features: must be a non-empty list"),
    ("network.layers", {}, "network.layers: must be a list"),
    ("network.layers.0.units", 0, "network.layers[0].units: must be >= 1, got 0"),
    ("network.layers.1.type", "lstm", "network.layers[1].type: unknown layer"),
    ("network.layers.0.activation", "swish", "network.layers[0].activation: must be one of"),
    ("seed", -3, "seed: must be >= 0, got -3"),
    ("name", 5, "name: must be a string, got 5"),
    ("extra", True, "extra: unknown field"),
])
def test_bad_field_is_reported_with_path_and_value(path, value, message):
    with pytest.raises(SpecError) as info:
        experiment_from_dict(mutated(path, value))
    assert message in str(info.value)


def test_missing_layer_type_is_reported():
    d = mutated("network.layers.0.type", DELETE)
    with pytest.raises(SpecError, match=r"network.layers\[0\].type: is required"):
        experiment_from_dict(d)


@pytest.mark.parametrize("change, where", [
    ({"training": {"loss": "cross_entropy"}}, "training.loss"),  # k-class loss on binary data
    ({"network": {"layers": [{"type": "conv2d"}]}}, "network.layers[0]"),  # conv on points
    ({"network": {"output": {"activation": "sigmoid"}}}, "network.output"),  # sigmoid before BCE logits
    ({"training": {"early_stopping": {"enabled": True}}}, "data.validation_fraction"),
])
def test_impossible_combinations_are_refused(change, where):
    d = copy.deepcopy(GOOD)
    for section, fields in change.items():
        d[section].update(fields)
    with pytest.raises(SpecError) as info:
        experiment_from_dict(d)
    assert str(info.value).startswith(where)


def test_regression_loss_on_classification_and_back():
    d = copy.deepcopy(GOOD)
    d["data"]["dataset"] = "line"
    d["network"]["layers"] = []
    d["training"]["loss"] = "binary_cross_entropy"
    with pytest.raises(SpecError, match="training.loss"):
        experiment_from_dict(d)
    d["training"]["loss"] = "huber"
    assert experiment_from_dict(d).training.loss == "huber"


def test_experiment_is_immutable():
    exp = default_experiment()
    with pytest.raises(AttributeError):
        exp.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        exp.training.optimizer.params["lr"] = 1  # type: ignore[index]
