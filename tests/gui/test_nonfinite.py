"""Every view takes a snapshot full of NaN and infinities (a diverging run) without an exception, a
Qt warning or a Python warning, and draws what is finite.

A real snapshot of a short run is poisoned: every float array and number in it becomes NaN, ±inf,
or a mix of those with finite values (the epoch axis and the data's extent stay as the trainer
makes them). The whole window takes it through the controller's signals, as it takes a live one,
and paints with each tab showing; the test-wide guards fail the test on any Qt warning
(QPainterPath's NaN warnings included), Python warning (pyqtgraph's caught paint errors), log
warning or exception in a paint event.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
import math  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from itertools import cycle  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import Experiment, experiment_from_dict  # noqa: E402
from playground.core.explain import StepDetail  # noqa: E402
from playground.core.run.loop import RunOptions, TrainingRun  # noqa: E402
from playground.core.run.state import RunState  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels.thumbnails import dataset_pixmap  # noqa: E402
from playground.gui.plots.boundary import UnitFocus  # noqa: E402
from playground.gui.plots.regression import line_equation  # noqa: E402
from playground.gui.session import Session  # noqa: E402

warm_up()

TANH = {"type": "dense", "units": 3, "activation": "tanh"}
CNN = [{"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"},
       {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"}]
CASES = {  # data set: hidden layers (every kind of output view, every inside view)
    "circle": [TANH, TANH], "blobs": [TANH], "reg_plane": [TANH], "sine": [TANH], "digits": CNN}
FILLS = {  # what replaces the numbers
    "mixed": (math.nan, math.inf, -math.inf, 0.5, -2.0),
    "nan": (math.nan,),
    "inf": (math.inf, -math.inf),
    "huge": (3e38, -3e38),  # finite, but their squares and sums overflow
}


def experiment(dataset: str) -> Experiment:
    return experiment_from_dict({
        "seed": 2, "data": {"dataset": dataset, "samples": 200 if dataset != "digits" else 120},
        "network": {"layers": CASES[dataset]},
        "training": {"optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 10, "epochs": 2}})


_snapshots: dict[str, Snapshot] = {}


def real_snapshot(dataset: str) -> Snapshot:
    """The last snapshot of a two-epoch run with everything the window asks for, a weight watched."""
    if dataset not in _snapshots:
        run = TrainingRun(experiment(dataset), RunOptions(neuron_grids=True, weights=True, conv_maps=True,
                                                          grid_resolution=24, neuron_resolution=12))
        run.watch_parameter("0.linear.weight" if dataset != "digits" else "0.conv.weight", 0)
        *_, last = run.snapshots()
        assert last.step_detail is not None
        _snapshots[dataset] = last
    return _snapshots[dataset]


def poison(value, numbers):
    """`value` with every float (in arrays, mappings, tuples, StepDetail) taken from `numbers`."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "f":
            return value
        return np.array([next(numbers) for _ in range(value.size)], dtype=value.dtype).reshape(value.shape)
    if isinstance(value, float):
        return next(numbers)
    if isinstance(value, tuple):
        return tuple(poison(v, numbers) for v in value)
    if isinstance(value, Mapping):
        return {k: poison(v, numbers) for k, v in value.items()}
    if isinstance(value, StepDetail):
        return dataclasses.replace(value, **{f.name: poison(getattr(value, f.name), numbers)
                                             for f in dataclasses.fields(value)})
    return value


def poisoned(snap: Snapshot, fill: str) -> Snapshot:
    numbers = cycle(FILLS[fill])
    keep = {"extent", "epoch", "step", "state", "message"}
    changed = {f.name: poison(getattr(snap, f.name), numbers) for f in dataclasses.fields(snap)
               if f.name not in keep}
    changed["history"] = {**changed["history"], "epoch": snap.history["epoch"]}  # the x axis
    return dataclasses.replace(snap, state=RunState.DIVERGED, **changed)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)

    def make(exp: Experiment) -> MainWindow:
        w = MainWindow(Session(exp), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(w)
        w.resize(1440, 900)
        w.show()
        qtbot.waitExposed(w)
        return w

    return make


def show_everything(w: MainWindow, snap: Snapshot) -> None:
    """With each tab showing, feed `snap` as the controller does (both frame phases; the runs list
    keeps its history) and paint the window."""
    w.runs.record(99, w.session.experiment)
    w.runs.set_overlay(99, True)  # the poisoned history as an earlier run's overlay too
    w.step_explainer.select(snap.step_detail.parameter, 0, 0)
    c = w.controller
    for side, centre, right in ((w.data_panel, w.inside, w.output), (w.runs_panel, w.designer, w.dynamics),
                                (w.training_panel, w.inside, w.step_explainer)):
        w.side.setCurrentWidget(side)
        w.centre.setCurrentWidget(centre)
        w.right.setCurrentWidget(right)
        c.snapshot_ready.emit(snap)
        c.snapshot_followup.emit(snap)
        QCoreApplication.processEvents()
        w.grab()
    assert w.step_explainer.values  # it showed the poisoned step's numbers


@pytest.mark.parametrize("fill", list(FILLS))
@pytest.mark.parametrize("dataset", list(CASES))
def test_every_view_takes_a_snapshot_full_of_nan_and_infinity(qtbot, window, dataset, fill):
    w = window(experiment(dataset))
    snap = poisoned(real_snapshot(dataset), fill)
    show_everything(w, snap)
    out = w.output
    for toggle in (out.log_scale, out.discretize, out.size_by_loss, out.show_test):
        if toggle.isEnabled():
            toggle.setChecked(True)
    if dataset in ("circle", "blobs", "reg_plane"):
        out.boundary.show_unit(UnitFocus(0, 1, "Layer 1 · unit 2"))
        out.boundary.hover_at(out.boundary.getPlotItem().vb.mapViewToScene(QPointF(0.1, 0.1)))
    w.right.setCurrentWidget(out)
    out.update_snapshot(snap)  # again, with every display toggle on
    w.grab()
    if dataset != "digits":  # the network view's read-outs: a unit, a bias, a weight, a pinned unit
        net = w.inside.network
        w.centre.setCurrentWidget(w.inside)
        for pos in (net.neuron_center(1, 0), net.bias_center(1, 0), net.connection_midpoint(1, 0, 0)):
            qtbot.mouseMove(net, pos)
            qtbot.waitUntil(lambda: bool(net.hover_text))
            w.grab()
        qtbot.mouseClick(net, Qt.MouseButton.LeftButton, pos=net.neuron_center(1, 0))
        assert net.pinned == (1, 0)
        w.grab()
    if out.page == "points2d":  # what pyqtgraph is given to colour: inside the levels, or NaN
        lo, hi = out.boundary.levels
        shown = out.boundary.image.image
        assert np.all(np.isnan(shown) | ((shown >= lo) & (shown <= hi)))


@pytest.mark.parametrize("dataset", ["circle", "reg_plane", "sine", "blobs"])
def test_data_thumbnails_skip_points_they_cannot_place(qtbot, dataset):
    """A data set with NaN or infinite values (a CSV file, say) draws its finite points and warns nothing."""
    ds = load_dataset(experiment(dataset).data, 2)
    numbers = cycle(FILLS["mixed"])
    bad = dataclasses.replace(ds, raw_train=poison(ds.raw_train.astype(np.float64), numbers),
                              y_train=poison(ds.y_train.astype(np.float64), numbers), extent=None)
    pixmap = dataset_pixmap(bad, 52)
    assert not pixmap.isNull()
    image = pixmap.toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert len(colours) > 3  # the finite points are drawn


def test_a_diverged_linear_fit_keeps_its_equation_short():
    w = (np.array([[2.149845e18]], np.float32), np.array([-5.3938e18], np.float32))
    assert line_equation(Snapshot(epoch=81, step=81, weights=(w,))) == "y = 2.15e+18·x − 5.39e+18"
    nan = (np.array([[np.nan]], np.float32), np.array([np.inf], np.float32))
    assert line_equation(Snapshot(epoch=81, step=81, weights=(nan,))) == "y = nan·x + inf"
    fine = (np.array([[3.0451]], np.float32), np.array([-2.0]))
    assert line_equation(Snapshot(epoch=81, step=81, weights=(fine,))) == "y = 3.045·x − 2.000"
