"""Clicking a hidden unit in the network view shows its live map in the main boundary view.

End to end on a real window and a real run (the click, the snapshots, Esc against the window's
Stop shortcut), plus the view on its own with canned snapshots for exact colours and read-outs.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import default_experiment, experiment_from_dict  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.gui.inside._layout import build_columns  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.neuron_focus import unit_focus  # noqa: E402
from playground.gui.plots.boundary import BoundaryView, UnitFocus  # noqa: E402
from playground.gui.session import Session  # noqa: E402

TIMEOUT = 20_000  # ms; every wait ends as soon as its condition holds


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.close()
    assert not w.controller.is_active


def _train(qtbot, w: MainWindow, epochs: int = 2, start: bool = True) -> None:
    if start:
        w.toggle_training()
    qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.epoch >= epochs
                    and w.inside.network.neuron_image(1, 1) is not None, timeout=TIMEOUT)


def _click_unit(qtbot, w: MainWindow, layer: int, unit: int) -> None:
    net = w.inside.network
    qtbot.mouseClick(net, Qt.MouseButton.LeftButton, pos=net.neuron_center(layer, unit))


def _shows(view: BoundaryView, grid: np.ndarray | None) -> bool:
    shown = view.display_grid()
    return grid is not None and shown is not None and np.array_equal(shown, grid)


def _unit_grid(w: MainWindow, layer: int, unit: int) -> np.ndarray:
    return w.controller.latest.neuron_grids[w.inside.network.column(layer).grid][unit]


def test_clicking_a_unit_shows_its_live_map_and_clicking_again_the_output(qtbot, window):
    w, view = window, window.output.boundary
    _train(qtbot, w)
    _click_unit(qtbot, w, 1, 1)  # layer 2 (2 tanh units), its second unit
    assert view.unit is not None and w.inside.network.pinned == (1, 1)
    qtbot.waitUntil(lambda: _shows(view, _unit_grid(w, 1, 1)), timeout=TIMEOUT)
    assert view.display_grid().shape == (40, 40)  # the unit's own resolution, over the same extent
    assert view.caption_text.startswith("Layer 2 · unit 2 (tanh)")
    assert "click the unit again or press Esc" in view.caption_text
    assert view.levels == (-1.0, 1.0)  # tanh: symmetric around 0 over its whole range
    # Live: a later snapshot's map replaces this one.
    first = view.display_grid().copy()
    epoch = w.controller.latest.epoch
    qtbot.waitUntil(lambda: w.controller.latest.epoch > epoch + 2 and _shows(view, _unit_grid(w, 1, 1))
                    and not np.array_equal(view.display_grid(), first), timeout=TIMEOUT)
    # The read-out says the unit's value at the cursor.
    x0, x1, y0, y1 = w.controller.latest.extent
    vb = view.getPlotItem().getViewBox()
    text = view.hover_at(vb.mapViewToScene(pg.Point(x0 + 0.01, y1 - 0.01)))
    assert text.startswith("Layer 2 · unit 2 (tanh): ")
    _click_unit(qtbot, w, 1, 1)
    assert view.unit is None and view.caption_text == "" and w.inside.network.pinned is None
    qtbot.waitUntil(lambda: _shows(view, w.controller.latest.boundary), timeout=TIMEOUT)
    assert view.levels == (0.0, 1.0)


def test_esc_in_the_boundary_view_shows_the_output_and_does_not_stop(qtbot, window):
    w, view = window, window.output.boundary
    _train(qtbot, w)
    w.right.setCurrentWidget(w.dynamics)
    _click_unit(qtbot, w, 0, 3)
    assert w.right.currentWidget() is w.output  # brought forward, and it takes the keys
    qtbot.waitUntil(view.hasFocus)
    qtbot.waitUntil(lambda: _shows(view, _unit_grid(w, 0, 3)), timeout=TIMEOUT)
    qtbot.keyClick(view, Qt.Key.Key_Space)  # Space still reaches Train/Pause
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=TIMEOUT)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.controller.state == "running", timeout=TIMEOUT)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.unit is None and w.inside.network.pinned is None
    assert w.controller.state == "running"  # Esc meant "back", not the window's Stop
    qtbot.waitUntil(lambda: _shows(view, w.controller.latest.boundary), timeout=TIMEOUT)
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # with the output showing, Esc stops as everywhere
    qtbot.waitUntil(lambda: w.controller.state == "stopped", timeout=TIMEOUT)


def test_a_new_run_or_a_network_edit_shows_the_output_again(qtbot, window):
    w, view = window, window.output.boundary
    _train(qtbot, w)
    _click_unit(qtbot, w, 0, 0)
    assert view.unit is not None
    w.reset()
    w.toggle_training()  # a new run
    assert view.unit is None and w.inside.network.pinned is None
    _train(qtbot, w, start=False)
    _click_unit(qtbot, w, 0, 0)
    assert view.unit is not None
    w.designer.layer_palette.layer_activated.emit("dense")  # an edit of the network
    assert view.unit is None and view.caption_text == ""


def test_only_shown_hidden_units_can_be_focused():
    exp = experiment_from_dict({"data": {"dataset": "circle"}, "network": {"layers": [
        {"type": "dense", "units": 12, "activation": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 3, "activation": "sigmoid"}]}})
    cols = build_columns(exp, load_dataset(exp.data, exp.seed))[0]
    inputs, relu, dropout, sigmoid, head = cols
    assert unit_focus(inputs, 0) is None and unit_focus(head, 0) is None
    assert unit_focus(relu, 7) == UnitFocus(0, 7, "Layer 1 · unit 8 (relu)", None)  # unbounded: from the map
    assert unit_focus(relu, 8) is None  # one of the "+4 more": no map is drawn for it
    assert unit_focus(dropout, 1) == UnitFocus(1, 1, "Layer 2 · unit 2 (relu)", None)  # keeps relu's range
    assert unit_focus(sigmoid, 2) == UnitFocus(2, 2, "Layer 3 · unit 3 (sigmoid)", 1.0)


# ------------------------------------------------------------------ the view on its own -------
@pytest.fixture
def circle_view(qtbot):
    exp = default_experiment()
    ds = load_dataset(exp.data, exp.seed)
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(520, 520)
    view.set_dataset(ds)
    view.show()
    qtbot.waitExposed(view)
    return view, ds


def _snapshot(ds, scale: float) -> Snapshot:
    ramp = np.linspace(-scale, scale, 40 * 40, dtype=np.float32).reshape(40, 40)
    values = np.full((len(ds.raw_train), 1), 0.5, np.float32), np.full((len(ds.raw_test), 1), 0.5, np.float32)
    return Snapshot(epoch=1, step=1, boundary=np.full((100, 100), 0.25, np.float32), extent=ds.extent,
                    neuron_grids=(np.stack([ramp, -ramp]),), point_values=values)


def test_an_unbounded_unit_is_coloured_by_its_own_largest_value(circle_view):
    view, ds = circle_view
    view.update_snapshot(_snapshot(ds, 3.0))
    view.show_unit(UnitFocus(0, 1, "Layer 1 · unit 2 (relu)"))
    assert view.levels == pytest.approx((-3.0, 3.0))
    assert view.display_grid()[0, 0] == pytest.approx(3.0)  # unit 2 is the negated ramp
    view.update_snapshot(_snapshot(ds, 5.0))  # the range follows the unit as it grows
    assert view.levels == pytest.approx((-5.0, 5.0))
    vb = view.getPlotItem().getViewBox()
    text = view.hover_at(vb.mapViewToScene(pg.Point(*ds.raw_train[0])))
    assert text.startswith("train point") and "\nLayer 1 · unit 2 (relu): " in text
    view.set_discretize(True)  # a class threshold means nothing for a unit: the map stays as it is
    assert view.display_grid()[0, 0] == pytest.approx(5.0)
    view.show_output()
    assert view.display_grid()[0, 0] == 0.0  # the output, discretized
    assert view.levels == (0.0, 1.0)


def test_a_unit_without_a_map_shows_an_empty_plane(circle_view):
    view, ds = circle_view
    view.show_unit(UnitFocus(3, 0, "Layer 4 · unit 1"))  # before any snapshot
    assert view.display_grid() is None and view.caption_text.startswith("Layer 4 · unit 1")
    view.update_snapshot(_snapshot(ds, 1.0))  # this snapshot has one hidden layer only
    assert view.display_grid() is None and view.image.image is None


def test_the_network_view_reports_every_change_of_its_pin(qtbot):
    from playground.gui.inside.network_view import NetworkView

    exp = default_experiment()
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.set_network(exp, load_dataset(exp.data, exp.seed))
    view.show()
    qtbot.waitExposed(view)
    pins = []
    view.pin_changed.connect(pins.append)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(0, 2))
    band = view.rect().bottomLeft() + pg.QtCore.QPoint(20, -20)  # the pinned unit's band
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=band)
    view.unpin()  # nothing pinned: nothing to report
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.neuron_center(1, 0))
    view.set_network(exp, load_dataset(exp.data, exp.seed))
    assert pins == [(0, 2), None, (1, 0), None]
