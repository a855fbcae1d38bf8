"""Two seeds: the data seed draws the points, their noise and the split; the training seed the
initial weights, the shuffling and dropout. Old presets (one seed for both) migrate unchanged."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from playground.core import presets
from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.presets import SHIPPED_DIR, load_preset
from playground.core.run.loop import TrainingRun
from playground.core.spec import FORMAT, VERSION

MOONS = {"seed": 4, "data": {"dataset": "moons", "samples": 100, "noise": 0.3},
         "network": {"layers": [{"type": "dense", "units": 3, "activation": "tanh"},
                                {"type": "dropout", "rate": 0.2}]},
         "training": {"epochs": 2}}


def arrays(run: TrainingRun) -> list[np.ndarray]:
    ds = run.dataset
    return [ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.raw_train, ds.raw_test]


def first_weights(run: TrainingRun) -> list[np.ndarray]:
    return [v.detach().numpy().copy() for v in run.model.state_dict().values()]


def test_a_new_training_seed_keeps_the_data_and_changes_the_initial_weights():
    exp = experiment_from_dict(MOONS)
    a, b = TrainingRun(exp), TrainingRun(replace(exp, seed=5))
    for x, y in zip(arrays(a), arrays(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(first_weights(a), first_weights(b), strict=True))


def test_a_new_data_seed_changes_the_data_and_keeps_the_initial_weights():
    exp = experiment_from_dict(MOONS)
    a, b = TrainingRun(exp), TrainingRun(replace(exp, data_seed=5))
    assert not np.array_equal(a.dataset.raw_train, b.dataset.raw_train)
    for x, y in zip(first_weights(a), first_weights(b), strict=True):
        np.testing.assert_array_equal(x, y)


def test_an_unset_data_seed_is_the_seed_and_both_round_trip():
    assert experiment_from_dict(MOONS).data_seed == 4  # a dict written with one seed means it for both
    exp = experiment_from_dict({**MOONS, "data_seed": 9})
    assert (exp.seed, exp.data_seed) == (4, 9)
    d = experiment_to_dict(exp)
    assert (d["seed"], d["data_seed"], d["version"]) == (4, 9, VERSION)
    assert experiment_from_dict(d) == exp


@pytest.mark.parametrize("value", [-1, 1.5, "7", 2**31])
def test_a_bad_data_seed_is_refused_naming_the_field(tmp_path, value):
    d = {**experiment_to_dict(experiment_from_dict(MOONS)), "data_seed": value}
    (tmp_path / "bad.json").write_text(json.dumps(d))
    with pytest.raises(SpecError) as err:
        load_preset(tmp_path / "bad.json")
    assert str(err.value).startswith("bad.json: data_seed: ")


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_preset_migrates_its_one_seed_into_both(tmp_path, version):
    """Version 2 → 3 (`presets._data_seed_from_seed`): the old seed becomes the data seed too, so
    the preset draws the same data and the same weights as before (the e2e preset claims hold)."""
    d = {"format": FORMAT, "version": version, **MOONS}
    migrated = presets.migrate(d)
    assert (migrated["version"], migrated["seed"], migrated["data_seed"]) == (VERSION, 4, 4)
    assert "data_seed" not in d  # the caller's dict is left alone
    (tmp_path / "old.json").write_text(json.dumps(d))
    exp = load_preset(tmp_path / "old.json")
    assert (exp.seed, exp.data_seed) == (4, 4)


def test_every_shipped_preset_keeps_its_seed_for_the_data():
    for path in sorted(SHIPPED_DIR.glob("*.json")):
        d = json.loads(path.read_text())
        exp = load_preset(path)
        assert exp.data_seed == exp.seed == d.get("seed", 0), path.name
