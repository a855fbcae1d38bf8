"""The optimizer calculator: the course's example in each convention, and every optimizer against torch."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from playground.core.calculators.numbers import CalcError
from playground.core.calculators.optimizer_calc import (
    COURSE_EXAMPLE,
    COURSE_NOTE,
    OptimizerInputs,
    all_steps,
    conventions,
    hyper_for,
    notes,
    step_of,
)
from playground.core.optimizers import OPTIMIZERS, make_optimizer


def by_key(x):
    return {c.convention.key: c for c in conventions(x)}


def test_the_course_example_in_each_convention():
    forms = by_key(COURSE_EXAMPLE)
    assert forms["course"].new == pytest.approx((1.545, 2.28), abs=1e-12)  # by hand: 1 + .05 + .9·.55
    assert forms["pytorch"].new == pytest.approx((1.005, 2.091), abs=1e-12)  # v = .45 − .5; 1 − .1·(−.05)
    assert forms["textbook"].new == pytest.approx((1.5, 2.19), abs=1e-12)  # v = .45 + .05; 1 + .5
    assert forms["textbook"].velocity == pytest.approx((0.5, 0.19), abs=1e-12)


def test_the_course_example_says_the_printed_numbers_are_slips_and_other_inputs_do_not():
    assert COURSE_NOTE in notes(COURSE_EXAMPLE)
    assert "(1.3, 2.4)" in COURSE_NOTE and "(1.545, 2.28)" in COURSE_NOTE
    assert COURSE_NOTE not in notes(dataclasses.replace(COURSE_EXAMPLE, lr=0.2))


def test_without_a_velocity_the_conventions_start_from_zero():
    x = OptimizerInputs(w=(1.0,), g=(2.0,), lr=0.5, beta=0.9)
    forms = by_key(x)
    assert forms["pytorch"].new == pytest.approx((0.0,))  # v = g; 1 − .5·2
    assert forms["textbook"].new == pytest.approx((0.0,))  # v = −.5·2; 1 − 1
    assert forms["course"].new == pytest.approx((1 - 1 + 0.9 * -1,))


def torch_step(name, x):
    """Torch's own optimizer from the same registry entry, its state set from the inputs."""
    hyper = hyper_for(OPTIMIZERS[name], x)
    p = torch.tensor(x.w, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(name, hyper, [p])
    p.grad = torch.ones_like(p)
    opt.step()  # creates the state in torch's format; then overwrite it with the inputs
    with torch.no_grad():
        p.copy_(torch.tensor(x.w, dtype=torch.float64))
    state = opt.state[p]
    given = {"momentum_buffer": x.v, "exp_avg": x.m, "sum": x.s, "square_avg": x.s, "exp_avg_sq": x.s}
    for key in list(state):
        if key == "step":
            state[key] = torch.tensor(float(x.t), dtype=state[key].dtype)
        elif given[key] is not None:
            state[key] = torch.tensor(given[key], dtype=torch.float64)
        elif key == "momentum_buffer":
            del state[key]  # no velocity yet: torch's first step
        else:
            state[key] = torch.zeros_like(p)
    p.grad = torch.tensor(x.g, dtype=torch.float64)
    opt.step()
    return tuple(p.detach().tolist())


FIRST = OptimizerInputs(w=(0.5, -1.0), g=(0.2, 0.4), lr=0.05)
STATEFUL = OptimizerInputs(w=(1.0, 2.0, -0.3), g=(-0.5, -1.0, 0.25), lr=0.1, beta=0.8, v=(0.5, 0.1, -0.2),
                           m=(0.05, -0.2, 0.1), s=(0.3, 0.02, 0.5), t=3, beta2=0.99, alpha=0.9, eps=1e-6,
                           weight_decay=0.05)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("x", [COURSE_EXAMPLE, STATEFUL, FIRST], ids=["course", "stateful", "first-step"])
def test_every_optimizer_matches_torch_optim(name, x):
    assert step_of(name, x).new == pytest.approx(torch_step(name, x), rel=1e-12, abs=1e-12)


def test_every_registered_optimizer_is_worked_with_lines_per_weight():
    steps = all_steps(STATEFUL)
    assert [s.name for s in steps] == list(OPTIMIZERS)
    for s in steps:
        assert len(s.worked) == 3 and all(s.worked) and s.formula == OPTIMIZERS[s.name].formula


def test_negative_operands_are_bracketed_in_every_worked_line():
    """`0.1·-0.5` reads as a typo to a learner; every rule writes `0.1·(−0.5)`."""
    course = OptimizerInputs(w=(1.0, 2.0), g=(-0.5, -1.0), lr=0.1, beta=0.9, v=(-0.5, 0.1))
    lines = [line for s in all_steps(course) + all_steps(STATEFUL) for weight in s.worked for line in weight]
    assert any("(−0.5)" in line for line in lines)
    for line in lines:
        assert not any(bad in line for bad in ("·-", "·−", "+ -", "+ −", "- -", "− -", "− −")), line


@pytest.mark.parametrize("change, message", [
    (dict(g=(1.0,)), "g has 1 value(s) but w has 2"),
    (dict(v=(1.0, 2.0, 3.0)), "v has 3 value(s) but w has 2"),
    (dict(beta=1.0), "beta must be below 1"),
    (dict(lr=0.0), "lr must be above 0"),
    (dict(lr=-1.0), "lr must be a finite number of at least 0"),
    (dict(s=(-1.0, 0.0)), "s holds squared gradients"),
    (dict(t=-1), "t counts the steps"),
])
def test_bad_inputs_name_the_field(change, message):
    with pytest.raises(CalcError, match=message.replace("(", r"\(").replace(")", r"\)")):
        all_steps(dataclasses.replace(COURSE_EXAMPLE, **change))
