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
from playground.core.probes import OutputToValue


class Split:
    """One split's tensors, prepared once per run."""

    def __init__(self, x: np.ndarray, y: np.ndarray, y_tensor: torch.Tensor):
        self.x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        self.y = y_tensor
        self.labels = y if y.dtype.kind in "iu" else None
        self.target = y

    def __len__(self) -> int:
        return len(self.x)


@torch.no_grad()
def evaluate(model: nn.Module, loss_fn: nn.Module, split: Split, task: str, to_value: OutputToValue,
             num_classes: int, prefix: str, eval_batch: int = 4096
             ) -> tuple[dict[str, float], np.ndarray | None]:
    """Loss and metrics on `split`, keys prefixed (``test_loss``, ``test_accuracy``, ...).

    Returns (row, predicted labels or None). Binary adds precision/recall/f1/roc_auc, regression r2;
    the caller decides which prefix gets the detailed metrics.
    """
    if len(split) == 0:
        return {}, None
    outs = [model(split.x[i:i + eval_batch]) for i in range(0, len(split), eval_batch)]
    out = outs[0] if len(outs) == 1 else torch.cat(outs)
    row = {f"{prefix}_loss": float(loss_fn(out, split.y))}
    if not math.isfinite(row[f"{prefix}_loss"]):
        return row, None
    value = to_value(out).numpy()
    pred = None
    if task == BINARY:
        prob = value[:, 0]
        pred = (prob >= 0.5).astype(np.int64)
        row[f"{prefix}_accuracy"] = metrics.accuracy(pred, split.labels)
        row.update({f"{prefix}_{k}": v for k, v in metrics.binary_scores(prob, split.labels).items()})
    elif task == MULTICLASS:
        pred = value.argmax(axis=1)
        row[f"{prefix}_accuracy"] = metrics.accuracy(pred, split.labels)
    else:
        row[f"{prefix}_r2"] = metrics.r2_score(value, split.target)
    return row, pred


def grad_norms(model: nn.Sequential) -> dict[str, float]:
    """L2 norm of the current gradients of each block (hidden layers, then the head)."""
    norms = {}
    for i, block in enumerate(model):
        grads = [p.grad for p in block.parameters() if p.grad is not None]
        if grads:
            norms[str(i)] = float(torch.sqrt(sum((g * g).sum() for g in grads)))
    return norms
