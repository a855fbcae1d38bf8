"""Evaluation metrics in plain numpy: cheap enough to compute every epoch on the test split.

Kept free of scikit-learn so that a metric never costs an import or a validation pass in the hot
loop; tests check them against scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def accuracy(pred_labels: np.ndarray, labels: np.ndarray) -> float:
    """Share of correct predictions (NaN for an empty set)."""
    return float(np.mean(pred_labels == labels)) if len(labels) else float("nan")


def binary_scores(prob: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 at threshold 0.5 and ROC-AUC, for class 1 of a binary task."""
    pred = prob >= 0.5
    truth = labels.astype(bool)
    tp = float(np.sum(pred & truth))
    fp = float(np.sum(pred & ~truth))
    fn = float(np.sum(~pred & truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "roc_auc": roc_auc(prob, labels)}


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney) formula, ties averaged."""
    labels = labels.astype(bool)
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    # average the ranks of tied scores
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    if len(first) != len(scores):
        for start, count in zip(first[counts > 1], counts[counts > 1], strict=True):
            ranks[order[start:start + count]] = start + (count + 1) / 2
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def class_aucs(prob: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each class's ROC-AUC of P(class) against the rest (NaN for a class with no examples)."""
    return np.array([roc_auc(prob[:, c], labels == c) for c in range(prob.shape[1])])


def multiclass_scores(prob: np.ndarray, pred_labels: np.ndarray, labels: np.ndarray,
                      aucs=class_aucs) -> dict[str, float]:
    """Macro-averaged precision, recall and F1 and one-vs-rest ROC-AUC of a k-class task.

    Precision, recall and F1 are `class_report`'s macro averages; ROC-AUC averages each class's AUC
    of P(class) against the rest over the classes present in the labels with at least one other
    class beside them (a class with no examples has no defined AUC), as scikit-learn's
    `roc_auc_score(multi_class="ovr")`. `aucs` may be any implementation of `class_aucs` (the
    evaluation passes its faster one).
    """
    report = class_report(confusion_matrix(pred_labels, labels, prob.shape[1]))
    actual = report.support
    per_class = aucs(prob, labels)[actual > 0] if np.count_nonzero(actual) > 1 else []
    return {**report.macro, "roc_auc": float(np.mean(per_class)) if len(per_class) else float("nan")}


@dataclass(frozen=True)
class ClassReport:
    """Per-class precision, recall, F1 and support (true examples), with their averages.

    `macro`: the plain mean over the classes that occur in the labels or the predictions;
    `weighted`: the mean weighted by support. Both hold "precision", "recall" and "f1" (NaN for an
    empty set). Classes are the rows of the confusion matrix it was made from.
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    macro: dict[str, float]
    weighted: dict[str, float]


def class_report(counts: np.ndarray) -> ClassReport:
    """scikit-learn's `classification_report` (`zero_division=0`), from a k×k confusion matrix.

    Computed from the counts rather than by scikit-learn itself: importing `sklearn.metrics` takes
    seconds, which `nn-playground train circle` would pay for a table of k rows (tests check every
    figure against scikit-learn). A class never predicted has precision 0, one with no examples
    recall 0, and F1 is 0 where precision and recall both are.
    """
    counts = np.asarray(counts, dtype=np.int64)
    k = len(counts)
    tp = np.diag(counts).astype(np.float64)
    predicted, support = counts.sum(axis=0), counts.sum(axis=1)
    precision = tp / np.maximum(predicted, 1)  # no predictions of a class: tp = 0, precision 0
    recall = tp / np.maximum(support, 1)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(k), where=total > 0)
    seen = (predicted > 0) | (support > 0)
    n = int(support.sum())
    figures = {"precision": precision, "recall": recall, "f1": f1}
    macro = {key: float(v[seen].mean()) if seen.any() else float("nan") for key, v in figures.items()}
    weighted = {key: float(v @ support / n) if n else float("nan") for key, v in figures.items()}
    return ClassReport(precision, recall, f1, support, float(tp.sum() / n) if n else float("nan"),
                       macro, weighted)


def confusion_matrix(pred_labels: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """k×k counts, rows = true class, columns = predicted class."""
    return np.bincount(labels * k + pred_labels, minlength=k * k).reshape(k, k)


def r2_score(pred: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination: 1 - SS_res / SS_tot (NaN when the target is constant)."""
    ss_tot = float(np.sum((target - target.mean(axis=0)) ** 2))
    if ss_tot == 0:
        return float("nan")
    return 1.0 - float(np.sum((target - pred) ** 2)) / ss_tot


def threshold_figures(counts: np.ndarray) -> dict[str, float]:
    """Class 1's precision, recall and F1, the accuracy and the false positive rate of a 2×2 matrix
    (rows true class, columns predicted)."""
    report = class_report(counts)
    negatives = int(counts[0].sum())
    return {"precision": float(report.precision[1]), "recall": float(report.recall[1]),
            "f1": float(report.f1[1]), "accuracy": report.accuracy,
            "fpr": float(counts[0, 1] / negatives) if negatives else math.nan}
