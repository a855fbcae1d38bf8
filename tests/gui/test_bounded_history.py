"""A long run keeps every view of the window within its history budget (real trainer process)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.model import inspect_network  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
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


def test_epoch_ticks_of_a_long_run_stay_short_enough_to_read(qtbot):
    curves = CurvesView()
    qtbot.addWidget(curves)
    curves.resize(360, 240)
    curves.show()
    epochs = np.arange(1.0, 65_001.0)
    curves.update_snapshot(Snapshot(epoch=65_000, step=0, state="finished",
                                    history={"epoch": epochs, "train_loss": 1 / epochs}))
    for plot in (curves.loss_plot, curves.score_plot):
        axis = plot.getAxis("bottom")
        low, high = plot.getViewBox().viewRange()[0]
        ticks = [v for spacing, values in axis.tickValues(low, high, axis.width()) for v in values]
        labels = axis.tickStrings(ticks, 1.0, 10_000.0)
        assert ticks and all(len(text) <= 4 for text in labels), labels  # "60k", not "60000"
        assert "60k" in labels or "50k" in labels
