"""Each data point's loss as the views show it: on the hover card and as the size of its dot.

The views hold what snapshots carry, the model's *values* (P(class 1) for two classes, class
probabilities for k, the value for regression), not its raw outputs. For the error losses those
values are the loss's own inputs, so a point's loss is `losses.per_example` of them. For the
cross-entropies it is −log p(true class): what their per_example makes of the logits (log-softmax,
log-sigmoid), read from the probabilities, clipped below at 1e-7 so a saturated mistake reads 16.1
rather than inf. tests/core/test_losses.py holds both to torch's reduction='none'.
"""

from __future__ import annotations

import numpy as np

from playground.core.compat import resolve_loss
from playground.core.datasets.base import BINARY, REGRESSION
from playground.core.errors import PlaygroundError
from playground.core.loss_rules import true_class_nll
from playground.core.losses import LOSSES, PROBABILITY_EPS, per_example


def point_loss_name(task: str, loss: str = "auto") -> str:
    """The registry loss a point's loss is measured in: the run's (`loss`, "auto" for the task's
    usual one), or the task's usual one when `loss` is not one the registry knows."""
    try:
        name = resolve_loss(loss, task)
    except PlaygroundError:
        name = "auto"
    if name in LOSSES:
        return name
    return "mse" if task == REGRESSION else "binary_cross_entropy" if task == BINARY else "cross_entropy"


def is_cross_entropy(name: str) -> bool:
    """Whether registry loss `name` scores class probabilities (on logits or on a softmax head)."""
    entry = LOSSES[name]
    return entry.logits or entry.probabilities


def point_losses(values: np.ndarray, targets: np.ndarray, task: str, loss: str = "auto") -> np.ndarray:
    """Per-point loss (float64) of the model's `values` (as snapshots carry them) against `targets`
    (class labels, or values: the first column is used), in the run's loss."""
    name = point_loss_name(task, loss)
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if is_cross_entropy(name):
        return true_class_nll(values, targets, PROBABILITY_EPS, 1.0)
    target = np.asarray(targets, dtype=np.float64).reshape(len(targets), -1)[:, :1]
    return per_example(name, values[:, :1], target)
