"""The search presets show what they claim: a grid and a random search of learning rates chosen on
validation, and cross-validation's mean and spread over 5 folds (trials in this process)."""

from __future__ import annotations

import pytest
import torch

from playground.core import torch_setup
from playground.core.presets import SHIPPED_DIR, load_preset
from playground.core.search.sweep import Sweep, plan_from_preset


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch_setup.set_threads()
    yield
    torch.set_num_threads(before)


def swept(name: str) -> tuple[Sweep, list[dict]]:
    exp = load_preset(SHIPPED_DIR / f"{name}.json")
    sweep = Sweep(exp, plan_from_preset(exp, workers=0))
    return sweep, sorted(sweep.results(), key=lambda r: r["params"]["training.optimizer.lr"])


def test_lr_search_grid_picks_a_middle_rate_on_validation():
    sweep, trials = swept("lr-search-grid")
    lrs = [t["params"]["training.optimizer.lr"] for t in trials]
    assert lrs == [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0] and sweep.note == ""
    best = sweep.best()
    assert best["val_loss"] == min(t["val_loss"] for t in trials)
    assert lrs[0] < best["params"]["training.optimizer.lr"] < lrs[-1]  # neither extreme wins
    assert trials[0]["val_loss"] > 10 * best["val_loss"]  # the smallest rate has barely learned


def test_lr_search_random_draws_eight_rates_over_decades():
    sweep, trials = swept("lr-search-random")
    lrs = [t["params"]["training.optimizer.lr"] for t in trials]
    assert len(set(lrs)) == 8 and all(1e-4 <= lr <= 1 for lr in lrs)
    assert lrs[-1] / lrs[0] > 10  # log-uniform draws spread over decades
    assert sweep.best()["val_loss"] == min(t["val_loss"] for t in trials)


def test_cross_validation_reports_five_folds_with_their_mean_and_spread():
    sweep, trials = swept("cross-validation")
    assert len(trials) == 3 and sweep.summary()["objective_text"] == "mean validation loss over folds"
    for t in trials:
        assert len(t["folds"]) == 5 and t["val_loss_std"] > 0
        assert t["val_loss"] == pytest.approx(sum(f["val_loss"] for f in t["folds"]) / 5)
    assert sweep.best()["params"]["training.optimizer.lr"] == 0.1
