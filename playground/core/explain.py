"""The update rule of each optimizer, worked through with the numbers of one parameter.

`explain_update` recomputes one optimizer step for a single weight from what the trainer captured
(gradient, optimizer state before the step, hyper-parameters) and returns the predicted new value
plus readable lines. Tests check the prediction against what torch's optimizer actually did, so the
explanation panel can be trusted. Formulas follow torch's own implementations (e.g. Adam folds the
bias corrections into the step size and the denominator).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


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
_sqrt = np.sqrt  # NaN for a negative argument, as torch gives, where math.sqrt raises


def _numbers(d: StepDetail) -> StepDetail:
    """`d` with its numbers as numpy float64: a diverged run's inf and NaN then flow through the
    rules as they flowed through torch (inf/inf is NaN, x/0 is inf), instead of raising."""
    as64 = {k: np.float64(v) for k, v in d.hyper.items()}
    return dataclasses.replace(
        d, hyper=as64, grad=np.float64(d.grad), old=np.float64(d.old), new=np.float64(d.new),
        state_before={k: np.float64(v) for k, v in d.state_before.items()},
        state_after={k: np.float64(v) for k, v in d.state_after.items()})


def _sgd(d: StepDetail) -> tuple[float, Lines]:
    lr, g = d.hyper["lr"], d.grad
    new = d.old - lr * g
    return new, ["rule:  w ← w − lr·g", f"w ← {d.old:.6g} − {lr:.6g}·{g:.6g} = {new:.6g}"]


def _momentum(d: StepDetail, nesterov: bool = False) -> tuple[float, Lines]:
    lr, g, mu = d.hyper["lr"], d.grad, d.hyper["momentum"]
    first = "momentum_buffer" not in d.state_before
    v = g if first else mu * d.state_before["momentum_buffer"] + g
    lines = ["rule:  v ← μ·v + g;  " + ("w ← w − lr·(g + μ·v)" if nesterov else "w ← w − lr·v")]
    lines.append("first step: v ← g" if first else
                 f"v ← {mu:.6g}·{d.state_before['momentum_buffer']:.6g} + {g:.6g} = {v:.6g}")
    step = g + mu * v if nesterov else v
    new = d.old - lr * step
    lines.append(f"w ← {d.old:.6g} − {lr:.6g}·{step:.6g} = {new:.6g}")
    return new, lines


def _adagrad(d: StepDetail) -> tuple[float, Lines]:
    lr, g, eps = d.hyper["lr"], d.grad, d.hyper["eps"]
    s = d.state_before.get("sum", 0.0) + g * g
    new = d.old - lr * g / (_sqrt(s) + eps)
    return new, ["rule:  s ← s + g²;  w ← w − lr·g / (√s + ε)", f"s ← {s:.6g}",
                 f"w ← {d.old:.6g} − {lr:.6g}·{g:.6g} / ({_sqrt(s):.6g} + {eps:.3g}) = {new:.6g}"]


def _rmsprop(d: StepDetail) -> tuple[float, Lines]:
    lr, g, eps, a = d.hyper["lr"], d.grad, d.hyper["eps"], d.hyper["alpha"]
    mu = d.hyper.get("momentum", 0.0)
    sq = a * d.state_before.get("square_avg", 0.0) + (1 - a) * g * g
    denom = _sqrt(sq) + eps
    lines = ["rule:  s ← α·s + (1−α)·g²;  w ← w − lr·g / (√s + ε)", f"s ← {sq:.6g}"]
    if mu > 0:
        buf = mu * d.state_before.get("momentum_buffer", 0.0) + g / denom
        new = d.old - lr * buf
        lines.append(f"with momentum: b ← μ·b + g/(√s+ε) = {buf:.6g};  w ← w − lr·b = {new:.6g}")
    else:
        new = d.old - lr * g / denom
        lines.append(f"w ← {d.old:.6g} − {lr:.6g}·{g:.6g} / {denom:.6g} = {new:.6g}")
    return new, lines


def _adam(d: StepDetail, decoupled: bool = False) -> tuple[float, Lines]:
    h, g = d.hyper, d.grad
    lr, b1, b2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
    t = d.state_before.get("step", 0.0) + 1  # a count: raised to as a float, as torch does
    w = d.old
    lines = []
    if decoupled:
        w = w * (1 - lr * h["weight_decay"])
        lines.append(f"decay first: w ← w·(1 − lr·λ) = {w:.6g}")
    m = b1 * d.state_before.get("exp_avg", 0.0) + (1 - b1) * g
    v = b2 * d.state_before.get("exp_avg_sq", 0.0) + (1 - b2) * g * g
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    new = w - (lr / c1) * m / (_sqrt(v) / _sqrt(c2) + eps)
    lines[:0] = ["rule:  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − lr·m̂ / (√v̂ + ε)"]
    lines += [f"step t = {t:.0f}", f"m ← {m:.6g},  v ← {v:.6g}",
              f"bias corrections: m̂ = m/(1−β₁ᵗ) = {m / c1:.6g},  v̂ = v/(1−β₂ᵗ) = {v / c2:.6g}",
              f"w ← {w:.6g} − {lr:.6g}·{m / c1:.6g} / ({_sqrt(v / c2):.6g} + {eps:.3g}) = {new:.6g}"]
    return new, lines


RULES: dict[str, Callable[[StepDetail], tuple[float, Lines]]] = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": lambda d: _momentum(d, nesterov=True),
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": lambda d: _adam(d, decoupled=True),
}


def explain_update(d: StepDetail) -> tuple[float, Lines]:
    """(predicted new value, explanation lines) for the captured step `d`."""
    with np.errstate(all="ignore"):
        new, lines = RULES[d.optimizer](_numbers(d))
        diff = abs(new - d.new)
    lines.append(f"torch computed {d.new:.6g} (difference {diff:.2g})")
    return float(new), lines


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
