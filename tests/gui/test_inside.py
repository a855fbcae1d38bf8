"""Inside the network: neuron maps, weight lines, inline edits and conv maps, with real widgets.

Views are fed either hand-made snapshots (exact values to look for) or a real TrainingController
run on its thread (maps and weights must change as it learns, and an edit must reach the model).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import (  # noqa: E402
    LayerSpec,
    NetworkSpec,
    default_experiment,
    experiment_from_dict,
)
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.core.run.state import RunState  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.gui.inside import _layout, _scene  # noqa: E402
from playground.gui.inside.conv_view import ConvView  # noqa: E402
from playground.gui.inside.inside_panel import IDLE_HINT, InsidePanel  # noqa: E402
from playground.gui.inside.network_view import NetworkView  # noqa: E402
from playground.gui.session import Session  # noqa: E402

WAIT = 20_000  # ms: generous for a loaded machine; every wait ends as soon as its condition holds
VIEW_OPTIONS = RunOptions(neuron_grids=True, weights=True, conv_maps=True, epochs=0)


def _experiment(layers: list[dict], dataset: str = "circle", **data):
    return experiment_from_dict({
        "name": "test", "data": {"dataset": dataset, "samples": data.pop("samples", 200), **data},
        "network": {"layers": layers}, "training": {"optimizer": {"name": "sgd", "lr": 0.1},
                                                     "batch_size": 10}})


TINY_CNN = [{"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "conv2d", "filters": 6, "kernel_size": 3, "padding": "same"},
            {"type": "flatten"}]


@pytest.fixture
def circle():
    exp = default_experiment()  # 2 -> 4 tanh -> 2 tanh -> 1
    return exp, load_dataset(exp.data, exp.seed)


@pytest.fixture
def view(qtbot, circle) -> NetworkView:
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(640, 560)
    v.set_network(*circle)
    v.show()
    qtbot.waitExposed(v)
    return v


def _weights() -> tuple:
    """Known weights for the default 2-4-2-1 network: every value distinct and easy to find."""
    w0 = np.arange(8, dtype=np.float32).reshape(4, 2) / 10 - 0.35
    w1 = np.arange(8, dtype=np.float32).reshape(2, 4) / 4 - 1.0
    return ((w0, np.array([0.1, -0.2, 0.3, -0.4], np.float32)), (w1, np.array([0.5, -0.5], np.float32)),
            (np.array([[0.75, -1.25]], np.float32), np.array([0.05], np.float32)))


def _grids(level: float) -> tuple:
    ramp = np.linspace(-level, level, 40 * 40, dtype=np.float32).reshape(40, 40)
    return np.stack([ramp * (u + 1) / 4 for u in range(4)]), np.stack([ramp, -ramp])


def _snapshot(weights=None, level: float = 1.0, **extra) -> Snapshot:
    return Snapshot(epoch=1, step=1, weights=weights or _weights(), neuron_grids=_grids(level),
                    boundary=np.full((100, 100), 0.5, np.float32), extent=(-6, 6, -6, 6), **extra)


def _image_bytes(view: NetworkView, layer: int, unit: int) -> bytes:
    img = view.neuron_image(layer, unit)
    assert img is not None
    return bytes(img.constBits())


# ------------------------------------------------------------------ layout ------------------
def test_lays_out_the_network_before_any_run(view):
    shown = [(c.kind, c.layer, c.units) for c in view.scene.columns]
    assert shown == [("input", -1, 2), ("hidden", 0, 4), ("hidden", 1, 2), ("head", 2, 1)]
    assert view.neuron_image(-1, 0) is not None  # input features are maps from the start
    assert view.neuron_image(0, 0) is None  # hidden units wait for a snapshot
    assert view.connection_width(0, 0, 0) is None
    img = view.grab()
    assert not img.isNull()


def test_a_wide_layer_collapses_to_the_first_units(qtbot):
    exp = _experiment([{"type": "dense", "units": 64, "activation": "relu"}])
    ds = load_dataset(exp.data, exp.seed)
    v = NetworkView()
    qtbot.addWidget(v)
    v.set_network(exp, ds)
    col = v.column(0)
    assert (col.shown, col.more) == (_layout.MAX_SHOWN, 56)
    w = (np.ones((64, 2), np.float32), np.zeros(64, np.float32)), (np.ones((1, 64), np.float32), None)
    v.update_snapshot(Snapshot(epoch=1, step=1, weights=w))
    assert v.connection_width(0, 1, 7) is not None and v.connection_width(0, 1, 8) is None
    assert len(v.drawn_lines(1).dst) == _layout.MAX_SHOWN  # only lines to shown units
    v.grab()  # paints "+56 more" without error


def test_a_dense_layer_pair_keeps_only_its_strongest_lines(qtbot, view, monkeypatch):
    monkeypatch.setattr(_scene, "MAX_LINES", 3)
    view.update_snapshot(_snapshot())
    lines = view.drawn_lines(1)  # 2x4 weights: 8 candidates, the 3 largest |w| kept
    assert sorted(np.abs(lines.value).tolist()) == [0.75, 0.75, 1.0]


# ------------------------------------------------------------------ hover, click, edit -------
def test_hovering_a_connection_reports_its_value(qtbot, view):
    view.update_snapshot(_snapshot())
    qtbot.mouseMove(view, view.connection_midpoint(2, 1, 0))  # last hidden unit 2 -> output
    qtbot.waitUntil(lambda: "-1.25" in view.hover_text)
    assert view.hover_text.startswith("Weight Layer 2, unit 2 → Output")
    qtbot.mouseMove(view, view.neuron_center(0, 2))
    qtbot.waitUntil(lambda: view.hover_text.startswith("Layer 1, unit 3"))
    qtbot.mouseMove(view, view.bias_center(1, 1))
    qtbot.waitUntil(lambda: view.hover_text.startswith("Bias of Layer 2, unit 2: -0.5"))


def test_clicking_a_connection_edits_it(qtbot, view):
    view.update_snapshot(_snapshot())
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.connection_midpoint(2, 1, 0))
    assert view.editor.isVisible() and view.editor.text() == "-1.25"
    view.editor.selectAll()
    qtbot.keyClicks(view.editor, "2.5")
    with qtbot.waitSignal(view.parameter_edited) as sig:
        qtbot.keyClick(view.editor, Qt.Key.Key_Return)
    assert sig.args == ["2.linear.weight", 1, 2.5]  # W[out=0, in=1] of the head, flat index 0*2+1
    assert not view.editor.isVisible()


def test_clicking_a_bias_edits_it_and_escape_cancels(qtbot, view):
    view.update_snapshot(_snapshot())
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(0, 3))
    assert view.editor.text() == "-0.4"
    with qtbot.assertNotEmitted(view.parameter_edited):
        qtbot.keyClick(view.editor, Qt.Key.Key_Escape)
    assert not view.editor.isVisible()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(0, 3))
    view.editor.setText("1e-3")
    with qtbot.waitSignal(view.parameter_edited) as sig:
        qtbot.keyClick(view.editor, Qt.Key.Key_Enter)
    assert sig.args == ["0.linear.bias", 3, 0.001]


def test_clicking_a_unit_pins_it(qtbot, view):
    view.update_snapshot(_snapshot())
    with qtbot.waitSignal(view.neuron_clicked) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(1, 1))
    assert sig.args == [1, 1] and view.pinned == (1, 1)
    view.grab()  # the pinned band paints
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(1, 1))
    assert view.pinned is None


def test_widths_follow_the_weights(view):
    view.update_snapshot(_snapshot())
    thin = view.connection_width(2, 0, 0)
    weights = _weights()
    weights[2][0][0, 0] = 2.0
    view.update_snapshot(_snapshot(weights))
    assert view.connection_width(2, 0, 0) > thin


def test_a_streaming_frame_redraws_a_few_changed_strips_and_a_paused_one_all(view):
    view.strips.budget = 1
    view.update_snapshot(_snapshot())
    view.repaint()
    assert view.strips.misses == 3 and not view.strips.stale(view.scene)  # a first look: all drawn
    changed = tuple((-1.5 * w, b) for w, b in _weights())  # every weight changes: all three strips
    for expected_stale in (2, 1):
        view.update_snapshot(_snapshot(changed))
        view.repaint()
        assert len(view.strips.stale(view.scene)) == expected_stale  # one redrawn per frame, oldest first
    assert view.strips.misses == 5 and view.strips.deferred == 3
    view.update_snapshot(_snapshot(changed, state=RunState.PAUSED))
    view.repaint()
    assert not view.strips.stale(view.scene)  # what stays on screen is exact


def test_deferred_painting_converts_now_and_paints_when_presented(qtbot, view):
    view.deferred_paint = True
    frames = view.frames_rendered
    view.update_snapshot(_snapshot())  # streaming, and nobody calls `present`: painted a bit later
    qtbot.waitUntil(lambda: view.frames_rendered == frames + 1, timeout=2000)
    # a while later (the window's FrameScheduler spaces streaming frames; here nobody does)
    qtbot.waitUntil(lambda: time.perf_counter() - view._started_at > 0.3)
    view.update_snapshot(_snapshot(level=2.0))
    qtbot.waitUntil(lambda: view._awaiting_present)  # converted, waiting for the next frame
    QApplication.processEvents()
    assert view.frames_rendered == frames + 1  # nothing painted yet
    view.present()
    qtbot.waitUntil(lambda: view.frames_rendered == frames + 2)
    view.update_snapshot(_snapshot(state=RunState.PAUSED))  # a paused snapshot is converted, painted at once
    qtbot.waitUntil(lambda: view.frames_rendered == frames + 3)
    assert not view._awaiting_present


# ------------------------------------------------------------------ live runs ----------------
def test_maps_and_lines_change_as_training_proceeds(qtbot, controller, view, circle):
    controller.snapshot_ready.connect(view.update_snapshot)
    assert controller.start(*circle, options=VIEW_OPTIONS)
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.epoch >= 1, timeout=WAIT)
    first_epoch = controller.latest.epoch
    before = [_image_bytes(view, 0, u) for u in range(4)]
    widths = [view.connection_width(1, s, d) for s in range(4) for d in range(2)]
    qtbot.waitUntil(lambda: controller.latest.epoch >= first_epoch + 20, timeout=WAIT)
    assert any(_image_bytes(view, 0, u) != b for u, b in enumerate(before))
    assert [view.connection_width(1, s, d) for s in range(4) for d in range(2)] != widths


def test_editing_the_output_bias_shifts_every_logit(qtbot, controller, circle):
    """End to end: typed into the view, through the controller, into the paused model."""
    session = Session(circle[0])
    panel = InsidePanel(session, controller)
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    qtbot.waitExposed(panel)
    controller.start(*circle, options=RunOptions(neuron_grids=True, weights=True, start_paused=True))
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.state == RunState.PAUSED,
                    timeout=WAIT)
    before = controller.latest
    bias = float(before.weights[-1][1][0])
    view, delta = panel.network, 0.5
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(2, 0))
    view.editor.setText(f"{bias + delta:.8f}")
    qtbot.keyClick(view.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: abs(float(controller.latest.weights[-1][1][0]) - (bias + delta)) < 1e-6,
                    timeout=WAIT)
    after = controller.latest
    assert after.epoch == before.epoch and controller.state == RunState.PAUSED

    def logit(p: np.ndarray) -> np.ndarray:
        p = p.astype(np.float64)
        return np.log(p / (1 - p))

    mid = (before.boundary > 0.05) & (before.boundary < 0.95)
    assert mid.sum() > 100
    shift = logit(after.boundary[mid]) - logit(before.boundary[mid])
    assert np.allclose(shift, delta, atol=2e-3)
    np.testing.assert_array_equal(after.weights[-1][0], before.weights[-1][0])  # only the bias moved


def test_conv_view_shows_filters_and_maps_and_picks_the_sample(qtbot, controller):
    exp = _experiment(TINY_CNN, dataset="digits", samples=300)
    ds = load_dataset(exp.data, exp.seed)
    conv = ConvView()
    qtbot.addWidget(conv)
    conv.resize(600, 700)
    conv.set_network(exp, ds)
    conv.show()
    controller.snapshot_ready.connect(conv.update_snapshot)
    conv.sample_changed.connect(controller.set_feature_sample)
    controller.start(exp, ds, RunOptions(conv_maps=True, start_paused=True))
    qtbot.waitUntil(lambda: len(conv.sections) == 4, timeout=WAIT)  # image, filters, two conv layers
    image, filters, first, second = conv.sections
    assert len(filters.images) == 4 and filters.stack.shape == (4, 3, 3)
    assert first.stack.shape == (4, 8, 8) and second.stack.shape == (6, 4, 4)
    assert "Layer 3" in second.title and "predicted" in conv.info.text()
    old = first.stack.copy()
    with qtbot.waitSignal(conv.sample_changed) as sig:
        conv.spin.setValue(5)
    assert sig.args == [5] and conv.sections[0].title == "Test image 5"
    qtbot.waitUntil(lambda: not np.array_equal(conv.sections[2].stack, old), timeout=WAIT)
    assert conv.canvas.text_at(conv.sections[1].rects[0].center()).startswith("filter 1")
    conv.grab()


def test_an_image_mlp_shows_its_first_weights_as_images(qtbot, circle):
    exp = _experiment([{"type": "flatten"}, {"type": "dense", "units": 16}], dataset="digits", samples=200)
    ds = load_dataset(exp.data, exp.seed)
    conv = ConvView()
    qtbot.addWidget(conv)
    conv.set_network(exp, ds)
    w = (np.ones((16, 64), np.float32), None), (np.ones((10, 16), np.float32), None)
    conv.update_snapshot(Snapshot(epoch=1, step=1, weights=w))
    assert [s.stack.shape for s in conv.sections] == [(1, 8, 8), (16, 8, 8)]


def test_the_image_view_shows_the_samples_class_probabilities(qtbot, controller):
    """The bars are the softmax of the logits for the chosen test image (cross-entropy applies
    log-softmax itself), follow the sample, and say when a softmax head made them instead."""
    exp = _experiment([{"type": "flatten"}, {"type": "dense", "units": 16}], dataset="digits", samples=200)
    ds = load_dataset(exp.data, exp.seed)
    conv = ConvView()
    qtbot.addWidget(conv)
    conv.resize(600, 700)
    conv.set_network(exp, ds)
    conv.show()
    assert not conv.probabilities.isVisible()  # nothing trained yet: no numbers to show
    controller.snapshot_ready.connect(conv.update_snapshot)
    conv.sample_changed.connect(controller.set_feature_sample)
    controller.start(exp, ds, RunOptions(conv_maps=True, start_paused=True))
    qtbot.waitUntil(lambda: conv.probabilities.isVisible(), timeout=WAIT)
    bars = conv.probabilities
    shown = controller.latest.sample_probabilities
    lines = bars.text().splitlines()
    assert "softmax of the logits" in lines[0] and "applies log-softmax to the logits itself" in lines[1]
    truth = int(ds.y_test[0])
    assert lines[2] == f"loss −log p({truth}) = {-np.log(shown[truth]):.3g}"
    assert lines[3:] == [f"{d}: {p:.3f}" for d, p in zip(ds.class_names, shown, strict=True)]
    assert abs(float(np.sum(shown)) - 1) < 1e-5 and bars.truth == truth
    assert bars.toolTip() == bars.text()
    conv.spin.setValue(7)
    qtbot.waitUntil(lambda: not np.array_equal(controller.latest.sample_probabilities, shown), timeout=WAIT)
    assert bars.truth == int(ds.y_test[7]) and bars.probabilities.tolist() == pytest.approx(
        controller.latest.sample_probabilities.tolist())
    conv.grab()
    soft = dataclasses.replace(exp, network=dataclasses.replace(exp.network, output={
        **exp.network.output, "activation": "softmax"}))
    conv.set_network(soft, ds)
    conv.update_snapshot(Snapshot(epoch=1, step=1, sample_probabilities=np.full(10, 0.1, np.float32)))
    assert "the softmax head's output" in bars.text().splitlines()[0]


# ------------------------------------------------------------------ panel and window --------
def test_panel_picks_the_view_for_the_data(qtbot, controller):
    session = Session()
    panel = InsidePanel(session, controller)
    qtbot.addWidget(panel)
    assert panel.page == "network" and panel.hint.text() == IDLE_HINT
    cnn = _experiment(TINY_CNN, dataset="digits", samples=200)
    with qtbot.waitSignal(session.dataset_changed, timeout=WAIT):  # image sets load in the background
        session.edit(cnn, "digits")
    assert panel.page == "conv"
    no_flatten = NetworkSpec(layers=(LayerSpec("dense", {"units": 4}),))  # as the designer can leave it
    broken = dataclasses.replace(cnn, network=no_flatten)
    session.edit(broken, "broken")
    assert panel.page == "hint" and "Fix the network" in panel.empty.text()
    session.edit(_experiment([{"type": "dense", "units": 8}], dataset="sine"), "sine")
    assert panel.page == "network"
    assert panel.network.neuron_image(-1, 0) is not None  # 1-D data: the input is a curve of x
    assert panel.network.column(0).over_x


def test_the_window_shows_inside_when_training_starts(qtbot, tmp_path):
    from playground.gui.main_window import MainWindow

    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.centre.currentWidget() is w.designer
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.toggle_training()
    assert w.centre.currentWidget() is w.inside
    qtbot.waitUntil(lambda: w.inside.network.neuron_image(0, 0) is not None, timeout=WAIT)
    snap = w.controller.latest
    assert snap.neuron_grids is not None and snap.weights is not None
    focus = QApplication.focusWidget()
    assert not isinstance(focus, QLineEdit | QAbstractSpinBox)  # the tab switch left Space to Train
    qtbot.keyClick(focus or w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=WAIT)
    w.close()
    assert not w.controller.is_active
