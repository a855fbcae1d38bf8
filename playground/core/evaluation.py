"""Per-epoch evaluation of a model on its splits: losses and task metrics.

Runs once per epoch on whole splits in eval mode (dropout off, batch-norm frozen) so that train and
test numbers are measured the same way and are comparable.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from playground.core import metrics
from playground.core.datasets.base import BINARY, MULTICLASS
from playground.core.keys import block_id
from playground.core.probes import OutputToValue


class Split:
    """One split's tensors, prepared once per run."""

    def __init__(self, x: np.ndarray, y: np.ndarray, y_tensor: torch.Tensor):
        self.x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        self.n = len(self.x)
        self.y = y_tensor
        self.labels = y if y.dtype.kind in "iu" else None
        self.target = y
        self.truth = None if self.labels is None else self.labels.astype(bool)  # binary class 1

    def __len__(self) -> int:
        return self.n


@torch.no_grad()
def evaluate(model: nn.Module, loss_fn: nn.Module, split: Split, task: str, to_value: OutputToValue,
             num_classes: int, prefix: str, eval_batch: int = 4096
             ) -> tuple[dict[str, float], np.ndarray | None]:
    """Loss and metrics on `split`, keys prefixed (``test_loss``, ``test_accuracy``, ...).

    Returns (row, the model's values as `to_value` gives them, or None when the loss is not finite).
    Classification adds precision/recall/f1/roc_auc (macro
    averages for more than two classes), regression r2;
    the caller decides which prefix gets the detailed metrics.
    """
    if len(split) == 0:
        return {}, None
    outs = [model(split.x[i:i + eval_batch]) for i in range(0, len(split), eval_batch)]
    out = outs[0] if len(outs) == 1 else torch.cat(outs)
    return score(out, float(loss_fn(out, split.y)), split, task, to_value, prefix)


def score(out: torch.Tensor, loss: float, split: Split, task: str, to_value: OutputToValue,
          prefix: str) -> tuple[dict[str, float], np.ndarray | None]:
    """`evaluate` for outputs and loss already computed (the fast path computes them with numpy;
    both paths share the metric arithmetic). `out` carries no autograd graph."""
    if len(split) == 0:
        return {}, None
    row = {f"{prefix}_loss": loss}
    if not math.isfinite(loss):
        return row, None
    value = to_value(out).numpy()
    if task == BINARY:
        prob = value[:, 0]
        positive = prob >= 0.5
        row.update({f"{prefix}_{k}": v for k, v in binary_metrics(prob, positive, split.truth).items()})
    elif task == MULTICLASS:
        pred = value.argmax(axis=1)
        row[f"{prefix}_accuracy"] = metrics.accuracy(pred, split.labels)
        row.update({f"{prefix}_{k}": v for k, v in metrics.multiclass_scores(
            value, pred, split.labels, aucs=class_aucs).items()})
    else:
        row[f"{prefix}_r2"] = metrics.r2_score(value, split.target)
    return row, value


def binary_metrics(prob: np.ndarray, positive: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """accuracy and `metrics.binary_scores`, bit for bit, in a handful of numpy calls.

    Runs on every split every epoch, where the plain versions (np.mean, three np.sum, np.unique)
    cost more than the fast path's whole epoch of training steps: counts replace the sums, and the
    rank sum of the ROC-AUC is exact (ranks are whole or half numbers) in any summation order.
    """
    n, n_pos = len(truth), int(np.count_nonzero(truth))
    tp = int(np.count_nonzero(positive & truth))
    predicted = int(np.count_nonzero(positive))
    correct = n - predicted - n_pos + 2 * tp  # true positives + true negatives
    tp, fp, fn = float(tp), float(predicted - tp), float(n_pos - tp)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": correct / n if n else float("nan"), "precision": precision, "recall": recall,
            "f1": f1, "roc_auc": _roc_auc(prob, truth, n_pos)}


def class_aucs(prob: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """metrics.class_aucs through this module's faster rank sum: a multiclass run pays it every epoch."""
    columns = np.ascontiguousarray(prob.T)
    truths = labels == np.arange(prob.shape[1])[:, None]
    return np.array([_roc_auc(col, truth, int(np.count_nonzero(truth)))
                     for col, truth in zip(columns, truths, strict=True)])


def _roc_auc(scores: np.ndarray, truth: np.ndarray, n_pos: int) -> float:
    """metrics.roc_auc (Mann-Whitney rank sum, ties get their average rank), without np.unique."""
    n = len(truth)
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    if ordered[-1] != ordered[-1]:  # NaN (sorted last): leave it to the reference
        return metrics.roc_auc(scores, truth)
    hits = truth[order]
    new = np.empty(n, bool)  # where a run of equal scores starts
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    if new.all():
        rank_sum = float(np.flatnonzero(hits).sum() + n_pos)  # ranks are 1-based positions
    else:
        starts = np.flatnonzero(new)
        counts = np.diff(starts, append=n)
        rank_sum = float(np.repeat(starts + (counts + 1) / 2, counts)[hits].sum())
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def grad_norms(model: nn.Sequential) -> dict[str, float]:
    """L2 norm of the current gradients of each block (hidden layers, then the head)."""
    norms = {}
    for i, block in enumerate(model):
        grads = [p.grad for p in block.parameters() if p.grad is not None]
        if grads:
            norms[block_id(i)] = float(torch.sqrt(sum((g * g).sum() for g in grads)))
    return norms
