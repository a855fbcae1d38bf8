"""Loss functions as a table: each knows which tasks it fits.

Cross-entropies work on logits (the numerically stable form), so they need a linear output head;
`compat.check_experiment` enforces that before a run starts.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.core.datasets.base import BINARY, MULTICLASS, REGRESSION
from playground.core.params import Param
from playground.core.registry import Entry, Registry

LOSSES: Registry[Entry] = Registry("loss", [
    Entry("mse", "Mean squared error", "Average of (prediction - target)²: the classic regression loss; "
          "punishes large errors strongly.", factory=lambda: nn.MSELoss(),
          extra={"tasks": {BINARY, REGRESSION}}),
    Entry("mae", "Mean absolute error", "Average of |prediction - target|: robust to outliers, "
          "constant-size gradients.", factory=lambda: nn.L1Loss(), extra={"tasks": {BINARY, REGRESSION}}),
    Entry("huber", "Huber", "Squared error for small errors, absolute error for large ones (delta = 1).",
          params=(Param("delta", float, 1.0, "Where the loss switches from squared to absolute.",
                        minimum=0, min_exclusive=True),),
          factory=lambda delta=1.0: nn.HuberLoss(delta=delta), extra={"tasks": {BINARY, REGRESSION}}),
    Entry("binary_cross_entropy", "Binary cross-entropy", "Log loss for two classes, on logits "
          "(the output head must be linear; the sigmoid is applied inside the loss).",
          factory=lambda: nn.BCEWithLogitsLoss(), extra={"tasks": {BINARY}, "logits": True}),
    Entry("cross_entropy", "Cross-entropy", "Log loss for k classes, on logits (softmax is applied "
          "inside the loss; the output head must be linear).",
          factory=lambda: nn.CrossEntropyLoss(), extra={"tasks": {MULTICLASS}, "logits": True}),
])


def make_loss(name: str) -> nn.Module:
    """A torch loss module for the registry name `name`."""
    return LOSSES[name].factory()


def target_tensor(y, task: str) -> torch.Tensor:
    """Targets in the dtype/shape each task's losses expect: float (n,1) or long (n,)."""
    t = torch.as_tensor(y)
    if task == MULTICLASS:
        return t.long()
    if task == BINARY:
        return t.float().reshape(-1, 1)
    return t.float().reshape(len(t), *(t.shape[1:] or (1,)))
