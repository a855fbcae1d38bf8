"""The update rule of each optimizer, worked through with the numbers of one parameter.

`explain_update` recomputes one optimizer step for a single weight from what the trainer captured
(gradient, optimizer state before the step, hyper-parameters) and returns the predicted new value
plus readable lines: the rule's formula and its worked numbers, both from the optimizer's registry
entry (`core.update_rules` holds the arithmetic). Tests check the prediction against what torch's
optimizer actually did, so the explanation panel can be trusted. Formulas follow torch's own
implementations (e.g. Adam folds the bias corrections into the step size and the denominator).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from playground.core.optimizers import OPTIMIZERS


@dataclass(frozen=True)
class StepDetail:
    """One optimizer step of one scalar weight, as captured by the trainer."""

    optimizer: str
    hyper: Mapping[str, float]  # lr (effective, after schedule), momentum, betas, eps, ...
    parameter: str  # state-dict key, e.g. "0.linear.weight"
    index: int  # flat index into that tensor
    grad: float  # gradient used by the step (penalties and clipping included)
    old: float
    new: float
    state_before: Mapping[str, float]  # element of each state tensor; "step" as a count
    state_after: Mapping[str, float]
    step: int = 0  # the run's step number (1 = the first optimizer step); 0 when not known


Lines = list[str]


def _numbers(d: StepDetail) -> StepDetail:
    """`d` with its numbers as numpy float64: a diverged run's inf and NaN then flow through the
    rules as they flowed through torch (inf/inf is NaN, x/0 is inf), instead of raising."""
    as64 = {k: np.float64(v) for k, v in d.hyper.items()}
    return dataclasses.replace(
        d, hyper=as64, grad=np.float64(d.grad), old=np.float64(d.old), new=np.float64(d.new),
        state_before={k: np.float64(v) for k, v in d.state_before.items()},
        state_after={k: np.float64(v) for k, v in d.state_after.items()})


@dataclass(frozen=True)
class Explanation:
    """One captured step explained: the optimizer's formula, its worked lines, the predicted value."""

    formula: str  # the optimizer entry's rule, e.g. "w ← w − lr·g"
    worked: tuple[str, ...]  # the rule with this step's numbers, one line per stage
    predicted: float  # the new value the rule gives (torch's is the StepDetail's `new`)
    difference: float  # |predicted − torch's|


def explain_step(d: StepDetail) -> Explanation:
    """The captured step `d` explained by its optimizer's registry entry."""
    entry = OPTIMIZERS[d.optimizer]
    with np.errstate(all="ignore"):
        new, worked = entry.worked(_numbers(d))
        diff = abs(new - d.new)
    return Explanation(entry.formula, tuple(worked), float(new), float(diff))


def explain_update(d: StepDetail) -> tuple[float, Lines]:
    """(predicted new value, explanation lines: the rule, the worked lines, torch's value) for `d`."""
    e = explain_step(d)
    return e.predicted, [f"rule:  {e.formula}", *e.worked,
                         f"torch computed {d.new:.6g} (difference {e.difference:.2g})"]


def penalised(ndim: int) -> bool:
    """Whether L1/L2 apply to a parameter of `ndim` dimensions: weights, not biases or
    normalisation scales (the trainer's rule, which the Step view explains)."""
    return ndim > 1


def gradient_terms(loss: str, l1: float, l2: float, is_weight: bool) -> Lines:
    """Where a step's gradient g comes from: the loss (its formula from the registry: for
    cross-entropy, that log-softmax is applied to the logits inside the loss) and the penalties,
    which apply to weights only (`is_weight`: a tensor of 2 or more dimensions, as the trainer
    picks them)."""
    from playground.core.losses import LOSSES

    lines = [f"loss: {LOSSES[loss].formula}" if loss in LOSSES else f"loss: {loss}",
             "g = ∂L/∂w over the batch (backpropagation)"]
    if l2 and is_weight:
        lines.append(f"+ L2: the loss gains ½λ·Σw² (λ = {l2:g}), so g gains λ·w")
    if l1 and is_weight:
        lines.append(f"+ L1: the loss gains λ₁·Σ|w| (λ₁ = {l1:g}), so g gains λ₁·sign(w)")
    if (l1 or l2) and not is_weight:
        lines.append("no penalty: L1 and L2 apply to weights, not biases or normalisation scales")
    return lines
