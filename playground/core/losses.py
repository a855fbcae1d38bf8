"""Loss functions as a table: each knows which tasks it fits, what it takes, and its formula.

The cross-entropies on logits (the numerically stable form, torch's way) need a linear output head;
'Cross-entropy on probabilities' (Keras's way) needs a softmax head. `compat.check_experiment`
enforces both before a run starts. ``extra["formula"]`` is the text the Step view shows.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.core.datasets.base import BINARY, MULTICLASS, REGRESSION
from playground.core.registry import Entry, Registry

PROBABILITY_EPS = 1e-7  # Keras's epsilon: probabilities are clipped to [eps, 1 - eps] before the log
HUBER_DELTA = 1.0  # where Huber switches from squared to absolute error (torch's default; not a setting)


class ProbabilityCrossEntropy(nn.Module):
    """Keras's categorical_crossentropy on a softmax head's output: mean of −log p[true class]."""

    reduction = "mean"

    def forward(self, p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.nll_loss(torch.log(p.clamp(PROBABILITY_EPS, 1 - PROBABILITY_EPS)), y)


LOSSES: Registry[Entry] = Registry("loss", [
    Entry("mse", "Mean squared error", "Average of (prediction - target)²: the classic regression loss; "
          "punishes large errors strongly.", factory=lambda: nn.MSELoss(),
          extra={"tasks": {BINARY, REGRESSION}, "formula": "L = mean((ŷ − y)²)"}),
    Entry("mae", "Mean absolute error", "Average of |prediction - target|: robust to outliers, "
          "constant-size gradients.", factory=lambda: nn.L1Loss(),
          extra={"tasks": {BINARY, REGRESSION}, "formula": "L = mean(|ŷ − y|)"}),
    Entry("huber", "Huber", "Squared error for small errors, absolute error for large ones (delta = 1).",
          factory=lambda: nn.HuberLoss(delta=HUBER_DELTA),
          extra={"tasks": {BINARY, REGRESSION},
                 "formula": "L = mean(½e² if |e| ≤ δ, else δ·(|e| − ½δ)),  e = ŷ − y"}),
    Entry("binary_cross_entropy", "Binary cross-entropy", "Log loss for two classes, on the logit z: "
          "−y·log σ(z) − (1 − y)·log(1 − σ(z)). The sigmoid is applied inside the loss (as "
          "log-sigmoid, torch's BCEWithLogitsLoss), so the output head must be linear.",
          factory=lambda: nn.BCEWithLogitsLoss(),
          extra={"tasks": {BINARY}, "logits": True,
                 "formula": "L = mean(−y·log σ(z) − (1 − y)·log(1 − σ(z))),  z = the head's logit: "
                            "the loss applies log-sigmoid itself (torch's BCEWithLogitsLoss)"}),
    Entry("cross_entropy", "Cross-entropy", "Log loss for k classes, on the logits z: −log softmax(z)[y] "
          "= log Σⱼ e^zⱼ − z_y. The loss applies log-softmax to the logits itself (torch's "
          "CrossEntropyLoss), so the output head must be linear: a softmax head would apply it twice.",
          factory=lambda: nn.CrossEntropyLoss(),
          extra={"tasks": {MULTICLASS}, "logits": True,
                 "formula": "L = mean(−log softmax(z)[y]) = mean(log Σⱼ e^zⱼ − z_y),  z = the head's "
                            "logits: the loss applies log-softmax itself (torch's CrossEntropyLoss)"}),
    Entry("cross_entropy_probs", "Cross-entropy on probabilities", "Log loss for k classes on a softmax "
          "head's probabilities p: −log p[y], the Keras way (categorical_crossentropy). The same "
          "number as Cross-entropy on the logits, but p is clipped to [1e-7, 1 − 1e-7] first, so "
          "confident mistakes cost at most 16.1.",
          factory=ProbabilityCrossEntropy,
          extra={"tasks": {MULTICLASS}, "probabilities": True,
                 "formula": "L = mean(−log p[y]),  p = the softmax head's probabilities, clipped to "
                            "[1e-7, 1 − 1e-7] (Keras's categorical_crossentropy)"}),
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
