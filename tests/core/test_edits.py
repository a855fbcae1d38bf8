"""core.edits: the edited copies of an Experiment that the run bar and the training panel share."""

from __future__ import annotations

from playground.core import edits
from playground.core.experiment import NamedSpec, default_experiment
from playground.core.optimizers import OPTIMIZERS
from playground.core.params import defaults
from playground.core.schedules import SCHEDULES


def test_switching_optimizer_takes_its_defaults_and_the_same_one_changes_nothing():
    exp = edits.with_optimizer_param(default_experiment(), "lr", 0.5)
    adam = edits.with_optimizer(exp, "adam")
    assert adam.training.optimizer == NamedSpec("adam", defaults(OPTIMIZERS["adam"].params))
    assert edits.with_optimizer(exp, exp.training.optimizer.name) is exp  # the lr typed stays
    assert adam.network == exp.network and adam.data == exp.data


def test_one_parameter_changes_and_the_others_stay():
    exp = edits.with_optimizer(default_experiment(), "momentum")
    changed = edits.with_optimizer_param(exp, "lr", 0.25)
    assert edits.learning_rate(changed) == 0.25
    others = {k: v for k, v in changed.training.optimizer.params.items() if k != "lr"}
    assert others == {k: v for k, v in exp.training.optimizer.params.items() if k != "lr"}


def test_schedule_and_early_stopping_edits():
    exp = default_experiment()
    step = edits.with_schedule(exp, "step")
    assert step.training.schedule == NamedSpec("step", defaults(SCHEDULES["step"].params))
    assert edits.with_schedule(step, "step") is step
    assert edits.with_schedule_param(step, "gamma", 0.3).training.schedule.params["gamma"] == 0.3
    stopping = edits.with_early_stopping(exp, "patience", 7)
    assert stopping.training.early_stopping["patience"] == 7
    assert {k: v for k, v in stopping.training.early_stopping.items() if k != "patience"} == \
        {k: v for k, v in exp.training.early_stopping.items() if k != "patience"}
    assert edits.with_data(exp, samples=123).data.samples == 123
    assert edits.with_training(exp, batch_size=3).training.batch_size == 3


def test_only_a_learning_rate_edit_can_reach_a_running_trainer():
    exp = default_experiment()
    faster = edits.with_optimizer_param(exp, "lr", edits.learning_rate(exp) * 3)
    assert edits.only_learning_rate_changed(faster, exp)
    assert not edits.only_learning_rate_changed(exp, exp)
    both = edits.with_training(faster, batch_size=exp.training.batch_size + 1)
    assert not edits.only_learning_rate_changed(both, exp)


def test_a_new_name_or_description_is_not_a_different_run():
    exp = default_experiment()
    from dataclasses import replace

    assert not edits.affects_run(replace(exp, name="Other", description="words"), exp)
    assert edits.affects_run(edits.with_training(exp, batch_size=exp.training.batch_size + 1), exp)
