"""Plot views and the output panel, fed with snapshots of real (headless) runs or canned ones."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.datasets.base import IMAGE, LINE1D, POINTS2D  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.run.loop import RunOptions, run_to_end  # noqa: E402
from playground.core.run.state import RunState  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.plots import _style as st  # noqa: E402
from playground.gui.plots._preview import demo_experiment  # noqa: E402
from playground.gui.plots.boundary import BoundaryView  # noqa: E402
from playground.gui.plots.curves import CurvesView, nice_ceil, peak_decimate  # noqa: E402
from playground.gui.plots.images import ConfusionView, SampleGridView  # noqa: E402
from playground.gui.plots.output_panel import metrics_line  # noqa: E402
from playground.gui.plots.regression import RegressionView, line_equation  # noqa: E402

warm_up()  # one intra-op thread, as in the app: two threads on a busy machine are many times slower

KINDS = {"circle": POINTS2D, "line": LINE1D, "digits": IMAGE}
_runs: dict[str, tuple] = {}


def trained(name: str, epochs: int = 3, **options) -> tuple:
    """(dataset, final snapshot) of a short headless run of the demo experiment, cached per module."""
    key = f"{name}/{epochs}/{sorted(options.items())}"
    if key not in _runs:
        exp = demo_experiment(name)
        ds = load_dataset(exp.data, exp.seed)
        _runs[key] = ds, run_to_end(exp, RunOptions(epochs=epochs, **options))
    return _runs[key]


def canned(epochs: int = 5, **history) -> Snapshot:
    series = {"epoch": np.arange(1, epochs + 1, dtype=float)}
    series.update({k: np.asarray(v, dtype=float) for k, v in history.items()})
    return Snapshot(epoch=epochs, step=epochs * 10, history=series,
                    metrics={k: float(v[-1]) for k, v in series.items()})


@pytest.mark.parametrize("name", list(KINDS))
def test_output_panel_picks_the_views_for_the_data(qtbot, panel, name):
    ds, snap = trained(name)
    panel.set_dataset(ds)
    assert panel.page == KINDS[name] == ds.kind
    assert panel.pages.currentWidget().isVisible()
    panel.update_snapshot(snap)
    assert panel.curves.point_count == snap.epoch
    assert panel.metrics.text() == metrics_line(snap, ds.task)
    if name == "circle":
        assert panel.boundary.image.image is not None
    elif name == "line":
        assert len(panel.regression.curve.xData) == len(snap.curve[0])
    else:
        assert panel.confusion.isVisible() and panel.confusion.counts is not None
        assert all(label.toPlainText() for label in panel.samples.labels)
    assert not panel.grab().isNull()
    panel.set_dataset(None)
    assert panel.page == "empty"


def test_discretize_shows_hard_classes(qtbot, panel):
    ds, snap = trained("circle")
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    soft = panel.boundary.image.image.copy()
    assert len(np.unique(soft)) > 2
    panel.discretize.setChecked(True)
    hard = panel.boundary.image.image
    assert set(np.unique(hard)) <= {0.0, 1.0}
    np.testing.assert_array_equal(hard, soft >= 0.5)
    panel.discretize.setChecked(False)
    np.testing.assert_array_equal(panel.boundary.image.image, soft)
    assert panel.boundary.image.levels is not None


def test_boundary_levels_and_colours_follow_the_task(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    for name, levels in (("circle", (0.0, 1.0)), ("blobs", None), ("reg_plane", None)):
        exp = experiment_from_dict({"data": {"dataset": name}})
        ds = load_dataset(exp.data, exp.seed)
        view.set_dataset(ds)
        if name == "blobs":
            levels = (0.0, float(ds.num_classes))
        elif name == "reg_plane":
            assert view.levels[0] == -view.levels[1] < 0
            levels = view.levels
        assert view.levels == levels
        assert len(view.train_points.data) == len(ds.raw_train)


def test_show_test_and_log_scale_toggles(qtbot, panel):
    ds, snap = trained("circle")
    panel.set_dataset(ds)
    assert not panel.boundary.test_points.isVisible()
    panel.show_test.setChecked(True)
    assert panel.boundary.test_points.isVisible()
    assert len(panel.boundary.test_points.data) == len(ds.raw_test)
    panel.update_snapshot(snap)
    panel.log_scale.setChecked(True)
    assert panel.curves.loss_plot.getAxis("left").logMode
    panel.log_scale.setChecked(False)
    assert not panel.curves.loss_plot.getAxis("left").logMode


def test_clear_keeps_the_data_and_drops_the_run(qtbot, panel):
    ds, snap = trained("circle")
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    panel.clear()
    assert panel.boundary.image.image is None
    assert panel.curves.point_count == 0
    assert len(panel.boundary.train_points.data) == len(ds.raw_train)
    assert panel.metrics.text() == "Epoch 0"


def test_curves_show_only_the_splits_a_run_has(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    nan = [np.nan] * 5
    view.update_snapshot(canned(train_loss=[5, 4, 3, 2, 1], test_loss=[6, 5, 4, 3, 2], val_loss=nan,
                                train_accuracy=[.5, .6, .7, .8, .9], test_accuracy=[.5, .5, .6, .7, .8]))
    assert view.loss_curves["train"].isVisible() and not view.loss_curves["val"].isVisible()
    assert view.point_count == 5
    assert view.score_plot.getAxis("left").labelText == "accuracy"
    view.update_snapshot(dataclasses.replace(canned(train_loss=[5, 4, 3, 2, 1], test_loss=[6, 5, 4, 3, 2],
                                                    val_loss=[7, 6, 5, 4, 3], train_r2=[0, .2, .4, .6, .8]),
                                             state=RunState.PAUSED))  # paused: drawn at once, axes and curves
    assert view.loss_curves["val"].isVisible()
    assert view.score_plot.getAxis("left").labelText == "R²"
    assert view.score_curves["train"].isVisible() and not view.score_curves["test"].isVisible()


def test_a_streaming_frame_that_moves_an_axis_leaves_the_curves_to_the_next(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.update_snapshot(canned(5, train_loss=[5, 4, 3, 2, 1]))
    assert view.point_count == 5 and view.loss_plot.viewRange()[0][1] < 11
    longer = canned(12, train_loss=np.linspace(5, 1, 12))  # past the epoch axis's end: it must grow
    view.update_snapshot(longer)
    assert view.loss_plot.viewRange()[0][1] > 12 and view.point_count == 5  # axes now, curves next
    assert view.score_plot.viewRange()[0][1] < 12  # and the accuracy plot's epoch axis too
    view.update_snapshot(longer)  # the next frame (the same snapshot is enough)
    assert view.point_count == 12
    assert view.score_plot.viewRange()[0] == view.loss_plot.viewRange()[0]
    paused = dataclasses.replace(canned(30, train_loss=np.linspace(5, 1, 30)), state=RunState.PAUSED)
    view.update_snapshot(paused)
    assert view.point_count == 30  # a paused (or final) snapshot draws everything at once


def test_peak_decimation_keeps_spikes_and_gaps():
    x = np.arange(10_000, dtype=float)
    y = np.full(10_000, 0.5)
    y[1234], y[7777] = 9.0, -3.0  # one-epoch spikes
    y[5000:5010] = np.nan  # a gap: NaN-aware buckets keep their finite neighbours
    xs, ys = peak_decimate(x, y, 400)
    assert len(xs) == len(ys) <= 2 * 400 + 25
    assert ys.max() == 9.0 and ys.min() == -3.0 and np.isfinite(ys).all()
    assert np.all(np.diff(xs) >= 0)
    short = np.arange(50.0)
    assert peak_decimate(short, short, 400)[1] is short  # nothing to gain: drawn as it is


def test_log_y_redraws_the_live_curves_in_log10(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    snap = dataclasses.replace(canned(4, train_loss=[1.0, 0.1, 0.01, 0.0]), state=RunState.PAUSED)
    view.update_snapshot(snap)
    view.set_log_y(True)
    np.testing.assert_allclose(view.loss_curves["train"].yData[:3], [0.0, -1.0, -2.0])
    assert np.isnan(view.loss_curves["train"].yData[3])  # a perfect 0 has no logarithm
    view.set_log_y(False)
    np.testing.assert_allclose(view.loss_curves["train"].yData, [1.0, 0.1, 0.01, 0.0])


def test_sample_grid_marks_wrong_guesses(qtbot):
    ds, _ = trained("digits", epochs=1)
    view = SampleGridView()
    qtbot.addWidget(view)
    view.set_dataset(ds)
    truth = np.asarray(ds.y_test[:64])
    guesses = truth.copy()
    guesses[[0, 5, 9]] = (truth[[0, 5, 9]] + 1) % 10
    view.update_snapshot(dataclasses.replace(canned(), sample_predictions=guesses))
    assert view.wrong_count() == 3
    wrong = [i for i, label in enumerate(view.labels) if label.color.name() == st.WRONG]
    assert wrong == [0, 5, 9]
    assert view.labels[5].toPlainText() == str(guesses[5])
    view.update_snapshot(dataclasses.replace(canned(), sample_predictions=truth))
    assert view.wrong_count() == 0


def test_confusion_view_writes_the_counts(qtbot):
    ds, _ = trained("digits", epochs=1)
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_dataset(ds)
    counts = np.diag(np.arange(1, 11))
    counts[2, 3] = 4
    view.update_snapshot(dataclasses.replace(canned(), confusion=counts))
    assert view.texts[2][3].toPlainText() == "4"
    assert view.texts[9][9].toPlainText() == "10"
    assert view.texts[0][1].toPlainText() == ""
    assert view.image.image.shape == (10, 10)


def test_regression_view_draws_a_linear_fit_with_its_equation(qtbot):
    exp = experiment_from_dict({"data": {"dataset": "line"}, "network": {"layers": []},
                                "training": {"optimizer": {"name": "adam", "lr": 0.05}}})
    ds = load_dataset(exp.data, exp.seed)
    snap = run_to_end(exp, RunOptions(epochs=3, weights=True))
    view = RegressionView()
    qtbot.addWidget(view)
    view.set_dataset(ds)
    view.update_snapshot(snap)
    assert view.equation.toPlainText() == line_equation(snap)
    assert view.equation.toPlainText().startswith("y = ")
    assert len(view.train_points.data) == len(ds.raw_train)
    view.clear()
    assert view.curve.xData is None or len(view.curve.xData) == 0


@pytest.mark.parametrize("name", ["circle", "line", "sine", "digits", "spiral"])
def test_preview_experiments_are_valid(name):
    ds, snap = trained(name, epochs=1)
    assert snap.state == "finished" and snap.epoch == 1


def test_curve_axes_grow_in_round_steps_not_every_frame(qtbot):
    """Auto-ranging re-laid out the axes on every frame; stepped ranges change rarely."""
    view = CurvesView()
    qtbot.addWidget(view)
    changes = []
    view.loss_plot.getViewBox().sigXRangeChanged.connect(lambda *_: changes.append(1))
    for n in range(1, 101):
        loss = np.linspace(0.7, 0.1, n)
        view.update_snapshot(canned(n, train_loss=loss, test_loss=loss + 0.01, train_accuracy=1 - loss))
    assert view.point_count == 100
    assert nice_ceil(41) == 50 and nice_ceil(0.69) == pytest.approx(0.8)
    assert len(changes) <= 10
    x0, x1 = view.loss_plot.getViewBox().viewRange()[0]
    assert x0 <= 0 and 100 <= x1 <= 110


@pytest.mark.parametrize("name,shown", [("circle", True), ("blobs", True), ("digits", True), ("line", False)])
def test_every_classification_task_shows_every_metric(panel, name, shown):
    """2-D points, several classes and images alike: accuracy, precision, recall, F1 and ROC AUC for
    train and test, the very figures the run reported (checked against scikit-learn in the core)."""
    ds, snap = trained(name)
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    assert panel.scores.isVisible() == shown
    if shown:
        text = panel.scores.text()
        for label, key in (("precision", "precision"), ("recall", "recall"), ("F1", "f1"),
                           ("ROC AUC", "roc_auc")):
            assert label in text
            for split in ("train", "test"):
                assert f"{snap.metrics[f'{split}_{key}']:.3g}" in text, (split, key)
        assert f"{snap.metrics['test_accuracy']:.1%}" in text


def _legend_names(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def test_the_batch_loss_toggle_draws_the_running_mean_named_apart_from_the_train_loss(qtbot, panel):
    ds, snap = trained("circle")
    panel.set_dataset(ds)
    panel.update_snapshot(dataclasses.replace(snap, state=RunState.PAUSED))
    curves = panel.curves
    assert not curves.batch_curve.isVisible()
    assert "batch-loss<br>running mean<br>(during the epoch)" not in _legend_names(curves.loss_plot)
    qtbot.mouseClick(panel.batch_loss, Qt.MouseButton.LeftButton)
    assert panel.batch_loss.isChecked() and curves.batch_curve.isVisible()
    names = _legend_names(curves.loss_plot)
    assert "batch-loss<br>running mean<br>(during the epoch)" in names
    assert "train loss<br>(end of epoch)" in names
    assert "train" not in names
    _x, y = curves.batch_curve.getData()
    np.testing.assert_allclose(y, snap.history["batch_loss_mean"])
    qtbot.mouseClick(panel.batch_loss, Qt.MouseButton.LeftButton)
    assert not curves.batch_curve.isVisible()
    assert "train" in _legend_names(curves.loss_plot)
    assert "train loss<br>(end of epoch)" not in _legend_names(curves.loss_plot)
