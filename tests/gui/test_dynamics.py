"""Training dynamics, activity badges and step mode: real widgets fed by real runs (offscreen).

Step mode is checked against torch itself: after each Step one batch, the new value the panel
shows (computed by `explain_update` from the captured numbers) must equal the weight that torch's
optimizer actually left in the live model.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import Experiment, experiment_from_dict  # noqa: E402
from playground.core.model import inspect_network  # noqa: E402
from playground.core.optimizers import OPTIMIZERS  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.gui.inside.step_explainer import StepExplainer, parameters  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.plots.dynamics import PLAN_POINTS, DynamicsView, diagnose  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from playground.gui.training import TrainingController  # noqa: E402
from tests.tolerance import UPDATE_ROUNDINGS, float32_approx  # noqa: E402

WAIT = 20_000  # ms; each wait ends as soon as its condition holds


def experiment(layers: list[dict] | None = None, optimizer: dict | None = None, **training) -> Experiment:
    return experiment_from_dict({
        "seed": 3, "data": {"dataset": "circle", "samples": 200},
        "network": {"layers": layers if layers is not None else [
            {"type": "dense", "units": 4, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "tanh"}]},
        "training": {"optimizer": optimizer or {"name": "sgd", "lr": 0.1}, "batch_size": 10, **training}})


def relu(units: int = 6, **params) -> dict:
    return {"type": "dense", "units": units, "activation": "relu", **params}



def shown_view(qtbot, exp: Experiment) -> tuple[DynamicsView, object]:
    ds = load_dataset(exp.data, exp.seed)
    view = DynamicsView()
    qtbot.addWidget(view)
    view.set_experiment(exp, inspect_network(exp.network, ds.input_shape, ds.output_units))
    view.resize(600, 700)
    view.show()
    return view, ds


def run_to_finish(qtbot, controller: TrainingController, exp: Experiment, ds, epochs: int) -> None:
    with qtbot.waitSignal(controller.run_started):
        controller.start(exp, ds, RunOptions(epochs=epochs, grid_resolution=20))
    qtbot.waitUntil(lambda: controller.state == "finished", timeout=WAIT)


# ---------------------------------------------------------------------- dynamics view --------
def test_gradient_norms_one_point_per_epoch_per_layer_on_a_log_axis(qtbot, controller):
    exp = experiment()
    view, ds = shown_view(qtbot, exp)
    controller.snapshot_ready.connect(view.update_snapshot)
    run_to_finish(qtbot, controller, exp, ds, epochs=6)
    assert view.grad_plot.getAxis("left").logMode
    curves = {i: c for i, c in view.grad_curves.items() if c.isVisible()}
    assert sorted(curves) == [0, 1, 2]  # two hidden layers and the head
    assert [curves[i].name() for i in range(3)] == ["Layer 1 (Dense 4 tanh)", "Layer 2 (Dense 2 tanh)",
                                                    "Output"]
    history = controller.latest.history
    for i, curve in curves.items():
        x, y = curve.xData, curve.yData
        np.testing.assert_array_equal(x, np.arange(1, 7))
        np.testing.assert_allclose(y, history[f"grad_norm.{i}"])
    assert "Layer 1 (Dense 4 tanh)" in view.legend.text()
    assert not view.lr_visible  # constant schedule: no learning-rate plot taking room


def test_activity_curves_for_a_relu_net(qtbot, controller):
    exp = experiment([relu(), relu(4)])
    view, ds = shown_view(qtbot, exp)
    controller.snapshot_ready.connect(view.update_snapshot)
    run_to_finish(qtbot, controller, exp, ds, epochs=3)
    curves = {i: c for i, c in view.activity_curves.items() if c.isVisible()}
    assert sorted(curves) == [0, 1]
    assert curves[0].name() == "Layer 1 dead"
    for i, curve in curves.items():
        x, y = curve.xData, curve.yData
        assert len(x) == 3 and np.all((y >= 0) & (y <= 100))
        np.testing.assert_allclose(y, 100 * controller.latest.history[f"dead.{i}"])


def test_planned_learning_rate_follows_a_step_schedule(qtbot, controller):
    exp = experiment(schedule={"name": "step", "step_size": 3, "gamma": 0.5}, epochs=12)
    view, ds = shown_view(qtbot, exp)
    assert view.lr_visible
    x, y = view.lr_planned.getData()  # drawn ahead of time, before any training
    np.testing.assert_array_equal(x, np.arange(1, 13))
    np.testing.assert_allclose(y, 0.1 * 0.5 ** ((x - 1) // 3))
    controller.snapshot_ready.connect(view.update_snapshot)
    run_to_finish(qtbot, controller, exp, ds, epochs=12)
    actual_x, actual = view.lr_actual.getData()
    np.testing.assert_array_equal(actual_x, np.arange(1, 13))
    np.testing.assert_allclose(actual, y, rtol=1e-9)  # the run did what the plan said


def test_hidden_view_draws_the_newest_snapshot_when_shown(qtbot, controller):
    exp = experiment()
    view, ds = shown_view(qtbot, exp)
    view.hide()
    controller.snapshot_ready.connect(view.update_snapshot)
    run_to_finish(qtbot, controller, exp, ds, epochs=2)
    assert not any(c.isVisible() for c in view.grad_curves.values())
    view.show()
    assert len(view.grad_curves[0].getData()[0]) == 2
    view.clear()
    assert not any(c.isVisible() for c in view.grad_curves.values())


def test_diagnosis_names_vanishing_gradients():
    epochs = np.arange(1.0, 11.0)
    vanishing = {"epoch": epochs, "grad_norm.0": np.full(10, 1e-6), "grad_norm.1": np.full(10, 1e-3),
                 "grad_norm.2": np.full(10, 0.1)}
    assert diagnose(vanishing, experiment()).startswith("Vanishing gradients")
    assert "ReLU" in diagnose(vanishing, experiment())  # tanh layers: ReLU is the first thing to try
    healthy = {**vanishing, "grad_norm.0": np.full(10, 0.05)}
    assert "healthy" in diagnose(healthy)


# ---------------------------------------------------------------------- step explainer -------
def live_weight(controller: TrainingController, key: str, index: int) -> float:
    """The model's weight as the trainer process reported it in the newest (paused) snapshot."""
    block, _, kind = key.split(".")  # "0.linear.weight": every block of these nets is dense
    weight, bias = controller.latest.weights[int(block)]
    return float((weight if kind == "weight" else bias).reshape(-1)[index])


def test_parameter_list_names_every_tensor():
    exp = experiment()
    params = parameters(exp, load_dataset(exp.data, exp.seed))
    assert [(p.key, p.shape) for p in params] == [
        ("0.linear.weight", (4, 2)), ("0.linear.bias", (4,)), ("1.linear.weight", (2, 4)),
        ("1.linear.bias", (2,)), ("2.linear.weight", (1, 2)), ("2.linear.bias", (1,))]
    assert params[0].label == "Layer 1 (Dense 4 tanh) · weight 4×2"
    assert params[-1].label.startswith("Output · bias")


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_step_mode_numbers_equal_what_torch_did(qtbot, controller, name):
    params = OPTIMIZERS[name].validate({}, "optimizer")
    exp = experiment(optimizer={"name": name, **params, "lr": 0.05})
    ds = load_dataset(exp.data, exp.seed)
    panel = StepExplainer(controller)
    qtbot.addWidget(panel)
    panel.set_experiment(exp, ds)
    panel.resize(520, 700)
    panel.show()
    assert panel.watched == ("0.linear.weight", 0)  # default: first hidden layer's weight [0, 0]
    panel.select("0.linear.weight", 1, 1)
    key, index = panel.watched
    assert index == 3  # row 1, column 1 of a 4×2 weight
    with qtbot.waitSignal(controller.run_started):
        controller.start(exp, ds, RunOptions(start_paused=True, grid_resolution=20, weights=True))
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.state == "paused",
                    timeout=WAIT)
    for step in (1, 2, 3):  # several steps: velocity, averages and moments come into play
        before = live_weight(controller, key, index)
        qtbot.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda s=step: controller.latest.step == s and controller.latest.state == "paused"
                        and bool(panel.values), timeout=WAIT)
        after = live_weight(controller, key, index)
        assert panel.values["old"] == pytest.approx(before, rel=1e-6)
        assert panel.values["new"] == float32_approx(after, longest_sum=UPDATE_ROUNDINGS,
                                                     scale=abs(before) + abs(after - before))
        assert after != before
        assert panel.counter.text() == f"Step {step} · epoch 0"
        assert f"Explains step {step} of this run." in panel.text
        text = panel.text
        assert "torch computed the same" in text and OPTIMIZERS[name].label in text
        assert "gradient g" in text and "learning rate" in text


def test_step_mode_says_where_the_gradient_comes_from(qtbot, controller):
    """Cross-entropy's formula (log-softmax applied to the logits inside the loss) and the L2
    term ½λ·Σw², whose gradient λ·w is part of g for a weight and not for a bias."""
    exp = experiment_from_dict({
        "seed": 3, "data": {"dataset": "blobs", "samples": 200},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.05}, "l2": 0.01, "batch_size": 10},
    })
    ds = load_dataset(exp.data, exp.seed)
    panel = StepExplainer(controller)
    qtbot.addWidget(panel)
    panel.set_experiment(exp, ds)
    panel.resize(520, 700)
    panel.show()
    with qtbot.waitSignal(controller.run_started):
        controller.start(exp, ds, RunOptions(start_paused=True, grid_resolution=20, weights=True))
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.state == "paused",
                    timeout=WAIT)
    for step, key in ((1, "1.linear.weight"), (2, "1.linear.bias")):
        panel.select(key, 0, 0)
        qtbot.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda s=step: controller.latest.step == s and controller.latest.state == "paused"
                        and bool(panel.values), timeout=WAIT)
        text = panel.text
        assert "GRADIENT" in text and "mean(−log softmax(z)[y])" in text
        assert "the loss applies log-softmax itself (torch's CrossEntropyLoss)" in text
        assert ("½λ·Σw² (λ = 0.01), so g gains λ·w" in text) == (key.endswith("weight"))
        assert ("L1 and L2 apply to weights, not biases" in text) == (key.endswith("bias"))
        assert "torch computed the same" in text


# ---------------------------------------------------------------------- main window ----------
@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QCoreApplication.setOrganizationName("NN Playground Tests")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    # Zero weights and biases: every ReLU outputs 0 for every example and gets no gradient: dead.
    exp = experiment([relu(initializer="zeros"), {"type": "dense", "units": 3, "activation": "tanh"}])
    w = MainWindow(Session(exp), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    assert not w.controller.is_active


def test_step_one_batch_advances_exactly_one_step(qtbot, window):
    c, bar = window.controller, window.run_bar
    assert bar.step_batch_action in window.run_actions
    assert "Shift" in bar.step_batch_action.toolTip() or "⇧" in bar.step_batch_action.toolTip()
    qtbot.mouseClick(bar.step_batch_button, Qt.MouseButton.LeftButton)  # from idle: start paused, step
    qtbot.waitUntil(lambda: c.latest is not None and c.latest.step == 1 and c.state == "paused", timeout=WAIT)
    bar.step_batch_action.trigger()
    qtbot.waitUntil(lambda: c.latest.step == 2 and c.latest.state == "paused", timeout=WAIT)
    QCoreApplication.processEvents()
    assert c.latest.step == 2 and c.latest.epoch == 0


def test_dead_relu_layer_gets_a_badge_that_reset_clears(qtbot, window):
    canvas = window.designer.canvas
    window.step()  # one epoch: activity is measured at its end
    qtbot.waitUntil(lambda: bool(canvas.warning(0)), timeout=WAIT)
    assert canvas.warning(0).startswith("100% of units are dead: they output 0 for every training example")
    assert "leaky ReLU" in canvas.warning(0)
    assert canvas.warning(1) == ""  # the tanh layer is fine
    assert canvas.tooltip(1).startswith("100% of units are dead")  # block 1 = hidden layer 0
    window.right.setCurrentWidget(window.dynamics)
    qtbot.waitUntil(lambda: window.dynamics.activity_curves.get(0) is not None
                    and window.dynamics.activity_curves[0].isVisible(), timeout=WAIT)
    window.reset()
    assert canvas.warning(0) == ""
    assert not window.dynamics.activity_curves[0].isVisible()


def test_saturation_badge_text():
    from playground.gui.designer.blocks import activity_warning

    badge, tip = activity_warning("saturated", 0.73, "tanh")
    assert badge == "⚠ 73% saturated"
    assert tip.startswith("73% of outputs are saturated: inputs are so large that tanh is flat")
    assert activity_warning("dead", 0.4) is None  # below the threshold: no alarm


def test_a_diverging_run_draws_without_trouble(qtbot, controller):
    exp = experiment([relu(8)], {"name": "sgd", "lr": 100.0}, loss="mse")
    view, ds = shown_view(qtbot, exp)
    controller.snapshot_ready.connect(view.update_snapshot)
    with qtbot.waitSignal(controller.run_started):
        controller.start(exp, ds, RunOptions(grid_resolution=20))
    qtbot.waitUntil(lambda: controller.state == "diverged", timeout=WAIT)
    view.grab()  # paints NaN / inf gradient norms: gaps, not a crash
    assert view.grad_curves[0].isVisible()


def test_planned_learning_rate_of_a_long_run_is_drawn_at_a_bounded_number_of_true_epochs(qtbot):
    exp = experiment(schedule={"name": "step", "step_size": 1000, "gamma": 0.5}, epochs=1_000_000)
    view, _ = shown_view(qtbot, exp)
    x, y = view.lr_planned.getData()
    assert len(x) <= PLAN_POINTS and x[0] == 1 and x[-1] == 1_000_000
    assert np.all(x == np.round(x)) and np.all(np.diff(x) > 0)
    np.testing.assert_allclose(y, 0.1 * 0.5 ** ((x - 1) // 1000))  # exact at the epochs drawn


def test_a_streaming_run_is_drawn_at_the_refresh_pace_and_a_paused_one_at_once(qtbot, monkeypatch):
    """As the window registers the view: in phase 2 of the frame scheduler, spaced by REFRESH_S."""
    from playground.core.run.state import RunState
    from playground.core.snapshot import Snapshot
    from playground.gui import frames as frames_module
    from playground.gui.frames import FrameScheduler, Phase
    from playground.gui.plots import dynamics

    clock = [100.0]
    monkeypatch.setattr(frames_module, "_now", lambda: clock[0])
    view, _ = shown_view(qtbot, experiment())
    frames = FrameScheduler(lambda: None)
    frames.register(view.update_snapshot, Phase.FOLLOWUP, spacing=dynamics.REFRESH_S)

    def offer(snapshot: Snapshot) -> None:
        frames.show(snapshot)
        frames.flush()

    def snap(epochs: int, state: str) -> Snapshot:
        e = np.arange(1.0, epochs + 1)
        return Snapshot(epoch=epochs, step=10 * epochs, state=state, lr=0.1,
                        history={"epoch": e, "grad_norm.0": np.full(epochs, 0.5), "lr": np.full(epochs, 0.1)})

    def drawn() -> int:
        return len(view.grad_curves[0].getData()[0])

    offer(snap(3, RunState.RUNNING))
    assert drawn() == 3
    clock[0] += dynamics.REFRESH_S / 2
    offer(snap(5, RunState.RUNNING))
    assert drawn() == 3  # too soon after the last redraw: skipped, the stream brings a newer one
    clock[0] += dynamics.REFRESH_S / 2
    offer(snap(8, RunState.RUNNING))
    assert drawn() == 8
    offer(snap(9, RunState.PAUSED))  # no stream to wait for: drawn at once
    assert drawn() == 9
