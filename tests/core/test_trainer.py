"""The trainer learns, reproduces itself, obeys its controls and reports honestly."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end
from playground.core.run.state import RunState


def exp(**overrides):
    d = {
        "seed": 3,
        "data": {"dataset": "circle", "samples": 200, "noise": 0.0, "train_fraction": 0.5},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                               {"type": "dense", "units": 2, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10, "epochs": 5},
    }
    for path, value in overrides.items():
        node = d
        *parents, last = path.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return experiment_from_dict(d)


def test_circle_learns_and_history_is_consistent():
    snap = run_to_end(exp(training__epochs=150, training__optimizer={"name": "adam", "lr": 0.03}))
    h = snap.history
    assert snap.state == RunState.FINISHED and snap.epoch == 150
    assert len(h["epoch"]) == 150 and np.array_equal(h["epoch"], np.arange(1, 151))
    assert h["test_loss"][-1] < 0.5 * h["test_loss"][0]
    assert h["test_accuracy"][-1] > 0.9
    assert snap.boundary.shape == (100, 100) and snap.boundary.dtype == np.float32
    assert snap.boundary.min() >= 0 and snap.boundary.max() <= 1
    assert {"test_precision", "test_recall", "test_f1", "test_roc_auc"} <= set(h)
    assert snap.step == 150 * 10  # 100 training points / batch 10


def test_same_seed_same_history_different_seed_differs():
    a = run_to_end(exp(training__epochs=20)).history["train_loss"]
    b = run_to_end(exp(training__epochs=20)).history["train_loss"]
    c = run_to_end(exp(training__epochs=20, seed=4)).history["train_loss"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "torch"])
@pytest.mark.parametrize("optimizer", [{"name": "sgd", "lr": 0.03}, {"name": "momentum", "lr": 0.03}])
def test_l2_is_half_lambda_theta_squared_which_is_torchs_sgd_weight_decay(fast, optimizer):
    """training.l2 = λ adds ½λ‖w‖² (the course's form), whose gradient λw is exactly what torch's
    SGD adds with weight_decay=λ: a plain torch loop with that option, and no penalty in the
    loss, ends at the same weights. The penalty is on weights only, so the biases get their own
    parameter group without decay."""
    lam = 0.05
    e = exp(training__batch_size=0, training__epochs=4, training__l2=lam, training__optimizer=optimizer)
    run = TrainingRun(e, RunOptions(fast=fast))
    assert (run.fast is not None) == fast
    ref_model = _clone_model(run.model, {k: v.clone() for k, v in run.model.state_dict().items()})
    weights = [p for p in ref_model.parameters() if p.ndim > 1]
    biases = [p for p in ref_model.parameters() if p.ndim == 1]
    momentum = optimizer.get("momentum", 0.9) if optimizer["name"] == "momentum" else 0.0
    opt = torch.optim.SGD([{"params": weights, "weight_decay": lam}, {"params": biases, "weight_decay": 0.0}],
                          lr=0.03, momentum=momentum)
    x, y = run.train.x, run.train.y
    for _ in range(4):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(ref_model(x), y).backward()
        opt.step()
    for _ in run.snapshots():
        pass
    for (k, got), want in zip(run.model.state_dict().items(), ref_model.state_dict().values(), strict=True):
        torch.testing.assert_close(got, want, msg=k)


def _clone_model(model, state):
    import copy

    clone = copy.deepcopy(model)
    clone.load_state_dict(state)
    return clone


def test_snapshots_are_copies():
    run = TrainingRun(exp(training__epochs=3), RunOptions(weights=True))
    snaps = list(run.snapshots())
    first = snaps[-1]
    w_before = first.weights[0][0].copy()
    with torch.no_grad():
        for p in run.model.parameters():
            p.add_(1.0)
    np.testing.assert_array_equal(first.weights[0][0], w_before)
    with pytest.raises(ValueError):  # history columns are read-only views: nobody can rewrite them
        first.history["train_loss"][0] = 123.0
    seen = []  # (a snapshot, a copy of its history when it was made), one per epoch count
    for snap in TrainingRun(exp(training__epochs=3), RunOptions(slice_seconds=0)).snapshots():
        if not seen or len(snap.history.get("epoch", ())) > len(seen[-1][1]):
            seen.append((snap, snap.history.get("epoch", np.empty(0)).copy()))
    assert len(seen) >= 3
    for snap, then in seen:  # later epochs never show up in, or change, an earlier snapshot
        np.testing.assert_array_equal(snap.history.get("epoch", np.empty(0)), then)


def test_snapshots_follow_time_slices_not_steps():
    # A long slice: many steps, one snapshot (steps are not limited by the display rate).
    slow = list(TrainingRun(exp(training__epochs=3), RunOptions(slice_seconds=60)).snapshots())
    assert len(slow) == 1 and slow[0].step == 30 and slow[0].state == RunState.FINISHED
    # A zero slice: one step per snapshot.
    fast = list(TrainingRun(exp(training__epochs=3), RunOptions(slice_seconds=0)).snapshots())
    assert [s.step for s in fast] == list(range(1, 31))


def test_stop_ends_an_unlimited_run():
    run = TrainingRun(exp(training__epochs=0), RunOptions(slice_seconds=0.01))
    gen = run.snapshots()
    first = [next(gen) for _ in range(3)]
    run.stop()
    rest = list(gen)
    assert rest[-1].state == RunState.STOPPED and rest[-1].done and not first[-1].done
    assert "Stopped" in rest[-1].message


def test_pause_step_resume_stop_from_another_thread():
    run = TrainingRun(exp(training__epochs=0), RunOptions(slice_seconds=0.01, start_paused=True))
    seen = []
    done = threading.Event()

    def consume():
        for s in run.snapshots():
            seen.append(s)
        done.set()

    t = threading.Thread(target=consume)
    t.start()
    _wait(lambda: seen and seen[-1].state == RunState.PAUSED)
    assert seen[-1].epoch == 0
    run.step_epoch()
    _wait(lambda: seen[-1].epoch == 1 and seen[-1].state == RunState.PAUSED)
    n = len(seen)
    run.step_epoch()
    _wait(lambda: seen[-1].epoch == 2)
    assert all(s.epoch <= 2 for s in seen[n:])
    run.resume()
    _wait(lambda: seen[-1].epoch > 5)
    run.set_learning_rate(0.5)
    _wait(lambda: seen[-1].lr == 0.5)
    run.stop()
    assert done.wait(5)
    t.join(5)
    assert seen[-1].state == RunState.STOPPED


def _wait(cond, timeout=10.0):
    import time

    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not reached"
        threading.Event().wait(0.002)


def test_divergence_ends_cleanly_with_advice():
    e = exp(**{"data": {"dataset": "line", "samples": 100, "noise": 0.1},
               "network": {"layers": []},
               "training__optimizer": {"name": "sgd", "lr": 5.0}, "training__epochs": 500,
               "training__batch_size": 0})
    snap = run_to_end(e)
    assert snap.state == RunState.DIVERGED
    assert "lower" in snap.message.lower() or "try" in snap.message.lower()
    assert "epoch" in snap.message


def test_linear_regression_recovers_line():
    e = exp(**{"data": {"dataset": "line", "samples": 200, "noise": 0.1},
               "network": {"layers": []},
               "training__optimizer": {"name": "sgd", "lr": 0.1}, "training__epochs": 300,
               "training__batch_size": 0})
    snap = run_to_end(e, RunOptions(weights=True))
    (w, b), = snap.weights
    assert w[0, 0] == pytest.approx(3.0, abs=0.15) and b[0] == pytest.approx(2.0, abs=0.15)
    assert snap.curve is not None and len(snap.curve[0]) == len(snap.curve[1])
    assert snap.metrics["test_r2"] > 0.95


def test_early_stopping_restores_best():
    e = exp(**{"data__validation_fraction": 0.3, "data__noise": 0.5, "data__samples": 100,
               "network": {"layers": [{"type": "dense", "units": 64, "activation": "relu"}] * 2},
               "training__optimizer": {"name": "adam", "lr": 0.01}, "training__epochs": 3000,
               "training__early_stopping": {"enabled": True, "patience": 20}})
    run = TrainingRun(e)
    snap = list(run.snapshots())[-1]
    assert snap.state == RunState.STOPPED_EARLY and snap.epoch < 3000
    val = snap.history["val_loss"]
    best = int(np.nanargmin(val))
    assert snap.epoch - (best + 1) >= 20
    assert f"epoch {best + 1}" in snap.message


def test_l2_shrinks_weights():
    plain = run_to_end(exp(training__epochs=30), RunOptions(weights=True))
    reg = run_to_end(exp(training__epochs=30, training__l2=0.05), RunOptions(weights=True))
    norm = lambda s: sum(float(np.sum(w ** 2)) for w, _ in s.weights)  # noqa: E731
    assert norm(reg) < norm(plain)


def test_neuron_grids_per_hidden_layer():
    run = TrainingRun(exp(training__epochs=1), RunOptions(neuron_grids=True, neuron_resolution=20))
    snap = list(run.snapshots())[-1]
    assert [g.shape for g in snap.neuron_grids] == [(4, 20, 20), (2, 20, 20)]
    assert np.abs(snap.neuron_grids[0]).max() <= 1.0  # tanh outputs


def test_neuron_curves_for_1d_data_are_the_units_outputs_over_x():
    """1-D sets: per hidden layer (units, 1, 2·res), each row the unit's output at evenly spaced x."""
    e = exp(**{"data": {"dataset": "sine", "samples": 100},
               "network": {"layers": [{"type": "dense", "units": 5, "activation": "tanh"},
                                      {"type": "dropout", "rate": 0.5},
                                      {"type": "dense", "units": 2, "activation": "relu"}]},
               "training__epochs": 3})
    run = TrainingRun(e, RunOptions(neuron_grids=True, neuron_resolution=15, max_units=4))
    snap = list(run.snapshots())[-1]
    assert snap.boundary is None and snap.curve is not None
    assert [g.shape for g in snap.neuron_grids] == [(4, 1, 30), (4, 1, 30), (2, 1, 30)]
    assert all(g.dtype == np.float32 for g in snap.neuron_grids)
    x0, x1 = snap.extent[:2]
    xs = torch.linspace(x0, x1, 30).reshape(-1, 1)
    with torch.no_grad():
        first = run.model[0](xs)  # dense + tanh, the trained weights the snapshot was taken with
        second = run.model[2](first)  # dropout is the identity at evaluation
    np.testing.assert_allclose(snap.neuron_grids[0][:, 0], first[:, :4].T.numpy(), atol=1e-6)
    np.testing.assert_allclose(snap.neuron_grids[1][:, 0], first[:, :4].T.numpy(), atol=1e-6)
    np.testing.assert_allclose(snap.neuron_grids[2][:, 0], second.T.numpy(), atol=1e-6)
    assert run.model.training  # the read-out left the model training (dropout back on)
    assert next(TrainingRun(e).snapshots()).neuron_grids is None  # only when asked for


def test_multiclass_confusion_matrix_and_digits():
    e = exp(**{"data": {"dataset": "digits", "samples": 600, "train_fraction": 0.7},
               "network": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 32,
                                                             "activation": "relu"}]},
               "training__optimizer": {"name": "adam", "lr": 0.01}, "training__epochs": 15,
               "training__batch_size": 32})
    snap = run_to_end(e)
    assert snap.confusion.shape == (10, 10) and snap.confusion.sum() == 180
    assert snap.latest("test_accuracy") > 0.8
    assert snap.sample_predictions is not None and snap.sample_predictions.shape == (64,)


def test_experiment_json_round_trip_gives_same_run():
    e = exp(training__epochs=5)
    again = experiment_from_dict(experiment_to_dict(e))
    assert again == e
    np.testing.assert_array_equal(run_to_end(e).history["test_loss"], run_to_end(again).history["test_loss"])


def test_grad_norms_reported_per_block():
    snap = run_to_end(exp(training__epochs=2))
    assert set(snap.grad_norms) == {"0", "1", "2"}
    assert all(v > 0 for v in snap.grad_norms.values())
    assert "grad_norm.0" in snap.history


def test_lr_schedule_applied_per_epoch():
    snap = run_to_end(exp(training__epochs=6, training__schedule={"name": "step", "step_size": 2,
                                                                 "gamma": 0.5}))
    np.testing.assert_allclose(snap.history["lr"], [0.03, 0.03, 0.015, 0.015, 0.0075, 0.0075])


def test_replace_network_keeps_other_settings():
    e = exp()
    e2 = replace(e, network=replace(e.network, layers=e.network.layers[:1]))
    assert run_to_end(e2).grad_norms.keys() == {"0", "1"}


def test_restored_model_reports_its_own_metrics():
    e = exp(**{"data__validation_fraction": 0.3, "data__noise": 0.5, "data__samples": 100,
               "network": {"layers": [{"type": "dense", "units": 64, "activation": "relu"}] * 2},
               "training__optimizer": {"name": "adam", "lr": 0.01}, "training__epochs": 3000,
               "training__early_stopping": {"enabled": True, "patience": 20}})
    snap = run_to_end(e)
    best = float(np.nanmin(snap.history["val_loss"]))
    assert snap.state == RunState.STOPPED_EARLY
    assert snap.latest("val_loss") == pytest.approx(best, rel=1e-5)
    assert snap.history["val_loss"][-1] > best  # the history itself still shows the stop epoch


def test_a_long_run_keeps_a_bounded_history_with_exact_ends():
    """Snapshots stay within `history_rows` however long the run; the newest epochs, the first one
    and the latest metrics are exact."""
    e = exp(training__epochs=0)
    full = run_to_end(exp(training__epochs=400), RunOptions(grid_resolution=4)).history
    run = TrainingRun(e, RunOptions(grid_resolution=4, history_rows=32, slice_seconds=0.01))
    sizes = []
    for snap in run.snapshots():
        sizes.append(len(snap.history["epoch"]) if snap.history else 0)
        if snap.epoch >= 400:
            run.stop()
    h = snap.history
    assert max(sizes) <= 32 and snap.epoch >= 400 and h["epoch"][-1] == snap.epoch
    rows = h["epoch"].astype(int)[h["epoch"] <= 400] - 1
    for key in ("train_loss", "test_loss", "test_accuracy", "grad_norm.0"):
        np.testing.assert_array_equal(h[key][: len(rows)], full[key][rows])  # true rows, true epochs
    np.testing.assert_array_equal(h["epoch"][-8:], np.arange(snap.epoch - 7, snap.epoch + 1))
    assert h["epoch"][0] == 1 and snap.metrics["train_loss"] == h["train_loss"][-1]


def test_early_stopping_is_exact_after_its_history_was_thinned():
    """The best epoch lies in the thinned part (patience 60 > the 40 exact rows of 160)."""
    e = exp(**{"data__validation_fraction": 0.3, "data__noise": 0.3, "data__samples": 200,
               "training__epochs": 3000, "training__early_stopping": {"enabled": True, "patience": 60}})
    whole, thinned = run_to_end(e), run_to_end(e, RunOptions(history_rows=160))
    assert whole.state == RunState.STOPPED_EARLY and len(thinned.history["epoch"]) <= 160 < whole.epoch
    assert thinned.message == whole.message and thinned.epoch == whole.epoch
    timing = {"seconds"}
    assert {k: v for k, v in thinned.metrics.items() if k not in timing} == \
        {k: v for k, v in whole.metrics.items() if k not in timing}
    best = int(whole.history["epoch"][np.nanargmin(whole.history["val_loss"])])
    assert f"at epoch {best}," in thinned.message and best < whole.epoch - 40
    kept = thinned.history
    assert kept["val_loss"][kept["epoch"] == best] == np.nanmin(whole.history["val_loss"])
