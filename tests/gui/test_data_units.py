"""A linear model on a CSV file reads in the file's own units: the fitted line in the regression
view, the coefficients on the table page, and the Inside view's hover on a weight or bias."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.datasets.base import LINE1D  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.gui.inside.network_view import NetworkView  # noqa: E402

WAIT = 20_000


def csv_experiment(tmp_path, columns, rows):
    path = tmp_path / "data.csv"
    path.write_text(",".join(columns) + "\n" + "\n".join(",".join(f"{v:.9g}" for v in r) for r in rows))
    exp = experiment_from_dict({"data": {"dataset": "csv", "samples": 1_000_000,
                                         "params": {"path": str(path), "task": "regression"}},
                                "network": {"layers": []}})
    return exp, load_dataset(exp.data, exp.data_seed)


def scaled_weights(ds, slopes, intercept):
    """The standardised model's weights that make the line `slopes`, `intercept` in the file's units."""
    mean, std = ds.transform.mean, ds.transform.std
    w = np.array([np.asarray(slopes) * std], np.float32)
    return ((w, np.array([intercept + float(np.dot(slopes, mean))], np.float32)),)


@pytest.fixture
def line(tmp_path):
    x = np.random.default_rng(3).uniform(0, 1, 100)
    return csv_experiment(tmp_path, ("x", "y"), np.column_stack([x, 3 * x + 2]))


def test_a_one_column_csv_regression_is_drawn_as_a_line_with_its_equation_in_the_files_units(panel, line):
    exp, ds = line
    assert ds.kind == LINE1D and ds.raw_train is not None and ds.extent is not None
    panel.set_network(exp.network)
    panel.set_dataset(ds)
    assert panel.page == LINE1D
    weights = scaled_weights(ds, [3.0], 2.0)
    assert abs(weights[0][0][0, 0] - 3.0) > 1.5  # standardised, the weight itself is far from 3
    xs = np.linspace(ds.extent[0], ds.extent[1], 5, dtype=np.float32)
    panel.update_snapshot(Snapshot(epoch=1, step=1, weights=weights, curve=(xs, 3 * xs + 2)))
    assert panel.regression.equation.toPlainText() == "y = 3.000·x + 2.000"
    assert len(panel.regression.train_points.data) == len(ds.x_train)


def test_the_table_page_shows_a_linear_models_coefficients_in_the_files_units(panel, tmp_path):
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 5, (40, 3))
    exp, ds = csv_experiment(tmp_path, ("a", "b", "c", "y"), np.column_stack([x, x @ [1.5, -0.5, 2] + 4]))
    panel.set_network(exp.network)
    panel.set_dataset(ds)
    assert panel.page == "table"
    panel.update_snapshot(Snapshot(epoch=1, step=1, weights=scaled_weights(ds, [1.5, -0.5, 2.0], 4.0)))
    assert "Fitted, in the file's units: y = 1.5·a − 0.5·b + 2·c + 4" in panel.summary.text()


def test_the_inside_hover_gives_a_weight_and_the_bias_in_the_files_units(qtbot, line):
    exp, ds = line
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.set_network(exp, ds)
    view.show()
    qtbot.waitExposed(view)
    weights = scaled_weights(ds, [3.0], 2.0)
    view.update_snapshot(Snapshot(epoch=1, step=1, weights=weights))
    qtbot.mouseMove(view, view.connection_midpoint(0, 0, 0))
    qtbot.waitUntil(lambda: "slope" in view.hover_text, timeout=WAIT)
    assert view.hover_text.endswith("In the file's units: slope 3 per unit of x")
    assert f"{weights[0][0][0, 0]:.4g}" in view.hover_text  # the weight as trained stays first
    qtbot.mouseMove(view, view.bias_center(0, 0))
    qtbot.waitUntil(lambda: "intercept" in view.hover_text, timeout=WAIT)
    assert view.hover_text.endswith("In the file's units: intercept 2")
