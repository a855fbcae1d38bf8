"""Pure helpers that return an edited copy of an Experiment.

The run bar and the training panel offer some of the same settings (learning rate, loss,
optimizer, batch size); both build the new value here so the two can never disagree on what
"change the optimizer" means. Plain functions of Experiment values, so they live in the core
(no Qt): scripts and tests use the same edits the app makes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from playground.core.experiment import Experiment, NamedSpec
from playground.core.optimizers import OPTIMIZERS
from playground.core.params import defaults
from playground.core.schedules import SCHEDULES


def with_training(exp: Experiment, **changes: Any) -> Experiment:
    """`exp` with fields of its TrainingSpec replaced."""
    return replace(exp, training=replace(exp.training, **changes))


def with_data(exp: Experiment, **changes: Any) -> Experiment:
    """`exp` with fields of its DataSpec replaced."""
    return replace(exp, data=replace(exp.data, **changes))


def with_optimizer(exp: Experiment, name: str) -> Experiment:
    """Switch optimizer, taking the new one's defaults (learning rate included).

    Good learning rates differ by 10-30x between SGD and Adam, so carrying the old value over would
    make the first run after a switch look broken.
    """
    if name == exp.training.optimizer.name:
        return exp
    return with_training(exp, optimizer=NamedSpec(name, defaults(OPTIMIZERS[name].params)))


def with_optimizer_param(exp: Experiment, key: str, value: Any) -> Experiment:
    """`exp` with one optimizer parameter (e.g. ``lr``) changed."""
    opt = exp.training.optimizer
    return with_training(exp, optimizer=NamedSpec(opt.name, {**opt.params, key: value}))


def with_schedule(exp: Experiment, name: str) -> Experiment:
    """Switch learning-rate schedule, starting from its defaults."""
    if name == exp.training.schedule.name:
        return exp
    return with_training(exp, schedule=NamedSpec(name, defaults(SCHEDULES[name].params)))


def with_schedule_param(exp: Experiment, key: str, value: Any) -> Experiment:
    sched = exp.training.schedule
    return with_training(exp, schedule=NamedSpec(sched.name, {**sched.params, key: value}))


def with_early_stopping(exp: Experiment, key: str, value: Any) -> Experiment:
    return with_training(exp, early_stopping={**exp.training.early_stopping, key: value})


def learning_rate(exp: Experiment) -> float:
    return float(exp.training.optimizer.params["lr"])


def only_learning_rate_changed(new: Experiment, old: Experiment) -> bool:
    """True when `new` differs from `old` in the base learning rate and nothing else.

    That is the one edit a running trainer can take live; any other edit means a different run.
    """
    if learning_rate(new) == learning_rate(old):
        return False
    return with_optimizer_param(new, "lr", learning_rate(old)) == old


def only_pace_changed(new: Experiment, old: Experiment) -> bool:
    """True when `new` differs from `old` in the pace alone: how fast the window lets the run go, taken
    live (`core.speed`)."""
    return new.training.pace != old.training.pace and with_training(new, pace=old.training.pace) == old


def affects_run(new: Experiment, old: Experiment) -> bool:
    """Whether a run of `old` would be a different run under `new` (name, description and the pace at
    which it is watched don't count)."""
    same = replace(new, name=old.name, description=old.description)
    return with_training(same, pace=old.training.pace) != old

