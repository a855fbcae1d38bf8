"""Very large networks (100 layers, 4,096 units) are summarised, never overprinted (offscreen).

The Inside view shows the first and last hidden layers with "… 90 more layers" between them, every
title, layer label and "+k more" line in the room its column has (shorter forms where it is narrow,
none where nothing fits), and the Dynamics legend names the first and last blocks and a count.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QLocale, QRectF  # noqa: E402
from PySide6.QtGui import QFont, QFontMetricsF  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.model import inspect_network  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.gui.inside import _paint  # noqa: E402
from playground.gui.inside.network_view import NetworkView  # noqa: E402
from playground.gui.plots.dynamics import DynamicsView  # noqa: E402

WAIT = 20_000  # ms; each wait ends as soon as its condition holds


def _experiment(layers: int, units: int):
    return experiment_from_dict({
        "seed": 0, "data": {"dataset": "circle", "samples": 200},
        "network": {"layers": [{"type": "dense", "units": units, "activation": "relu"}] * layers},
        "training": {"optimizer": {"name": "sgd", "lr": 0.01}, "batch_size": 10}})


class TextRecorder:
    """Stands in for a QPainter: keeps every text drawn (where, how, in which font); draws nothing."""

    def __init__(self) -> None:
        self.font = QFont()
        self.texts: list[tuple[QRectF, str]] = []

    def setFont(self, font: QFont) -> None:  # noqa: N802 - QPainter's API
        self.font = QFont(font)

    def drawText(self, rect: QRectF, flags, text: str) -> None:  # noqa: N802 - QPainter's API
        ink = QFontMetricsF(self.font).boundingRect(QRectF(rect), int(flags), text)
        self.texts.append((ink, text))

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def _view(qtbot, layers: int, units: int, width: int) -> NetworkView:
    exp = _experiment(layers, units)
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(width, 520)
    view.set_network(exp, load_dataset(exp.data, exp.seed))
    view.show()
    qtbot.waitExposed(view)
    return view


def _labels(view: NetworkView) -> list[tuple[QRectF, str]]:
    """What the view's text layer draws: titles, layer labels, feature names, "+k more", the gap."""
    recorder = TextRecorder()
    _paint.paint_labels(recorder, view.scene, view.font(), view._step)
    return recorder.texts


def _assert_no_overprint(texts: list[tuple[QRectF, str]], width: int) -> None:
    for (a, ta), (b, tb) in itertools.combinations(texts, 2):
        both = a.intersected(b)
        assert both.width() < 0.5 or both.height() < 0.5, f"{ta!r} at {a} overprints {tb!r} at {b}"
    for box, text in texts:
        assert box.left() >= 0 and box.right() <= width, f"{text!r} at {box} leaves the view"


@pytest.mark.parametrize("width", [300, 640, 1400])
def test_a_hundred_layers_show_their_ends_and_a_count_without_overprinting(qtbot, width):
    view = _view(qtbot, 100, 8, width)
    cols = view.scene.columns
    assert [c.layer for c in cols] == [-1, 0, 1, 2, 3, 4, 95, 96, 97, 98, 99, 100]
    assert [c.skipped for c in cols] == [0] * 6 + [90] + [0] * 5
    for before, after in zip(cols, cols[1:], strict=False):  # nodes and bias squares never collide
        assert before.rects[0].right() < after.bias_rects[0].left()
    texts = _labels(view)
    _assert_no_overprint(texts, width)
    shown = [t for _, t in texts]
    gap = [t for t in shown if t.startswith("…")]
    assert len(gap) == 1 and (gap[0] == "… 90 more layers" or width < 640)
    if width >= 640:
        assert {"Layer 1", "Layer 100", "Output"} <= set(shown) or {"L1", "L100"} <= set(shown)
        assert "Input" in shown or "In" in shown


@pytest.mark.parametrize("width", [300, 640])
def test_layers_of_4096_units_elide_their_labels_instead_of_overprinting(qtbot, width):
    view = _view(qtbot, 6, 4096, width)
    texts = _labels(view)
    _assert_no_overprint(texts, width)
    shown = [t for _, t in texts]
    more = f"+{QLocale().toString(4088)}"  # the units beyond the first 8, counted in the locale's digits
    assert any(t.startswith(more) for t in shown) or (width < 640 and "+4k" in shown), shown


def test_the_hundred_layer_view_draws_a_real_run_with_lines_only_between_neighbours(qtbot, controller):
    exp = _experiment(100, 8)
    ds = load_dataset(exp.data, exp.seed)
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.set_network(exp, ds)
    view.show()
    controller.snapshot_ready.connect(view.update_snapshot)
    controller.start(exp, ds, RunOptions(neuron_grids=True, weights=True, epochs=2))
    qtbot.waitUntil(lambda: controller.state == "finished", timeout=WAIT)
    qtbot.waitUntil(lambda: view.drawn_lines(99) is not None, timeout=WAIT)
    assert view.drawn_lines(95) is None  # no lines across the gap: layer 91 is not drawn
    assert view.drawn_lines(4) is not None and view.neuron_image(99, 0) is not None
    at = view.bias_center(95, 0)  # the first column after the gap keeps its biases, hover and edit
    hit = view.scene.hit(float(at.x()), float(at.y()))
    assert hit.kind == "bias" and view.scene.value(hit) == float(controller.latest.weights[95][1][0])


def test_the_dynamics_legend_of_a_hundred_layers_names_the_ends_and_counts_the_rest(qtbot, controller):
    exp = _experiment(100, 8)
    ds = load_dataset(exp.data, exp.seed)
    view = DynamicsView()
    qtbot.addWidget(view)
    view.set_experiment(exp, inspect_network(exp.network, ds.input_shape, ds.output_units))
    view.resize(600, 700)
    view.show()
    controller.snapshot_ready.connect(view.update_snapshot)
    controller.start(exp, ds, RunOptions(epochs=2, grid_resolution=20))
    qtbot.waitUntil(lambda: controller.state == "finished", timeout=WAIT)
    qtbot.waitUntil(lambda: sum(c.isVisible() for c in view.grad_curves.values()) == 101, timeout=WAIT)
    legend = view.legend.text()
    assert legend.count("&#9632;") == 8  # four blocks at each end, each with its colour
    for name in ("Layer 1 (Dense 8 relu)", "Layer 4 (Dense 8 relu)", "Layer 98 (Dense 8 relu)", "Output"):
        assert name in legend
    assert "Layer 5 (" not in legend and "Layer 97 (" not in legend
    assert "… 93 more layers" in legend
    lines = view.legend.heightForWidth(view.legend.width()) / view.legend.fontMetrics().height()
    assert lines < 4  # a couple of lines, not a page
