"""Experiments and measurements shared by the benchmark scripts (run them from any folder)."""

from __future__ import annotations

import time

from playground.core.experiment import Experiment, experiment_from_dict
from playground.core.run.loop import RunOptions, TrainingRun


def spiral_8x6() -> Experiment:
    """TensorFlow Playground's spiral stress case: 2 -> 8 x 6 -> 1, tanh, batch 10, no epoch limit."""
    return experiment_from_dict({
        "name": "spiral 8x6", "data": {"dataset": "spiral", "samples": 500, "noise": 0.0},
        "network": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}] * 6},
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10, "epochs": 0}})


def headless_epochs_per_s(exp: Experiment, seconds: float, options: RunOptions | None = None) -> float:
    """Epochs/s of the trainer consumed in a plain loop, with the snapshot contents `options` ask for."""
    run = TrainingRun(exp, options or RunOptions(epochs=0))
    t0 = e0 = None
    for snap in run.snapshots():
        if t0 is None:
            t0, e0 = time.perf_counter(), snap.epoch
        elif time.perf_counter() - t0 >= seconds:
            run.stop()
        if snap.done:
            break
    return (run.epoch - e0) / (time.perf_counter() - t0)


def warm_trainer_process() -> None:
    """Start a pooled trainer process and wait until torch is loaded there, so that no measured run
    includes the child's start-up (the app pays it once, while its window opens)."""
    from playground.core import remote

    proc = remote.acquire(lambda _message: None)
    assert proc.ready.wait(120), "the trainer process did not start"
    remote.release(proc)
