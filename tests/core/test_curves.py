"""ROC and precision-recall curves, thresholds and per-class reports agree with scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from playground.core import curves, wire
from playground.core.experiment import experiment_from_dict
from playground.core.metrics import class_report
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.snapshot import Snapshot


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def _cases(rng):
    """Scores with and without ties, small and large, balanced and not."""
    for n, rounding, share in ((12, None, 0.5), (300, 1, 0.3), (300, None, 0.7), (2000, 2, 0.1)):
        truth = rng.random(n) < share
        scores = rng.random(n) * 0.7 + truth * 0.3
        yield truth, (scores if rounding is None else np.round(scores, rounding)).astype(np.float32)


def test_roc_and_pr_curves_match_sklearn(rng):
    for truth, scores in _cases(rng):
        fpr, tpr = curves.roc_curve(scores, truth)
        want_fpr, want_tpr, _ = skm.roc_curve(truth, scores)
        np.testing.assert_allclose(fpr, want_fpr)
        np.testing.assert_allclose(tpr, want_tpr)
        assert curves.area_under(fpr, tpr) == pytest.approx(skm.roc_auc_score(truth, scores))
        recall, precision = curves.pr_curve(scores, truth)
        want_p, want_r, _ = skm.precision_recall_curve(truth, scores)
        np.testing.assert_allclose(recall, want_r)
        np.testing.assert_allclose(precision, want_p)
        assert curves.average_precision(recall, precision) == pytest.approx(
            skm.average_precision_score(truth, scores))


def test_a_curve_without_both_classes_is_empty_and_its_areas_nan():
    scores = np.array([0.2, 0.9, 0.4])
    for truth in (np.ones(3, bool), np.zeros(3, bool)):
        assert all(len(a) == 0 for a in (*curves.roc_curve(scores, truth), *curves.pr_curve(scores, truth)))
    assert np.isnan(curves.area_under(np.empty(0), np.empty(0)))
    assert np.isnan(curves.average_precision(np.empty(0), np.empty(0)))


def test_thinning_keeps_the_ends_and_only_points_of_the_curve(rng):
    x = np.sort(rng.random(5000))
    y = np.sqrt(x)
    tx, ty = curves.thin(x, y, limit=200)
    assert 2 <= len(tx) <= 200 and tx.dtype == np.float32
    assert (tx[0], tx[-1]) == (np.float32(x[0]), np.float32(x[-1]))
    assert np.isin(tx, x.astype(np.float32)).all() and np.all(np.diff(tx) > 0)
    short = curves.thin(x[:50], y[:50], limit=200)
    np.testing.assert_array_equal(short[0], x[:50].astype(np.float32))


def test_threshold_confusion_matches_sklearn_at_every_threshold(rng):
    for truth, scores in _cases(rng):
        counts = curves.threshold_confusion(scores, truth)
        assert counts.shape == (len(curves.THRESHOLDS), 2, 2)
        for t, got in zip(curves.THRESHOLDS, counts, strict=True):
            pred = scores.astype(np.float64) >= t
            np.testing.assert_array_equal(got, skm.confusion_matrix(truth, pred, labels=[False, True]))


@pytest.mark.parametrize("k,n", [(3, 200), (10, 500), (4, 9)])
def test_class_report_matches_sklearn(rng, k, n):
    for trial in range(10):
        labels = rng.integers(0, k, n)
        pred = np.where(rng.random(n) < 0.6, labels, rng.integers(0, k, n))
        if trial % 3 == 1:
            labels[labels == k - 1] = 0  # predicted but never true
        if trial % 3 == 2:
            pred[pred == 1] = 0  # true but never predicted
        got = class_report(skm.confusion_matrix(labels, pred, labels=range(k)))
        p, r, f, s = skm.precision_recall_fscore_support(labels, pred, labels=range(k), zero_division=0)
        np.testing.assert_allclose(got.precision, p)
        np.testing.assert_allclose(got.recall, r)
        np.testing.assert_allclose(got.f1, f)
        np.testing.assert_array_equal(got.support, s)
        assert got.accuracy == pytest.approx(skm.accuracy_score(labels, pred))
        for average in ("macro", "weighted"):
            want = skm.precision_recall_fscore_support(labels, pred, average=average, zero_division=0)
            figures = getattr(got, average)
            assert [figures["precision"], figures["recall"], figures["f1"]] == pytest.approx(want[:3])


def _run(data, epochs=3, **options):
    exp = experiment_from_dict({"format": "nn-playground.experiment", "version": 1, "seed": 2,
                                "data": data, "network": {"layers": [{"type": "dense", "units": 6}]},
                                "training": {"epochs": epochs, "batch_size": 16}})
    run = TrainingRun(exp, RunOptions(grid_resolution=8, **options))
    return run, list(run.snapshots())


def _test_values(run):
    run.model.eval()
    with torch.no_grad():
        return run.to_value(run.model(run.test.x)).numpy()


def test_a_binary_run_ships_curves_and_threshold_counts_of_its_test_predictions():
    run, snaps = _run({"dataset": "circle", "samples": 300, "noise": 0.3})
    last = snaps[-1]
    prob, truth = _test_values(run)[:, 0], run.test.labels == 1
    c = last.curves
    assert c.classes == (1,)
    want_fpr, want_tpr, _ = skm.roc_curve(truth, prob)
    np.testing.assert_allclose(c.roc[0][0], want_fpr, rtol=1e-6)
    np.testing.assert_allclose(c.roc[0][1], want_tpr, rtol=1e-6)
    want_p, want_r, _ = skm.precision_recall_curve(truth, prob)
    np.testing.assert_allclose(c.pr[0][0], want_r, rtol=1e-6)
    np.testing.assert_allclose(c.pr[0][1], want_p, rtol=1e-6)
    assert c.roc_auc[0] == pytest.approx(skm.roc_auc_score(truth, prob))
    assert c.roc_auc[0] == pytest.approx(last.latest("test_roc_auc"))
    assert c.average_precision[0] == pytest.approx(skm.average_precision_score(truth, prob))
    half = int(np.flatnonzero(c.thresholds == 0.5)[0])
    np.testing.assert_array_equal(c.threshold_confusion[half], last.confusion)
    np.testing.assert_array_equal(last.confusion, skm.confusion_matrix(truth, prob >= 0.5))


def test_curves_only_when_asked_but_always_in_the_last_snapshot():
    _, snaps = _run({"dataset": "circle", "samples": 200}, epochs=40, slice_seconds=0.0)
    assert len(snaps) > 2
    assert all(s.curves is None for s in snaps[:-1]) and snaps[-1].curves is not None
    _, snaps = _run({"dataset": "circle", "samples": 200}, epochs=40, slice_seconds=0.0, curves=True)
    assert all(s.curves is not None for s in snaps if s.epoch > 0)


def test_a_multiclass_run_reports_its_test_confusion_and_one_curve_per_class():
    run, snaps = _run({"dataset": "blobs", "samples": 300, "noise": 0.4})
    last = snaps[-1]
    prob, labels = _test_values(run), run.test.labels
    k = prob.shape[1]
    pred = prob.argmax(axis=1)
    np.testing.assert_array_equal(last.confusion, skm.confusion_matrix(labels, pred, labels=range(k)))
    report = class_report(last.confusion)
    assert report.macro["f1"] == pytest.approx(last.latest("test_f1"))
    c = last.curves
    assert c.classes == tuple(range(k)) and c.thresholds is None and c.threshold_confusion is None
    for i in range(k):
        fpr, tpr, _ = skm.roc_curve(labels == i, prob[:, i])
        np.testing.assert_allclose(c.roc[i][0], fpr, rtol=1e-6)
        np.testing.assert_allclose(c.roc[i][1], tpr, rtol=1e-6)
        assert c.roc_auc[i] == pytest.approx(skm.roc_auc_score(labels == i, prob[:, i]))
        assert c.average_precision[i] == pytest.approx(skm.average_precision_score(labels == i, prob[:, i]))
    assert np.mean(c.roc_auc) == pytest.approx(last.latest("test_roc_auc"))


def test_a_regression_run_has_no_curves_or_confusion():
    _, snaps = _run({"dataset": "line", "samples": 100}, curves=True)
    assert snaps[-1].curves is None and snaps[-1].confusion is None


def test_curves_cross_the_wire():
    fpr = np.array([0, 0.5, 1], np.float32)
    c = curves.Curves((1,), ((fpr, fpr),), ((fpr, fpr[::-1]),), (0.5,), (float("nan"),),
                      curves.THRESHOLDS, np.zeros((101, 2, 2), np.int64))
    back = wire.decode(wire.encode(Snapshot(epoch=1, step=2, curves=c))).curves
    assert isinstance(back, curves.Curves) and back.classes == (1,)
    np.testing.assert_array_equal(back.pr[0][1], fpr[::-1])
    assert np.isnan(back.average_precision[0]) and back.threshold_confusion.shape == (101, 2, 2)


def test_non_finite_values_give_no_curves():
    value = np.array([[0.2], [np.nan], [0.9]], np.float32)
    assert curves.classification_curves(value, np.array([0, 1, 1]), "binary") is None
