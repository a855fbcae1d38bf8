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
