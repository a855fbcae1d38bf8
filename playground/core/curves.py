"""ROC and precision-recall curves of the test split, and a binary task's counts at every threshold.

Computed in numpy as scikit-learn computes them (`roc_curve`, `precision_recall_curve`,
`average_precision_score`; tests check against it), because the trainer builds them for every
snapshot a window asks for, where scikit-learn's input validation alone costs more than the sort.
A curve is thinned to at most `MAX_POINTS` of its own points before it is sent, so a 10,000-image
test set costs a few kilobytes; the areas are taken from the whole curve first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.datasets.base import BINARY, MULTICLASS
from playground.core.metrics import confusion_matrix

MAX_POINTS = 200
# The threshold slider's stops: P(class 1) >= t counts as class 1, t = 0, 0.01, ..., 1.
THRESHOLDS = np.arange(101) / 100
THRESHOLDS.flags.writeable = False

Curve = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Curves:
    """One ROC and one precision-recall curve per class, one class against the rest.

    classes: the class each curve is for (a binary task: class 1 only). roc: (false positive rate,
    true positive rate) and pr: (recall, precision), float32, in scikit-learn's order; both empty
    for a class that has no examples or nothing else in the test split, whose `roc_auc` and
    `average_precision` are NaN. thresholds and threshold_confusion, binary tasks only: the test
    split's 2×2 confusion matrix (rows true class, columns predicted) at each threshold.
    """

    classes: tuple[int, ...]
    roc: tuple[Curve, ...]
    pr: tuple[Curve, ...]
    roc_auc: tuple[float, ...]
    average_precision: tuple[float, ...]
    thresholds: np.ndarray | None = None
    threshold_confusion: np.ndarray | None = None


def _clf_curve(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positives, true positives) when everything scoring at least each distinct score,
    highest first, counts as positive (scikit-learn's `_binary_clf_curve`)."""
    order = np.argsort(scores)[::-1]  # ties end up grouped whatever their order: no stable sort needed
    ordered, hits = scores[order], truth[order]
    ends = np.r_[np.flatnonzero(np.diff(ordered)), len(ordered) - 1]
    tps = np.cumsum(hits, dtype=np.int64)[ends]
    return 1 + ends - tps, tps


def _drop_collinear(fps: np.ndarray, tps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep only the corners (`roc_curve(drop_intermediate=True)`): same curve, fewer points."""
    if len(fps) <= 2:
        return fps, tps
    keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
    return fps[keep], tps[keep]


def both_curves(scores: np.ndarray, truth: np.ndarray) -> tuple[Curve, Curve]:
    """`roc_curve` and `pr_curve` from one sort of the scores."""
    truth = np.asarray(truth, dtype=bool)
    if truth.all() or not truth.any():
        return (np.empty(0), np.empty(0)), (np.empty(0), np.empty(0))
    fps, tps = _clf_curve(np.asarray(scores, dtype=np.float64), truth)
    precision = tps / (tps + fps)  # never 0/0: every threshold counts at least one example
    recall = tps / tps[-1]
    pr = np.r_[recall[::-1], 0.0], np.r_[precision[::-1], 1.0]
    fps, tps = _drop_collinear(fps, tps)
    fps, tps = np.r_[0, fps], np.r_[0, tps]
    return (fps / fps[-1], tps / tps[-1]), pr


def roc_curve(scores: np.ndarray, truth: np.ndarray) -> Curve:
    """(fpr, tpr) as `sklearn.metrics.roc_curve`; empty if `truth` is all one class (undefined)."""
    return both_curves(scores, truth)[0]


def pr_curve(scores: np.ndarray, truth: np.ndarray) -> Curve:
    """(recall, precision) as `sklearn.metrics.precision_recall_curve`: recall falling to 0, where
    precision is 1 by convention; empty if `truth` is all one class."""
    return both_curves(scores, truth)[1]


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """The area under a precision-recall curve as a step sum (`average_precision_score`)."""
    if not len(recall):
        return float("nan")
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def area_under(x: np.ndarray, y: np.ndarray) -> float:
    """Trapezoid area under a curve (`sklearn.metrics.auc`; NaN for an empty one)."""
    if not len(x):
        return float("nan")
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1])) / 2)


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> Curve:
    """At most `limit` of the curve's own points, evenly spaced along it, both ends kept (float32)."""
    if len(x) > limit:
        keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(np.int64))
        x, y = x[keep], y[keep]
    x, y = x.astype(np.float32), y.astype(np.float32)
    x.flags.writeable = y.flags.writeable = False  # shared by every snapshot until the next epoch
    return x, y


def threshold_confusion(prob: np.ndarray, truth: np.ndarray, thresholds: np.ndarray = THRESHOLDS
                        ) -> np.ndarray:
    """(len(thresholds), 2, 2) confusion matrices: rows true class, columns predicted, class 1
    predicted where prob >= threshold (both as float64)."""
    prob = np.asarray(prob, dtype=np.float64)
    truth = np.asarray(truth, dtype=bool)
    t = np.asarray(thresholds, dtype=np.float64)
    pos, neg = np.sort(prob[truth]), np.sort(prob[~truth])
    tp = len(pos) - np.searchsorted(pos, t, side="left")
    fp = len(neg) - np.searchsorted(neg, t, side="left")
    return np.stack([len(neg) - fp, fp, len(pos) - tp, tp], axis=1).reshape(-1, 2, 2)


def classification_curves(value: np.ndarray, labels: np.ndarray, task: str) -> Curves | None:
    """The curves of a classification task from the model's values on the test split: P(class 1)
    in column 0 for a binary task, class probabilities for k classes. None for anything else, or
    for values that are not all finite."""
    if task not in (BINARY, MULTICLASS) or not len(labels) or not np.isfinite(value).all():
        return None
    if task == BINARY:
        columns, classes = [value[:, 0]], (1,)
    else:
        columns, classes = list(value.T), tuple(range(value.shape[1]))
    roc, pr, aucs, aps = [], [], [], []
    for c, scores in zip(classes, columns, strict=True):
        (fpr, tpr), (recall, precision) = both_curves(scores, labels == c)
        aucs.append(area_under(fpr, tpr))
        aps.append(average_precision(recall, precision))
        roc.append(thin(fpr, tpr))
        pr.append(thin(recall, precision))
    if task != BINARY:
        return Curves(classes, tuple(roc), tuple(pr), tuple(aucs), tuple(aps))
    counts = threshold_confusion(value[:, 0], labels == 1)
    counts.flags.writeable = False
    return Curves(classes, tuple(roc), tuple(pr), tuple(aucs), tuple(aps), THRESHOLDS, counts)


class LatestTest:
    """The latest evaluation's values on the test split, and what snapshots read from them.

    The trainer evaluates once an epoch, hundreds of times a second on the fast path; the confusion
    matrix and the curves are worked out only when a snapshot asks, and once per evaluation.
    """

    def __init__(self, labels: np.ndarray | None, task: str, num_classes: int):
        self.labels, self.task, self.num_classes = labels, task, num_classes
        self._value: np.ndarray | None = None
        self._confusion: np.ndarray | None = None
        self._curves: Curves | None = None

    def observe(self, value: np.ndarray | None) -> None:
        """A new evaluation's test values (None: its loss was not finite; the last ones stand)."""
        if value is not None and self.labels is not None and self.task in (BINARY, MULTICLASS):
            self._value, self._confusion, self._curves = value, None, None

    def confusion(self) -> np.ndarray | None:
        """A fresh k×k test confusion matrix (binary: at threshold 0.5), rows the true class."""
        if self._value is None:
            return None
        if self._confusion is None:
            pred = (self._value[:, 0] >= 0.5).astype(np.int64) if self.task == BINARY \
                else self._value.argmax(axis=1)
            self._confusion = confusion_matrix(pred, self.labels, self.num_classes)
        return self._confusion.copy()

    def curves(self) -> Curves | None:
        if self._value is not None and self._curves is None:
            self._curves = classification_curves(self._value, self.labels, self.task)
        return self._curves
