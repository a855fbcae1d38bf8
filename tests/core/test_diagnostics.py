"""core.diagnostics: the Dynamics tab's verdict on a run's gradients, without Qt."""

from __future__ import annotations

import numpy as np

from playground.core.diagnostics import diagnose_gradients, gradient_ratio, layer_series, saturating
from playground.core.experiment import experiment_from_dict


def _exp(activation: str):
    return experiment_from_dict({"data": {"dataset": "circle"}, "network": {"layers": [
        {"type": "dense", "units": 4, "activation": activation}]}})


def _history(first: np.ndarray, head: float = 0.1) -> dict[str, np.ndarray]:
    n = len(first)
    return {"epoch": np.arange(1.0, n + 1), "grad_norm.0": first, "grad_norm.1": np.full(n, 1e-3),
            "grad_norm.2": np.full(n, head), "dead.1": np.zeros(n), "lr": np.full(n, 0.1)}


def test_layer_series_reads_the_columns_of_each_block_by_index():
    history = _history(np.full(3, 0.5))
    assert sorted(layer_series(history, "grad_norm")) == [0, 1, 2]
    assert layer_series(history, "dead", "saturated") == {1: ("dead", history["dead.1"])}


def test_the_ratio_is_the_median_of_first_over_head_over_the_last_epochs():
    first = np.array([9.0, 9.0, 0.01, 0.02, 1.0, 0.03, 0.02])  # old epochs ignored, one outlier
    assert gradient_ratio(_history(first, head=1.0), window=5) == 0.02
    assert gradient_ratio({"grad_norm.0": np.ones(3)}) is None  # one layer: nothing to compare
    assert gradient_ratio(_history(np.zeros(4))) is None  # no finite positive ratio


def test_verdicts_at_the_thresholds():
    assert diagnose_gradients(_history(np.full(10, 1e-4))).verdict == "vanishing"
    assert diagnose_gradients(_history(np.full(10, 1.1e-3))).verdict == "healthy"  # ratio 0.011
    assert diagnose_gradients(_history(np.full(10, 11.0))).verdict == "exploding"  # ratio 110
    assert diagnose_gradients(_history(np.full(10, 9.0))).verdict == "healthy"  # ratio 90
    assert diagnose_gradients({"epoch": np.arange(3.0)}).verdict == "unknown"
    d = diagnose_gradients(_history(np.full(10, 1e-4)))
    assert np.isclose(d.ratio, 1e-3)


def test_saturating_layers_make_relu_the_first_remedy():
    vanishing = _history(np.full(10, 1e-6))
    assert saturating(_exp("tanh")) and saturating(_exp("sigmoid"))
    assert not saturating(_exp("relu")) and not saturating(None)
    assert diagnose_gradients(vanishing, _exp("tanh")).saturating
    assert not diagnose_gradients(vanishing, _exp("relu")).saturating
