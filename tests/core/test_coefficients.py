"""CSV data in its own units: the `standardize` switch, and a linear model's coefficients checked
against ordinary least squares."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.coefficients import coefficients, coefficients_text
from playground.core.datasets import load_dataset
from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.model import build_model
from playground.core.probes import dense_weights
from playground.core.run.loop import TrainingRun


def write_csv(path, columns, values) -> str:
    path.write_text(",".join(columns) + "\n" + "\n".join(",".join(f"{v:.9g}" for v in row) for row in values))
    return str(path)


def linear(csv: str, standardize: bool, lr: float, epochs: int, **data) -> dict:
    """A linear model (no hidden layer, linear head) on a CSV regression, full-batch SGD on MSE."""
    return {"seed": 0,
            "data": {"dataset": "csv", "samples": 1_000_000, "train_fraction": 0.5, **data,
                     "params": {"path": csv, "task": "regression", "standardize": standardize}},
            "network": {"layers": [], "output": {"activation": "linear"}},
            "training": {"loss": "mse", "optimizer": {"name": "sgd", "lr": lr}, "batch_size": 0,
                         "epochs": epochs}}


def trained(d: dict) -> TrainingRun:
    run = TrainingRun(experiment_from_dict(d))
    for _ in run.snapshots():
        pass
    return run


@pytest.fixture
def course_line(tmp_path) -> str:
    """The course's regression: y = 3x + 2 on 100 rows with x uniform in [0, 1], no noise."""
    x = np.random.default_rng(7).uniform(0, 1, 100)
    return write_csv(tmp_path / "line.csv", ("x", "y"), np.column_stack([x, 3 * x + 2]))


def test_standardize_is_a_validated_csv_parameter_that_round_trips(course_line):
    d = linear(course_line, False, 0.5, 1)
    exp = experiment_from_dict(d)
    assert exp.data.params["standardize"] is False
    assert experiment_from_dict(experiment_to_dict(exp)) == exp
    d["data"]["params"].pop("standardize")
    assert experiment_from_dict(d).data.params["standardize"] is True  # the default: as before
    d["data"]["params"]["standardize"] = "no"
    with pytest.raises(SpecError, match=r"data\.params\.standardize"):
        experiment_from_dict(d)


def test_the_courses_line_trained_on_its_own_numbers_has_weight_3_and_bias_2(course_line):
    run = trained(linear(course_line, False, 0.5, 3000))
    np.testing.assert_array_equal(run.dataset.x_train[:, 0], run.dataset.transform(run.dataset.x_train)[:, 0])
    (w, b), = dense_weights(run.model)
    assert w[0, 0] == pytest.approx(3.0, abs=1e-3) and b[0] == pytest.approx(2.0, abs=1e-3)


def test_standardised_the_same_line_has_other_weights_but_the_same_coefficients(course_line):
    run = trained(linear(course_line, True, 0.5, 300))
    (w, b), = dense_weights(run.model)
    assert w[0, 0] == pytest.approx(3 * run.dataset.transform.std[0], abs=1e-3)  # 3·σ, about 0.87
    assert b[0] == pytest.approx(2 + 3 * run.dataset.transform.mean[0], abs=1e-3)  # about 3.5
    coefs = coefficients(run.experiment.network, run.dataset, dense_weights(run.model))
    assert coefs == pytest.approx({"x": 3.0, "intercept": 2.0}, abs=1e-3)
    assert coefficients_text(coefs) == "3·x + 2"


@pytest.mark.parametrize("standardize", [True, False])
def test_one_training_row_gets_a_gradient_only_on_its_own_numbers(tmp_path, standardize):
    """The course's neuron on one example: standardised, one row becomes all zeros (no gradient)."""
    csv = write_csv(tmp_path / "one.csv", ("x1", "x2", "y"), [(1, 2, 1), (3, 4, 0)])
    exp = experiment_from_dict(linear(csv, standardize, 0.1, 1))
    ds = load_dataset(exp.data, 0)
    assert len(ds.x_train) == 1
    model = build_model(exp.network, (2,), 1, seed=0)
    torch.nn.functional.mse_loss(model(torch.from_numpy(ds.x_train)), torch.from_numpy(ds.y_train)).backward()
    grad = next(p.grad for p in model.parameters() if p.ndim == 2)
    assert bool(np.abs(grad.numpy()).min() > 0) is (not standardize)


@pytest.mark.parametrize(("standardize", "lr"), [(True, 0.3), (False, 0.3)])
def test_linear_coefficients_match_ordinary_least_squares(tmp_path, standardize, lr):
    """Full-batch gradient descent on MSE converges geometrically to the least-squares solution,
    so after training the un-standardised coefficients equal numpy's lstsq on the same training
    rows; 1e-4 is the room float32 training leaves (the columns are well conditioned, so rounding
    at ~1e-7 relative stays far below it), and far below the noise's own effect (0.1)."""
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.uniform(0, 1, 200), rng.uniform(-1, 1, 200), rng.normal(0.5, 0.3, 200)])
    y = 1.5 * x[:, 0] - 0.7 * x[:, 1] + 0.25 * x[:, 2] + 4 + rng.normal(0, 0.1, 200)
    csv = write_csv(tmp_path / "three.csv", ("a", "b", "c", "y"), np.column_stack([x, y]))
    run = trained(linear(csv, standardize, lr, 2000))
    ds = run.dataset
    raw = ds.x_train.astype(np.float64) * ds.transform.std + ds.transform.mean  # the file's numbers
    ols = np.linalg.lstsq(np.column_stack([raw, np.ones(len(raw))]), ds.y_train[:, 0].astype(np.float64),
                          rcond=None)[0]
    coefs = coefficients(run.experiment.network, ds, dense_weights(run.model))
    assert list(coefs) == ["a", "b", "c", "intercept"]
    np.testing.assert_allclose(list(coefs.values()), ols, atol=1e-4)


def test_no_coefficients_for_a_hidden_layer_or_features_that_are_not_the_columns(tmp_path):
    rng = np.random.default_rng(2)
    csv = write_csv(tmp_path / "two.csv", ("p", "q", "y"), np.column_stack([rng.uniform(0, 1, (20, 2)),
                                                                            rng.uniform(0, 1, 20)]))
    d = linear(csv, True, 0.1, 1)
    run = TrainingRun(experiment_from_dict(d))
    assert list(coefficients(run.experiment.network, run.dataset, dense_weights(run.model))) == \
        ["p", "q", "intercept"]
    run = TrainingRun(experiment_from_dict({**d, "data": {**d["data"], "features": ["x1", "x1^2"]}}))
    assert coefficients(run.experiment.network, run.dataset, dense_weights(run.model)) is None
    d["network"]["layers"] = [{"type": "dense", "units": 3, "activation": "tanh"}]
    run = TrainingRun(experiment_from_dict(d))
    assert coefficients(run.experiment.network, run.dataset, dense_weights(run.model)) is None


def test_a_one_column_csv_regression_is_a_line_set_and_a_one_column_classifier_is_not(tmp_path, course_line):
    ds = load_dataset(experiment_from_dict(linear(course_line, True, 0.1, 1)).data, 0)
    assert ds.kind == "line1d" and ds.raw_train.shape == (50, 1) and ds.feature_names == ("x",)
    np.testing.assert_allclose(ds.transform(ds.raw_train), ds.x_train, rtol=1e-6)
    x0, x1, y0, y1 = ds.extent
    assert x0 < ds.raw_train.min() and x1 > ds.raw_train.max() and y0 < 2.1 and y1 > 4.9
    labels = write_csv(tmp_path / "labels.csv", ("x", "k"), [(i, i % 2) for i in range(10)])
    d = linear(labels, True, 0.1, 1)
    d["data"]["params"]["task"] = "auto"
    assert load_dataset(experiment_from_dict(d).data, 0).kind == "table"


def test_the_fitted_line_is_written_with_its_signs_and_the_columns_names_as_they_are():
    assert coefficients_text({"x-1": -1.5, "b": 0.25, "intercept": -4.0}) == "−1.5·x-1 + 0.25·b − 4"
