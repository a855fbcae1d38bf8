"""Each loss's formula in numpy, written once: the numpy twin's loss and gradient, and per-example losses.

`TwinLoss.terms` is the loss's elementwise formula in torch's operation order. Fed the twin's
float32 outputs it rounds (and overflows) where torch's kernel does; fed float64 arrays it computes
in float64, which is how `per_example` uses the same function for the per-point losses the views
show. `TwinLoss.grad_ops` is the loss's backward (mean reduction) as in-place numpy calls.
`core.losses` puts these on each registry entry beside its torch class and formula text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from playground.core.f32 import F32, ONE, ZERO, const
from playground.core.update_rules import Op, op_to

PerExample = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class TwinLoss:
    """How the numpy twin computes one torch loss class (mean reduction).

    `terms(out, y, delta)` is the elementwise loss; `grad_ops(out, y, d, delta)` the calls that
    write dLoss/d(out) into `d`; `refuse(module)` says why a configured module is not matched (a
    weighted loss), or None. `delta` is Huber's threshold as a 0-d float32 array (unused elsewhere).
    """

    name: str
    torch_class: type[nn.Module]
    terms: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    grad_ops: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], list[Op]]
    integer_targets: bool = False  # class labels (cross-entropy), not values shaped like the output
    refuse: Callable[[nn.Module], str | None] = lambda module: None

    def per_example(self, outputs: np.ndarray, targets: np.ndarray, delta: float = 1.0) -> np.ndarray:
        """The loss of each example (row) in float64: torch's reduction='none', averaged over the
        row's outputs. Targets as `losses.target_tensor` makes them (labels or values); `delta` is
        Huber's threshold."""
        out = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
        y = np.asarray(targets)
        y = y.reshape(-1).astype(np.int64) if self.integer_targets else y.reshape(out.shape).astype(out.dtype)
        terms = self.terms(out, y, np.float64(delta))
        return terms.reshape(len(out), -1).mean(axis=1)



# ------------------------------------------------------------------ regression losses -----------
def _mse_terms(out: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    diff = out - y
    return diff * diff


def _mse_grad(out: np.ndarray, y: np.ndarray, d: np.ndarray, delta: np.ndarray) -> list[Op]:
    # norm * (x - y), norm = 2 / numel in double, then float
    return [(np.subtract, (out, y, d)), (np.multiply, (d, const(2.0 / out.size), d))]


def _mae_terms(out: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    return np.abs(out - y)


def _mae_grad(out: np.ndarray, y: np.ndarray, d: np.ndarray, delta: np.ndarray) -> list[Op]:
    # mean backward (1 / numel in float) times sign(x - y)
    return [(np.subtract, (out, y, d)), (np.sign, (d, d)), (np.multiply, (d, const(ONE / F32(out.size)), d))]


def _huber_terms(out: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    z = np.abs(out - y)
    return np.where(z < delta, F32(0.5) * z * z, delta * (z - F32(0.5) * delta))


def _huber_grad(out: np.ndarray, y: np.ndarray, d: np.ndarray, delta: np.ndarray) -> list[Op]:
    # norm * clamp(x - y, -delta, delta), norm = 1 / numel
    return [(np.subtract, (out, y, d)), op_to(np.maximum, d, const(-float(delta)), out=d),
            op_to(np.minimum, d, delta, out=d), (np.multiply, (d, const(1.0 / out.size), d))]


MSE = TwinLoss("mse", nn.MSELoss, _mse_terms, _mse_grad)
MAE = TwinLoss("mae", nn.L1Loss, _mae_terms, _mae_grad)
HUBER = TwinLoss("huber", nn.HuberLoss, _huber_terms, _huber_grad)


# ------------------------------------------------------------------ cross-entropies -------------
def _bce_terms(out: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    log_sigmoid = np.minimum(out, ZERO) - np.log1p(np.exp(-np.abs(out)))
    return (ONE - y) * out - log_sigmoid  # (1 - y) * x - log_sigmoid(x), as torch's kernel


def _bce_grad(out: np.ndarray, y: np.ndarray, d: np.ndarray, delta: np.ndarray) -> list[Op]:
    # (sigmoid(x) - y) / numel
    return [(np.negative, (out, d)), (np.exp, (d, d)), (np.add, (d, ONE, d)), (np.divide, (ONE, d, d)),
            (np.subtract, (d, y, d)), (np.divide, (d, const(out.size), d))]


def _bce_refuse(module: nn.Module) -> str | None:
    if module.weight is not None or module.pos_weight is not None:
        return "weighted binary cross-entropy is not supported"
    return None


def _ce_terms(out: np.ndarray, y: np.ndarray, delta: np.ndarray) -> np.ndarray:
    top = out.max(axis=1, keepdims=True)
    logsum = np.log(np.exp(out - top).sum(axis=1, keepdims=True)) + top
    return (logsum - out)[np.arange(len(out)), y]  # -log_softmax at the target


def _target_ops(d: np.ndarray, rows: np.ndarray, labels: np.ndarray, inv: np.ndarray) -> None:
    d[rows, labels] -= inv


def _ce_grad(out: np.ndarray, y: np.ndarray, d: np.ndarray, delta: np.ndarray) -> list[Op]:
    # log_softmax backward of nll's -1/n at the target = softmax / n - onehot / n,
    # with log_softmax = x - (max + log(sum(exp(x - max)))) as torch's kernel computes it
    n = len(out)
    top, logsum, t = np.empty((n, 1), F32), np.empty((n, 1), F32), np.empty_like(d)
    inv = const(ONE / F32(n))
    return [(np.maximum.reduce, (out, 1, None, top, True)), (np.subtract, (out, top, t)), (np.exp, (t, d)),
            (np.add.reduce, (d, 1, None, logsum, True)), (np.log, (logsum, logsum)),
            (np.add, (logsum, top, logsum)), (np.subtract, (out, logsum, t)), (np.exp, (t, d)),
            (np.multiply, (d, inv, d)), (_target_ops, (d, np.arange(n), y, inv))]


def _ce_refuse(module: nn.Module) -> str | None:
    if module.weight is not None or module.label_smoothing != 0:
        return "weighted or smoothed cross-entropy is not supported"
    return None


BCE = TwinLoss("bce", nn.BCEWithLogitsLoss, _bce_terms, _bce_grad, refuse=_bce_refuse)
CE = TwinLoss("ce", nn.CrossEntropyLoss, _ce_terms, _ce_grad, integer_targets=True, refuse=_ce_refuse)


def true_class_nll(p: np.ndarray, labels: np.ndarray, low: float, high: float) -> np.ndarray:
    """−log p[true class] of each row, p clipped to [low, high] first. `p` holds class
    probabilities, or for two classes one column, P(class 1)."""
    p = np.asarray(p, dtype=np.float64).reshape(len(p), -1)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if p.shape[1] == 1:
        truth = np.where(labels == 1, p[:, 0], 1.0 - p[:, 0])
    else:
        truth = p[np.arange(len(labels)), labels]
    return -np.log(np.clip(truth, low, high))
