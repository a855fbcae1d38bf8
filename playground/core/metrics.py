"""Evaluation metrics in plain numpy: cheap enough to compute every epoch on the test split.

Kept free of scikit-learn so that a metric never costs an import or a validation pass in the hot
loop; tests check them against scikit-learn.
"""

from __future__ import annotations

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

    As scikit-learn computes them (`average="macro"`, `zero_division=0`): precision, recall and F1
    average over the classes that occur in the labels or the predictions; ROC-AUC averages each
    class's AUC of P(class) against the rest over the classes present in the labels with at least one
    other class beside them (a class with no examples has no defined AUC). `aucs` may be any
    implementation of `class_aucs` (the evaluation passes its faster one).
    """
    k = prob.shape[1]
    counts = confusion_matrix(pred_labels, labels, k)
    tp = np.diag(counts).astype(np.float64)
    predicted, actual = counts.sum(axis=0), counts.sum(axis=1)
    seen = (predicted > 0) | (actual > 0)
    if not seen.any():
        nan = float("nan")
        return {"precision": nan, "recall": nan, "f1": nan, "roc_auc": nan}
    precision = tp / np.maximum(predicted, 1)  # no predictions of a class: tp = 0, precision 0
    recall = tp / np.maximum(actual, 1)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(k), where=total > 0)
    per_class = aucs(prob, labels)[actual > 0] if np.count_nonzero(actual) > 1 else []
    return {"precision": float(precision[seen].mean()), "recall": float(recall[seen].mean()),
            "f1": float(f1[seen].mean()),
            "roc_auc": float(np.mean(per_class)) if len(per_class) else float("nan")}


def confusion_matrix(pred_labels: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """k×k counts, rows = true class, columns = predicted class."""
    return np.bincount(labels * k + pred_labels, minlength=k * k).reshape(k, k)


def r2_score(pred: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination: 1 - SS_res / SS_tot (NaN when the target is constant)."""
    ss_tot = float(np.sum((target - target.mean(axis=0)) ** 2))
    if ss_tot == 0:
        return float("nan")
    return 1.0 - float(np.sum((target - pred) ** 2)) / ss_tot
