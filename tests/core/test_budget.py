"""The network size cap: memory estimated from shape inference, checked before anything is built."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from playground.core import budget
from playground.core.budget import estimate, fit_problem, memory_budget, train_rows
from playground.core.errors import SpecError
from playground.core.experiment import (
    Experiment,
    default_experiment,
    experiment_from_dict,
    experiment_to_dict,
)
from playground.core.model import inspect_network
from playground.core.presets import preset_from_text
from playground.core.run.loop import TrainingRun

GiB = 2**30


def huge(layers: int = 200, units: int = 4096, **data) -> dict:
    d = experiment_to_dict(default_experiment())
    d["network"]["layers"] = [{"type": "dense", "units": units, "activation": "relu"}] * layers
    d["data"].update(data)
    return d


@pytest.fixture
def nothing_is_built(monkeypatch):
    """Fail the test if any torch layer is created: the refusal must come before allocation."""
    def refuse(*args, **kwargs):
        raise AssertionError("a torch layer was built")

    monkeypatch.setattr(torch.nn.Linear, "__init__", refuse)


def test_the_estimate_follows_the_stated_rule():
    exp = experiment_from_dict(huge(layers=2, units=100))  # 2 -> 100 -> 100 -> 1
    report = inspect_network(exp.network, (2,), 1)
    params = (2 * 100 + 100) + (100 * 100 + 100) + (100 + 1)
    assert report.total_params == params
    need = estimate(report, rows=10)
    assert need.parameters == params and need.parameter_bytes == params * budget.BYTES_PER_PARAMETER
    training = 10 * (2 + 100 + 100 + 1) * budget.BYTES_PER_VALUE
    grid = budget.GRID_ROWS * 3 * 100 * 4  # vector input: the boundary grid, the widest layer
    assert need.activation_bytes == max(training, grid)
    assert need.total == need.parameter_bytes + need.activation_bytes


def test_images_are_inferred_in_evaluation_chunks_not_on_a_grid():
    exp = experiment_from_dict({"format": "nn-playground.experiment", "version": 1,
                                "data": {"dataset": "digits"}, "network": {"layers": [{"type": "flatten"}]}})
    need = estimate(inspect_network(exp.network, (1, 8, 8), 10), rows=1)
    assert need.activation_bytes == budget.EVALUATION_ROWS * 3 * 64 * 4


def test_training_rows_are_the_batch_or_the_whole_training_split():
    exp = default_experiment()  # batch 10, 500 samples, half for training
    assert train_rows(exp) == 10
    whole = experiment_from_dict({**experiment_to_dict(exp),
                                  "training": {**experiment_to_dict(exp)["training"], "batch_size": 0}})
    assert train_rows(whole) == 250 and train_rows(whole, n_train=123) == 123


def test_the_budget_is_a_quarter_of_the_machine_and_at_most_the_ceiling(monkeypatch):
    monkeypatch.setattr(budget, "machine_memory", lambda: 8 * GiB)
    assert memory_budget() == (2 * GiB, "a quarter of this machine's 8 GiB")
    monkeypatch.setattr(budget, "machine_memory", lambda: 512 * GiB)
    assert memory_budget() == (budget.MEMORY_CEILING, "the most any network may use, whatever the "
                                                      "machine's 512 GiB")
    monkeypatch.setattr(budget, "machine_memory", lambda: None)
    assert memory_budget()[0] == budget.UNKNOWN_MEMORY // 4


def test_this_machines_memory_is_read():
    total = budget.machine_memory()
    assert total is not None and total > 256 * 2**20


def test_200_dense_layers_of_4096_are_refused_when_read_with_the_numbers(nothing_is_built):
    with pytest.raises(SpecError) as info:
        preset_from_text(json.dumps(huge()), "huge.json")
    message = str(info.value)
    params = 2 * 4096 + 4096 + 199 * (4096 * 4096 + 4096) + 4096 + 1
    assert budget.BYTES_PER_PARAMETER == 56  # the numbers below follow from it: 3.3e9 * 56 bytes
    assert message.startswith(f"huge.json: network: needs about 175 GiB of memory ({params:,} parameters "
                              "take 174 GiB with their gradients, optimizer state and copies")
    assert "a network may use" in message and message.endswith("use fewer or smaller layers")


def test_a_network_that_fits_is_accepted_and_the_line_is_drawn_at_the_budget(monkeypatch):
    d = huge(layers=4, units=1024)
    exp = experiment_from_dict(d)
    need = estimate(inspect_network(exp.network, (2,), 1), train_rows(exp)).total
    monkeypatch.setattr(budget, "memory_budget", lambda: (need, "a test budget"))
    experiment_from_dict(d)
    monkeypatch.setattr(budget, "memory_budget", lambda: (need - 1, "a test budget"))
    with pytest.raises(SpecError, match=r"network: needs about .*\(a test budget\)"):
        experiment_from_dict(d)


def test_fit_problem_is_empty_for_a_small_network():
    report = inspect_network(default_experiment().network, (2,), 1)
    assert fit_problem(report, 10) == ""


def test_a_csv_network_is_checked_once_the_data_gives_its_shape(tmp_path, nothing_is_built):
    """Preset validation cannot size a CSV network (the columns decide); the trainer does, before
    it builds anything."""
    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(f"{v:.3f}" for v in r) + f",{i % 2}" for i, r in enumerate(rng.random((50, 3))))
    (tmp_path / "d.csv").write_text("a,b,c,label\n" + rows + "\n")
    exp = experiment_from_dict(huge(dataset="csv", params={"path": str(tmp_path / "d.csv")}))
    assert isinstance(exp, Experiment)  # accepted statically: the input size is not known yet
    with pytest.raises(SpecError, match=r"^network: needs about 175 GiB of memory"):
        TrainingRun(exp)
