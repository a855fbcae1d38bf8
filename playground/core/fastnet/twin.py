"""FastNet: the numpy twin itself (shared weights, optimizer state hand-over, evaluation)."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from playground.core.f32 import F32
from playground.core.f32 import const as _const
from playground.core.fastnet.eligibility import (
    EVAL_CHUNK,
    _blocks,
    ineligible_reason,
)
from playground.core.fastnet.program import (
    Op,
    _Item,
    _Program,
)
from playground.core.inside import unit_activity
from playground.core.keys import block_id
from playground.core.losses import twin_loss
from playground.core.optimizers import twin_update


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
        self.loss_rule = twin_loss(loss_fn)  # the loss's registry entry's twin form
        self.delta = float(getattr(loss_fn, "delta", 0.0))  # Huber's threshold (0 for the others)
        self.update = twin_update(optimizer)  # bound once: a step runs its prebuilt ops
        self._per_step = self.update.per_step
        self.l1, self.l2, self.grad_clip = float(l1), float(l2), float(grad_clip)
        self._delta = _const(self.delta)
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
    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
        """One optimizer step on the batch (x float32 rows; y as `losses.target_tensor` makes it); its
        outputs before the update (the program's buffer: copy it to keep it), for the batch's loss."""
        n = len(x)
        prog = self._programs.get((n, True)) or self._program(n, True)
        np.copyto(prog.x, x.reshape(prog.x.shape))
        np.copyto(prog.y, y.reshape(prog.y.shape))
        if lr != self._lr:
            self._lr = lr
            self._neg_lr.fill(-lr)
        if self._per_step is not None:
            self._per_step(self.hyper, lr, self.t + 1)
        for f, args in prog.ops:
            f(*args)
        self.t += 1
        return prog.out

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
        """The optimizer's update over the flat buffers (its registry entry's twin form)."""
        buffers = (self.flat, self.grad, self.tmp, self.tmp2, self._neg_lr)
        return self.update.ops(buffers, self.state, self.hyper)

    # -------------------------------------------------------------- optimizer state -----------
    def pull_state(self) -> None:
        """Take over torch's optimizer state (and hyper-parameters): the twin steps next."""
        self.hyper = self.update.hyper(self.optimizer.param_groups[0])
        self.state = {k: np.zeros_like(self.flat) for k in self.update.state_keys(self.hyper)}
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
                    if not self.update.counts_steps:
                        self.t = max(self.t, 1)  # torch keeps no step count for SGD

    def push_state(self) -> None:
        """Hand the optimizer state to torch, in torch's own format: a torch step comes next."""
        if self.t == 0 and not self.update.eager_state:
            return  # torch creates its state on its first step, as if the twin had never run
        for p, o, n in self.slices:
            st = self.optimizer.state[p]
            if self.update.counts_steps:
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
            out[block_id(it.block)] = float(np.sqrt(F32(total)))
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
        terms = self.loss_rule.terms(out, y, self._delta)
        total = F32(np.add.reduce(terms, axis=None, dtype=np.float64))
        return float(total / F32(terms.size))

    def mean_batch_loss(self, out: np.ndarray, y: np.ndarray, size: int, last: int) -> float:
        """The mean of an epoch's batch losses when its batches are rows [0, size), [size, 2·size), ...
        and the last starts at row `last` (maybe shorter): from two sums, without a sum per batch."""
        terms = self.loss_rule.terms(out, y, self._delta)
        k = terms.size // len(out)
        total = float(np.add.reduce(terms, axis=None, dtype=np.float64))
        tail = float(np.add.reduce(terms[last:], axis=None, dtype=np.float64))
        return ((total - tail) / (size * k) + tail / ((len(out) - last) * k)) / (last // size + 1)

    def batch_losses(self, out: np.ndarray, y: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """`loss_value` of each batch: the rows from each of `starts` (ascending) to the next, the last
        to the end; the terms in one pass."""
        rows = self.loss_rule.terms(out, y, self._delta).reshape(len(out), -1)
        sums = np.add.reduceat(np.add.reduce(rows, axis=1, dtype=np.float64), starts)
        counts = np.diff(starts, append=len(out)) * rows.shape[1]
        return sums.astype(F32) / counts.astype(F32)

    def activity(self, hidden: dict[int, np.ndarray]) -> dict[str, tuple[str, float]]:
        """inside.activity's numbers (its `unit_activity`), from the hidden outputs `forward` kept."""
        out: dict[str, tuple[str, float]] = {}
        for it in self.items:
            u = hidden.get(it.block)
            stat = unit_activity(it.act_name, u) if u is not None and len(u) else None
            if stat is not None:
                out[block_id(it.block)] = stat
        return out
