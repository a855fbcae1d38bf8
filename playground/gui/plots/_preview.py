"""Run a plot view on its own, fed by a real short training run (each module's `__main__`).

    python -m playground.gui.plots.boundary
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.core.experiment import Experiment, default_experiment, experiment_from_dict

_NETWORKS: dict[str, dict[str, Any]] = {
    "line": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}]},
    "sine": {"layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                        {"type": "dense", "units": 16, "activation": "tanh"}]},
    "digits": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 32, "activation": "relu"}]},
    "spiral": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"} for _ in range(6)]},
}


def demo_experiment(dataset: str = "circle", **training: Any) -> Experiment:
    """A small experiment that learns `dataset` quickly (circle = the default experiment)."""
    if dataset == "circle" and not training:
        return default_experiment()
    network = _NETWORKS.get(dataset, {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                                                 {"type": "dense", "units": 2, "activation": "tanh"}]})
    optimizer = {"name": "adam", "lr": 0.01} if dataset in ("digits", "sine", "line") else {"name": "sgd",
                                                                                           "lr": 0.03}
    return experiment_from_dict({
        "name": dataset.title(),
        "data": {"dataset": dataset, "samples": 500, "train_fraction": 0.5},
        "network": network,
        "training": {"optimizer": optimizer, "batch_size": 10, **training},
    })


def preview(view_factory: Callable[[], Any], dataset: str = "circle", options: Any = None) -> None:
    """Show `view_factory()` fed by a run of `demo_experiment(dataset)` (with `RunOptions` `options`)
    until the window closes."""
    import pyqtgraph as pg

    from playground.core.datasets import load_dataset
    from playground.gui.training import TrainingController

    app = pg.mkQApp()
    exp = demo_experiment(dataset)
    ds = load_dataset(exp.data, exp.data_seed)
    view = view_factory()
    if hasattr(view, "set_dataset"):
        view.set_dataset(ds)
    view.resize(640, 480)
    view.setWindowTitle(f"{type(view).__name__}: {exp.name}")
    controller = TrainingController()
    controller.snapshot_ready.connect(view.update_snapshot)
    controller.error.connect(print)
    view.show()
    controller.start(exp, ds, options)
    app.exec()
    controller.shutdown()
