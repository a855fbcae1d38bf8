"""Sweeps: trials equal to running each one alone, pruning marked, a killed worker reported while
the others complete, stopping, and k-fold cross-validation."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
import torch

from playground.core import torch_setup
from playground.core.datasets import load_dataset
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.presets import load_preset, resolve_preset
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end
from playground.core.search.folds import fold_datasets
from playground.core.search.paths import parse_set, trial_experiment
from playground.core.search.sweep import Sweep, SweepPlan


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch_setup.set_threads()  # as the workers do
    yield
    torch.set_num_threads(before)


def tiny(epochs: int = 5, **data):
    d = experiment_to_dict(load_preset(resolve_preset("circle")))
    d["data"].update({"samples": 120, **data})
    d["training"]["epochs"] = epochs
    return experiment_from_dict(d)


def alone(preset: dict, values: dict, dataset=None):
    """The trial's experiment trained on its own, in this process."""
    exp = trial_experiment(preset, values)
    if dataset is None:
        return run_to_end(exp, RunOptions(grid_resolution=8))
    last = None
    for last in TrainingRun(exp, RunOptions(grid_resolution=8), dataset=dataset).snapshots():  # noqa: B007
        pass
    return last


def test_trials_in_workers_equal_each_trial_run_alone_with_the_same_seed():
    sweep = Sweep(tiny(), SweepPlan((parse_set("training.optimizer.lr=0.03,0.3,3"),), workers=2))
    assert "no validation split" in sweep.note and sweep.preset["data"]["validation_fraction"] == 0.2
    results = list(sweep.results())
    assert sorted(r["params"]["training.optimizer.lr"] for r in results) == [0.03, 0.3, 3]
    for r in results:
        snap = alone(sweep.preset, r["params"])
        assert r["state"] == "complete" and r["epochs"] == snap.epoch == 5
        assert r["val_loss"] == snap.latest("val_loss")  # exactly: the same engine, the same seed
        assert r["test_loss"] == snap.latest("test_loss")
        assert r["test_accuracy"] == snap.latest("test_accuracy")
        assert r["history"]["val_loss"] == list(snap.history["val_loss"])
    best = sweep.summary()["best"]
    assert best["val_loss"] == min(r["val_loss"] for r in results)  # chosen on validation


def test_a_killed_worker_fails_its_trial_and_the_sweep_goes_on():
    exp = tiny()  # one trial would run for a million epochs: its worker is killed as it starts
    sweep = Sweep(exp, SweepPlan((parse_set("training.epochs=1000000,3,4"),), workers=2))
    results = []
    for event in sweep.events():
        if event["type"] == "started" and event["params"]["training.epochs"] == 1000000:
            os.kill(event["pid"], signal.SIGKILL)
        elif event["type"] == "result":
            results.append(event)
    by_epochs = {r["params"]["training.epochs"]: r for r in results}
    assert by_epochs[1000000]["state"] == "failed"
    assert "worker process ended (signal 9)" in by_epochs[1000000]["message"]
    assert [by_epochs[e]["state"] for e in (3, 4)] == ["complete", "complete"]
    assert [by_epochs[e]["epochs"] for e in (3, 4)] == [3, 4]


def test_hopeless_trials_are_pruned_and_marked(tmp_path):
    # Two learning rates, three seeds each: once two trials have run, the median rule stops those
    # whose validation loss is worse than the median of the earlier ones at the same epoch.
    plan = SweepPlan((parse_set("training.optimizer.lr=0.3,0.00001"), parse_set("seed=0,1,2")),
                     pruner="median", workers=1, storage=str(tmp_path / "study.journal"), study="prune")
    sweep = Sweep(tiny(epochs=300), plan)
    results = sorted(sweep.results(), key=lambda r: r["number"])
    pruned = [r for r in results if r["state"] == "pruned"]
    assert pruned and {r["state"] for r in results} == {"complete", "pruned"}
    assert [r["state"] for r in results[:2]] == ["complete", "complete"]  # nothing to compare with yet
    for r in pruned:
        assert r["epochs"] < 300 and len(r["history"]["val_loss"]) == r["epochs"]
    states = {t.number: t.state.name for t in sweep.study.get_trials()}
    assert {n for n, s in states.items() if s == "PRUNED"} == {r["number"] for r in pruned}


def test_stop_ends_the_workers_and_starts_no_more_trials():
    sweep = Sweep(tiny(epochs=1000000), SweepPlan((parse_set("training.optimizer.lr=0.1,0.2,0.3"),),
                                                   workers=1))
    pids = []
    for event in sweep.events():
        if event["type"] == "started":
            pids.append(event["pid"])
            sweep.stop()
    assert len(pids) == 1 and [t["state"] for t in sweep.trials] == ["failed"]
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)  # gone, and waited for


def test_a_range_needs_random_or_tpe_and_random_draws_log_uniformly_within_it():
    exp = tiny(epochs=2)
    with pytest.raises(Exception, match="a range needs --random N or --tpe N"):
        Sweep(exp, SweepPlan((parse_set("training.optimizer.lr=1e-4..1"),), workers=0))
    sweep = Sweep(exp, SweepPlan((parse_set("training.optimizer.lr=1e-4..1"),), sampler="random", trials=4,
                                 workers=0))
    lrs = [r["params"]["training.optimizer.lr"] for r in sweep.results()]
    assert len(lrs) == 4 and all(1e-4 <= lr <= 1 for lr in lrs)


# ------------------------------------------------------------------ folds -----------------------

def test_stratified_folds_cover_the_training_data_once_and_keep_the_class_shares():
    ds = load_dataset(tiny(validation_fraction=0.25).data, 0)
    pooled = np.concatenate([ds.y_train, ds.y_val])
    folds = list(fold_datasets(ds, 4, seed=0))
    assert len(folds) == 4
    assert sum(len(f.y_val) for f in folds) == len(pooled)
    for f in folds:
        assert len(f.y_train) + len(f.y_val) == len(pooled)
        assert abs(f.y_val.mean() - pooled.mean()) < 0.05  # stratified: the same share of class 1
        assert np.array_equal(f.x_test, ds.x_test)  # the test part is never touched


def test_cross_validation_scores_the_mean_over_folds_each_fold_as_trained_alone():
    exp = tiny(epochs=3)
    sweep = Sweep(exp, SweepPlan((parse_set("training.optimizer.lr=0.3"),), folds=3, workers=0))
    assert sweep.note == ""  # folds make their own validation parts
    (result,) = list(sweep.results())
    folds = list(fold_datasets(load_dataset(exp.data, exp.seed), 3, exp.seed))
    alone_losses = [alone(sweep.preset, result["params"], ds).latest("val_loss") for ds in folds]
    assert [f["val_loss"] for f in result["folds"]] == alone_losses
    assert result["val_loss"] == pytest.approx(np.mean(alone_losses))
    assert result["val_loss_std"] == pytest.approx(np.std(alone_losses))


def test_tpe_draws_within_the_range_and_an_rdb_storage_url_passes_through(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    plan = SweepPlan((parse_set("training.optimizer.lr=1e-3..1"), parse_set("training.batch_size=10,30")),
                     sampler="tpe", trials=3, workers=0, storage=url, study="tpe")
    sweep = Sweep(tiny(epochs=2), plan)
    results = list(sweep.results())
    assert [r["state"] for r in results] == ["complete"] * 3
    assert all(1e-3 <= r["params"]["training.optimizer.lr"] <= 1 for r in results)
    import optuna

    stored = optuna.load_study(study_name="tpe", storage=url).get_trials()
    assert sorted(t.value for t in stored) == sorted(r["val_loss"] for r in results)


def test_regression_folds_are_plain_shuffled_folds_of_the_training_data():
    exp = load_preset(resolve_preset("linear-regression"))
    ds = load_dataset(exp.data, exp.seed)
    pooled = np.concatenate([ds.y_train, ds.y_val])
    folds = list(fold_datasets(ds, 5, seed=exp.seed))
    assert sorted(np.concatenate([f.y_val for f in folds]).ravel()) == sorted(pooled.ravel())
    assert all(len(f.y_train) + len(f.y_val) == len(pooled) for f in folds)


def test_workers_that_cannot_start_end_the_sweep_with_a_sentence(monkeypatch):
    from playground.core.errors import PlaygroundError
    from playground.core.search import pool

    monkeypatch.setattr(pool, "WORKER", ("-c", "raise SystemExit(3)"))
    sweep = Sweep(tiny(epochs=2), SweepPlan((parse_set("training.optimizer.lr=0.1,0.2"),), workers=1))
    with pytest.raises(PlaygroundError, match=r"worker processes end before they start \(exit status 3\)"):
        list(sweep.results())
