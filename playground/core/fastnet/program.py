"""A compiled step: work arrays for one batch size and the list of in-place numpy calls using them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from playground.core.f32 import F32, ONE, TWENTY, ZERO
from playground.core.f32 import const as _const
from playground.core.fastnet.eligibility import (
    _ELU,
    _GELU,
    _LEAKY,
    _LINEAR,
    _RELU,
    _SIGMOID,
    _SOFTPLUS,
    _SQRT1_2,
    _TANH,
    _erf,
)
from playground.core.update_rules import Op, op_to

if TYPE_CHECKING:
    from playground.core.fastnet.twin import FastNet



class _Item:
    """One computing block: optional Linear (views into the flat buffers) then an activation."""

    __slots__ = ("block", "w", "wt", "b", "gw", "gb", "code", "arg", "keep_z", "probe", "act_name")

    def __init__(self, block: int, code: int, arg: float, act_name: str | None, probe: bool):
        self.block, self.code, self.act_name, self.probe = block, code, act_name, probe
        self.arg = _const(arg)
        self.w = self.wt = self.b = self.gw = self.gb = None
        # activations whose derivative needs the input keep z apart from the output
        self.keep_z = code in (_LEAKY, _ELU, _SOFTPLUS, _GELU)


class _Program:
    """Work arrays for batches of `n` rows and the list of numpy calls that use them.

    Compiled once per batch size: a step is then two copies and a loop over prebuilt calls, with no
    allocation, dict or attribute lookups, and no Python scalars (numpy inspects those per call).
    """

    def __init__(self, net: FastNet, n: int, train: bool):
        widths = net.widths
        self.n = n
        self.x = np.empty((n, net.n_in), F32)
        self.y = np.empty(n, np.int64) if net.loss_rule.integer_targets else np.empty((n, net.n_out), F32)
        self.z = [np.empty((n, k), F32) for k in widths]
        self.a = [np.empty_like(z) if it.keep_z else z for it, z in zip(net.items, self.z, strict=True)]
        self.t = [np.empty((n, k), F32) for k in widths]
        self.mask = [np.empty((n, k), bool) for k in widths]
        self.ops: list[Op] = []
        inp = self.x
        for k, it in enumerate(net.items):
            self.ops += _linear_ops(it, inp, self.z[k]) + _act_ops(it, self.z[k], self.a[k], self.t[k],
                                                                   self.mask[k])
            inp = self.a[k]
        self.out = self.a[-1]
        if train:
            self._backward(net)

    def _backward(self, net: FastNet) -> None:
        n, widths = self.n, net.widths
        d = [np.empty((n, k), F32) for k in widths]
        u = [np.empty((n, k), F32) for k in widths]
        ones = np.ones(n, F32)
        self.ops += _loss_ops(net, self, d[-1])
        for k in range(len(net.items) - 1, -1, -1):
            it = net.items[k]
            self.ops += _act_grad_ops(it, d[k], self.z[k], self.a[k], self.t[k], u[k], self.mask[k])
            below = self.a[k - 1] if k else self.x
            if it.w is not None:
                self.ops.append((np.dot, (d[k].T, below, it.gw)))
                if it.b is not None:
                    self.ops.append((np.dot, (ones, d[k], it.gb)))
                if k:
                    self.ops.append((np.dot, (d[k], it.w, d[k - 1])))
            elif k:
                self.ops.append((np.copyto, (d[k - 1], d[k])))
        self.ops += net._penalty_ops() + net._update_ops()



def _linear_ops(it: _Item, inp: np.ndarray, z: np.ndarray) -> list[Op]:
    """z = inp @ W.T + b, bias added after the products as torch's small-matrix addmm does."""
    if it.w is None:
        return [(np.copyto, (z, inp))]
    ops: list[Op] = [(np.dot, (inp, it.wt, z))]
    if it.b is not None:
        ops.append((np.add, (z, it.b, z)))
    return ops


def _act_ops(it: _Item, z: np.ndarray, a: np.ndarray, t: np.ndarray, mask: np.ndarray) -> list[Op]:
    """a = f(z) as torch computes it (a is z itself unless the derivative needs z)."""
    code = it.code
    if code == _LINEAR:
        return []
    if code == _RELU:
        return [op_to(np.maximum, z, ZERO, out=a)]
    if code == _TANH:
        return [(np.tanh, (z, a))]
    if code == _SIGMOID:  # 1 / (1 + exp(-x))
        return [(np.negative, (z, a)), (np.exp, (a, a)), (np.add, (a, ONE, a)), (np.divide, (ONE, a, a))]
    if code == _LEAKY:  # x > 0 ? x : x * slope (0 < slope < 1)
        return [(np.multiply, (z, it.arg, t)), op_to(np.maximum, z, t, out=a)]
    if code == _ELU:  # x > 0 ? x : alpha * (exp(x) - 1)
        ops: list[Op] = [op_to(np.minimum, z, ZERO, out=t), (np.expm1, (t, t))]
        if it.arg != 1:
            ops.append((np.multiply, (t, it.arg, t)))
        return ops + [op_to(np.maximum, z, ZERO, out=a), (np.add, (a, t, a))]
    if code == _SOFTPLUS:  # x > 20 ? x : log1p(exp(x))
        return [(np.exp, (z, a)), (np.log1p, (a, a)), (np.greater, (z, TWENTY, mask)),
                (np.copyto, (a, z, "same_kind", mask))]
    return [(_gelu, (z, a))]


def _gelu(z: np.ndarray, a: np.ndarray) -> None:
    """x * 0.5 * (1 + erf(x / sqrt 2)), in float64 so that it rounds like torch's erf."""
    x = z.astype(np.float64)
    np.copyto(a, x * 0.5 * (1 + _erf()(x * _SQRT1_2)), casting="same_kind")


def _gelu_grad(d: np.ndarray, z: np.ndarray) -> None:
    """d *= cdf + x * pdf (torch's GELU backward)."""
    x = z.astype(np.float64)
    cdf = 0.5 * (1 + _erf()(x * _SQRT1_2))
    pdf = np.exp(x * x * -0.5) * (2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5)
    np.multiply(d, (cdf + x * pdf).astype(F32), out=d)


def _act_grad_ops(it: _Item, d: np.ndarray, z: np.ndarray, a: np.ndarray, t: np.ndarray, u: np.ndarray,
                  mask: np.ndarray) -> list[Op]:
    """d (gradient w.r.t. the output) becomes the gradient w.r.t. the input, in place."""
    code = it.code
    if code == _LINEAR:
        return []
    if code == _TANH:  # grad * (1 - y*y)
        return [(np.multiply, (a, a, t)), (np.subtract, (ONE, t, t)), (np.multiply, (d, t, d))]
    if code == _RELU:  # y <= 0 ? 0 : grad
        return [(np.less_equal, (a, ZERO, mask)), (np.copyto, (d, ZERO, "same_kind", mask))]
    if code == _SIGMOID:  # grad * (1 - y) * y
        return [(np.subtract, (ONE, a, t)), (np.multiply, (d, t, d)), (np.multiply, (d, a, d))]
    if code == _LEAKY:  # x > 0 ? grad : grad * slope
        return [(np.less_equal, (z, ZERO, mask)), (np.multiply, (d, it.arg, t)),
                (np.copyto, (d, t, "same_kind", mask))]
    if code == _ELU:  # x <= 0 ? grad * alpha * exp(x) : grad
        ops: list[Op] = [op_to(np.minimum, z, ZERO, out=t), (np.exp, (t, t))]
        if it.arg != 1:
            ops += [(np.less_equal, (z, ZERO, mask)), (np.multiply, (d, it.arg, u)),
                    (np.copyto, (d, u, "same_kind", mask))]
        return ops + [(np.multiply, (d, t, d))]
    if code == _SOFTPLUS:  # x > 20 ? grad : grad * e / (e + 1), e = exp(x)
        return [(np.exp, (z, t)), (np.add, (t, ONE, u)), (np.greater, (z, TWENTY, mask)),
                (np.copyto, (t, u, "same_kind", mask)),  # there e / (e + 1) = 1 (and no inf / inf)
                (np.multiply, (d, t, t)), (np.divide, (t, u, t)), (np.copyto, (t, d, "same_kind", mask)),
                (np.copyto, (d, t))]
    return [(_gelu_grad, (d, z))]


def _loss_ops(net: FastNet, prog: _Program, d: np.ndarray) -> list[Op]:
    """d = dLoss/d(output), as torch's loss backward computes it (mean reduction)."""
    return net.loss_rule.grad_ops(prog.out, prog.y, d, net._delta)
