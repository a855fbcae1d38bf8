"""Loss functions as a table: each knows which tasks it fits, what it takes, and its formula.

The cross-entropies on logits (the numerically stable form, torch's way) need a linear output head;
'Cross-entropy on probabilities' (Keras's way) needs a softmax head. `compat.check_experiment`
enforces both before a run starts. An entry's `formula` is the text the Step view shows.

Each entry also carries the loss's other forms (`core.loss_rules`): `twin`, the numpy twin's loss
and gradient, and `per_example`, the loss of each example. `per_example(name, outputs, targets)`
is the one per-point loss (torch's reduction='none'); the views read it through `point_losses`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.core import loss_rules as rules
from playground.core.datasets.base import BINARY, MULTICLASS, REGRESSION
from playground.core.registry import Entry, Registry

PROBABILITY_EPS = 1e-7  # Keras's epsilon: probabilities are clipped to [eps, 1 - eps] before the log
HUBER_DELTA = 1.0  # where Huber switches from squared to absolute error (torch's default; not a setting)


class ProbabilityCrossEntropy(nn.Module):
    """Keras's categorical_crossentropy on a softmax head's output: mean of −log p[true class]."""

    reduction = "mean"

    def forward(self, p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        log_p = torch.log(p.clamp(PROBABILITY_EPS, 1 - PROBABILITY_EPS))
        return nn.functional.nll_loss(log_p, y, reduction=self.reduction)


def _probability_per_example(p: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return rules.true_class_nll(p, labels, PROBABILITY_EPS, 1 - PROBABILITY_EPS)


@dataclass(frozen=True, kw_only=True)
class LossEntry(Entry):
    """A loss, the tasks it fits, what its output head must give it, its formula, its per-example
    form and the numpy twin's form (None: it trains on torch only)."""

    tasks: frozenset[str]
    formula: str
    per_example: rules.PerExample  # (outputs, targets) -> each example's loss, float64
    point_name: str  # what one point's loss is called on the views' hover card
    logits: bool = False  # takes raw scores and applies (log-)sigmoid/softmax itself: a linear head
    probabilities: bool = False  # takes class probabilities: a softmax head
    twin: rules.TwinLoss | None = None


LOSSES: Registry[LossEntry] = Registry("loss", [
    LossEntry("mse", "Mean squared error", "Average of (prediction - target)²: the classic regression "
          "loss; punishes large errors strongly.", factory=lambda: nn.MSELoss(),
          tasks=frozenset({BINARY, REGRESSION}), formula="L = mean((ŷ − y)²)",
          per_example=rules.MSE.per_example, twin=rules.MSE, point_name="squared error"),
    LossEntry("mae", "Mean absolute error", "Average of |prediction - target|: robust to outliers, "
          "constant-size gradients.", factory=lambda: nn.L1Loss(),
          tasks=frozenset({BINARY, REGRESSION}), formula="L = mean(|ŷ − y|)",
          per_example=rules.MAE.per_example, twin=rules.MAE, point_name="absolute error"),
    LossEntry("huber", "Huber", "Squared error for small errors, absolute error for large ones "
          "(delta = 1).", factory=lambda: nn.HuberLoss(delta=HUBER_DELTA),
          tasks=frozenset({BINARY, REGRESSION}),
          formula="L = mean(½e² if |e| ≤ δ, else δ·(|e| − ½δ)),  e = ŷ − y",
          per_example=functools.partial(rules.HUBER.per_example, delta=HUBER_DELTA), twin=rules.HUBER,
          point_name="Huber loss"),
    LossEntry("binary_cross_entropy", "Binary cross-entropy", "Log loss for two classes, on the logit z: "
          "−y·log σ(z) − (1 − y)·log(1 − σ(z)). The sigmoid is applied inside the loss (as "
          "log-sigmoid, torch's BCEWithLogitsLoss), so the output head must be linear.",
          factory=lambda: nn.BCEWithLogitsLoss(),
          tasks=frozenset({BINARY}), logits=True,
          formula="L = mean(−y·log σ(z) − (1 − y)·log(1 − σ(z))),  z = the head's logit: "
                  "the loss applies log-sigmoid itself (torch's BCEWithLogitsLoss)",
          per_example=rules.BCE.per_example, twin=rules.BCE, point_name="cross-entropy"),
    LossEntry("cross_entropy", "Cross-entropy", "Log loss for k classes, on the logits z: "
          "−log softmax(z)[y] = log Σⱼ e^zⱼ − z_y. The loss applies log-softmax to the logits itself "
          "(torch's CrossEntropyLoss), so the output head must be linear: a softmax head would apply it "
          "twice.",
          factory=lambda: nn.CrossEntropyLoss(),
          tasks=frozenset({MULTICLASS}), logits=True,
          formula="L = mean(−log softmax(z)[y]) = mean(log Σⱼ e^zⱼ − z_y),  z = the head's "
                  "logits: the loss applies log-softmax itself (torch's CrossEntropyLoss)",
          per_example=rules.CE.per_example, twin=rules.CE, point_name="cross-entropy"),
    LossEntry("cross_entropy_probs", "Cross-entropy on probabilities", "Log loss for k classes on a "
          "softmax head's probabilities p: −log p[y], the Keras way (categorical_crossentropy). The same "
          "number as Cross-entropy on the logits, but p is clipped to [1e-7, 1 − 1e-7] first, so "
          "confident mistakes cost at most 16.1.",
          factory=ProbabilityCrossEntropy,
          tasks=frozenset({MULTICLASS}), probabilities=True,
          formula="L = mean(−log p[y]),  p = the softmax head's probabilities, clipped to "
                  "[1e-7, 1 − 1e-7] (Keras's categorical_crossentropy)",
          per_example=_probability_per_example, point_name="cross-entropy"),
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


def per_example(name: str, outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each example's loss under registry loss `name` (float64, as torch's reduction='none' averaged
    over an example's outputs): `outputs` as the model's head gives them (logits for the
    cross-entropies on logits), `targets` as `target_tensor` makes them (or plain labels/values)."""
    return LOSSES[name].per_example(outputs, targets)


def twin_loss(loss_fn: nn.Module) -> rules.TwinLoss | None:
    """The numpy twin's form of `loss_fn`'s class, if any."""
    kind = type(loss_fn)
    return next((e.twin for e in LOSSES.values() if e.twin is not None and e.twin.torch_class is kind), None)
