"""Schedules give the documented multipliers, including warm-up and plateau cuts."""

import math

import pytest
import torch

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


def torch_lrs(make_scheduler, lr: float, epochs: int) -> list[float]:
    """The learning rate torch uses in each epoch when its scheduler steps once per epoch."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return out


@pytest.mark.parametrize(("name", "params", "make_scheduler"), [
    ("exponential", {"gamma": 0.97}, lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97)),
    ("step", {"step_size": 7, "gamma": 0.5}, lambda opt: torch.optim.lr_scheduler.StepLR(opt, 7, gamma=0.5)),
    ("cosine", {"period": 30, "min_factor": 0.1},
     lambda opt: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=30, eta_min=0.1 * 0.3)),
], ids=["exponential", "step", "cosine"])
def test_lr_history_equals_torchs_scheduler(name, params, make_scheduler):
    lr, epochs = 0.3, 100
    s = sched(name, **params)
    ours = [lr * s.factor(e) for e in range(epochs)]
    assert ours == pytest.approx(torch_lrs(make_scheduler, lr, epochs), rel=1e-9, abs=1e-15)


def test_each_decay_schedule_states_its_formula_and_torch_class():
    for name, formula, torch_class in (("step", "gamma^⌊epoch / step_size⌋", "StepLR"),
                                       ("exponential", "lr · gamma^epoch", "ExponentialLR"),
                                       ("cosine", "cos(π·t / period)", "CosineAnnealingWarmRestarts")):
        assert formula in SCHEDULES[name].help and torch_class in SCHEDULES[name].help
