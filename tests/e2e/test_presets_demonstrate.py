"""End to end: every shipped preset loads, round-trips, trains headless and shows what it claims.

Each preset's description (shown in the Examples menu) says what to look at; the tests here train
the preset for a bounded number of epochs (fewer than its own limit where the effect shows early)
and check that claim. Presets carry seeds and the trainer is deterministic, so the thresholds are
fixed numbers, each chosen with a wide margin below/above what the seeded run actually reaches.

Runs use one torch thread (results do not depend on the core count, and the machine running the
suite is usually shared) and a coarse decision-boundary grid, which only affects the display.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import numpy as np
import pytest
import torch

from playground.core import torch_setup
from playground.core.datasets import DATASETS, load_dataset
from playground.core.divergence import BLOW_UP_EPOCHS, BLOW_UP_FACTOR
from playground.core.errors import MissingDataError
from playground.core.experiment import Experiment, experiment_to_dict
from playground.core.presets import SHIPPED_DIR, load_preset, save_preset, shipped_presets
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end
from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot

REQUIRED = ("circle", "xor", "gauss", "spiral", "single-neuron", "linear-regression", "digits-mlp",
            "digits-cnn", "mnist-cnn", "batch-full", "batch-mini", "batch-stochastic", "optimizer-sgd",
            "optimizer-momentum", "optimizer-adagrad", "optimizer-rmsprop", "optimizer-adam", "lr-too-high",
            "schedule-step", "schedule-cosine", "schedule-exponential", "mnist-mlp", "overfitting",
            "overfitting-l2", "overfitting-dropout", "early-stopping", "zero-init")

ALL_FILES = sorted(p.stem for p in SHIPPED_DIR.glob("*.json"))


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch_setup.set_threads()  # as `nn-playground train` does
    yield
    torch.set_num_threads(before)


def preset(name: str) -> Experiment:
    return load_preset(SHIPPED_DIR / f"{name}.json")


def train(exp: Experiment, epochs: int | None, **options) -> Snapshot:
    """Train headless to the end; `epochs` overrides the preset's limit (None keeps it)."""
    return run_to_end(exp, RunOptions(epochs=epochs, grid_resolution=8, slice_seconds=1.0, **options))


def trained(name: str, epochs: int | None, samples: int | None = None) -> Snapshot:
    """A shipped preset trained for `epochs` (on `samples` points if given), with weights; cached as
    several tests compare runs."""
    return _trained(name, epochs, samples)  # one cache key however the arguments were passed


@functools.cache
def _trained(name: str, epochs: int | None, samples: int | None) -> Snapshot:
    exp = preset(name) if samples is None else with_data(preset(name), samples=samples)
    return train(exp, epochs, weights=True)


def with_data(exp: Experiment, **changes) -> Experiment:
    return replace(exp, data=replace(exp.data, **changes))


def with_training(exp: Experiment, **changes) -> Experiment:
    return replace(exp, training=replace(exp.training, **changes))


def settings(name: str, *training_keys: str) -> dict:
    """The preset as a dict without its texts and without the named training settings."""
    d = experiment_to_dict(preset(name))
    del d["name"], d["description"]
    for key in training_keys:
        del d["training"][key]
    return d


def ups(series: np.ndarray) -> int:
    """Epochs in which the value went up."""
    return int(np.sum(np.diff(series) > 0))


# ------------------------------------------------------------------ the files themselves --------

def test_the_required_presets_are_shipped():
    missing = [name for name in REQUIRED if name not in ALL_FILES]
    assert not missing, f"missing presets: {missing}"


@pytest.mark.parametrize("name", ALL_FILES)
def test_preset_loads_round_trips_and_explains_itself(name, tmp_path):
    exp = preset(name)
    assert exp.name.strip() and len(exp.name) <= 60
    text = exp.description.strip()
    sentences = re.findall(r"[.!?](?:\s|$)", text)
    assert text.endswith(".") and 1 <= len(sentences) <= 3, f"{name}: 1-3 sentences please: {text!r}"
    assert "watch" in text.lower() or "compare" in text.lower(), f"{name}: say what to look at"
    save_preset(exp, tmp_path / f"{name}.json")
    assert experiment_to_dict(load_preset(tmp_path / f"{name}.json")) == experiment_to_dict(exp)


def test_the_examples_list_shows_every_preset_with_its_own_title():
    infos = {info.name: info for info in shipped_presets()}
    assert sorted(infos) == ALL_FILES
    for name, info in infos.items():
        exp = preset(name)
        assert (info.title, info.description) == (exp.name, exp.description)


def test_the_readme_lists_every_shipped_preset():
    readme = (SHIPPED_DIR.parent / "README.md").read_text(encoding="utf-8")
    missing = [name for name in ALL_FILES if f"`{name}`" not in readme]
    assert not missing, f"add {missing} to the README's list of presets"


def test_every_preset_has_a_demonstration_test():
    assert set(ALL_FILES) <= DEMONSTRATED, f"add a check for {sorted(set(ALL_FILES) - DEMONSTRATED)}"


# ------------------------------------------------------------------ the guided tour -------------

LEARNS = [  # (preset, epochs, lowest acceptable test accuracy)
    ("circle", 70, 0.95),
    ("xor", 100, 0.93),
    ("gauss", 20, 0.95),
    ("spiral", 100, 0.9),
    ("moons", 60, 0.93),
    ("blobs", 30, 0.95),
    ("single-neuron", 100, 0.95),
    ("features-circle", 50, 0.95),
    ("activation-tanh", 60, 0.95),
    ("activation-relu", 60, 0.95),
]


@pytest.mark.parametrize(("name", "epochs", "accuracy"), LEARNS, ids=[c[0] for c in LEARNS])
def test_classifier_reaches_a_high_test_accuracy(name, epochs, accuracy):
    snap = trained(name, epochs)
    assert snap.state == RunState.FINISHED and snap.epoch == epochs
    assert snap.metrics["test_accuracy"] >= accuracy, snap.metrics["test_accuracy"]
    assert snap.history["test_loss"][-1] < 0.5 * snap.history["test_loss"][0]


def test_single_neuron_is_one_sigmoid_unit_trained_by_full_batch_descent():
    exp = preset("single-neuron")
    assert exp.network.layers == () and exp.network.output["activation"] == "sigmoid"
    assert exp.training.loss == "mse" and exp.training.optimizer.name == "sgd"
    assert exp.training.batch_size == 0
    snap = trained("single-neuron", 100)
    assert snap.step == snap.epoch  # one step per epoch
    assert ups(snap.history["train_loss"]) == 0  # gradient descent with a small step: smooth descent
    (w, b), = snap.weights
    assert w.shape == (1, 2)


def test_features_make_the_circle_a_straight_line_problem():
    # The same single neuron on plain x1, x2 can only draw a line through the circle.
    plain = train(with_data(preset("features-circle"), features=("x1", "x2")), 50)
    assert plain.metrics["test_accuracy"] < 0.7
    assert trained("features-circle", 50).metrics["test_accuracy"] - plain.metrics["test_accuracy"] > 0.3


def test_linear_regression_recovers_slope_3_and_intercept_2():
    snap = trained("linear-regression", 150)
    (w, b), = snap.weights
    assert w.shape == (1, 1)
    assert abs(float(w[0, 0]) - 3.0) < 0.2 and abs(float(b[0]) - 2.0) < 0.2, (w, b)
    assert snap.metrics["test_r2"] > 0.95


def test_sine_is_fitted_by_one_hidden_layer():
    snap = trained("sine", 150)
    assert snap.metrics["test_r2"] > 0.95, snap.metrics["test_r2"]


# Image presets: fewer epochs (and fewer MNIST images) than in the app, where an epoch is visible;
# chance is 10%, so these thresholds are still far above guessing.
IMAGES = [  # (preset, samples or None = the preset's, epochs, lowest acceptable test accuracy)
    ("digits-mlp", None, 3, 0.75),
    ("digits-cnn", None, 3, 0.6),
    ("mnist-cnn", 2000, 3, 0.7),  # 2,000 of the 5,000 images and 3 epochs keep this to seconds
]


@pytest.mark.parametrize(("name", "samples", "epochs", "accuracy"), IMAGES, ids=[c[0] for c in IMAGES])
def test_image_classifier_beats_chance_by_far(name, samples, epochs, accuracy):
    assert preset(name).training.loss == "cross_entropy"
    snap = trained(name, epochs, samples)
    assert snap.state == RunState.FINISHED
    assert snap.metrics["test_accuracy"] >= accuracy, snap.metrics["test_accuracy"]


def test_mnist_cnn_full_is_the_mnist_cnn_on_mnists_own_split(full_mnist):
    full, small = preset("mnist-cnn-full"), preset("mnist-cnn")
    assert full.network == small.network and with_training(full, epochs=10).training == small.training
    assert (full.data.dataset, full.data.validation_fraction) == ("mnist-full", 0.0)
    ds = load_dataset(full.data, full.seed)  # generated stand-in files of the real sizes (conftest)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test), ds.short) == (60_000, 0, 10_000, False)


def test_mnist_cnn_full_without_the_data_says_how_to_get_it():
    with pytest.raises(MissingDataError, match="`nn-playground data get mnist`"):
        TrainingRun(preset("mnist-cnn-full"))


FULL_RUN = (3, 700)  # (epochs, samples): mnist-cnn-full as far as the suite trains it


def test_mnist_cnn_full_trains_from_the_downloaded_files(full_mnist):
    # The stand-in's digits are bars at ten heights: this checks the path from the files to a
    # trained CNN, not MNIST's accuracy (benchmarks/mnist_full_claim.py measures that on the real set).
    snap = trained("mnist-cnn-full", *FULL_RUN)
    assert snap.state == RunState.FINISHED and snap.metrics["test_accuracy"] > 0.9, snap.metrics


def test_the_cnns_have_the_classic_layer_stack():
    stack = ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "dense", "dropout"]
    for name, padding in (("digits-cnn", "same"), ("mnist-cnn", "valid")):
        exp = preset(name)
        assert [layer.type for layer in exp.network.layers] == stack
        conv = [layer.params for layer in exp.network.layers if layer.type == "conv2d"]
        assert [(c["filters"], c["kernel_size"], c["padding"]) for c in conv] == [
            (32, 3, padding), (64, 3, padding)]
        dense, dropout = (layer.params for layer in exp.network.layers[-2:])
        assert (dense["units"], dense["activation"], dropout["rate"]) == (128, "relu", 0.5)
        assert exp.training.optimizer.name == "adam" and exp.training.batch_size == 64


def test_mnist_mlp_is_the_courses_pytorch_mlp_and_passes_90_percent_within_10_epochs():
    exp = preset("mnist-mlp")
    assert exp.data.dataset == "mnist" and exp.data.samples == 5000  # the whole shipped subset
    assert [layer.type for layer in exp.network.layers] == ["flatten", "dense"]
    assert exp.training.loss == "cross_entropy" and exp.training.batch_size == 64
    assert exp.training.epochs == 10 and exp.training.l1 == exp.training.l2 == 0
    # What it builds is the course's nn.Sequential: Flatten, Linear(784, 128), ReLU, Linear(128, 10)
    # whose logits go into nn.CrossEntropyLoss, trained by torch's SGD with momentum 0.9.
    run = TrainingRun(exp, RunOptions(fast=False))
    modules = [type(m) for m in run.model.modules() if not isinstance(m, torch.nn.Sequential)]
    assert modules == [torch.nn.Flatten, torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear, torch.nn.Identity]
    linears = [m for m in run.model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 128), (128, 10)]
    assert type(run.loss_fn) is torch.nn.CrossEntropyLoss
    group = run.optimizer.param_groups[0]
    assert type(run.optimizer) is torch.optim.SGD
    assert (group["lr"], group["momentum"], group["dampening"], group["nesterov"], group["weight_decay"]) == (
        0.01, 0.9, 0, False, 0)
    snap = trained("mnist-mlp", None)  # the preset's own 10 epochs on all 5,000 images
    assert snap.state == RunState.FINISHED and snap.epoch == 10
    assert snap.metrics["test_accuracy"] >= 0.90, snap.history["test_accuracy"]


# ------------------------------------------------------------------ batch size ------------------

BATCH_EPOCHS = 40


def test_batch_presets_differ_only_in_batch_size():
    base = settings("batch-full", "batch_size")
    for name in ("batch-mini", "batch-stochastic"):
        assert settings(name, "batch_size") == base, name


def test_smaller_batches_take_more_and_noisier_steps_per_epoch():
    full, mini, sgd = (trained(n, BATCH_EPOCHS) for n in ("batch-full", "batch-mini", "batch-stochastic"))
    n_train = 100
    assert full.step == BATCH_EPOCHS
    assert mini.step == BATCH_EPOCHS * n_train // 10
    assert sgd.step == BATCH_EPOCHS * n_train
    # Full-batch gradient descent: the loss goes down every single epoch.
    assert ups(full.history["train_loss"]) == 0
    # One example per step: the loss jitters up and down from epoch to epoch.
    assert ups(sgd.history["train_loss"]) >= 4
    # More steps per epoch: further along after the same number of epochs.
    losses = [s.history["train_loss"][-1] for s in (full, mini, sgd)]
    assert losses[0] > losses[1] + 0.02 and losses[1] > losses[2] + 0.1, losses


# ------------------------------------------------------------------ optimizers ------------------

OPTIMIZER_EPOCHS = 100
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def test_optimizer_presets_differ_only_in_the_optimizer():
    base = settings("optimizer-sgd", "optimizer")
    for name in OPTIMIZERS:
        assert preset(f"optimizer-{name}").training.optimizer.name == name
        assert settings(f"optimizer-{name}", "optimizer") == base, name


def test_adaptive_optimizers_beat_plain_sgd_on_the_spiral():
    loss = {name: trained(f"optimizer-{name}", OPTIMIZER_EPOCHS).history["train_loss"][-1]
            for name in OPTIMIZERS}
    assert loss["momentum"] < loss["sgd"] - 0.03, loss
    assert loss["adagrad"] < 0.6 * loss["sgd"], loss
    for name in ("rmsprop", "adam"):
        assert loss[name] < 0.25 * loss["sgd"], loss
    assert trained("optimizer-adam", OPTIMIZER_EPOCHS).metrics["test_accuracy"] > 0.85


# ------------------------------------------------------------------ learning rate ---------------

def test_too_high_a_learning_rate_diverges_with_advice():
    exp = preset("lr-too-high")
    fine = preset("linear-regression")
    assert exp.training.optimizer.params["lr"] >= 5 * fine.training.optimizer.params["lr"]
    same_but_lr = with_training(exp, optimizer=fine.training.optimizer)
    assert replace(same_but_lr, name="", description="") == replace(fine, name="", description="")
    snap = train(exp, None)
    assert snap.state == RunState.DIVERGED and snap.epoch <= 10  # stopped as it blows up, long before NaN
    assert "learning rate (1) is probably too high" in snap.message, snap.message
    assert f"Try {fine.training.optimizer.params['lr']:g}," in snap.message, snap.message  # what works
    loss = snap.history["train_loss"]
    assert np.all(np.diff(loss) > 0) and loss[-1] > 10 * loss[0]  # it explodes, every epoch


def test_step_schedule_drops_the_learning_rate_in_stairs():
    exp = preset("schedule-step")
    p, lr = exp.training.schedule.params, exp.training.optimizer.params["lr"]
    assert exp.training.schedule.name == "step"
    epochs = 2 * p["step_size"] + 10
    snap = trained("schedule-step", epochs)
    expected = lr * p["gamma"] ** (np.arange(epochs) // p["step_size"])
    assert np.allclose(snap.history["lr"], expected, rtol=1e-6)
    assert snap.metrics["test_accuracy"] > 0.85
    tl = snap.history["train_loss"]
    step = p["step_size"]
    assert np.std(np.diff(tl[-step // 2:])) < 0.5 * np.std(np.diff(tl[5:step]))  # calmer after the drops


def test_cosine_schedule_warms_up_then_follows_a_half_cosine():
    exp = preset("schedule-cosine")
    p, lr = exp.training.schedule.params, exp.training.optimizer.params["lr"]
    assert exp.training.schedule.name == "cosine" and p["warmup_epochs"] > 0
    epochs = 120
    snap = trained("schedule-cosine", epochs)
    e = np.arange(epochs)
    warm = p["warmup_epochs"]
    ramp = np.minimum(1.0, (e + 1) / warm)
    t = (np.maximum(0, e - warm) % p["period"]) / p["period"]
    expected = lr * ramp * (p["min_factor"] + (1 - p["min_factor"]) * 0.5 * (1 + np.cos(np.pi * t)))
    assert np.allclose(snap.history["lr"], expected, rtol=1e-6)
    assert np.all(np.diff(snap.history["lr"][:warm]) > 0) and np.all(np.diff(snap.history["lr"][warm:]) <= 0)
    assert snap.metrics["test_accuracy"] > 0.85


def test_exponential_schedule_is_torchs_exponential_lr_and_calms_the_loss():
    exp = preset("schedule-exponential")
    p, lr = exp.training.schedule.params, exp.training.optimizer.params["lr"]
    assert exp.training.schedule.name == "exponential" and p["warmup_epochs"] == 0
    snap = trained("schedule-exponential", None)
    epochs = exp.training.epochs
    assert snap.state == RunState.FINISHED and snap.epoch == epochs
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=p["gamma"])
    torch_lr = []
    for _ in range(epochs):
        torch_lr.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert np.allclose(snap.history["lr"], torch_lr, rtol=1e-9, atol=0)
    assert np.all(np.diff(snap.history["lr"]) < 0)  # every epoch a little lower: no stairs
    assert snap.metrics["test_accuracy"] > 0.85
    tl = snap.history["train_loss"]
    assert np.std(np.diff(tl[-50:])) < 0.1 * np.std(np.diff(tl[5:50]))  # calm once the rate is small


# ------------------------------------------------------------------ overfitting -----------------

OVERFIT_EPOCHS = 400


def gap(snap: Snapshot) -> float:
    return snap.history["test_loss"][-1] - snap.history["train_loss"][-1]


def test_a_big_net_on_few_noisy_points_overfits():
    snap = trained("overfitting", OVERFIT_EPOCHS)
    train_loss, test_loss = snap.history["train_loss"][-1], snap.history["test_loss"][-1]
    assert train_loss < 0.01 and test_loss > 0.5 and test_loss > 20 * train_loss, (train_loss, test_loss)
    assert test_loss > 2 * snap.history["test_loss"].min()  # it got better, then worse


@pytest.mark.parametrize("cure", ["overfitting-l2", "overfitting-dropout"])
def test_regularisation_narrows_the_gap_and_lowers_the_test_loss(cure):
    over, cured = trained("overfitting", OVERFIT_EPOCHS), trained(cure, OVERFIT_EPOCHS)
    assert gap(cured) < 0.5 * gap(over), (gap(cured), gap(over))
    assert cured.history["test_loss"][-1] < 0.5 * over.history["test_loss"][-1]
    assert cured.history["train_loss"][-1] > over.history["train_loss"][-1]  # it no longer memorises


def test_augmentation_narrows_the_gap_and_raises_the_test_accuracy():
    """The same preset and seed with augmentation off memorises its 300 digits; with it on, the
    test-minus-train loss gap shrinks to well under half, and the test loss falls and accuracy rises."""
    exp = preset("augmentation")
    assert exp.data.dataset == "mnist" and exp.data.augment and round(exp.data.samples * 0.3) == 300
    augmented = trained("augmentation", None)
    plain = train(with_data(exp, augment={}), None)
    assert augmented.state == plain.state == RunState.FINISHED
    assert gap(plain) > 0.3 and gap(augmented) < 0.5 * gap(plain), (gap(augmented), gap(plain))
    assert plain.metrics["train_accuracy"] > 0.99  # without augmentation it memorises
    # measured: gap 0.12 against 0.49, test loss 0.27 against 0.49, test accuracy 91.6 % against 88.7 %
    assert augmented.history["test_loss"][-1] < 0.75 * plain.history["test_loss"][-1]
    assert augmented.metrics["test_accuracy"] > plain.metrics["test_accuracy"] + 0.01, (
        augmented.metrics["test_accuracy"], plain.metrics["test_accuracy"])


def test_l1_silences_the_inputs_the_circle_does_not_need():
    exp = preset("l1-sparsity")
    epochs = 100
    features = list(exp.data.features)
    snap = trained("l1-sparsity", epochs)
    strength = np.abs(snap.weights[0][0]).max(axis=0)  # per input: its strongest first-layer weight
    useless = [strength[features.index(f)] for f in ("x1", "x2", "sin_x1", "sin_x2")]
    useful = [strength[features.index(f)] for f in ("x1^2", "x2^2")]
    assert max(useless) < 0.02 and min(useful) > 0.1, dict(zip(features, strength.round(3), strict=True))
    assert snap.metrics["test_accuracy"] > 0.95
    # Without the penalty the same network keeps leaning on inputs it does not need.
    plain = train(with_training(exp, l1=0.0), 40, weights=True)
    strength = np.abs(plain.weights[0][0]).max(axis=0)
    assert max(strength[features.index(f)] for f in ("x1", "x2", "sin_x1", "sin_x2")) > 0.15


def test_early_stopping_stops_and_restores_the_best_epoch():
    exp = preset("early-stopping")
    es = exp.training.early_stopping
    assert es["enabled"] and es["restore_best"] and exp.data.validation_fraction > 0
    snap = trained("early-stopping", None)
    assert snap.state == RunState.STOPPED_EARLY and snap.epoch < exp.training.epochs / 5
    val = snap.history["val_loss"]
    best = int(np.argmin(val)) + 1
    assert snap.epoch == best + es["patience"]
    assert f"at epoch {best}" in snap.message and "restored" in snap.message, snap.message
    assert val[-1] > 1.1 * val[best - 1]  # the validation loss really turned around
    # The weights handed back are those of the best epoch: a run that simply ends there has them.
    at_best = trained("early-stopping", best)
    assert at_best.state == RunState.FINISHED
    for (w, b), (w_best, b_best) in zip(snap.weights, at_best.weights, strict=True):
        assert np.array_equal(w, w_best) and np.array_equal(b, b_best)


# ------------------------------------------------------------------ initialisation --------------

def hidden_units_identical(snap: Snapshot) -> bool:
    """Whether, in every hidden layer, all units have the same incoming weights and bias."""
    return all(np.ptp(w, axis=0).max() < 1e-6 and np.ptp(b) < 1e-6 for w, b in snap.weights[:-1])


def test_zero_initialisation_keeps_the_units_identical_and_cannot_learn():
    exp = preset("zero-init")
    assert all(layer.params["initializer"] == "zeros" for layer in exp.network.layers)
    assert exp.network.output["initializer"] == "zeros"
    snap = trained("zero-init", 60)
    assert hidden_units_identical(snap)
    assert snap.metrics["test_accuracy"] < 0.7
    # The same network with the default (random) start: the units differ and the circle is learned.
    layers = tuple(replace(la, params={**la.params, "initializer": "default"}) for la in exp.network.layers)
    output = {**exp.network.output, "initializer": "default"}
    default = train(replace(exp, network=replace(exp.network, layers=layers, output=output)), 60,
                    weights=True)
    assert not hidden_units_identical(default)
    assert all(np.ptp(w, axis=0).max() > 0.1 for w, _ in default.weights[:-1])
    assert default.metrics["test_accuracy"] > 0.95


# ------------------------------------------------------------------ activations -----------------

def test_linear_activations_cannot_learn_the_circle():
    assert trained("activation-linear", 60).metrics["test_accuracy"] < 0.7
    for other in ("activation-tanh", "activation-relu"):
        assert trained(other, 60).metrics["test_accuracy"] > 0.25 + trained(
            "activation-linear", 60).metrics["test_accuracy"]


def test_activation_presets_differ_only_in_the_activation():
    def stripped(name):
        d = settings(name)
        acts = {layer.pop("activation") for layer in d["network"]["layers"]}
        return d, acts

    base, _ = stripped("activation-tanh")
    for act in ("linear", "tanh", "relu"):
        d, acts = stripped(f"activation-{act}")
        assert d == base and acts == {act}
    deep_sigmoid, acts_s = stripped("activation-sigmoid-deep")
    deep_relu, acts_r = stripped("activation-relu-deep")
    assert deep_sigmoid == deep_relu and (acts_s, acts_r) == ({"sigmoid"}, {"relu"})


DEEP_EPOCHS = 60


def first_to_last_gradient(snap: Snapshot) -> float:
    """Gradient norm of the first hidden layer over that of the head, averaged over the last epochs."""
    h = snap.history
    last = max(int(k.split(".")[1]) for k in h if k.startswith("grad_norm."))  # the head's block
    return float(np.mean(h["grad_norm.0"][-10:]) / np.mean(h[f"grad_norm.{last}"][-10:]))


def test_deep_sigmoid_gradients_vanish_where_relu_gradients_get_through():
    sigmoid = trained("activation-sigmoid-deep", DEEP_EPOCHS)
    relu = trained("activation-relu-deep", DEEP_EPOCHS)
    assert first_to_last_gradient(sigmoid) < 1e-3
    assert first_to_last_gradient(relu) > 1e-1
    stuck = sigmoid.history["train_loss"]
    assert stuck[-1] > 0.68 and sigmoid.metrics["test_accuracy"] < 0.7  # no better than guessing
    assert relu.history["train_loss"][-1] < 0.1 and relu.metrics["test_accuracy"] > 0.95


DEMONSTRATED = {
    *(c[0] for c in LEARNS), *(c[0] for c in IMAGES), "mnist-cnn-full", "linear-regression", "sine",
    "batch-full", "batch-mini", "batch-stochastic", *(f"optimizer-{o}" for o in OPTIMIZERS),
    "lr-too-high", "schedule-step", "schedule-cosine", "schedule-exponential", "mnist-mlp", "overfitting",
    "overfitting-l2",
    "overfitting-dropout", "l1-sparsity", "early-stopping", "zero-init", "activation-linear",
    "activation-sigmoid-deep", "activation-relu-deep",
    "augmentation",
    "lr-search-grid", "lr-search-random", "cross-validation",  # their sweeps: test_search_presets.py
}


# ------------------------------------------------------------------ divergence guard -----------

# The costly presets as far as their demonstrations train them (they do not blow up later either:
# measured to their own limits when the rule was chosen, see playground/core/divergence.py).
GUARD_RUNS = {"overfitting": (OVERFIT_EPOCHS, None), "overfitting-l2": (OVERFIT_EPOCHS, None),
              "overfitting-dropout": (OVERFIT_EPOCHS, None), **{c[0]: (c[2], c[1]) for c in IMAGES},
              "mnist-cnn-full": FULL_RUN}
ENDINGS = {"lr-too-high": RunState.DIVERGED, "early-stopping": RunState.STOPPED_EARLY}


@pytest.mark.parametrize("name", ALL_FILES)
def test_no_shipped_preset_comes_near_the_blow_up_rule(name, request):
    """Each preset ends as it always did, and its loss never stays even half-way to the ceiling."""
    if DATASETS[preset(name).data.dataset].download:
        request.getfixturevalue("full_mnist")  # stand-in files: the suite never downloads
    epochs, samples = GUARD_RUNS.get(name, (None, None))
    snap = trained(name, epochs, samples)
    assert snap.state == ENDINGS.get(name, RunState.FINISHED), snap.message
    if name == "lr-too-high":
        return
    exp = preset(name) if samples is None else with_data(preset(name), samples=samples)
    start = TrainingRun(exp, RunOptions(fast=False)).divergence.start_loss
    ratio = np.lib.stride_tricks.sliding_window_view(snap.history["train_loss"] / start, BLOW_UP_EPOCHS)
    assert ratio.min(axis=1).max() < BLOW_UP_FACTOR / 2
