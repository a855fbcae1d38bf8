"""Impossible combinations are rejected with the field to change; possible ones pass.

The rule tests use a small stand-in data-set registry (so they pin the rules, not the shipped data
sets) and the real loss registry; the last tests go through `experiment_from_dict` with the real
registries.
"""

from dataclasses import replace

import pytest

from playground.core import compat
from playground.core.compat import check_experiment, resolve_loss
from playground.core.datasets import DATASETS, DatasetEntry
from playground.core.errors import SpecError
from playground.core.experiment import DataSpec, Experiment, LayerSpec, NetworkSpec, TrainingSpec
from playground.core.registry import Registry

FAKE = Registry("dataset", [
    DatasetEntry("circle", "Circle", "", kind="points2d", task="binary"),
    DatasetEntry("spiral3", "Spiral", "", kind="points2d", task="multiclass", num_classes=3),
    DatasetEntry("line", "Line", "", kind="line1d", task="regression"),
    DatasetEntry("digits", "Digits", "", kind="image", task="multiclass", num_classes=10,
                 input_shape=(1, 8, 8)),
    DatasetEntry("photos", "Photos", "", kind="image", task="multiclass"),
    DatasetEntry("csv", "CSV", "", kind="table", task=None),
])


@pytest.fixture(autouse=True)
def fake_datasets(monkeypatch):
    monkeypatch.setattr(compat, "DATASETS", FAKE)


def exp(dataset="circle", loss="auto", layers=(), head="linear", features=("x1", "x2"),
        validation=0.0, early=None):
    return Experiment(
        data=DataSpec(dataset=dataset, features=features, validation_fraction=validation),
        network=NetworkSpec(tuple(layers), {"activation": head}),
        training=TrainingSpec(loss=loss, early_stopping=early or {}))


def raises(e: Experiment) -> SpecError:
    with pytest.raises(SpecError) as err:
        check_experiment(e)
    return err.value


@pytest.mark.parametrize("loss, task, expected", [
    ("auto", "binary", "binary_cross_entropy"), ("auto", "multiclass", "cross_entropy"),
    ("auto", "regression", "mse"), ("huber", "regression", "huber"), ("mse", "binary", "mse"),
])
def test_resolve_loss(loss, task, expected):
    assert resolve_loss(loss, task) == expected


def test_resolve_auto_needs_a_task():
    with pytest.raises(SpecError):
        resolve_loss("auto", "clustering")


def test_possible_combinations_pass():
    check_experiment(exp())
    check_experiment(exp("line", "huber", [LayerSpec("dense", {"units": 8})], features=("x1",)))
    check_experiment(exp("circle", "mse", head="sigmoid"))
    check_experiment(exp("line", "auto", head="tanh"))  # mse does not need logits
    check_experiment(exp("spiral3", "cross_entropy", [LayerSpec("dense", {"units": 8})]))
    check_experiment(exp("nowhere"))  # unknown to the registry: the data rules are skipped


def test_classification_loss_on_regression():
    err = raises(exp("line", "cross_entropy", features=("x1",)))
    assert err.path == "training.loss" and err.value == "cross_entropy"
    assert "'line' is a regression data set" in err.message and "use mse, mae or huber" in err.message
    assert "classification" in err.message


def test_regression_loss_on_multiclass():
    err = raises(exp("spiral3", "mse"))
    assert err.path == "training.loss" and "use cross_entropy" in err.message


def test_bce_on_multiclass():
    err = raises(exp("digits", "binary_cross_entropy", [LayerSpec("flatten")]))
    assert err.path == "training.loss" and "use cross_entropy" in err.message


@pytest.mark.parametrize("loss, dataset", [("binary_cross_entropy", "circle"), ("cross_entropy", "spiral3"),
                                           ("auto", "circle"), ("binary_cross_entropy", "csv")])
def test_logit_losses_need_a_linear_head(loss, dataset):
    err = raises(exp(dataset, loss, head="sigmoid"))
    assert err.path == "network.output.activation" and err.value == "sigmoid"
    assert "linear" in err.message
    assert ("auto" in err.message) == (loss == "auto")


@pytest.mark.parametrize("loss", ["cross_entropy", "auto"])
def test_a_softmax_head_into_cross_entropy_is_flagged_as_double_softmax(loss):
    err = raises(exp("spiral3", loss, head="softmax"))
    assert err.path == "network.output.activation" and err.value == "softmax"
    assert "applies log-softmax to the logits itself" in err.message and "double softmax" in err.message
    assert "set the output activation to linear" in err.message and "cross_entropy_probs" in err.message
    assert err.message.count(". ") == 0 and ("auto" in err.message) == (loss == "auto")  # one sentence


def test_the_probability_loss_takes_a_softmax_head_and_only_that():
    check_experiment(exp("spiral3", "cross_entropy_probs", head="softmax"))
    check_experiment(exp("digits", "cross_entropy_probs", [LayerSpec("flatten")], head="softmax"))
    for head in ("linear", "sigmoid"):
        err = raises(exp("spiral3", "cross_entropy_probs", head=head))
        assert err.path == "network.output.activation" and "must be softmax" in err.message


@pytest.mark.parametrize("dataset, loss", [("circle", "mse"), ("circle", "auto"), ("line", "mse")])
def test_softmax_over_one_output_unit_is_refused(dataset, loss):
    features = ("x1",) if dataset == "line" else ("x1", "x2")
    err = raises(exp(dataset, loss, head="softmax", features=features))
    assert err.path == "network.output.activation" and "always 1" in err.message


def test_softmax_is_for_the_head_only():
    from playground.core.layers import LAYERS, OUTPUT_PARAMS

    head_choices = next(p for p in OUTPUT_PARAMS if p.name == "activation").choices
    assert "softmax" in head_choices
    for name in ("dense", "conv2d", "activation"):
        choices = {p.name: p.choices for p in LAYERS[name].params}
        assert "softmax" not in (choices.get("activation") or choices.get("function")), name


def test_unknown_task_skips_the_task_rules():
    check_experiment(exp("csv", "mse"))
    check_experiment(exp("csv", "cross_entropy"))
    check_experiment(exp("csv", "auto", head="sigmoid"))


def test_early_stopping_needs_validation_data():
    err = raises(exp(early={"enabled": True, "monitor": "val_loss"}))
    assert err.path == "data.validation_fraction"
    check_experiment(exp(early={"enabled": True, "monitor": "val_loss"}, validation=0.2))
    check_experiment(exp(early={"enabled": False}))


def test_regression_cannot_monitor_accuracy():
    err = raises(exp("line", features=("x1",), validation=0.2,
                     early={"enabled": True, "monitor": "val_accuracy"}))
    assert err.path == "training.early_stopping.monitor"


def test_batchnorm_needs_batches_of_two():
    e = exp(layers=[LayerSpec("dense", {"units": 4}), LayerSpec("batchnorm")])
    err = raises(replace(e, training=replace(e.training, batch_size=1)))
    assert err.path == "training.batch_size" and "layer 2" in err.message
    check_experiment(replace(e, training=replace(e.training, batch_size=2)))
    check_experiment(replace(e, training=replace(e.training, batch_size=0)))


def test_conv_on_points_names_the_layer():
    err = raises(exp("circle", layers=[LayerSpec("dense", {"units": 4}), LayerSpec("conv2d")]))
    assert err.path == "network.layers[1]"
    assert err.message.startswith("Conv2D needs image input") and "2 numbers" not in err.message
    err = raises(exp("circle", layers=[LayerSpec("conv2d")], features=("x1", "x2", "x1*x2")))
    assert "3 numbers per example" in err.message


def test_image_stacks_are_checked_with_the_static_input_shape():
    err = raises(exp("digits", layers=[LayerSpec("dense", {"units": 4})]))
    assert err.path == "network.layers[0]" and "add a Flatten" in err.message
    err = raises(exp("digits", layers=[LayerSpec("conv2d")]))
    assert err.path == "network.output" and "Flatten" in err.message
    pool = LayerSpec("maxpool2d")
    err = raises(exp("digits", layers=[pool, pool, pool, pool, LayerSpec("flatten")]))
    assert err.path == "network.layers[3]"
    check_experiment(exp("digits", layers=[LayerSpec("conv2d", {"padding": "same"}), pool,
                                           LayerSpec("flatten"), LayerSpec("dense", {"units": 32})]))


def test_unknown_input_shape_skips_the_shape_rules():
    check_experiment(exp("photos", layers=[LayerSpec("conv2d")]))  # image, shape only known once loaded
    check_experiment(exp("csv", loss="mse", layers=[LayerSpec("conv2d")]))


# ------------------------------------------------------------------ real registries ----------
@pytest.fixture
def real(monkeypatch):
    monkeypatch.setattr(compat, "DATASETS", DATASETS)
    from playground.core.experiment import experiment_from_dict

    return experiment_from_dict


def test_real_registries_reject_conv_on_circle(real):
    with pytest.raises(SpecError) as err:
        real({"data": {"dataset": "circle"}, "network": {"layers": [{"type": "conv2d"}]}})
    assert err.value.path == "network.layers[0]"


def test_real_registries_reject_cross_entropy_on_binary(real):
    with pytest.raises(SpecError) as err:
        real({"data": {"dataset": "circle"}, "training": {"loss": "cross_entropy"}})
    assert err.value.path == "training.loss"


def test_real_registries_accept_the_default(real):
    from playground.core.experiment import default_experiment

    check_experiment(default_experiment())
