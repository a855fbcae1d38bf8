"""Our numpy metrics agree with scikit-learn's on random data."""

import numpy as np
import pytest
from sklearn import metrics as skm

from playground.core import metrics


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_binary_scores_match_sklearn(rng):
    labels = rng.integers(0, 2, 300)
    prob = np.clip(labels * 0.3 + rng.random(300) * 0.7, 0, 1)
    got = metrics.binary_scores(prob, labels)
    pred = (prob >= 0.5).astype(int)
    assert got["precision"] == pytest.approx(skm.precision_score(labels, pred))
    assert got["recall"] == pytest.approx(skm.recall_score(labels, pred))
    assert got["f1"] == pytest.approx(skm.f1_score(labels, pred))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(labels, prob))


def test_roc_auc_with_ties_matches_sklearn(rng):
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + labels * 0.2, 1)  # many ties
    assert metrics.roc_auc(scores, labels) == pytest.approx(skm.roc_auc_score(labels, scores))


def test_roc_auc_undefined_for_one_class():
    assert np.isnan(metrics.roc_auc(np.array([0.1, 0.9]), np.array([1, 1])))


def test_confusion_matrix_matches_sklearn(rng):
    labels = rng.integers(0, 4, 100)
    pred = rng.integers(0, 4, 100)
    np.testing.assert_array_equal(metrics.confusion_matrix(pred, labels, 4),
                                  skm.confusion_matrix(labels, pred, labels=range(4)))


def test_r2_matches_sklearn(rng):
    target = rng.normal(size=(50, 1))
    pred = target + rng.normal(scale=0.3, size=(50, 1))
    assert metrics.r2_score(pred, target) == pytest.approx(skm.r2_score(target, pred))


def test_accuracy():
    assert metrics.accuracy(np.array([1, 0, 1, 1]), np.array([1, 1, 1, 0])) == 0.5


@pytest.mark.parametrize("k,n", [(3, 200), (10, 500), (4, 7)])
def test_multiclass_scores_match_sklearn(rng, k, n):
    from playground.core.evaluation import class_aucs

    for trial in range(20):
        logits = rng.standard_normal((n, k)) * (trial % 4 + 0.1)
        prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        labels = rng.integers(0, k, n)
        if trial % 5 == 0:
            labels[labels == k - 1] = 0  # a class with no examples: predicted but never true
        pred = prob.argmax(axis=1)
        for aucs in (metrics.class_aucs, class_aucs):
            got = metrics.multiclass_scores(prob, pred, labels, aucs=aucs)
            for key in ("precision", "recall", "f1"):
                want = getattr(skm, f"{key}_score")(labels, pred, average="macro", zero_division=0)
                assert got[key] == pytest.approx(want), (trial, key)
            present = np.unique(labels)
            if len(present) == k:
                want = skm.roc_auc_score(labels, prob, multi_class="ovr", average="macro")
                assert got["roc_auc"] == pytest.approx(want), trial
            else:  # absent classes have no AUC: the mean over the present ones, one against the rest
                want = np.mean([skm.roc_auc_score(labels == c, prob[:, c]) for c in present])
                assert got["roc_auc"] == pytest.approx(want), trial


def test_every_classification_run_reports_the_same_metrics():
    from playground.core.experiment import experiment_from_dict
    from playground.core.run.loop import RunOptions, run_to_end

    for dataset in ("circle", "blobs", "digits"):
        layers = [{"type": "flatten"}] if dataset == "digits" else []
        exp = experiment_from_dict({"data": {"dataset": dataset, "samples": 300},
                                    "network": {"layers": layers + [{"type": "dense", "units": 8}]},
                                    "training": {"epochs": 2}})
        snap = run_to_end(exp, RunOptions(grid_resolution=4))
        for split in ("train", "test"):
            for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
                assert np.isfinite(snap.metrics[f"{split}_{key}"]), (dataset, split, key)


def test_threshold_figures_of_a_two_by_two_table_match_sklearn():
    truth = np.array([0] * 7 + [1] * 5)
    pred = np.array([0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1])
    counts = metrics.confusion_matrix(pred, truth, 2)
    f = metrics.threshold_figures(counts)
    assert f["precision"] == pytest.approx(skm.precision_score(truth, pred))
    assert f["recall"] == pytest.approx(skm.recall_score(truth, pred))
    assert f["f1"] == pytest.approx(skm.f1_score(truth, pred))
    assert f["accuracy"] == pytest.approx(skm.accuracy_score(truth, pred))
    assert f["fpr"] == pytest.approx(2 / 7)
    assert np.isnan(metrics.threshold_figures(np.array([[0, 0], [1, 3]]))["fpr"])  # no negatives
