"""The Metrics tab: ROC and PR curves, the binary threshold slider (driven by keys and the mouse),
the per-class table, all checked against scikit-learn on the run's own test predictions."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QStyle, QStyleOptionSlider  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

from playground.core.curves import THRESHOLDS, Curves  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.core.run.loop import RunOptions, TrainingRun  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.plots.scores import ScoresView  # noqa: E402

warm_up()
_runs: dict[str, tuple] = {}


def trained(dataset: str, **data) -> tuple:
    """(dataset, final snapshot, test probabilities, test labels) of a short run, cached."""
    if dataset not in _runs:
        layers = [{"type": "dense", "units": 8, "activation": "tanh"}]
        exp = experiment_from_dict({"seed": 4, "data": {"dataset": dataset, "samples": 300, **data},
                                    "network": {"layers": layers},
                                    "training": {"epochs": 20, "batch_size": 16,
                                                 "optimizer": {"name": "adam", "lr": 0.03}}})
        run = TrainingRun(exp, RunOptions(grid_resolution=8, curves=True))
        last = list(run.snapshots())[-1]
        run.model.eval()
        with torch.no_grad():
            value = run.to_value(run.model(run.test.x)).numpy()
        _runs[dataset] = run.dataset, last, value, run.test.labels
    return _runs[dataset]


@pytest.fixture
def view(qtbot) -> ScoresView:
    v = ScoresView()
    qtbot.addWidget(v)
    v.resize(560, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def _matrix(view: ScoresView) -> list[list[str]]:
    return [[t.toPlainText() for t in row] for row in view.confusion.texts]


def _expected_matrix(prob, labels, t) -> list[list[str]]:
    counts = skm.confusion_matrix(labels, prob.astype(np.float64) >= t, labels=[0, 1])
    return [[str(n) if n else "" for n in row] for row in counts]


def _check_figures_at(view: ScoresView, prob, labels) -> None:
    """The 2×2 matrix and the figures shown are scikit-learn's at the slider's threshold."""
    t = view.threshold
    pred = (prob.astype(np.float64) >= t).astype(int)
    assert _matrix(view) == _expected_matrix(prob, labels, t)
    text = view.figures.text()
    assert f"≥ {t:.2f}" in text and view.threshold_label.text() == f"{t:.2f}"
    for value in (skm.precision_score(labels, pred, zero_division=0), skm.recall_score(labels, pred),
                  skm.f1_score(labels, pred, zero_division=0)):
        assert f"{value:.3f}" in text
    assert f"{skm.accuracy_score(labels, pred):.1%}" in text


def test_binary_curves_are_the_snapshots_with_their_areas_in_the_legend(view):
    ds, snap, prob, labels = trained("circle", noise=0.4)
    view.set_dataset(ds)
    view.update_snapshot(snap)
    x, y = view.roc.curve_data(0)
    want_fpr, want_tpr, _ = skm.roc_curve(labels, prob[:, 0])
    np.testing.assert_allclose(x, want_fpr, rtol=1e-6)
    np.testing.assert_allclose(y, want_tpr, rtol=1e-6)
    x, y = view.pr.curve_data(0)
    want_p, want_r, _ = skm.precision_recall_curve(labels, prob[:, 0])
    np.testing.assert_allclose(x, want_r, rtol=1e-6)
    np.testing.assert_allclose(y, want_p, rtol=1e-6)
    auc, ap = skm.roc_auc_score(labels, prob[:, 0]), skm.average_precision_score(labels, prob[:, 0])
    assert view.roc.legend.items[0][1].text == f"AUC {auc:.3f}"
    assert view.pr.legend.items[0][1].text == f"AP {ap:.3f}"
    assert view.threshold_row.isVisible() and not view.hint.isVisible()


def test_the_threshold_slider_moves_the_matrix_and_the_figures_by_keyboard(qtbot, view):
    ds, snap, prob, labels = trained("circle", noise=0.4)
    view.set_dataset(ds)
    view.update_snapshot(snap)
    assert view.threshold == 0.5
    _check_figures_at(view, prob[:, 0], labels)
    at_half = (_matrix(view), view.figures.text())
    np.testing.assert_array_equal(snap.confusion, skm.confusion_matrix(labels, prob[:, 0] >= 0.5))
    view.slider.setFocus()
    seen = []
    view.threshold_changed.connect(seen.append)
    qtbot.keyClick(view.slider, Qt.Key.Key_PageUp)  # +0.1
    for _ in range(3):
        qtbot.keyClick(view.slider, Qt.Key.Key_Right)  # +0.01 each
    assert view.threshold == pytest.approx(0.63) and seen[-1] == view.threshold
    _check_figures_at(view, prob[:, 0], labels)
    assert (_matrix(view), view.figures.text()) != at_half
    for _ in range(4):
        qtbot.keyClick(view.slider, Qt.Key.Key_PageDown)
    assert view.threshold == pytest.approx(0.23)
    _check_figures_at(view, prob[:, 0], labels)
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)
    assert view.threshold == 0.0
    _check_figures_at(view, prob[:, 0], labels)  # everything class 1: recall 1


def _handle_centre(slider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def test_dragging_the_slider_moves_the_matrix_and_the_rings_on_the_curves(qtbot, view):
    ds, snap, prob, labels = trained("circle", noise=0.4)
    view.set_dataset(ds)
    view.update_snapshot(snap)
    start = _handle_centre(view.slider)
    ring = view.roc.marker.getData()
    qtbot.mousePress(view.slider, Qt.MouseButton.LeftButton, pos=start)
    for dx in (10, 40, 80):
        qtbot.mouseMove(view.slider, QPoint(start.x() + dx, start.y()))
    qtbot.mouseRelease(view.slider, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 80, start.y()))
    assert view.threshold > 0.55
    _check_figures_at(view, prob[:, 0], labels)
    t = view.threshold
    pred = prob[:, 0].astype(np.float64) >= t
    tn, fp, fn, tp = skm.confusion_matrix(labels, pred).ravel()
    x, y = view.roc.marker.getData()
    assert (x[0], y[0]) == pytest.approx((fp / (fp + tn), tp / (tp + fn)))
    assert (x[0], y[0]) != pytest.approx((ring[0][0], ring[1][0]))
    x, y = view.pr.marker.getData()
    assert (x[0], y[0]) == pytest.approx((tp / (tp + fn), tp / (tp + fp)))


def test_several_classes_get_a_curve_each_and_the_per_class_table(view):
    ds, snap, prob, labels = trained("blobs", noise=0.6)
    k = ds.num_classes
    view.set_dataset(ds)
    view.update_snapshot(snap)
    assert not view.threshold_row.isVisible() and len(view.roc.items) == k
    for c in range(k):
        fpr, tpr, _ = skm.roc_curve(labels == c, prob[:, c])
        np.testing.assert_allclose(view.roc.curve_data(c)[1], tpr, rtol=1e-6)
        auc = skm.roc_auc_score(labels == c, prob[:, c])
        assert view.roc.legend.items[c][1].text == f"{c}  AUC {auc:.3f}"
    pred = prob.argmax(axis=1)
    want = skm.confusion_matrix(labels, pred, labels=range(k))
    assert _matrix(view) == [[str(n) if n else "" for n in row] for row in want]
    report = skm.classification_report(labels, pred, output_dict=True, zero_division=0)
    text = view.figures.text()
    for key in [str(c) for c in range(k)] + ["macro avg", "weighted avg"]:
        row = report[key]
        cells = "".join(f"<td align='right'>{v:.3f}</td>" for v in
                        (row["precision"], row["recall"], row["f1-score"]))
        assert cells in text, key
    assert f"accuracy {report['accuracy']:.1%}" in text


def test_it_draws_when_shown_not_while_hidden(qtbot, view):
    ds, snap, _, _ = trained("circle", noise=0.4)
    view.set_dataset(ds)
    view.hide()
    view.update_snapshot(snap)
    assert len(view.roc.curve_data(0)[0]) == 0
    view.show()
    qtbot.waitUntil(lambda: len(view.roc.curve_data(0)[0]) > 0)


def test_regression_shows_only_a_hint(view):
    from playground.core.datasets import load_dataset

    exp = experiment_from_dict({"data": {"dataset": "line"}})
    view.set_dataset(load_dataset(exp.data, exp.seed))
    assert not view.content.isVisible() and "classification" in view.hint.text()


def test_damaged_curves_draw_nothing_and_break_nothing(view):
    ds, snap, _, _ = trained("circle", noise=0.4)
    view.set_dataset(ds)
    bad = np.array([0.0, np.nan, np.inf], np.float32)
    curves = Curves((1,), ((bad, bad),), ((bad, bad[:2]),), (float("nan"),), (float("inf"),),
                    THRESHOLDS, np.full((3, 2, 2), 1))
    view.update_snapshot(dataclasses.replace(snap, curves=curves, confusion=None))
    assert len(view.roc.curve_data(0)[0]) == 0 and len(view.pr.curve_data(0)[0]) == 0
    assert view.roc.legend.items[0][1].text == "AUC –" and view.pr.legend.items[0][1].text == "AP –"
    assert _matrix(view) == [["", ""], ["", ""]]  # threshold counts of the wrong shape: not shown
    junk = Curves((1,), (("a", "b"),), (None,), ("x",), (1.0,), None,
                  np.full((len(THRESHOLDS), 2, 2), np.nan))
    view.update_snapshot(dataclasses.replace(snap, epoch=snap.epoch + 1, curves=junk))
    assert len(view.roc.curve_data(0)[0]) == 0 and view.roc.legend.items[0][1].text == "AUC –"
    assert view.pr.legend.items[0][1].text == "AP 1.000" and _matrix(view) == [["", ""], ["", ""]]
    view.update_snapshot(dataclasses.replace(snap, epoch=snap.epoch + 2, curves=dataclasses.replace(
        junk, roc=(), classes=(1, 2))))  # lengths that do not fit the data set: ignored


def test_the_output_panels_discretized_plane_follows_the_threshold(qtbot, panel):
    ds, snap, _, _ = trained("circle", noise=0.4)
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    qtbot.mouseClick(panel.discretize, Qt.MouseButton.LeftButton)
    grid = panel.boundary._grid
    panel.score_view.slider.setValue(80)
    np.testing.assert_array_equal(panel.boundary.display_grid(), np.where(grid >= 0.8, 1, 0))
    assert panel.discretize.text() == "Discretize at 0.80"
    panel.score_view.slider.setValue(50)
    np.testing.assert_array_equal(panel.boundary.display_grid(), np.where(grid >= 0.5, 1, 0))
    assert panel.discretize.text() == "Discretize output"


def test_the_windows_metrics_tab_fills_from_a_stepped_run(qtbot, tmp_path, monkeypatch):
    """Runs started from the window ask for curves in every snapshot, not only the last one."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from playground.gui.main_window import MainWindow
    from playground.gui.session import Session

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    scores = w.output.score_view
    w.right.setCurrentWidget(scores)
    assert w.right.tabText(w.right.currentIndex()) == "Metrics"
    qtbot.mouseClick(w.run_bar.step_button, Qt.MouseButton.LeftButton)  # one epoch, then paused
    qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.epoch == 1,
                    timeout=20_000)
    qtbot.waitUntil(lambda: len(scores.roc.curve_data(0)[0]) > 0, timeout=20_000)
    assert w.controller.state == "paused" and scores.threshold_row.isVisible()
    w.close()
