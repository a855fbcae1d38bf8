"""The fitted-curve view (1-D sets): hover read-outs and loss-sized points, as on the boundary.

Fed real headless runs; the per-point loss must be the run's own loss (squared error for MSE,
absolute error for MAE) and the curve read-out the fitted value where the mouse is.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPointF, QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.run.loop import RunOptions, run_to_end  # noqa: E402
from playground.core.run.state import RunState  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.plots._points import POINT_SIZE, loss_family, point_losses  # noqa: E402
from playground.gui.plots._preview import demo_experiment  # noqa: E402
from playground.gui.session import Session  # noqa: E402

warm_up()

TIMEOUT = 20_000
_runs: dict[str, tuple] = {}


def trained(name: str = "sine") -> tuple:
    """(dataset, final snapshot) of a short headless run, cached for the module."""
    if name not in _runs:
        exp = demo_experiment(name)
        _runs[name] = load_dataset(exp.data, exp.seed), run_to_end(exp, RunOptions(epochs=3))
    return _runs[name]


def _scene(view, x: float, y: float) -> QPointF:
    return view.getPlotItem().getViewBox().mapViewToScene(pg.Point(x, y))


def _far_from_points(view, ds, px: float = 30.0) -> tuple[float, float]:
    """A spot in the plot at least `px` pixels from every data point (so the curve is read)."""
    vb = view.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    points = [vb.mapViewToScene(pg.Point(float(a), float(b)))
              for a, b in zip(np.ravel(ds.raw_train), np.ravel(ds.y_train), strict=True)]
    pts = np.array([(p.x(), p.y()) for p in points])
    for x in np.linspace(x0, x1, 23)[1:-1]:
        for y in np.linspace(y0, y1, 23)[1:-1]:
            s = vb.mapViewToScene(pg.Point(x, y))
            if np.hypot(*(pts - (s.x(), s.y())).T).min() > px:
                return float(x), float(y)
    raise AssertionError("no empty spot")


def test_hovering_a_point_reads_its_target_prediction_and_loss(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    view = panel.regression
    i = 5
    x, y = float(ds.raw_train[i, 0]), float(np.ravel(ds.y_train)[i])
    before = view.hover_at(_scene(view, x, y))  # no run yet: the point, nothing about a model
    assert before == f"train point\nx = {x:.3g} · y = {y:.3g}"
    panel.update_snapshot(snap)
    y_hat = float(snap.point_values[0][i, 0])
    text = view.hover_at(_scene(view, x, y))
    assert text == (f"train point\nx = {x:.3g} · y = {y:.3g} · ŷ = {y_hat:.3g} · "
                    f"loss {(y_hat - y) ** 2:.3g} (squared error)")
    assert view.hover_text == text and view.readout.ring.isVisible()
    assert (view.readout.ring.data["x"][0], view.readout.ring.data["y"][0]) == pytest.approx((x, y))
    tx, ty = float(ds.raw_test[3, 0]), float(np.ravel(ds.y_test)[3])
    assert not view.hover_at(_scene(view, tx, ty)).startswith("test point")  # hidden: not hovered
    panel.show_test.setChecked(True)
    assert view.hover_at(_scene(view, tx, ty)).startswith("test point\n")


def test_hovering_elsewhere_reads_the_fitted_curve(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    view = panel.regression
    x, y = _far_from_points(view, ds)
    assert view.hover_at(_scene(view, x, y)) == ""  # no curve before a run
    panel.update_snapshot(snap)
    pos = view.mapFromScene(_scene(view, x, y))  # whole pixels, as the mouse is
    qtbot.mouseMove(view.viewport(), pos)
    qtbot.waitUntil(lambda: view.hover_text != "")
    at = view.getPlotItem().getViewBox().mapSceneToView(view.mapToScene(pos))
    y_hat = float(np.interp(at.x(), *snap.curve))
    assert view.hover_text == f"ŷ = {y_hat:.3g} at x = {at.x():.3g}"
    ring = view.readout.ring
    assert ring.isVisible() and (ring.data["x"][0], ring.data["y"][0]) == pytest.approx((at.x(), y_hat))
    assert view.hover_at(QPointF(-50, -50)) == "" and view.hover_text == ""  # off the plot
    panel.clear()
    assert view.hover_at(_scene(view, x, y)) == ""


def test_the_read_out_uses_the_runs_loss(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    panel.set_loss("mae")
    i = 7
    x, y = float(ds.raw_train[i, 0]), float(np.ravel(ds.y_train)[i])
    y_hat = float(snap.point_values[0][i, 0])
    assert panel.regression.hover_at(_scene(panel.regression, x, y)).endswith(
        f"loss {abs(y_hat - y):.3g} (absolute error)")


def test_size_by_loss_makes_badly_fitted_points_bigger(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    view = panel.regression
    sizes = lambda: view.train_points.data["size"].copy()  # noqa: E731
    assert panel.size_by_loss.isEnabled()
    panel.size_by_loss.setChecked(True)
    grown = sizes()
    losses = point_losses(snap.point_values[0], ds.y_train, ds.task)
    assert len(set(grown)) >= 2
    assert np.all(np.diff(grown[np.argsort(losses)]) >= 0)  # a higher loss is never drawn smaller
    assert np.all(grown == np.round(grown))
    i = int(np.argmax(grown))  # the hover ring fits the grown point
    x, y = float(ds.raw_train[i, 0]), float(np.ravel(ds.y_train)[i])
    view.hover_at(_scene(view, x, y))
    assert view.readout.ring.opts["size"] == grown[i] + 7
    panel.size_by_loss.setChecked(False)
    assert set(sizes()) == {POINT_SIZE}


@pytest.mark.parametrize("loss, family, expected", [
    ("auto", "squared error", [0.25, 4.0]),
    ("mse", "squared error", [0.25, 4.0]),
    ("mae", "absolute error", [0.5, 2.0]),
    ("huber", "Huber loss", [0.125, 1.5]),
])
def test_per_point_losses_follow_the_loss_family(loss, family, expected):
    values, targets = np.array([[1.5], [-1.0]]), np.array([1.0, 1.0])
    assert loss_family("regression", loss) == family
    assert point_losses(values, targets, "regression", loss) == pytest.approx(expected)


def test_two_classes_trained_with_mse_read_out_squared_error():
    assert loss_family("binary", "auto") == "cross-entropy"
    assert loss_family("binary", "mse") == "squared error"
    losses = point_losses(np.array([[0.8], [0.8]]), np.array([1, 0]), "binary", "mse")
    assert losses == pytest.approx([0.04, 0.64])


def test_the_window_tells_the_views_the_loss(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    exp = _edits.with_training(demo_experiment("line"), loss="mae", epochs=3)
    w = MainWindow(Session(exp), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.toggle_training()
    qtbot.waitUntil(lambda: w.controller.state == RunState.FINISHED, timeout=TIMEOUT)
    view, ds = w.output.regression, w.session.dataset
    assert w.output.page == "line1d"
    text = view.hover_at(_scene(view, float(ds.raw_train[0, 0]), float(np.ravel(ds.y_train)[0])))
    assert text.startswith("train point") and text.endswith("(absolute error)")
    w.session.edit(_edits.with_training(w.session.experiment, loss="huber"), "loss")
    w.toggle_training()
    qtbot.waitUntil(lambda: w.controller.state == RunState.FINISHED, timeout=TIMEOUT)
    text = view.hover_at(_scene(view, float(ds.raw_train[0, 0]), float(np.ravel(ds.y_train)[0])))
    assert text.endswith("(Huber loss)")
    w.close()
