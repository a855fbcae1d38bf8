"""One trial of a sweep, run in this process: the preset with its values applied, trained by the
ordinary engine (`TrainingRun`), scored on validation data, reported beside its test figures.

A task and its result are plain JSON data, so a worker process gets one as a line of text and
answers with one (no pickle). The objective is the final validation loss (after early stopping
that restored its best epoch, that epoch's), or with folds the mean over the folds. The test loss
is reported and never chosen on.

Pruning: with a pruner, the worker opens the study in its storage and reports the validation loss
as the run goes (every `report_every` epochs, the same epochs in every trial, as the median rule
compares trials at the same step); when Optuna says the trial is hopeless, the run stops there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

COMPLETE, PRUNED, FAILED = "complete", "pruned", "failed"
HISTORY_KEYS = ("epoch", "train_loss", "val_loss", "test_loss", "train_accuracy", "val_accuracy",
                "test_accuracy", "lr")
REPORTS = 20  # how many times a pruned run reports its validation loss over its epoch limit

Progress = Callable[[dict[str, Any]], None]


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _pruning_trial(task: dict[str, Any]) -> Any:
    """The Optuna trial this task is, opened from the study's storage (None without a pruner)."""
    if task.get("pruner", "none") == "none" or task.get("trial_id") is None:
        return None
    import optuna

    from playground.core.search.study import make_pruner, open_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=task["study"], storage=open_storage(task["storage"]),
                              pruner=make_pruner(task["pruner"], task.get("warmup", 0)))
    return optuna.trial.Trial(study, task["trial_id"])


def _train(exp: Any, dataset: Any = None, trial: Any = None, on_epoch: Progress | None = None) -> dict:
    """Train `exp` to its end (or until pruned); its figures and its history."""
    from playground.core.datasets.base import REGRESSION
    from playground.core.run.loop import RunOptions, TrainingRun
    from playground.core.run.state import RunState

    # A pruned run is judged between time slices: short ones let a hopeless run stop soon.
    slice_seconds = 0.01 if trial is not None else 0.1
    options = RunOptions(grid_resolution=8, slice_seconds=slice_seconds, paced=False)
    run = TrainingRun(exp, options, dataset=dataset)
    every = max(1, (run.epoch_limit or 1000) // REPORTS)
    reported, pruned, last = 0, False, None
    for last in run.snapshots():
        epochs = last.history.get("epoch")
        if epochs is None or not len(epochs) or epochs[-1] <= reported:
            continue
        if on_epoch is not None:
            on_epoch({"epoch": int(epochs[-1]), "val_loss": _num(last.latest("val_loss"))})
        if trial is not None:  # the last epochs too: later trials compare with them
            reported, pruned = _report(trial, last.history, reported, every)
            if pruned and not last.done:
                break
            pruned = False
    classifying = run.dataset.task != REGRESSION
    history = {k: [_num(v) for v in last.history[k]] for k in HISTORY_KEYS if k in last.history}
    return {"val_loss": _num(last.latest("val_loss")), "test_loss": _num(last.latest("test_loss")),
            "test_accuracy": _num(last.latest("test_accuracy")) if classifying else None,
            "val_accuracy": _num(last.latest("val_accuracy")) if classifying else None,
            "epochs": int(last.epoch), "seconds": float(last.elapsed), "pruned": pruned,
            "diverged": last.state == RunState.DIVERGED, "message": last.message, "history": history}


def _report(trial: Any, history: dict[str, Any], reported: int, every: int) -> tuple[int, bool]:
    """Report the epochs due since `reported`; (the last epoch reported, whether to prune now)."""
    for epoch, value in zip(history["epoch"], history["val_loss"], strict=True):
        epoch = int(epoch)
        if epoch > reported and epoch % every == 0 and math.isfinite(value):
            trial.report(float(value), epoch)
            reported = epoch
            if trial.should_prune():
                return reported, True
    return reported, False


def _mean_std(values: list[float | None]) -> tuple[float | None, float | None]:
    finite = [v for v in values if v is not None]
    if len(finite) < len(values) or not finite:
        return None, None
    mean = sum(finite) / len(finite)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in finite) / len(finite))


def _cross_validate(exp: Any, folds: int) -> dict[str, Any]:
    """Train once per fold; the fold figures and their mean (± population standard deviation)."""
    from playground.core.datasets import load_dataset
    from playground.core.search.folds import fold_datasets

    runs = [_train(exp, dataset=ds) for ds in fold_datasets(load_dataset(exp.data, exp.data_seed), folds,
                                                               exp.data_seed)]
    out: dict[str, Any] = {"epochs": sum(r["epochs"] for r in runs), "pruned": False,
                           "seconds": sum(r["seconds"] for r in runs),
                           "diverged": any(r["diverged"] for r in runs),
                           "message": next((r["message"] for r in runs if r["diverged"]),
                                           runs[-1]["message"])}
    for key in ("val_loss", "test_loss", "test_accuracy", "val_accuracy"):
        values = [r[key] for r in runs]
        out[key], out[f"{key}_std"] = _mean_std(values) if values[0] is not None else (None, None)
    out["folds"] = [{k: r[k] for k in ("val_loss", "test_loss", "test_accuracy", "epochs", "history")}
                    for r in runs]
    out["history"] = runs[0]["history"]
    return out


def run_trial(task: dict[str, Any], on_epoch: Progress | None = None, trial: Any = None) -> dict[str, Any]:
    """Run one task {number, preset, values, folds, [trial_id, study, storage, pruner]}; its result.

    `trial`: the Optuna trial to report to when the study lives in this process (else, with a
    pruner, the task's trial is opened from the study's storage).

    Bad input (a value the preset cannot take) is a failed trial whose message names the path and
    value; other exceptions propagate (the worker reports them as failures too).
    """
    from playground.core.errors import PlaygroundError
    from playground.core.search.paths import trial_experiment

    started = time.perf_counter()
    head = {"number": task["number"], "params": task["values"]}
    try:
        exp = trial_experiment(task["preset"], task["values"])
        if task.get("folds"):
            figures = _cross_validate(exp, task["folds"])
        else:
            figures = _train(exp, trial=trial or _pruning_trial(task), on_epoch=on_epoch)
    except PlaygroundError as e:
        return {**head, "state": FAILED, "message": " ".join(str(e).split()),
                "seconds": time.perf_counter() - started}
    state = PRUNED if figures.pop("pruned") else COMPLETE
    return {**head, "state": state, **figures}


__all__ = ["COMPLETE", "FAILED", "HISTORY_KEYS", "PRUNED", "run_trial"]
