"""A float32 numpy twin of small dense torch models: the trainer's fast path.

Why: a TensorFlow-Playground-sized network (2-4-2-1, batch 10) does a few hundred floating-point
operations per step, but every torch operation costs microseconds of dispatch, autograd and
optimizer bookkeeping, so a torch step costs ~1 ms. The same arithmetic as a fixed sequence of
in-place numpy calls on preallocated buffers costs a small fraction of that: per batch size the
twin compiles a `_Program`, the list of numpy calls of one whole step (forward, loss gradient,
backward, penalties, optimizer update over all parameters at once), and a step runs that list.

The twin computes what torch computes: torch's formulas in torch's operation order, float32
throughout, scalars cast to float32 as torch's kernels cast them. Results may still differ in the
last bit where BLAS (MKL vs OpenBLAS) or a transcendental function rounds differently; that noise
stays at rounding level except where float32 training is itself chaotic (a deep ReLU net leaving
a plateau), where torch against torch with one weight moved by one ulp diverges just as much.

Only what can be matched is taken (`ineligible_reason` says why not): Dense/Activation blocks with
elementwise activations, the output head, a leading Flatten and Dropout(0); the registered losses;
SGD (momentum, Nesterov), AdaGrad, RMSProp (momentum), Adam and AdamW in their registered forms;
the trainer's L1/L2 penalties and gradient-norm clipping. Anything else trains on torch.

Which copy is authoritative (the one rule):

* **Weights have a single storage.** The twin moves every parameter of the torch model into one
  flat float32 buffer and re-points ``p.data`` at views of it; the numpy arrays it computes with
  are views of the same buffer. A numpy step, a torch optimizer step, ``set_parameter``,
  ``load_state_dict`` (early stopping) and every probe read or write the same numbers, so weights
  are never copied in either direction and the torch model is current at every snapshot.
* **Gradients** of a fast step live in the twin's own flat buffer (``p.grad`` belongs to torch
  steps); the trainer reports the norms of whichever did the last step.
* **Optimizer state** (momentum buffers, running averages, step count) belongs to whichever side
  did the last step. The trainer hands it over only when it switches sides: `push_state` writes the
  twin's state into ``optimizer.state`` in torch's own format before a torch step (a watched,
  explained step uses torch's optimizer), `pull_state` reads it back before the next fast step.
* **Hyper-parameters** come from ``optimizer.param_groups``: the learning rate on every step (live
  changes and schedules), the others when the state is pulled.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from playground.core.activations import ACTIVATIONS
from playground.core.inside import _SATURATION_MARGIN, DEAD, SATURATED
from playground.core.layers import Block

F32 = np.float32
EVAL_CHUNK = 4096  # rows per forward pass in evaluation (bounds memory, as evaluation.evaluate)

# activation codes
_LINEAR, _RELU, _LEAKY, _TANH, _SIGMOID, _ELU, _SOFTPLUS, _GELU = range(8)
_ACT_NAMES = {nn.Identity: "linear", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Tanh: "tanh",
              nn.Sigmoid: "sigmoid", nn.ELU: "elu", nn.Softplus: "softplus", nn.GELU: "gelu"}


def _const(value: float) -> np.ndarray:
    """A 0-d float32 array: as a ufunc operand it costs far less than a Python float (which numpy
    must inspect on every call) and rounds the same way (torch also casts scalars to float32)."""
    return np.array(value, F32)


ZERO, ONE, TWENTY = _const(0), _const(1), _const(20)
_SQRT1_2 = 1 / math.sqrt(2)


@functools.cache
def _erf() -> Callable | None:
    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return None
    return erf


# ------------------------------------------------------------------ eligibility ---------------
def _activation(module: nn.Module) -> tuple[int, float] | str:
    """(code, parameter) of an elementwise activation module, or why it is not taken."""
    kind = type(module)
    name = _ACT_NAMES.get(kind)
    if name is None:
        return f"activation {kind.__name__} is not supported"
    if kind is nn.LeakyReLU:
        slope = float(module.negative_slope)
        if not 0 < slope < 1:
            return f"leaky ReLU slope {slope:g} is not supported"
        return _LEAKY, slope
    if kind is nn.ELU:
        return _ELU, float(module.alpha)
    if kind is nn.Softplus:
        if module.beta != 1 or module.threshold != 20:
            return "softplus with beta != 1 or threshold != 20 is not supported"
        return _SOFTPLUS, 1.0
    if kind is nn.GELU:
        if module.approximate != "none" or _erf() is None:
            return "this GELU variant is not supported"
        return _GELU, 0.0
    return {"linear": _LINEAR, "relu": _RELU, "tanh": _TANH, "sigmoid": _SIGMOID}[name], 0.0


def _blocks(model: nn.Module) -> list[tuple[int, nn.Linear | None, tuple[int, float] | None]] | str:
    """(block index, Linear or None, activation or None) per computing block, or a reason."""
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        return "the model is not a sequential stack of blocks"
    out: list[tuple[int, nn.Linear | None, tuple[int, float] | None]] = []
    for i, block in enumerate(model):
        if not isinstance(block, Block):
            return f"block {i} is not a playground layer"
        names = [n for n, _ in block.named_children()]
        kind = block.layer_type
        if kind in ("dense", "output"):
            if names != ["linear", "act"] or type(block.linear) is not nn.Linear:
                return f"layer {i} is not a plain Dense layer"
            act = _activation(block.act)
            if isinstance(act, str):
                return act
            out.append((i, block.linear, act))
        elif kind == "activation":
            act = _activation(block.act)
            if isinstance(act, str):
                return act
            out.append((i, None, act))
        elif kind == "dropout":
            if block.dropout.p > 0:
                return "dropout is random per step (torch's generator), so it trains on torch"
        elif kind == "flatten":
            if out:
                return "a Flatten after other layers is not supported"
        else:
            return f"{kind} layers are not supported by the fast path"
    if not out or out[-1][1] is None or out[-1][0] != len(model) - 1:
        return "the model does not end in a Dense output head"
    return out


def _loss_kind(loss_fn: nn.Module) -> tuple[str, float] | str:
    if getattr(loss_fn, "reduction", None) != "mean":
        return "only mean-reduced losses are supported"
    kind = type(loss_fn)
    if kind is nn.MSELoss:
        return "mse", 0.0
    if kind is nn.L1Loss:
        return "mae", 0.0
    if kind is nn.HuberLoss:
        return "huber", float(loss_fn.delta)
    if kind is nn.BCEWithLogitsLoss:
        if loss_fn.weight is not None or loss_fn.pos_weight is not None:
            return "weighted binary cross-entropy is not supported"
        return "bce", 0.0
    if kind is nn.CrossEntropyLoss:
        if loss_fn.weight is not None or loss_fn.label_smoothing != 0:
            return "weighted or smoothed cross-entropy is not supported"
        return "ce", 0.0
    return f"loss {kind.__name__} is not supported"


def _optimizer_kind(optimizer: torch.optim.Optimizer) -> str:
    """'sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', or a reason starting with 'optimizer'."""
    if len(optimizer.param_groups) != 1:
        return "optimizer with several parameter groups"
    g = optimizer.param_groups[0]
    if g.get("maximize") or g.get("differentiable") or g.get("fused") or g.get("capturable"):
        return "optimizer option (maximize/differentiable/fused/capturable) is not supported"
    kind = type(optimizer)
    if kind is torch.optim.SGD:
        ok, name = g["dampening"] == 0 and g["weight_decay"] == 0, "sgd"
    elif kind is torch.optim.Adagrad:
        ok = g["lr_decay"] == 0 and g["weight_decay"] == 0 and g["initial_accumulator_value"] == 0
        name = "adagrad"
    elif kind is torch.optim.RMSprop:
        ok, name = not g["centered"] and g["weight_decay"] == 0, "rmsprop"
    elif kind is torch.optim.AdamW:
        ok, name = not g["amsgrad"], "adamw"
    elif kind is torch.optim.Adam:
        ok = not g["amsgrad"] and g["weight_decay"] == 0 and not g.get("decoupled_weight_decay")
        name = "adam"
    else:
        return f"optimizer {kind.__name__} is not supported"
    return name if ok else f"optimizer {kind.__name__} with these settings is not supported"


def ineligible_reason(model: nn.Module, loss_fn: nn.Module, optimizer: torch.optim.Optimizer) -> str | None:
    """None if `FastNet` can train this model exactly, else a short reason (why it stays on torch)."""
    blocks = _blocks(model)
    if isinstance(blocks, str):
        return blocks
    loss = _loss_kind(loss_fn)
    if isinstance(loss, str):
        return loss
    opt = _optimizer_kind(optimizer)
    if opt.startswith("optimizer"):
        return opt
    linears = {id(p) for _, lin, _ in blocks if lin is not None for p in lin.parameters()}
    params = list(model.parameters())
    if any(id(p) not in linears for p in params) or len(linears) != len(params):
        return "the model has parameters outside its Dense layers"
    if any(p.dtype != torch.float32 or p.device.type != "cpu" for p in params):
        return "only float32 CPU models are supported"
    in_opt = {id(p) for p in optimizer.param_groups[0]["params"]}
    if in_opt != linears:
        return "the optimizer does not hold exactly the model's parameters"
    return None


# ------------------------------------------------------------------ the twin -------------------
Op = tuple[Callable, tuple]  # (function, positional arguments): one numpy call of a program


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
        self.y = np.empty(n, np.int64) if net.loss == "ce" else np.empty((n, net.n_out), F32)
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


def _op(f: Callable, *args: object, out: np.ndarray) -> Op:
    """A call that must name its output (np.maximum and np.minimum no longer take it positionally)."""
    return functools.partial(f, out=out), args


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
        return [_op(np.maximum, z, ZERO, out=a)]
    if code == _TANH:
        return [(np.tanh, (z, a))]
    if code == _SIGMOID:  # 1 / (1 + exp(-x))
        return [(np.negative, (z, a)), (np.exp, (a, a)), (np.add, (a, ONE, a)), (np.divide, (ONE, a, a))]
    if code == _LEAKY:  # x > 0 ? x : x * slope (0 < slope < 1)
        return [(np.multiply, (z, it.arg, t)), _op(np.maximum, z, t, out=a)]
    if code == _ELU:  # x > 0 ? x : alpha * (exp(x) - 1)
        ops: list[Op] = [_op(np.minimum, z, ZERO, out=t), (np.expm1, (t, t))]
        if it.arg != 1:
            ops.append((np.multiply, (t, it.arg, t)))
        return ops + [_op(np.maximum, z, ZERO, out=a), (np.add, (a, t, a))]
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
        ops: list[Op] = [_op(np.minimum, z, ZERO, out=t), (np.exp, (t, t))]
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


def _target_ops(d: np.ndarray, rows: np.ndarray, labels: np.ndarray, inv: np.ndarray) -> None:
    d[rows, labels] -= inv


def _loss_ops(net: FastNet, prog: _Program, d: np.ndarray) -> list[Op]:
    """d = dLoss/d(output), as torch's loss backward computes it (mean reduction)."""
    out, y, n = prog.out, prog.y, prog.n
    numel = n * net.n_out
    if net.loss == "bce":  # (sigmoid(x) - y) / numel
        return [(np.negative, (out, d)), (np.exp, (d, d)), (np.add, (d, ONE, d)), (np.divide, (ONE, d, d)),
                (np.subtract, (d, y, d)), (np.divide, (d, _const(numel), d))]
    if net.loss == "mse":  # norm * (x - y), norm = 2 / numel in double, then float
        return [(np.subtract, (out, y, d)), (np.multiply, (d, _const(2.0 / numel), d))]
    if net.loss == "mae":  # mean backward (1 / numel in float) times sign(x - y)
        return [(np.subtract, (out, y, d)), (np.sign, (d, d)),
                (np.multiply, (d, _const(ONE / F32(numel)), d))]
    if net.loss == "huber":  # norm * clamp(x - y, -delta, delta), norm = 1 / numel
        return [(np.subtract, (out, y, d)), _op(np.maximum, d, net._neg_delta, out=d),
                _op(np.minimum, d, net._delta, out=d), (np.multiply, (d, _const(1.0 / numel), d))]
    # cross-entropy: log_softmax backward of nll's -1/n at the target = softmax / n - onehot / n,
    # with log_softmax = x - (max + log(sum(exp(x - max)))) as torch's kernel computes it
    top, logsum, t = np.empty((n, 1), F32), np.empty((n, 1), F32), np.empty_like(d)
    inv = _const(ONE / F32(n))
    return [(np.maximum.reduce, (out, 1, None, top, True)), (np.subtract, (out, top, t)), (np.exp, (t, d)),
            (np.add.reduce, (d, 1, None, logsum, True)), (np.log, (logsum, logsum)),
            (np.add, (logsum, top, logsum)), (np.subtract, (out, logsum, t)), (np.exp, (t, d)),
            (np.multiply, (d, inv, d)), (_target_ops, (d, np.arange(n), y, inv))]


class FastNet:
    """Trains an eligible torch model with numpy; see the module docstring for who owns what.

    Construction re-points the model's parameters into one flat buffer (values unchanged).
    """

    def __init__(self, model: nn.Sequential, loss_fn: nn.Module, optimizer: torch.optim.Optimizer,
                 l1: float = 0.0, l2: float = 0.0, grad_clip: float = 0.0):
        reason = ineligible_reason(model, loss_fn, optimizer)
        if reason is not None:
            raise ValueError(f"not eligible for the fast path: {reason}")
        blocks = _blocks(model)
        assert not isinstance(blocks, str)
        self.model, self.optimizer = model, optimizer
        self.loss, self.delta = _loss_kind(loss_fn)  # type: ignore[misc]
        self.kind = _optimizer_kind(optimizer)
        self.l1, self.l2, self.grad_clip = float(l1), float(l2), float(grad_clip)
        self._delta, self._neg_delta = _const(self.delta), _const(-self.delta)
        last = len(model) - 1
        self.items: list[_Item] = []
        for i, _, act in blocks:
            code, arg = act  # type: ignore[misc]
            name = model[i].activation
            self.items.append(_Item(i, code, arg, name, probe=i < last and name is not None))
        self._flatten([lin for _, lin, _ in blocks])
        self.widths = [it.w.shape[0] if it.w is not None else 0 for it in self.items]
        for k in range(len(self.items)):  # activation blocks keep the width before them
            if self.widths[k] == 0:
                self.widths[k] = self.widths[k - 1] if k else self.n_in
        self.n_out = self.widths[-1]
        # evaluation chunks: as evaluation.evaluate's batches, but smaller for very wide layers
        self.eval_chunk = max(64, min(EVAL_CHUNK, (1 << 20) // max(self.widths + [self.n_in])))
        self._programs: dict[tuple[int, bool], _Program] = {}
        self._neg_lr = _const(0)
        self._lr: float | None = None
        self.t = 0  # optimizer steps taken (torch's state["step"])
        self.pull_state()

    # -------------------------------------------------------------- flat storage -------------
    def _flatten(self, linears: list[nn.Linear | None]) -> None:
        """Move all weights, then all biases, into one flat buffer shared by torch and numpy."""
        weights = [(k, lin.weight) for k, lin in enumerate(linears) if lin is not None]
        biases = [(k, lin.bias) for k, lin in enumerate(linears) if lin is not None and lin.bias is not None]
        self.n_in = next(lin for lin in linears if lin is not None).in_features
        total = sum(p.numel() for _, p in weights + biases)
        self.flat = np.empty(total, F32)
        self.grad = np.zeros(total, F32)
        self.tmp = np.empty(total, F32)
        self.tmp2 = np.empty(total, F32)
        flat_t = torch.from_numpy(self.flat)
        self.slices: list[tuple[nn.Parameter, int, int]] = []  # (param, offset, size) in model order
        o = 0
        with torch.no_grad():
            for k, p in weights + biases:
                n = p.numel()
                self.flat[o:o + n] = p.detach().reshape(-1).numpy()
                p.data = flat_t[o:o + n].view(p.shape)
                view, gview = self.flat[o:o + n].reshape(p.shape), self.grad[o:o + n].reshape(p.shape)
                it = self.items[k]
                if p.ndim == 2:
                    it.w, it.wt, it.gw = view, view.T, gview
                else:
                    it.b, it.gb = view.reshape(1, -1), gview
                self.slices.append((p, o, n))
                o += n
        self.n_weights = sum(p.numel() for _, p in weights)
        order = {id(p): i for i, p in enumerate(self.model.parameters())}
        self.slices.sort(key=lambda s: order[id(s[0])])

    def _program(self, n: int, train: bool) -> _Program:
        prog = self._programs.get((n, train))
        if prog is None:
            prog = self._programs[(n, train)] = _Program(self, n, train)
        return prog

    # -------------------------------------------------------------- training ------------------
    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> None:
        """One optimizer step on the batch (x float32 rows; y as `losses.target_tensor` makes it)."""
        n = len(x)
        prog = self._programs.get((n, True)) or self._program(n, True)
        np.copyto(prog.x, x.reshape(prog.x.shape))
        np.copyto(prog.y, y.reshape(prog.y.shape))
        if lr != self._lr:
            self._lr = lr
            self._neg_lr.fill(-lr)
        if self.kind in ("adam", "adamw"):
            self._adam_scalars(lr)
        for f, args in prog.ops:
            f(*args)
        self.t += 1

    def _penalty_ops(self) -> list[Op]:
        ops: list[Op] = []
        w, g, t = self.flat[:self.n_weights], self.grad[:self.n_weights], self.tmp[:self.n_weights]
        if self.l2:  # d(l2 * sum w²)/dw = l2*w + l2*w (autograd's two products)
            ops += [(np.multiply, (w, _const(self.l2), t)), (np.add, (t, t, t)), (np.add, (g, t, g))]
        if self.l1:  # l1 * sign(w)
            ops += [(np.sign, (w, t)), (np.multiply, (t, _const(self.l1), t)), (np.add, (g, t, g))]
        if self.grad_clip:
            ops.append((self._clip, ()))
        return ops

    def _clip(self) -> None:
        """clip_grad_norm_: scale by max / (norm + 1e-6) when that is below 1."""
        g = self.grad
        norm = F32(math.sqrt(float(np.dot(g.astype(np.float64), g))))
        coef = F32(self.grad_clip) / (norm + F32(1e-6))
        if coef > 1:
            coef = F32(1)
        if coef != 1:  # (NaN stays NaN, as torch.clamp keeps it)
            np.multiply(g, coef, out=g)

    def _update_ops(self) -> list[Op]:
        """torch's single-tensor optimizer arithmetic over the flat buffers, operation by operation."""
        p, g, t, u, neg_lr = self.flat, self.grad, self.tmp, self.tmp2, self._neg_lr
        s, h = self.state, self.hyper
        kind = self.kind
        if kind == "sgd":
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
        if kind == "adagrad":  # sum += g*g; p += -lr * g / (sqrt(sum) + eps)
            acc = s["sum"]
            return [(np.multiply, (g, g, t)), (np.add, (acc, t, acc)), (np.sqrt, (acc, t)),
                    (np.add, (t, h["eps"], t)), (np.multiply, (g, neg_lr, u)), (np.divide, (u, t, u)),
                    (np.add, (p, u, p))]
        if kind == "rmsprop":  # sq = alpha * sq + (1 - alpha) * g * g; avg = sqrt(sq) + eps
            sq = s["square_avg"]
            ops = [(np.multiply, (sq, h["alpha"], sq)), (np.multiply, (g, h["one_minus_alpha"], t)),
                   (np.multiply, (t, g, t)), (np.add, (sq, t, sq)), (np.sqrt, (sq, t)),
                   (np.add, (t, h["eps"], t))]
            if "momentum" in h:  # buf = mu * buf + g / avg; p += -lr * buf
                buf = s["momentum_buffer"]
                ops += [(np.multiply, (buf, h["momentum"], buf)), (np.divide, (g, t, u)),
                        (np.add, (buf, u, buf)), (np.multiply, (buf, neg_lr, u))]
            else:  # p += -lr * g / avg
                ops += [(np.multiply, (g, neg_lr, u)), (np.divide, (u, t, u))]
            return ops + [(np.add, (p, u, p))]
        m, v = s["exp_avg"], s["exp_avg_sq"]
        ops = []
        if kind == "adamw" and h["weight_decay"]:  # p *= 1 - lr * weight_decay
            ops.append((np.multiply, (p, h["decay"], p)))
        ops.append((np.subtract, (g, m, t)))  # m.lerp_(g, w), w = 1 - beta1
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

    def _adam_scalars(self, lr: float) -> None:
        """This step's bias corrections (and AdamW's decay), as torch computes them in double."""
        h, step = self.hyper, self.t + 1
        b1, b2 = h["betas"]
        h["corr2"].fill((1 - b2 ** step) ** 0.5)
        h["neg_step"].fill(-(lr / (1 - b1 ** step)))
        if self.kind == "adamw":
            h["decay"].fill(1 - lr * h["weight_decay"])

    # -------------------------------------------------------------- optimizer state -----------
    _STATE_KEYS = {"sgd": ("momentum_buffer",), "adagrad": ("sum",),
                   "rmsprop": ("square_avg", "momentum_buffer"),
                   "adam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq")}

    def _read_hyper(self) -> None:
        """Hyper-parameters from the param group, as the float32 scalars torch's kernels use."""
        g = self.optimizer.param_groups[0]
        h: dict = {}
        if self.kind == "sgd":
            if g["momentum"]:
                h["momentum"] = _const(g["momentum"])
            h["nesterov"] = bool(g["nesterov"])
        elif self.kind == "adagrad":
            h["eps"] = _const(g["eps"])
        elif self.kind == "rmsprop":
            a = float(g["alpha"])
            h.update(alpha=_const(a), one_minus_alpha=_const(1 - a), eps=_const(g["eps"]))
            if g["momentum"] > 0:
                h["momentum"] = _const(g["momentum"])
        else:
            b1, b2 = (float(b) for b in g["betas"])
            w = F32(1 - b1)
            h.update(betas=(b1, b2), lerp_weight=_const(w), lerp_low=abs(w) < 0.5, one_minus_w=_const(1 - w),
                     beta2=_const(b2), one_minus_beta2=_const(1 - b2), eps=_const(g["eps"]),
                     weight_decay=float(g["weight_decay"]), decay=_const(1), corr2=_const(1),
                     neg_step=_const(0))
        self.hyper = h

    def pull_state(self) -> None:
        """Take over torch's optimizer state (and hyper-parameters): the twin steps next."""
        self._read_hyper()
        keys = self._STATE_KEYS[self.kind]
        if self.kind in ("sgd", "rmsprop") and "momentum" not in self.hyper:
            keys = keys[:-1]  # no momentum buffer
        self.state = {k: np.zeros_like(self.flat) for k in keys}
        self._programs.clear()  # they refer to the arrays just replaced
        self.t = 0
        for p, o, n in self.slices:
            st = self.optimizer.state.get(p, {})
            if "step" in st:
                self.t = int(float(st["step"]))
            for k, arr in self.state.items():
                v = st.get(k)
                if v is not None:
                    arr[o:o + n] = v.detach().reshape(-1).numpy()
                    if self.kind == "sgd":
                        self.t = max(self.t, 1)  # torch keeps no step count for SGD

    def push_state(self) -> None:
        """Hand the optimizer state to torch, in torch's own format: a torch step comes next."""
        if self.t == 0 and self.kind != "adagrad":
            return  # torch creates its state on its first step, as if the twin had never run
        for p, o, n in self.slices:
            st = self.optimizer.state[p]
            if self.kind != "sgd":
                st["step"] = torch.tensor(float(self.t), dtype=torch.float32)
            for k, arr in self.state.items():
                st[k] = torch.from_numpy(arr[o:o + n].copy()).view(p.shape)

    # -------------------------------------------------------------- read-outs ------------------
    def grad_norms(self) -> dict[str, float]:
        """L2 norm of the last step's gradients per block, as evaluation.grad_norms reports them."""
        out = {}
        for it in self.items:
            if it.gw is None:
                continue
            g = it.gw.reshape(-1)
            total = np.dot(g, g)
            if it.gb is not None:
                total = total + np.dot(it.gb, it.gb)
            out[str(it.block)] = float(np.sqrt(F32(total)))
        return out

    def forward(self, x: np.ndarray, hidden_rows: int = 0) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Model outputs for all rows of `x`, and copies of the first `hidden_rows` rows of each
        probed hidden block's output (what `inside.activity` looks at), keyed by block index."""
        n = len(x)
        x = x.reshape(n, -1)
        out = np.empty((n, self.n_out), F32)
        hidden: dict[int, np.ndarray] = {}
        for start in range(0, n, self.eval_chunk):
            rows = x[start:start + self.eval_chunk]
            prog = self._program(len(rows), train=False)
            np.copyto(prog.x, rows)
            for f, args in prog.ops:
                f(*args)
            out[start:start + len(rows)] = prog.out
            if start < hidden_rows:
                for it, a in zip(self.items, prog.a, strict=True):
                    if it.probe:
                        part = a[:hidden_rows - start].copy()
                        hidden[it.block] = np.concatenate([hidden[it.block], part]) if start else part
        return out, hidden

    def loss_value(self, out: np.ndarray, y: np.ndarray) -> float:
        """The loss torch's module reports for these outputs: its elementwise formula in float32
        (so it overflows where torch's does), summed in double and averaged in float32."""
        if not len(out):
            return float("nan")
        if self.loss == "ce":
            top = out.max(axis=1, keepdims=True)
            logsum = np.log(np.exp(out - top).sum(axis=1, keepdims=True)) + top
            terms = (logsum - out)[np.arange(len(out)), y]  # -log_softmax at the target
        elif self.loss == "bce":  # (1 - y) * x - log_sigmoid(x)
            log_sigmoid = np.minimum(out, ZERO) - np.log1p(np.exp(-np.abs(out)))
            terms = (ONE - y) * out - log_sigmoid
        else:
            diff = out - y
            if self.loss == "mse":
                terms = diff * diff
            elif self.loss == "mae":
                terms = np.abs(diff)
            else:  # huber
                z, delta = np.abs(diff), self._delta
                terms = np.where(z < delta, F32(0.5) * z * z, delta * (z - F32(0.5) * delta))
        total = F32(np.add.reduce(terms, axis=None, dtype=np.float64))
        return float(total / F32(terms.size))

    def activity(self, hidden: dict[int, np.ndarray]) -> dict[str, tuple[str, float]]:
        """inside.activity's numbers, from the hidden outputs `forward` kept."""
        out: dict[str, tuple[str, float]] = {}
        for it in self.items:
            u = hidden.get(it.block)
            if u is None or not len(u):
                continue
            entry = ACTIVATIONS[it.act_name]
            family = entry.extra["family"]
            if family == "relu":
                floor = 1e-3 if it.act_name == "softplus" else 0.0
                dead = np.count_nonzero(u.max(axis=0) <= floor)
                out[str(it.block)] = (DEAD, float(F32(dead) / F32(u.shape[1])))
            elif family == "saturating":
                lo, hi = entry.extra["range"]
                margin = (hi - lo) * _SATURATION_MARGIN
                pinned = np.count_nonzero((u <= lo + margin) | (u >= hi - margin))
                out[str(it.block)] = (SATURATED, float(F32(pinned) / F32(u.size)))
        return out
