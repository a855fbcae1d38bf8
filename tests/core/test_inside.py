"""Step mode, live weight edits and the inside views agree with what torch actually does."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch

from playground.core import watch
from playground.core.experiment import experiment_from_dict
from playground.core.explain import StepDetail, explain_update
from playground.core.inside import DEAD, SATURATED, activity, unit_activity
from playground.core.optimizers import OPTIMIZERS
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.run.state import RunState
from tests.tolerance import UPDATE_ROUNDINGS, float32_approx


def circle(optimizer: dict | None = None, layers: list | None = None, **training) -> object:
    return experiment_from_dict({
        "seed": 1, "data": {"dataset": "circle", "samples": 120},
        "network": {"layers": layers if layers is not None else [{"type": "dense", "units": 3,
                                                                   "activation": "tanh"}]},
        "training": {"optimizer": optimizer or {"name": "sgd", "lr": 0.1}, "batch_size": 8,
                     "epochs": 0, **training}})


class Stepper:
    """Drives a paused run from a consumer thread, one command at a time."""

    def __init__(self, run: TrainingRun):
        self.run, self.snaps, self.cv = run, [], threading.Condition()
        self.thread = threading.Thread(target=self._consume, daemon=True)
        self.thread.start()
        self.wait(lambda s: s.state == RunState.PAUSED)

    def _consume(self):
        for s in self.run.snapshots():
            with self.cv:
                self.snaps.append(s)
                self.cv.notify_all()

    def wait(self, cond, start=0):
        with self.cv:
            assert self.cv.wait_for(lambda: any(cond(s) for s in self.snaps[start:]), timeout=20)
            return next(s for s in reversed(self.snaps) if cond(s))

    def step(self):
        n, target = len(self.snaps), self.run.step + 1
        self.run.step_batch()
        return self.wait(lambda s: s.step == target and s.state == RunState.PAUSED, n)

    def close(self):
        self.run.stop()
        self.thread.join(10)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_explained_update_equals_torch_for_every_optimizer(name):
    params = OPTIMIZERS[name].validate({}, "o")
    params["lr"] = 0.05
    extra = {"l2": 0.01, "grad_clip": 5.0} if name == "sgd" else {}
    run = TrainingRun(circle({"name": name, **params}, **extra), RunOptions(start_paused=True,
                                                                          slice_seconds=0.01))
    run.watch_parameter("0.linear.weight", 4)
    stepper = Stepper(run)
    try:
        for _ in range(3):  # several steps so optimizer state (momentum, averages) is in play
            snap = stepper.step()
            d = snap.step_detail
            assert d is not None and d.optimizer == name
            predicted, lines = explain_update(d)
            assert predicted == float32_approx(d.new, longest_sum=UPDATE_ROUNDINGS,
                                               scale=abs(d.old) + abs(d.new - d.old))
            assert d.new != d.old and len(lines) >= 2
        actual = float(dict(run.model.named_parameters())["0.linear.weight"].detach().reshape(-1)[4])
        assert actual == pytest.approx(d.new)
    finally:
        stepper.close()


def _count_torch_steps(run: TrainingRun) -> list[int]:
    """The step numbers `run` takes on torch (its fast path takes the others)."""
    steps: list[int] = []
    torch_stepper = run.steppers.torch
    step, watched_step = torch_stepper.step, torch_stepper.watched_step
    torch_stepper.step = lambda xb, yb: (steps.append(run.step + 1), step(xb, yb))[1]
    torch_stepper.watched_step = lambda xb, yb, number: (steps.append(run.step + 1),
                                                         watched_step(xb, yb, number))[1]
    return steps


def test_a_watched_free_run_explains_a_real_step_per_snapshot_and_trains_the_rest_fast():
    """Watching a weight must not put every step on torch: at most one watched (torch) step a slice."""
    run = TrainingRun(circle(epochs=4), RunOptions(slice_seconds=0.05))
    assert run.fast is not None
    torch_steps = _count_torch_steps(run)
    run.watch_parameter("0.linear.weight", 4)
    snaps = list(run.snapshots())
    assert snaps[-1].done and run.epoch == 4
    details = [s.step_detail for s in snaps]
    assert torch_steps == sorted({d.step for d in details})  # every torch step was a watched one...
    assert len(torch_steps) <= len(snaps) < run.step  # ...at most one per slice; the rest fast
    previous = 0
    for snap, d in zip(snaps, details, strict=True):
        assert previous <= d.step <= snap.step  # the newest watched step, never a future one
        assert explain_update(d)[0] == pytest.approx(d.new, rel=1e-5, abs=1e-7)
        previous = d.step


def test_a_free_run_watches_at_the_panels_pace_and_each_step_by_hand(monkeypatch):
    monkeypatch.setattr(watch, "WATCH_SECONDS", 3600.0)  # one watched step an hour while running freely
    run = TrainingRun(circle(epochs=0), RunOptions(slice_seconds=0.01))
    torch_steps = _count_torch_steps(run)
    run.watch_parameter("0.linear.weight", 4)
    gen = run.snapshots()
    snaps = [next(gen) for _ in range(5)]
    assert torch_steps == [1] and all(s.step_detail.step == 1 for s in snaps)
    run.pause()
    while next(gen).state != RunState.PAUSED:
        pass
    for _ in range(3):  # stepped by hand: every step is explained, whatever the pace
        run.step_batch()
        while (snap := next(gen)).state != RunState.PAUSED or snap.step != run.step:
            pass
        assert snap.step_detail.step == snap.step == torch_steps[-1]
    run.stop()
    list(gen)


def test_step_one_epoch_explains_the_epochs_last_step():
    run = TrainingRun(circle({"name": "adam", "lr": 0.01}), RunOptions(start_paused=True, slice_seconds=1))
    run.watch_parameter("0.linear.bias", 1)
    stepper = Stepper(run)
    try:
        n = len(stepper.snaps)
        run.step_epoch()
        snap = stepper.wait(lambda s: s.epoch == 1 and s.state == RunState.PAUSED, n)
        d = snap.step_detail
        assert d.step == snap.step == run.step and d.parameter == "0.linear.bias" and d.index == 1
        assert d.state_before["step"] == snap.step - 1  # Adam's own count: the step before it
        assert float(run.model[0].linear.bias.detach()[1]) == pytest.approx(d.new)
    finally:
        stepper.close()


def test_step_batch_advances_exactly_one_step():
    run = TrainingRun(circle(), RunOptions(start_paused=True, slice_seconds=0.01))
    stepper = Stepper(run)
    try:
        assert stepper.step().step == 1
        assert stepper.step().step == 2
        assert run.epoch == 0
    finally:
        stepper.close()


def test_set_parameter_changes_model_output_by_expected_amount():
    run = TrainingRun(circle(), RunOptions(start_paused=True, slice_seconds=0.01))
    stepper = Stepper(run)
    try:
        x = torch.tensor([[1.0, 2.0]])
        head = run.model[-1]
        with torch.no_grad():
            logit = run.model.eval()(x).item()
            w_old = float(head.linear.weight.detach()[0, 1])
        hidden = run.model[:-1](x)[0, 1].item()  # the unit that weight multiplies
        n = len(stepper.snaps)
        run.set_parameter(f"{len(run.model) - 1}.linear.weight", 1, w_old + 0.5)
        stepper.wait(lambda s: True, n)  # the paused loop applies it and reports
        with torch.no_grad():
            new_logit = run.model(x).item()
        assert float(head.linear.weight.detach()[0, 1]) == pytest.approx(w_old + 0.5)
        assert new_logit - logit == pytest.approx(0.5 * hidden, abs=1e-6)
    finally:
        stepper.close()


def test_activity_counts_dead_relu_and_saturated_tanh():
    from playground.core.model import build_model

    exp = circle(layers=[{"type": "dense", "units": 4, "activation": "relu"},
                         {"type": "dense", "units": 4, "activation": "tanh"}])
    model = build_model(exp.network, (2,), 1, seed=0)
    with torch.no_grad():
        model[0].linear.weight.zero_()
        model[0].linear.bias.copy_(torch.tensor([-1.0, -1.0, 1.0, 1.0]))  # two units never fire
        model[1].linear.weight.fill_(0.0)
        model[1].linear.bias.copy_(torch.tensor([10.0, -10.0, 0.0, 0.0]))  # two units pinned
    model.eval()
    stats = activity(model, torch.randn(50, 2))
    assert stats["0"] == (DEAD, 0.5)
    assert stats["1"][0] == SATURATED and stats["1"][1] == pytest.approx(0.5)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu", "softplus", "gelu", "tanh", "sigmoid",
                                 "linear"])
def test_unit_activity_is_the_statistic_torch_states(act):
    """The one definition both paths call, against the statistic written out in torch."""
    from playground.core.activations import ACTIVATIONS

    g = torch.Generator().manual_seed(1)
    z = torch.randn(200, 16, generator=g) * 4 + torch.linspace(-12, 6, 16)  # some units always off
    u = {"relu": torch.relu, "leaky_relu": torch.nn.functional.leaky_relu, "elu": torch.nn.functional.elu,
         "softplus": torch.nn.functional.softplus, "gelu": torch.nn.functional.gelu, "tanh": torch.tanh,
         "sigmoid": torch.sigmoid, "linear": lambda t: t}[act](z)
    family = ACTIVATIONS[act].family
    got = unit_activity(act, u.numpy())
    if family == "relu":
        floor = 1e-3 if act == "softplus" else 0.0
        assert got == (DEAD, float((u.max(dim=0).values <= floor).float().mean()))
    elif family == "saturating":
        lo, hi = ACTIVATIONS[act].range
        pinned = (u <= lo + 0.01 * (hi - lo)) | (u >= hi - 0.01 * (hi - lo))
        assert got == (SATURATED, float(pinned.float().mean()))
        assert 0 < got[1] < 1
    else:
        assert got is None


def test_history_and_snapshot_carry_activity():
    run = TrainingRun(circle(epochs=2, layers=[{"type": "dense", "units": 3, "activation": "relu"}]))
    snap = list(run.snapshots())[-1]
    assert snap.activity["0"][0] == DEAD
    assert len(snap.history["dead.0"]) == 2


def test_conv_filters_and_feature_maps():
    exp = experiment_from_dict({
        "data": {"dataset": "digits", "samples": 100},
        "network": {"layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
                               {"type": "maxpool2d"}, {"type": "conv2d", "filters": 6},
                               {"type": "flatten"}]},
        "training": {"optimizer": {"name": "adam"}, "batch_size": 32, "epochs": 1}})
    snap = list(TrainingRun(exp, RunOptions(conv_maps=True, feature_sample=3)).snapshots())[-1]
    assert snap.conv_filters.shape == (4, 1, 3, 3)
    assert [(i, m.shape) for i, m in snap.feature_maps] == [(0, (4, 8, 8)), (2, (6, 2, 2))]
    assert np.isfinite(snap.feature_maps[0][1]).all()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -2.0])
def test_a_diverged_step_is_worked_through_with_nan_not_an_exception(name, bad):
    """Step mode explains a blown-up step as torch computed it (inf, NaN) instead of raising (a negative
    average under a square root, int(NaN), a division by zero)."""
    hyper = {"lr": bad, "momentum": 0.9, "alpha": bad, "eps": bad, "beta1": bad, "beta2": bad,
             "weight_decay": 0.01}
    state = {"step": bad, "momentum_buffer": bad, "sum": bad, "square_avg": bad, "exp_avg": bad,
             "exp_avg_sq": bad}
    d = StepDetail(name, hyper, "0.linear.weight", 0, grad=bad, old=bad, new=math.nan, state_before=state,
                   state_after=state, step=7)
    predicted, lines = explain_update(d)
    assert isinstance(predicted, float) and all(isinstance(line, str) for line in lines)
    assert lines[-1].startswith("torch computed nan")
