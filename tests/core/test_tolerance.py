"""The float32 rounding rule holds for real float32 sums in different orders, and is not vacuous."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tolerance import FLOAT32_EPS, assert_float32_close, float32_tolerance


@pytest.mark.parametrize("n", [2, 10, 100, 1000, 10000])
def test_two_summation_orders_stay_within_the_rule(n):
    rng = np.random.default_rng(n)
    for _ in range(50):
        x = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
        forward = np.float32(0)
        for v in x:  # recursive summation, one order
            forward = np.float32(forward + v)
        pairwise = x[::-1].sum(dtype=np.float32)  # numpy's pairwise summation, the other order
        assert_float32_close(pairwise, forward, longest_sum=n, scale=float(np.abs(x).sum()))


def test_the_rule_grows_with_steps_and_sums_and_still_catches_a_real_error():
    assert float32_tolerance(10, 10) == pytest.approx(100 * FLOAT32_EPS)
    assert float32_tolerance(1, 10, then_sum=50) == pytest.approx(60 * FLOAT32_EPS)
    assert float32_tolerance(200, 12) < 1e-3  # a whole test run: still far below a wrong formula
    with pytest.raises(AssertionError):
        assert_float32_close(1.0 + 1e-3, 1.0, steps=200, longest_sum=12)
