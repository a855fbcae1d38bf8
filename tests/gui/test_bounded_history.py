"""A long run keeps every view of the window within its history budget (real trainer process)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.model import inspect_network  # noqa: E402
from playground.core.trainer import RunOptions  # noqa: E402
from playground.gui.plots.curves import CurvesView  # noqa: E402
from playground.gui.plots.dynamics import DynamicsView  # noqa: E402
from playground.gui.runs import RunHistory  # noqa: E402

WAIT = 60_000  # ms; the wait ends as soon as the run does
EPOCHS, ROWS = 1500, 32


def test_a_long_run_keeps_the_windows_history_views_bounded_and_true(qtbot, controller):
    exp = experiment_from_dict({
        "seed": 1, "data": {"dataset": "circle", "samples": 60},
        "network": {"layers": [{"type": "dense", "units": 3, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 0}})
    ds = load_dataset(exp.data, exp.seed)
    runs, curves, dynamics = RunHistory(), CurvesView(), DynamicsView()
    for view in (curves, dynamics):
        qtbot.addWidget(view)
        view.resize(600, 500)
        view.show()
    dynamics.set_experiment(exp, inspect_network(exp.network, ds.input_shape, ds.output_units))
    runs.follow(controller, lambda: exp)
    sizes: list[int] = []
    controller.snapshot_ready.connect(lambda snap: sizes.append(len(snap.history.get("epoch", ()))))
    controller.snapshot_followup.connect(curves.update_snapshot)
    controller.snapshot_followup.connect(dynamics.update_snapshot)
    controller.start(exp, ds, RunOptions(epochs=EPOCHS, grid_resolution=8, history_rows=ROWS))
    qtbot.waitUntil(lambda: controller.state == "finished", timeout=WAIT)

    history = controller.latest.history
    epochs = history["epoch"]
    assert len(sizes) > 1 and max(sizes) <= ROWS
    assert epochs[0] == 1 and epochs[-1] == EPOCHS and np.all(np.diff(epochs) > 0)
    np.testing.assert_array_equal(epochs[-ROWS // 4:], np.arange(EPOCHS - ROWS // 4 + 1, EPOCHS + 1))
    assert runs.current.history is history and runs.current.epoch == EPOCHS  # a reference, not a copy
    x, y = curves.loss_curves["train"].getData()
    np.testing.assert_array_equal(x, epochs)  # drawn at the true epochs of the rows kept
    np.testing.assert_array_equal(y, history["train_loss"])
    x, y = dynamics.grad_curves[0].getData()
    assert len(x) <= ROWS and x[-1] == EPOCHS
