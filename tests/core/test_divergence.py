"""A run that blows up ends as a divergence with advice, NaN or not; healthy spikes do not count."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from playground.core.divergence import BLOW_UP_EPOCHS, BLOW_UP_FACTOR, DivergenceCheck
from playground.core.optimizers import OPTIMIZERS, suggested_lr, unstable_lr
from playground.core.presets import SHIPPED_DIR, load_preset
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end
from playground.core.run.state import RunState


def circle_at(lr: float):
    """The shipped circle preset with only its learning rate changed."""
    exp = load_preset(SHIPPED_DIR / "circle.json")
    opt = exp.training.optimizer
    opt = replace(opt, params={**opt.params, "lr": lr})
    return replace(exp, training=replace(exp.training, optimizer=opt))


def run(exp, fast: bool):
    return run_to_end(exp, RunOptions(grid_resolution=8, slice_seconds=1.0, fast=fast))


# ------------------------------------------------------------------ the case ------------

@pytest.mark.parametrize("fast", [True, False], ids=["numpy", "torch"])
def test_learning_rate_100_on_the_circle_diverges_with_advice(fast):
    snap = run(circle_at(100.0), fast)
    assert snap.state == RunState.DIVERGED, snap.message
    assert snap.epoch == BLOW_UP_EPOCHS  # far above the start from the first epoch on
    loss = snap.history["train_loss"]
    assert np.all(np.isfinite(loss))  # no NaN: the old rule never fired here
    assert snap.message.startswith(f"Loss blew up at epoch {BLOW_UP_EPOCHS}:"), snap.message
    assert "learning rate (100) is probably too high" in snap.message
    assert "Try 0.1," in snap.message and "gradient clipping" in snap.message


def test_both_paths_report_the_blow_up_at_the_same_epoch():
    fast, ref = run(circle_at(100.0), True), run(circle_at(100.0), False)
    assert TrainingRun(circle_at(100.0)).fast is not None  # the default run really is the numpy one
    assert fast.state == ref.state == RunState.DIVERGED and fast.epoch == ref.epoch


def test_the_start_is_the_untrained_models_loss_on_both_paths():
    fast, ref = TrainingRun(circle_at(100.0)), TrainingRun(circle_at(100.0), RunOptions(fast=False))
    assert fast.divergence.start_loss == ref.divergence.start_loss
    assert fast.divergence.start_loss == pytest.approx(math.log(2), rel=0.05)  # chance for two classes


# ------------------------------------------------------------------ the rule ---------------------

def feed(check: DivergenceCheck, losses) -> list[str | None]:
    return [check.check(epoch, loss, lr=1.0) for epoch, loss in enumerate(losses, start=1)]


def test_the_loss_must_stay_far_above_its_start_for_several_epochs():
    above = BLOW_UP_FACTOR * 1.01
    losses = [0.9] + [above] * (BLOW_UP_EPOCHS - 1) + [0.5] + [above] * BLOW_UP_EPOCHS
    results = feed(DivergenceCheck(1.0, "sgd"), losses)
    assert results[:-1] == [None] * (len(losses) - 1)  # the first spike came back: not a divergence
    assert results[-1] is not None and f"at epoch {len(losses)}:" in results[-1]


def test_just_below_the_ceiling_never_counts():
    assert feed(DivergenceCheck(2.0, "sgd"), [2.0 * BLOW_UP_FACTOR] * 50) == [None] * 50


@pytest.mark.parametrize("loss,word", [(math.nan, "NaN"), (math.inf, "infinite")])
def test_nan_or_infinite_ends_the_run_at_once(loss, word):
    message = DivergenceCheck(1.0, "sgd").check(7, loss, lr=5.0)
    assert message == ("Loss became " + word + " at epoch 7: the learning rate (5) is probably too high. "
                       "Try 0.1, or turn on gradient clipping.")


def test_a_perfect_start_leaves_only_the_nan_rule():
    check = DivergenceCheck(0.0, "adam")
    assert feed(check, [1e6] * 10) == [None] * 10
    assert check.check(11, math.nan, lr=0.01) is not None


def test_with_clipping_on_the_advice_is_to_clip_harder():
    message = DivergenceCheck(1.0, "adam", grad_clip=5.0).check(1, math.nan, lr=1.0)
    assert "Try 0.03, or clip gradients harder (the norm limit is 5)." in message


# ------------------------------------------------------------------ the optimizer table ----------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_states_where_it_becomes_unstable(name):
    start = unstable_lr(name)
    default = next(p.default for p in OPTIMIZERS[name].params if p.name == "lr")
    assert default * 3 <= start <= 100  # its own default is far from the unstable range
    for lr in (start, 10 * start, 100.0):
        assert suggested_lr(name, lr) < start and suggested_lr(name, lr) <= lr / 10


def test_the_suggestion_is_a_tenth_when_that_is_already_safe():
    assert suggested_lr("sgd", 1.0) == pytest.approx(0.1)  # the lr-too-high preset: linear-regression's lr
    assert suggested_lr("sgd", 0.5) == pytest.approx(0.05)
    assert re.fullmatch(r"0\.1", f"{suggested_lr('sgd', 100.0):g}")
