"""1-D data inside the network: every unit drawn as its output curve over x, the 1-D heat map.

Hand-made snapshots give curves whose pixels are known (a positive constant is blue above the zero
line, a negative one orange below it); a real run on `sine` must fill the nodes and move them.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.gui.inside import _images as im  # noqa: E402
from playground.gui.inside.network_view import NetworkView  # noqa: E402
from playground.gui.neuron_focus import NeuronFocus, unit_focus  # noqa: E402
from playground.gui.plots import _style as st  # noqa: E402
from playground.gui.plots.boundary import BoundaryView  # noqa: E402

WAIT = 20_000  # ms: generous for a loaded machine; every wait ends as soon as its condition holds
POINTS = 80  # the trainer's curve length at the default neuron resolution (2 × 40)
ZERO_LINE = int(QColor(st.BORDER).rgba())


@pytest.fixture
def sine():
    exp = experiment_from_dict({
        "name": "sine", "data": {"dataset": "sine", "samples": 200},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                               {"type": "dense", "units": 2, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "adam", "lr": 0.03}, "batch_size": 10}})
    return exp, load_dataset(exp.data, exp.seed)


@pytest.fixture
def view(qtbot, sine) -> NetworkView:
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(640, 560)
    v.set_network(*sine)
    v.show()
    qtbot.waitExposed(v)
    return v


def _snapshot(ds, fit_scale: float = 2.0) -> Snapshot:
    """Layer 1: +0.5, -0.5, a ramp -1..1 and 0; layer 2: a ramp and its negative; the fit a sine."""
    ramp = np.linspace(-1, 1, POINTS, dtype=np.float32)
    first = np.stack([np.full(POINTS, 0.5), np.full(POINTS, -0.5), ramp, np.zeros(POINTS)])
    second = np.stack([ramp, -ramp])
    xs = np.linspace(ds.extent[0], ds.extent[1], 200, dtype=np.float32)
    w = ((np.ones((4, 1), np.float32), np.zeros(4, np.float32)),
         (np.ones((2, 4), np.float32), np.zeros(2, np.float32)),
         (np.ones((1, 2), np.float32), np.zeros(1, np.float32)))
    return Snapshot(epoch=1, step=1, extent=ds.extent, weights=w, curve=(xs, fit_scale * np.sin(xs)),
                    neuron_grids=(first[:, None].astype(np.float32), second[:, None]))


def _pixels(img: QImage) -> np.ndarray:
    """(h, w) packed 0xffRRGGBB of an RGB32 image."""
    assert img.format() == QImage.Format.Format_RGB32
    rows = np.frombuffer(img.constBits(), np.uint32).reshape(img.height(), img.bytesPerLine() // 4)
    return rows[:, :img.width()].copy()


def _kinds(column: np.ndarray) -> str:
    """One letter per pixel, top down: k ink, b blue, o orange, w white, . anything else."""
    r, g, b = (column >> 16) & 0xFF, (column >> 8) & 0xFF, column & 0xFF
    out = np.full(len(column), ".")
    out[(r >= 250) & (g >= 250) & (b >= 250)] = "w"
    out[b.astype(int) - r > 40] = "b"
    out[r.astype(int) - b > 40] = "o"
    out[np.maximum(np.maximum(r, g), b) < 110] = "k"
    return "".join(out)


def _column(view: NetworkView, layer: int, unit: int, at: float) -> tuple[str, np.ndarray]:
    """The node's pixel column at fraction `at` of its width, inside its 1 px border."""
    px = _pixels(view.neuron_image(layer, unit))
    column = px[1:-1, round(at * (px.shape[1] - 1))]
    return _kinds(column), column


def _ink_row(kinds: str) -> float:
    rows = [i for i, c in enumerate(kinds) if c == "k"]
    assert rows, kinds
    return float(np.mean(rows))


def test_each_unit_is_its_curve_filled_from_zero_in_the_map_colours(view, sine):
    assert view.neuron_image(-1, 0) is not None  # the input, x itself, is drawn before any run
    assert view.neuron_image(0, 0) is None  # hidden units wait for a snapshot
    view.update_snapshot(_snapshot(sine[1]))
    size = view.neuron_image(0, 0).width()
    zero_line = [i for i, c in enumerate(_column(view, 0, 0, 0.5)[1].tolist()) if c == ZERO_LINE]
    assert len(zero_line) == 1
    mid = zero_line[0]  # levels ±1 (tanh): 0 is half-way up
    assert abs(mid - (size - 2) / 2) <= 1
    blue = int(im.DIVERGING[im.indices(np.array([0.5]), -1.0, 1.0)[0]])  # the colour a map gives +0.5 (tanh)
    orange = int(im.DIVERGING[im.indices(np.array([-0.5]), -1.0, 1.0)[0]])
    for at in (0.2, 0.5, 0.8):
        kinds, column = _column(view, 0, 0, at)  # +0.5: ink above the zero line, blue down to it
        ink = _ink_row(kinds)
        assert ink < mid - size / 6 and "b" in kinds[int(ink) + 1:int(mid)]
        assert set(kinds[round(mid) + 2:]) == {"w"}  # nothing below zero
        assert blue in column.tolist()  # the fill is the map colour of that value
        kinds, column = _column(view, 0, 1, at)  # -0.5: the mirror image, in orange
        ink = _ink_row(kinds)
        assert ink > mid + size / 6 and "o" in kinds[round(mid) + 1:int(ink)]
        assert set(kinds[:round(mid) - 2]) == {"w"}
        assert orange in column.tolist()
    left, right = _column(view, 0, 2, 0.2)[0], _column(view, 0, 2, 0.8)[0]  # the ramp crosses zero
    assert _ink_row(left) > mid > _ink_row(right) and "o" in left and "b" in right and "b" not in left
    zero = _column(view, 0, 3, 0.5)[0]
    assert _ink_row(zero) == mid and "b" not in zero and "o" not in zero  # a crisp line on the zero line
    x_left, x_right = _column(view, -1, 0, 0.1)[0], _column(view, -1, 0, 0.9)[0]
    assert _ink_row(x_left) > _ink_row(x_right) + size / 2  # the input is x: a rising line
    fit = _column(view, 2, 0, 0.25)[0]  # the output is the fitted curve: 2·sin x, negative there
    assert _ink_row(fit) > mid and "o" in fit


def test_curves_follow_the_snapshots(view, sine):
    view.update_snapshot(_snapshot(sine[1]))
    before = [bytes(view.neuron_image(2, 0).constBits()), bytes(view.neuron_image(1, 0).constBits())]
    snap = _snapshot(sine[1], fit_scale=-1.0)
    grids = (snap.neuron_grids[0], -snap.neuron_grids[1])
    view.update_snapshot(Snapshot(epoch=2, step=2, extent=snap.extent, weights=snap.weights, curve=snap.curve,
                                  neuron_grids=grids))
    after = [bytes(view.neuron_image(2, 0).constBits()), bytes(view.neuron_image(1, 0).constBits())]
    assert after[0] != before[0] and after[1] != before[1]
    assert "b" in _column(view, 2, 0, 0.25)[0]  # -sin x is positive on the left half


def test_hover_pin_and_no_boundary_focus_for_1d_units(qtbot, view, sine, controller):
    boundary = BoundaryView()
    qtbot.addWidget(boundary)
    focus = NeuronFocus(view, boundary, controller)
    view.update_snapshot(_snapshot(sine[1]))
    qtbot.mouseMove(view, view.neuron_center(0, 2))
    qtbot.waitUntil(lambda: view.hover_text.startswith("Layer 1, unit 3"))
    x0, x1 = sine[1].extent[:2]
    where = f"for x from {x0:.3g} (left) to {x1:.3g} (right)"
    assert view.hover_text.split("\n")[1:] == ["output -1 … 1", where]
    assert unit_focus(view.column(0), 2) is None  # no plane to show a curve in
    with qtbot.assertNotEmitted(focus.unit_shown):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(0, 2))
    assert view.pinned == (0, 2) and boundary.unit is None
    big = view.scene.big_image(1, 2, 300)  # the pinned curve is drawn at the size it is shown
    assert (big.width(), big.height()) == (300, 300)
    kinds = _kinds(_pixels(big)[:, 225])
    assert "b" in kinds and "o" not in kinds and "k" in kinds
    view.grab()  # the pinned band and the hover card paint
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(0, 2))
    assert view.pinned is None


def test_a_sine_run_fills_the_nodes_and_changes_them(qtbot, controller, view, sine):
    controller.snapshot_ready.connect(view.update_snapshot)
    assert controller.start(*sine, options=RunOptions(neuron_grids=True, weights=True, epochs=0))
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.epoch >= 1
                    and view.neuron_image(1, 1) is not None, timeout=WAIT)
    assert [g.shape for g in controller.latest.neuron_grids] == [(4, 1, POINTS), (2, 1, POINTS)]
    nodes = [(0, u) for u in range(4)] + [(1, 0), (1, 1), (2, 0)]
    first_epoch = controller.latest.epoch
    before = {n: bytes(view.neuron_image(*n).constBits()) for n in nodes}
    for n in nodes:  # every node draws a curve: some ink, not just a box
        assert "k" in "".join(_column(view, *n, at)[0] for at in (0.1, 0.5, 0.9)), n
    qtbot.waitUntil(lambda: controller.latest.epoch >= first_epoch + 20, timeout=WAIT)
    moved = lambda: sum(bytes(view.neuron_image(*n).constBits()) != b for n, b in before.items())  # noqa: E731
    qtbot.waitUntil(lambda: moved() >= 4, timeout=WAIT)
