"""Run labels name the optimizer and rate (with live changes), then what sets a run apart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from playground.core import edits as _edits
from playground.core.experiment import LayerSpec, default_experiment
from playground.gui.run_labels import differences, lr_text, run_details, run_label

BASE = default_experiment()  # sgd lr 0.03, batch 10, Dense 4 tanh → Dense 2 tanh on the circle


def with_layers(exp, *layers):
    return replace(exp, network=replace(exp.network, layers=tuple(layers)))


DENSE4, DENSE2 = BASE.network.layers
DROPOUT = LayerSpec("dropout", {"rate": 0.3})


@pytest.mark.parametrize("other, mine, theirs", [
    (_edits.with_training(BASE, batch_size=25), ["batch 10"], ["batch 25"]),
    (_edits.with_training(BASE, batch_size=0), ["batch 10"], ["full batch"]),
    (_edits.with_training(BASE, l2=0.001), ["L2 0"], ["L2 0.001"]),
    (with_layers(BASE, DENSE4, DROPOUT, DENSE2), ["Dense 4 tanh → Dense 2 tanh"],
     ["Dense 4 tanh → Dropout 0.3 → Dense 2 tanh"]),
    (with_layers(BASE, DENSE4, DENSE4, DENSE2), ["Dense 4 tanh → Dense 2 tanh"],
     ["Dense 4 tanh ×2 → Dense 2 tanh"]),
    (with_layers(BASE, LayerSpec("dense", {**DENSE4.params, "initializer": "zeros"}), DENSE2),
     ["layer 1 initializer default"], ["layer 1 initializer zeros"]),
    (_edits.with_data(BASE, noise=0.2), ["noise 0"], ["noise 0.2"]),
    (_edits.with_data(BASE, dataset="xor"), ["Circle"], ["Exclusive or"]),
    (replace(BASE, seed=4), ["seed 0"], ["seed 4"]),
    (_edits.with_early_stopping(BASE, "enabled", True), ["no early stopping"], ["early stopping"]),
    (_edits.with_optimizer_param(BASE, "momentum", 0.9), [], []),  # sgd here has no momentum to name
    (_edits.with_optimizer_param(BASE, "lr", 0.3), [], []),  # every label names the rate anyway
    (BASE, [], []),
])
def test_labels_name_exactly_the_settings_that_differ(other, mine, theirs):
    assert differences(BASE, [other]) == mine
    assert differences(other, [BASE]) == theirs


def test_a_choice_s_own_parameters_are_compared_only_with_the_same_choice():
    adam = _edits.with_optimizer(BASE, "adam")
    assert differences(adam, [BASE]) == []  # its betas are not news next to an SGD run
    assert run_label(2, adam, [BASE]) == "Run 2 · adam lr 0.001"
    momentum = _edits.with_optimizer(BASE, "momentum")
    faster = _edits.with_optimizer_param(momentum, "momentum", 0.5)
    assert differences(faster, [momentum, BASE]) == ["momentum 0.5"]
    stopping = _edits.with_early_stopping(BASE, "enabled", True)
    patient = _edits.with_early_stopping(stopping, "patience", 10)
    assert differences(patient, [stopping, BASE]) == ["early stopping", "patience 10"]


def test_a_label_names_every_difference_from_any_other_kept_run():
    a = _edits.with_training(BASE, batch_size=25)
    b = _edits.with_training(BASE, l2=0.01)
    assert run_label(1, BASE, [a, b]) == "Run 1 · sgd lr 0.03 · batch 10 · L2 0"
    assert run_label(2, a, [BASE, b]) == "Run 2 · sgd lr 0.03 · batch 25 · L2 0"
    assert run_label(3, b, [BASE, a]) == "Run 3 · sgd lr 0.03 · batch 10 · L2 0.01"
    assert run_label(1, BASE) == "Run 1 · sgd lr 0.03"  # alone: nothing to tell apart


def test_live_rate_changes_show_in_the_label_and_the_tooltip():
    assert lr_text(0.03, [(120, 3000, 10.0)]) == "0.03→10 @ epoch 120"
    assert run_label(1, BASE, [], [(120, 3000, 10.0)]) == "Run 1 · sgd lr 0.03→10 @ epoch 120"
    many = [(e, 25 * e, lr) for e, lr in ((10, 0.1), (20, 0.3), (30, 1.0), (1500, 1e-5))]
    assert lr_text(0.03, many) == "0.03→…→0.3 @ epoch 20→1 @ epoch 30→1e-5 @ epoch 1,500"
    details = run_details(BASE, many)
    assert ("Learning rate changed while training: 0.03 at the start, then 0.1 from epoch 10 (step 250); "
            "0.3 from epoch 20 (step 500); 1 from epoch 30 (step 750); 1e-5 from epoch 1,500 (step 37,500)."
            ) in details
    assert "changed" not in run_details(BASE)
