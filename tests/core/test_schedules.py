"""Schedules give the documented multipliers, including warm-up and plateau cuts."""

import math

import pytest

from playground.core.schedules import SCHEDULES, make_schedule


def sched(name, **params):
    return make_schedule(name, SCHEDULES[name].validate(params, "schedule"))


def test_constant_is_one():
    s = sched("constant")
    assert [s.factor(e) for e in range(5)] == [1.0] * 5


def test_step_halves_every_step_size():
    s = sched("step", step_size=10, gamma=0.5)
    assert s.factor(9) == 1.0
    assert s.factor(10) == 0.5
    assert s.factor(25) == 0.25


def test_exponential():
    s = sched("exponential", gamma=0.9)
    assert s.factor(3) == pytest.approx(0.9**3)


def test_cosine_goes_from_one_to_min_and_restarts():
    s = sched("cosine", period=100, min_factor=0.1)
    assert s.factor(0) == pytest.approx(1.0)
    assert s.factor(50) == pytest.approx(0.55)
    assert s.factor(99) == pytest.approx(0.1, abs=1e-3)
    assert s.factor(100) == pytest.approx(1.0)


def test_warmup_ramps_linearly_then_follows_schedule():
    s = sched("step", step_size=10, gamma=0.5, warmup_epochs=4)
    assert [s.factor(e) for e in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert s.factor(4 + 10) == 0.5


def test_plateau_cuts_after_patience_and_respects_floor():
    s = sched("plateau", factor=0.5, patience=2, min_factor=0.2)
    s.observe(1, 1.0)
    for e in range(2, 5):
        s.observe(e, 1.0)  # no improvement
    assert s.factor(5) == 0.5
    for e in range(5, 20):
        s.observe(e, 1.0)
    assert s.factor(20) == 0.2
    s.observe(21, math.nan)  # ignored
    assert s.factor(21) == 0.2
