"""How far two float32 computations of the same thing may differ: one rule, derived, not tuned.

A float32 twin and torch (or torch in two processes with different BLAS threads, or a float64
formula and torch's float32 kernel) add the same numbers in different orders. Recursive summation of
n terms is exact to within (n-1)·u of the sum of the terms' magnitudes (Higham, "Accuracy and
Stability of Numerical Algorithms", §4.2; u = eps/2 is float32's unit roundoff), so two orders differ
by at most n·eps of that magnitude. Elementwise functions (tanh, exp, sqrt) round within an ulp or two,
which the same bound covers for any sum of two or more terms. Each training step starts from the
weights the previous one left, so the differences of `steps` steps add up: the bound grows linearly.

    tolerance = eps32 · (longest_sum · steps + then_sum)

`longest_sum` is the longest sum one step computes: the batch size for a gradient, the widest fan-in
for a forward pass, the split size for a loss over a data set, the number of operations in an update
formula; `then_sum` is one more sum over the result, not repeated (a loss over the test split after
the run). The bound is relative to the magnitude of what was summed: for an array, its largest element
(an element near zero may be a near-cancelled sum of large neighbours); for a scalar, the caller
passes the scale of the terms it came from.

A test tuned to what one CPU happens to produce (1e-5 passed here and failed on another x86 machine
by 15 %) is a flaky test; a real mistake in a formula is off by orders of magnitude more than this.
"""

from __future__ import annotations

import numpy as np
import pytest

FLOAT32_EPS = float(np.finfo(np.float32).eps)  # 2**-23
# Roundings in one optimizer update written out (Adam's: two moments, two bias corrections, a square
# root, an epsilon, a division, the step): the "longest sum" when a formula is checked against torch.
UPDATE_ROUNDINGS = 8


def float32_tolerance(steps: int = 1, longest_sum: int = 2, then_sum: int = 0) -> float:
    """The relative difference two float32 summation orders may reach after `steps` dependent steps,
    plus one more sum of `then_sum` terms over the result (a loss or metric over a whole split)."""
    return FLOAT32_EPS * (max(int(longest_sum), 2) * max(int(steps), 1) + max(int(then_sum), 0))


def assert_float32_close(actual, expected, *, steps: int = 1, longest_sum: int = 2, then_sum: int = 0,
                         scale: float | None = None, what: str = "") -> None:
    """Arrays (or scalars) equal within `float32_tolerance`, relative to `scale` (default: the largest
    magnitude in `expected`)."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    tol = float32_tolerance(steps, longest_sum, then_sum)
    if scale is None:
        finite = expected[np.isfinite(expected)]
        scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale, err_msg=what)


def run_terms(exp, steps: int) -> dict:
    """The rule's terms for a whole run of experiment `exp` that took `steps` steps: the longest sum per
    step (the batch, or the widest layer), then one sum over the data for the figures reported after."""
    batch = exp.training.batch_size or exp.data.samples
    widest = max([2] + [layer.params.get("units", 0) for layer in exp.network.layers])
    return {"steps": steps, "longest_sum": max(batch, widest), "then_sum": exp.data.samples}


def float32_approx(expected: float, *, steps: int = 1, longest_sum: int = 2, then_sum: int = 0,
                   scale: float | None = None):
    """`pytest.approx` with the same rule, for one number (scale defaults to the number itself)."""
    tol = float32_tolerance(steps, longest_sum, then_sum)
    return pytest.approx(expected, rel=tol, abs=tol * abs(expected if scale is None else scale))
