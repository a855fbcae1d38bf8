"""Data augmentation: what each transform does, seeding, validation, round-trip, and where it applies."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from playground.core.augment import augment
from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.presets import SHIPPED_DIR
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end


def dot(h=7, w=7, at=(3, 3), n=1):
    x = torch.zeros(n, 1, h, w)
    x[:, 0, at[0], at[1]] = 1.0
    return x


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_off_returns_the_batch_itself_and_draws_nothing():
    x, g = dot(), gen()
    before = g.get_state()
    assert augment(x, {}, g) is x and augment(x, {"shift": 0, "rotate": 0.0, "noise": 0.0}, g) is x
    assert torch.equal(g.get_state(), before)


def test_points_are_never_augmented():
    x = torch.rand(10, 2)
    assert augment(x, {"shift": 2, "noise": 0.5}, gen()) is x


def test_whole_pixel_shifts_move_the_image_exactly_within_the_limit():
    x = dot(n=200)
    y = augment(x, {"shift": 2}, gen())
    assert torch.allclose(y.sum(dim=(1, 2, 3)), torch.ones(200), atol=1e-5)  # moved, not blurred
    where = [(r - 3, c - 3) for r, c in (y[:, 0] > 0.99).nonzero()[:, 1:].tolist()]
    assert len(where) == 200 and {max(abs(r), abs(c)) for r, c in where} <= {0, 1, 2}
    assert len(set(where)) == 25  # every shift in [-2, 2]² is drawn


def test_rotation_turns_a_bar_about_the_centre():
    x = torch.zeros(1, 1, 9, 9)
    x[0, 0, 4, :] = 1.0  # a horizontal bar through the centre
    y = augment(x, {"rotate": 45.0}, gen(3))
    assert y[0, 0, 4, 4] == pytest.approx(1.0, abs=1e-5)  # the centre stays
    assert not torch.allclose(y, x, atol=0.05)  # the ends moved off the row


def test_noise_has_the_asked_std_and_stays_in_range():
    x = torch.full((50, 1, 8, 8), 0.5)
    y = augment(x, {"noise": 0.1}, gen())
    assert (y - x).std().item() == pytest.approx(0.1, rel=0.1)
    assert y.min() >= 0 and y.max() <= 1


def test_the_same_seed_gives_the_same_batch():
    x = torch.rand(8, 1, 8, 8)
    spec = {"shift": 1, "rotate": 10.0, "noise": 0.1}
    assert torch.equal(augment(x, spec, gen(5)), augment(x, spec, gen(5)))
    assert not torch.equal(augment(x, spec, gen(5)), augment(x, spec, gen(6)))


def digits_dict(**augment_section):
    d = json.loads((SHIPPED_DIR / "digits-mlp.json").read_text())
    d["version"] = 2
    if augment_section:
        d["data"]["augment"] = augment_section
    return d


def test_the_section_round_trips_and_fills_its_defaults():
    exp = experiment_from_dict(digits_dict(shift=2, rotate=10))
    assert dict(exp.data.augment) == {"shift": 2, "rotate": 10.0, "noise": 0.0}
    d = experiment_to_dict(exp)
    assert d["data"]["augment"] == {"shift": 2, "rotate": 10.0, "noise": 0.0}
    assert experiment_from_dict(copy.deepcopy(d)) == exp


def test_all_zeros_is_the_same_experiment_as_none_and_is_not_written():
    off = experiment_from_dict(digits_dict(shift=0, rotate=0, noise=0))
    assert off == experiment_from_dict(digits_dict())
    assert "augment" not in experiment_to_dict(off)["data"]


@pytest.mark.parametrize("section, path, message", [
    ({"shift": -1}, "data.augment.shift", "-1"),
    ({"shift": 1.5}, "data.augment.shift", "1.5"),
    ({"rotate": 90}, "data.augment.rotate", "90"),
    ({"noise": "lots"}, "data.augment.noise", "lots"),
    ({"blur": 1}, "data.augment.blur", "unknown parameter"),
])
def test_bad_values_name_the_field_and_the_value(section, path, message):
    with pytest.raises(SpecError) as e:
        experiment_from_dict(digits_dict(**section))
    assert e.value.path == path and message in str(e.value)


def test_point_data_refuses_augmentation():
    d = digits_dict(noise=0.1)
    d["data"].update(dataset="circle", samples=200)
    d["network"]["layers"] = [{"type": "dense", "units": 4}]
    d["training"]["loss"] = "auto"
    with pytest.raises(SpecError, match="applies to image data sets only") as e:
        experiment_from_dict(d)
    assert e.value.path == "data.augment"


def test_an_augmented_run_stays_off_the_fast_engine_and_trains_differently():
    exp = experiment_from_dict(digits_dict(shift=1))
    plain_exp = replace(exp, data=replace(exp.data, augment={}))
    assert "augmentation" in TrainingRun(exp, RunOptions(epochs=1)).fast_reason
    assert TrainingRun(plain_exp, RunOptions(epochs=1)).fast_reason is None  # the MLP would go fast
    runs = [run_to_end(e, RunOptions(epochs=1, grid_resolution=8, weights=True)) for e in (exp, plain_exp)]
    assert not all(np.array_equal(a, b) for a, b in zip(*(r.weights for r in runs), strict=True))


def test_evaluation_sees_the_images_as_they_are():
    """The reported training loss is the model's loss on the unaugmented training images, even with
    augmentation so strong that an augmented evaluation would differ by far."""
    d = digits_dict(shift=2, rotate=30, noise=0.5)
    d["data"]["samples"] = 500
    d["training"]["optimizer"] = {"name": "adam", "lr": 0.01}
    exp = experiment_from_dict(d)
    run = TrainingRun(exp, RunOptions(epochs=5, grid_resolution=8))
    for last in run.snapshots():  # noqa: B007
        pass
    run.model.eval()
    with torch.no_grad():
        clean = run.loss_fn(run.model(run.train.x), run.train.y).item()
        noisy = run.loss_fn(run.model(augment(run.train.x, exp.data.augment, gen())), run.train.y).item()
    assert last.history["train_loss"][-1] == pytest.approx(clean, rel=1e-4)
    assert abs(noisy - clean) > 0.01 * clean  # 100 times the tolerance above: the check can tell
