"""Settings by path (`--set`), applying values to a preset, and the preset's `search` section."""

from __future__ import annotations

import json

import pytest

from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.presets import load_preset, preset_to_text, resolve_preset
from playground.core.search.paths import apply, get, parse_set, trial_experiment


def adam() -> dict:
    return experiment_to_dict(load_preset(resolve_preset("optimizer-adam")))


def test_set_reads_values_and_ranges_as_json_would():
    p = parse_set("training.optimizer.lr=0.001,0.01,1")
    assert p.values == (0.001, 0.01, 1) and not p.is_range
    assert parse_set("training.optimizer.name=sgd,adam").values == ("sgd", "adam")
    r = parse_set("training.optimizer.lr=1e-4..1")
    assert (r.low, r.high, r.log, r.integer) == (1e-4, 1, True, False)
    units = parse_set("network.layers[0].units=2..8")
    assert units.path == "network.layers.0.units" and units.integer and not units.log


@pytest.mark.parametrize("text, named", [
    ("training.optimizer.lr", "--set"), ("=1,2", "--set"), ("training.l2=1..0.1", "training.l2"),
    ("training.l2=0.1,0.1", "training.l2"), ("training.l2=a..b", "training.l2.low")])
def test_a_bad_set_is_refused_naming_it(text, named):
    with pytest.raises(SpecError) as e:
        parse_set(text)
    assert e.value.path == named


def test_values_land_at_their_paths_and_the_original_is_untouched():
    d = adam()
    out = apply(d, {"training.optimizer.lr": 0.5, "network.layers.1.units": 3, "training.batch_size": 20})
    assert get(out, "training.optimizer.lr") == 0.5 and get(out, "network.layers[1].units") == 3
    assert get(d, "training.optimizer.lr") == 0.01
    exp = trial_experiment(d, {"training.optimizer.lr": 0.5})
    assert exp.training.optimizer.params["lr"] == 0.5


def test_switching_the_optimizer_keeps_only_what_it_takes():
    exp = trial_experiment(adam(), {"training.optimizer.name": "sgd"})
    assert exp.training.optimizer.name == "sgd" and dict(exp.training.optimizer.params) == {"lr": 0.01}


@pytest.mark.parametrize("values, message", [
    ({"training.optimizer.lr": -1}, "training.optimizer.lr: must be > 0, got -1"),
    ({"training.optimizer.lrr": 1}, "training.optimizer.lrr: unknown parameter"),
    ({"network.layers.5.units": 3}, "network.layers.5.units: has no item 5"),
    ({"nothing.here": 3}, "nothing.here: is not a setting"),
    ({"training.optimizer.name": "nope"}, "training.optimizer.name: unknown optimizer")])
def test_a_bad_path_or_value_names_the_path(values, message):
    with pytest.raises(SpecError) as e:
        trial_experiment(adam(), values)
    assert str(e.value).startswith(message)


# ------------------------------------------------------------------ the search section ----------

def test_a_search_section_round_trips_and_a_preset_without_one_writes_none():
    d = adam()
    assert "search" not in d
    params = {"training.optimizer.lr": {"low": 1e-4, "high": 1}, "training.batch_size": [10, 20]}
    d["search"] = {"sampler": "random", "trials": 3, "params": params}
    exp = experiment_from_dict(d)
    written = json.loads(preset_to_text(exp))
    assert written["search"] == {"sampler": "random", "trials": 3, "folds": 0, "pruner": "none",
                                 "params": d["search"]["params"]}
    assert experiment_to_dict(experiment_from_dict(written)) == written


@pytest.mark.parametrize("search, message", [
    ({"sampler": "bayes", "params": {"a.b": [1]}}, "search.sampler: must be one of grid, random, tpe"),
    ({"params": {}}, "search.params: must name at least one setting"),
    ({"params": {"training.l2": []}}, "search.params.training.l2: must be a non-empty list"),
    ({"params": {"training.l2": {"low": 1, "high": 0.1}}}, "search.params.training.l2: low must be below"),
    ({"sampler": "grid", "params": {"training.l2": {"low": 0, "high": 1}}},
     "search.params.training.l2: a range"),
    ({"folds": 1, "params": {"training.l2": [0]}}, "search.folds: must be 0"),
    ({"trial": 3, "params": {"training.l2": [0]}}, "search.trial: unknown field")])
def test_a_bad_search_section_is_refused_naming_the_field(search, message):
    d = adam()
    d["search"] = search
    with pytest.raises(SpecError) as e:
        experiment_from_dict(d)
    assert str(e.value).startswith(message)
