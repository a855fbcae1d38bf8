"""Each optimizer's update rule in the two forms the project computes besides torch's own.

* **Twin** (`TwinUpdate`): torch's single-tensor optimizer arithmetic as in-place float32 numpy
  calls over the numpy twin's flat buffers, operation by operation, so the twin's weights match
  torch's to the last bit where it can (see `core.fastnet`).
* **Worked** (`worked_*`): one step of one weight recomputed in float64 from what the trainer
  captured, with readable lines of its numbers: what the Step view prints under the formula.

`core.optimizers` puts both on each registry entry beside its torch factory and formula text, so
the twin and the explainer look a rule up instead of branching on optimizer names. The readable
reference for both is torch itself; the tests hold each form to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from playground.core.f32 import F32, const

if TYPE_CHECKING:
    from playground.core.explain import StepDetail

Op = tuple[Callable, tuple]  # (function, positional arguments): one numpy call of a twin program
# The twin's buffers for an update: parameters, gradients, two scratch buffers, and -lr as a 0-d array.
Buffers = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Lines = list[str]


def op_to(f: Callable, *args: object, out: np.ndarray) -> Op:
    """A call that must name its output (np.maximum and np.minimum no longer take it positionally)."""
    return functools.partial(f, out=out), args


_sqrt = np.sqrt  # NaN for a negative argument, as torch gives, where math.sqrt raises


@dataclass(frozen=True)
class TwinUpdate:
    """How the numpy twin reproduces one torch optimizer class (one param group).

    `hyper` turns the param group into the float32 scalars the ops use; `state_keys` names torch's
    state tensors for those settings (the twin keeps them as flat buffers and hands them over in
    torch's format); `per_step`, when set, refreshes step-dependent scalars (Adam's bias
    corrections) before each step, with the step's number (1 = the first).
    """

    name: str
    torch_class: type[torch.optim.Optimizer]
    matches: Callable[[dict[str, Any]], bool]  # the group's options are those the ops reproduce
    hyper: Callable[[dict[str, Any]], dict[str, Any]]
    state_keys: Callable[[dict[str, Any]], tuple[str, ...]]
    ops: Callable[[Buffers, dict[str, np.ndarray], dict[str, Any]], list[Op]]
    per_step: Callable[[dict[str, Any], float, int], None] | None = None
    counts_steps: bool = True  # torch keeps state["step"] (its SGD does not)
    eager_state: bool = False  # torch creates the state with the optimizer (AdaGrad), not at step 1


def signed(x: float) -> str:
    """A number as an operand in a worked line: negatives in brackets, so `0.1·(−0.5)`, never `0.1·-0.5`."""
    return f"({x:.6g})".replace("-", "−") if x < 0 else f"{x:.6g}"


# ------------------------------------------------------------------ SGD, momentum, Nesterov ------
def _sgd_hyper(g: dict) -> dict:
    h: dict[str, Any] = {"nesterov": bool(g["nesterov"])}
    if g["momentum"]:
        h["momentum"] = const(g["momentum"])
    return h


def _sgd_ops(b: Buffers, s: dict, h: dict) -> list[Op]:
    p, g, t, u, neg_lr = b
    ops: list[Op] = []
    if "momentum" in h:  # buf = mu * buf + g (zeros at first: exactly g, as torch's clone)
        buf, mu = s["momentum_buffer"], h["momentum"]
        ops += [(np.multiply, (buf, mu, buf)), (np.add, (buf, g, buf))]
        if h["nesterov"]:  # g + mu * buf
            ops += [(np.multiply, (buf, mu, t)), (np.add, (g, t, t))]
            g = t
        else:
            g = buf
    return ops + [(np.multiply, (g, neg_lr, u)), (np.add, (p, u, p))]  # p.add_(g, alpha=-lr)


SGD = TwinUpdate("sgd", torch.optim.SGD, lambda g: g["dampening"] == 0 and g["weight_decay"] == 0,
                 _sgd_hyper, lambda h: ("momentum_buffer",) if "momentum" in h else (), _sgd_ops,
                 counts_steps=False)


def worked_sgd(d: StepDetail) -> tuple[float, Lines]:
    lr, g = d.hyper["lr"], d.grad
    new = d.old - lr * g
    return new, [f"w ← {d.old:.6g} − {lr:.6g}·{signed(g)} = {new:.6g}"]


def worked_momentum(d: StepDetail, nesterov: bool = False) -> tuple[float, Lines]:
    lr, g, mu = d.hyper["lr"], d.grad, d.hyper["momentum"]
    first = "momentum_buffer" not in d.state_before
    v = g if first else mu * d.state_before["momentum_buffer"] + g
    lines = ["first step: v ← g" if first else
             f"v ← {mu:.6g}·{signed(d.state_before['momentum_buffer'])} + {signed(g)} = {v:.6g}"]
    step = g + mu * v if nesterov else v
    new = d.old - lr * step
    lines.append(f"w ← {d.old:.6g} − {lr:.6g}·{signed(step)} = {new:.6g}")
    return new, lines


def worked_nesterov(d: StepDetail) -> tuple[float, Lines]:
    return worked_momentum(d, nesterov=True)


# ------------------------------------------------------------------ AdaGrad ----------------------
def _adagrad_ops(b: Buffers, s: dict, h: dict) -> list[Op]:
    p, g, t, u, neg_lr = b  # sum += g*g; p += -lr * g / (sqrt(sum) + eps)
    acc = s["sum"]
    return [(np.multiply, (g, g, t)), (np.add, (acc, t, acc)), (np.sqrt, (acc, t)),
            (np.add, (t, h["eps"], t)), (np.multiply, (g, neg_lr, u)), (np.divide, (u, t, u)),
            (np.add, (p, u, p))]


ADAGRAD = TwinUpdate(
    "adagrad", torch.optim.Adagrad,
    lambda g: g["lr_decay"] == 0 and g["weight_decay"] == 0 and g["initial_accumulator_value"] == 0,
    lambda g: {"eps": const(g["eps"])}, lambda h: ("sum",), _adagrad_ops, eager_state=True)


def worked_adagrad(d: StepDetail) -> tuple[float, Lines]:
    lr, g, eps = d.hyper["lr"], d.grad, d.hyper["eps"]
    s = d.state_before.get("sum", 0.0) + g * g
    new = d.old - lr * g / (_sqrt(s) + eps)
    return new, [f"s ← {s:.6g}",
                 f"w ← {d.old:.6g} − {lr:.6g}·{signed(g)} / ({_sqrt(s):.6g} + {eps:.3g}) = {new:.6g}"]


# ------------------------------------------------------------------ RMSProp ----------------------
def _rmsprop_hyper(g: dict) -> dict:
    a = float(g["alpha"])
    h = {"alpha": const(a), "one_minus_alpha": const(1 - a), "eps": const(g["eps"])}
    if g["momentum"] > 0:
        h["momentum"] = const(g["momentum"])
    return h


def _rmsprop_ops(b: Buffers, s: dict, h: dict) -> list[Op]:
    p, g, t, u, neg_lr = b  # sq = alpha * sq + (1 - alpha) * g * g; avg = sqrt(sq) + eps
    sq = s["square_avg"]
    ops = [(np.multiply, (sq, h["alpha"], sq)), (np.multiply, (g, h["one_minus_alpha"], t)),
           (np.multiply, (t, g, t)), (np.add, (sq, t, sq)), (np.sqrt, (sq, t)), (np.add, (t, h["eps"], t))]
    if "momentum" in h:  # buf = mu * buf + g / avg; p += -lr * buf
        buf = s["momentum_buffer"]
        ops += [(np.multiply, (buf, h["momentum"], buf)), (np.divide, (g, t, u)),
                (np.add, (buf, u, buf)), (np.multiply, (buf, neg_lr, u))]
    else:  # p += -lr * g / avg
        ops += [(np.multiply, (g, neg_lr, u)), (np.divide, (u, t, u))]
    return ops + [(np.add, (p, u, p))]


RMSPROP = TwinUpdate(
    "rmsprop", torch.optim.RMSprop, lambda g: not g["centered"] and g["weight_decay"] == 0, _rmsprop_hyper,
    lambda h: ("square_avg", "momentum_buffer") if "momentum" in h else ("square_avg",), _rmsprop_ops)


def worked_rmsprop(d: StepDetail) -> tuple[float, Lines]:
    lr, g, eps, a = d.hyper["lr"], d.grad, d.hyper["eps"], d.hyper["alpha"]
    mu = d.hyper.get("momentum", 0.0)
    sq = a * d.state_before.get("square_avg", 0.0) + (1 - a) * g * g
    denom = _sqrt(sq) + eps
    lines = [f"s ← {sq:.6g}"]
    if mu > 0:
        buf = mu * d.state_before.get("momentum_buffer", 0.0) + g / denom
        new = d.old - lr * buf
        lines.append(f"with momentum: b ← μ·b + g/(√s+ε) = {buf:.6g};  w ← w − lr·b = {new:.6g}")
    else:
        new = d.old - lr * g / denom
        lines.append(f"w ← {d.old:.6g} − {lr:.6g}·{signed(g)} / {denom:.6g} = {new:.6g}")
    return new, lines


# ------------------------------------------------------------------ Adam, AdamW ------------------
def _adam_hyper(g: dict) -> dict:
    b1, b2 = (float(b) for b in g["betas"])
    w = F32(1 - b1)
    return dict(betas=(b1, b2), lerp_weight=const(w), lerp_low=abs(w) < 0.5, one_minus_w=const(1 - w),
                beta2=const(b2), one_minus_beta2=const(1 - b2), eps=const(g["eps"]),
                weight_decay=float(g["weight_decay"]), decay=const(1), corr2=const(1), neg_step=const(0))


def _adam_ops(b: Buffers, s: dict, h: dict) -> list[Op]:
    p, g, t, u, _ = b
    m, v = s["exp_avg"], s["exp_avg_sq"]
    ops: list[Op] = [(np.subtract, (g, m, t))]  # m.lerp_(g, w), w = 1 - beta1
    if h["lerp_low"]:  # m + w * (g - m)
        ops += [(np.multiply, (t, h["lerp_weight"], t)), (np.add, (m, t, m))]
    else:  # g - (g - m) * (1 - w)
        ops += [(np.multiply, (t, h["one_minus_w"], t)), (np.subtract, (g, t, m))]
    return ops + [
        # v = beta2 * v + (1 - beta2) * g * g
        (np.multiply, (v, h["beta2"], v)), (np.multiply, (g, h["one_minus_beta2"], t)),
        (np.multiply, (t, g, t)), (np.add, (v, t, v)),
        # denom = sqrt(v) / sqrt(1 - beta2^t) + eps;  p += -lr / (1 - beta1^t) * m / denom
        (np.sqrt, (v, t)), (np.divide, (t, h["corr2"], t)), (np.add, (t, h["eps"], t)),
        (np.multiply, (m, h["neg_step"], u)), (np.divide, (u, t, u)), (np.add, (p, u, p))]


def _adamw_ops(b: Buffers, s: dict, h: dict) -> list[Op]:
    p = b[0]  # p *= 1 - lr * weight_decay, before Adam's step
    decay: list[Op] = [(np.multiply, (p, h["decay"], p))] if h["weight_decay"] else []
    return decay + _adam_ops(b, s, h)


def _adam_scalars(h: dict, lr: float, step: int) -> None:
    """This step's bias corrections, as torch computes them in double."""
    b1, b2 = h["betas"]
    h["corr2"].fill((1 - b2 ** step) ** 0.5)
    h["neg_step"].fill(-(lr / (1 - b1 ** step)))


def _adamw_scalars(h: dict, lr: float, step: int) -> None:
    _adam_scalars(h, lr, step)
    h["decay"].fill(1 - lr * h["weight_decay"])


_ADAM_STATE = ("exp_avg", "exp_avg_sq")
ADAM = TwinUpdate(
    "adam", torch.optim.Adam,
    lambda g: not g["amsgrad"] and g["weight_decay"] == 0 and not g.get("decoupled_weight_decay"),
    _adam_hyper, lambda h: _ADAM_STATE, _adam_ops, _adam_scalars)
ADAMW = TwinUpdate("adamw", torch.optim.AdamW, lambda g: not g["amsgrad"], _adam_hyper, lambda h: _ADAM_STATE,
                   _adamw_ops, _adamw_scalars)


def worked_adam(d: StepDetail, decoupled: bool = False) -> tuple[float, Lines]:
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
    lines += [f"step t = {t:.0f}", f"m ← {m:.6g},  v ← {v:.6g}",
              f"bias corrections: m̂ = m/(1−β₁ᵗ) = {m / c1:.6g},  v̂ = v/(1−β₂ᵗ) = {v / c2:.6g}",
              f"w ← {w:.6g} − {lr:.6g}·{signed(m / c1)} / ({_sqrt(v / c2):.6g} + {eps:.3g}) = {new:.6g}"]
    return new, lines


def worked_adamw(d: StepDetail) -> tuple[float, Lines]:
    return worked_adam(d, decoupled=True)
