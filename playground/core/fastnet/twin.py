"""FastNet: the numpy twin itself (shared weights, optimizer state hand-over, evaluation)."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from playground.core.activations import ACTIVATIONS
from playground.core.fastnet.eligibility import (
    EVAL_CHUNK,
    F32,
    ONE,
    ZERO,
    _blocks,
    _const,
    _loss_kind,
    _optimizer_kind,
    ineligible_reason,
)
from playground.core.fastnet.program import (
    Op,
    _Item,
    _Program,
)
from playground.core.inside import _SATURATION_MARGIN, DEAD, SATURATED


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
        if self.l2:  # d(½·l2 * sum w²)/dw = ½l2*w + ½l2*w (autograd's two products)
            ops += [(np.multiply, (w, _const(0.5 * self.l2), t)), (np.add, (t, t, t)), (np.add, (g, t, g))]
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
            family = entry.family
            if family == "relu":
                floor = 1e-3 if it.act_name == "softplus" else 0.0
                dead = np.count_nonzero(u.max(axis=0) <= floor)
                out[str(it.block)] = (DEAD, float(F32(dead) / F32(u.shape[1])))
            elif family == "saturating":
                lo, hi = entry.range
                margin = (hi - lo) * _SATURATION_MARGIN
                pinned = np.count_nonzero((u <= lo + margin) | (u >= hi - margin))
                out[str(it.block)] = (SATURATED, float(F32(pinned) / F32(u.size)))
        return out
