"""The learning-rate range test on a simple preset: a finite curve, an exponential sweep of the rate,
a stop once the loss explodes, and a suggestion in a sensible range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.core.presets import load_preset, resolve_preset
from playground.core.search.lr_find import END_LR, EXPLODE, START_LR, lr_find


@pytest.fixture(scope="module")
def linear():
    return lr_find(load_preset(resolve_preset("linear-regression")))


def test_the_rate_rises_exponentially_from_1e7_and_the_curve_is_finite(linear):
    lrs = np.array(linear.lrs)
    assert lrs[0] == pytest.approx(START_LR)
    assert np.allclose(lrs[1:] / lrs[:-1], (END_LR / START_LR) ** (1 / 99))
    assert len(linear.losses) == len(linear.smoothed) == len(lrs)
    assert all(math.isfinite(v) for v in linear.losses + linear.smoothed)


def test_it_stops_once_the_smoothed_loss_passes_four_times_its_minimum(linear):
    smoothed = linear.smoothed
    assert len(smoothed) < 100  # the linear fit blows up before lr 10
    assert smoothed[-1] > EXPLODE * min(smoothed)
    assert all(s <= EXPLODE * min(smoothed[: i + 1]) for i, s in enumerate(smoothed[:-1]))


def test_the_suggestion_is_a_tenth_of_the_minimum_and_sensible(linear):
    # lr-too-high trains this fit at lr 1 and diverges; the course's rates are 0.01 to 0.1.
    assert 0.01 <= linear.suggested_lr < 1
    assert linear.suggested_lr == pytest.approx(linear.min_lr / 10)
    assert "min/10" in linear.reason and f"{linear.suggested_lr:.3g}" in linear.reason
    assert linear.steepest_lr is not None and linear.steepest_lr < linear.min_lr
    assert set(linear.to_json()) >= {"lrs", "losses", "suggested_lr"}


def test_it_can_be_cancelled_between_steps():
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 10

    finding = lr_find(load_preset(resolve_preset("linear-regression")), should_stop=stop)
    assert len(finding.lrs) == 10
