"""Optimizers as a table: name, parameter schema, and a factory over torch.optim.

Momentum and Nesterov are their own entries (they are taught as separate methods), all three built
on torch's SGD. Weight decay lives only in AdamW, where it differs from an L2 penalty; for the
others use `training.l2` (see experiment.TRAINING_PARAMS for how the two relate).

Each entry's `unstable_lr` is the learning rate from which that optimizer usually diverges
or thrashes at chance level on the playground's data: measured with default settings on circle,
spiral, xor and moons (150-200 epochs, lrs on the 1-3-10 ladder; the lowest ladder value where most of
them failed). Momentum 0.9 multiplies the step tenfold, so its range starts lower than plain SGD's.
The app warns before Train from here up; a diverged run suggests a value below it.

Each entry also carries its update rule everywhere the project computes one besides torch: the
formula text the Step view prints (`formula`), the worked-through step for one weight (`worked`)
and the numpy twin's arithmetic (`twin`), both from `core.update_rules`. Adding an optimizer is one
entry; the twin and the explainer look it up instead of branching on names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from playground.core import update_rules as rules
from playground.core.params import Param
from playground.core.registry import Entry, Registry

if TYPE_CHECKING:
    from playground.core.explain import StepDetail


@dataclass(frozen=True, kw_only=True)
class OptimizerEntry(Entry):
    """An optimizer: torch factory and parameter schema (Entry), where it turns unstable, and its
    update rule's other forms."""

    unstable_lr: float  # from here up it usually diverges on the playground's data (see above)
    formula: str = ""  # the rule as the Step view prints it, e.g. "w ← w − lr·g"
    worked: Callable[[StepDetail], tuple[float, list[str]]] | None = None  # one weight's step, worked
    twin: rules.TwinUpdate | None = None  # the numpy twin's form (None: trains on torch only)


def _lr(default: float) -> Param:
    return Param("lr", float, default, "Learning rate: the step size of each update.",
                 minimum=0, maximum=100, min_exclusive=True, log_scale=True, label="learning rate")


_MOMENTUM = Param("momentum", float, 0.9, "Fraction of the previous update carried into the next.",
                  minimum=0, maximum=0.999)
_EPS = Param("eps", float, 1e-8, "Small constant that keeps the division stable.",
             minimum=0, maximum=1, min_exclusive=True, log_scale=True)
_BETA1 = Param("beta1", float, 0.9, "Decay of the running mean of gradients (momentum).",
               minimum=0, maximum=0.9999)
_BETA2 = Param("beta2", float, 0.999, "Decay of the running mean of squared gradients.",
               minimum=0, maximum=0.99999)


def _sgd(params: Iterable, lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=lr)


def _momentum(params: Iterable, lr: float, momentum: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=lr, momentum=momentum)


def _nesterov(params: Iterable, lr: float, momentum: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=momentum > 0)


def _adagrad(params: Iterable, lr: float, eps: float) -> torch.optim.Optimizer:
    return torch.optim.Adagrad(params, lr=lr, eps=eps)


def _rmsprop(params: Iterable, lr: float, alpha: float, eps: float, momentum: float) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=lr, alpha=alpha, eps=eps, momentum=momentum)


def _adam(params: Iterable, lr: float, beta1: float, beta2: float, eps: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)


def _adamw(params: Iterable, lr: float, beta1: float, beta2: float, eps: float,
           weight_decay: float) -> torch.optim.Optimizer:
    return torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)


_MOMENTUM_RULE = "v ← μ·v + g;  "
_ADAM_RULE = "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − lr·m̂ / (√v̂ + ε)"

OPTIMIZERS: Registry[OptimizerEntry] = Registry("optimizer", [
    OptimizerEntry(
        "sgd", "SGD", "Plain gradient descent: w -= lr * gradient. Batch size = all examples gives "
        "full-batch gradient descent, 1 gives stochastic gradient descent.", (_lr(0.03),), _sgd,
        unstable_lr=1.0, formula="w ← w − lr·g", worked=rules.worked_sgd, twin=rules.SGD),
    OptimizerEntry(
        "momentum", "Momentum", "SGD with a velocity: v = momentum*v + g; w -= lr*v. Rolls through "
        "flat regions and damps zig-zags.", (_lr(0.01), _MOMENTUM), _momentum,
        unstable_lr=0.3, formula=_MOMENTUM_RULE + "w ← w − lr·v", worked=rules.worked_momentum,
        twin=rules.SGD),
    OptimizerEntry(
        "nesterov", "Nesterov", "Momentum that looks ahead: the gradient is taken where the velocity "
        "is about to carry the weights.", (_lr(0.01), _MOMENTUM), _nesterov,
        unstable_lr=0.3, formula=_MOMENTUM_RULE + "w ← w − lr·(g + μ·v)", worked=rules.worked_nesterov,
        twin=rules.SGD),
    OptimizerEntry(
        "adagrad", "AdaGrad", "Divides each weight's step by the root of its summed squared "
        "gradients: rare features get larger steps, but steps only ever shrink.",
        (_lr(0.1), _EPS), _adagrad,
        unstable_lr=3.0, formula="s ← s + g²;  w ← w − lr·g / (√s + ε)", worked=rules.worked_adagrad,
        twin=rules.ADAGRAD),
    OptimizerEntry(
        "rmsprop", "RMSProp", "Like AdaGrad but with a decaying average of squared gradients, so "
        "steps do not vanish.", (_lr(0.01), Param("alpha", float, 0.99, "Decay of the squared-gradient "
        "average.", minimum=0, maximum=0.9999), _EPS, Param("momentum", float, 0.0,
        "Optional momentum on top of the scaled step.", minimum=0, maximum=0.999)), _rmsprop,
        unstable_lr=0.3, formula="s ← α·s + (1−α)·g²;  w ← w − lr·g / (√s + ε)",
        worked=rules.worked_rmsprop, twin=rules.RMSPROP),
    OptimizerEntry(
        "adam", "Adam", "Momentum plus RMSProp scaling, with bias correction for the first steps. "
        "A robust default.", (_lr(0.001), _BETA1, _BETA2, _EPS), _adam,
        unstable_lr=0.3, formula=_ADAM_RULE, worked=rules.worked_adam, twin=rules.ADAM),
    OptimizerEntry(
        "adamw", "AdamW", "Adam with decoupled weight decay: weights shrink by lr*weight_decay each "
        "step, independent of the gradient scaling (unlike an L2 penalty under Adam).",
        (_lr(0.001), _BETA1, _BETA2, _EPS, Param("weight_decay", float, 0.01, "Decoupled decay rate.",
                                                 minimum=0, maximum=1, log_scale=True)), _adamw,
        unstable_lr=0.3, formula=_ADAM_RULE, worked=rules.worked_adamw, twin=rules.ADAMW),
])


def unstable_lr(name: str) -> float:
    """The learning rate from which optimizer `name` usually diverges here (see the module doc)."""
    return OPTIMIZERS[name].unstable_lr


def suggested_lr(name: str, lr: float) -> float:
    """What to try after `lr` diverged: a tenth of it, and never more than a tenth of the unstable
    range's start (a tenth of 100 would still diverge)."""
    return min(lr, unstable_lr(name)) / 10


def make_optimizer(name: str, params: dict, model_params: Iterable) -> torch.optim.Optimizer:
    """A torch optimizer for registry entry `name` with validated `params`."""
    return OPTIMIZERS[name].factory(model_params, **params)


def twin_update(optimizer: torch.optim.Optimizer) -> rules.TwinUpdate | None:
    """The numpy twin's form of `optimizer`'s class (exactly that class: AdamW is not Adam), if any."""
    kind = type(optimizer)
    return next((e.twin for e in OPTIMIZERS.values() if e.twin is not None and e.twin.torch_class is kind),
                None)
