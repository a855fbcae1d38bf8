"""One optimizer step that also records the arithmetic for a single watched weight.

Kept apart from the trainer's hot loop: only step mode (the explanation panel) pays for it. A
watched step runs on torch (its optimizer's own result is what the read-out checks against), so
while a run trains freely `Watch` lets at most one step in WATCH_SECONDS be watched, about the
rate at which the panel redraws; every other step stays on the fast path. Stepped by hand (one
batch, one epoch), each slice's step is watched.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from playground.core.explain import StepDetail

_HYPER = ("lr", "momentum", "alpha", "eps", "weight_decay")


def _element(state: dict, index: int) -> dict[str, float]:
    out = {}
    for k, v in state.items():
        if isinstance(v, torch.Tensor):
            out[k] = float(v) if v.numel() == 1 else float(v.reshape(-1)[index])
        elif isinstance(v, (int, float)):
            out[k] = float(v)
    return out


def watched_step(optimizer: torch.optim.Optimizer, model: nn.Module, key: str, index: int,
                 optimizer_name: str, step: int = 0) -> StepDetail | None:
    """optimizer.step() (the run's step number `step`), returning what happened to weight
    `key`[index] (None if it has no gradient)."""
    param = dict(model.named_parameters()).get(key)
    if param is None or param.grad is None or not 0 <= index < param.numel():
        optimizer.step()
        return None
    group = next(g for g in optimizer.param_groups if any(p is param for p in g["params"]))
    hyper = {k: float(group[k]) for k in _HYPER if k in group and isinstance(group[k], (int, float))}
    if "betas" in group:
        hyper["beta1"], hyper["beta2"] = (float(b) for b in group["betas"])
    before = _element(optimizer.state.get(param, {}), index)
    grad = float(param.grad.reshape(-1)[index])
    old = float(param.detach().reshape(-1)[index])
    optimizer.step()
    return StepDetail(optimizer=optimizer_name, hyper=hyper, parameter=key, index=index, grad=grad,
                      old=old, new=float(param.detach().reshape(-1)[index]), state_before=before,
                      state_after=_element(optimizer.state.get(param, {}), index), step=step)


WATCH_SECONDS = 0.1  # step mode's read-out follows a free run at ~8 Hz: more watched steps go unseen


class Watch:
    """The weight step mode watches (`target`: state-dict key, flat index) and when a step is due."""

    def __init__(self) -> None:
        self.target: tuple[str, int] | None = None
        self._next = 0.0

    def due(self, stepping: bool) -> bool:
        """Whether this slice watches a step: stepping by hand always, a free run every WATCH_SECONDS."""
        return self.target is not None and (stepping or time.perf_counter() >= self._next)

    def step(self, optimizer: torch.optim.Optimizer, model: nn.Module, optimizer_name: str,
             step: int) -> StepDetail | None:
        """`watched_step` for the target (which must be set)."""
        self._next = time.perf_counter() + WATCH_SECONDS
        return watched_step(optimizer, model, *self.target, optimizer_name, step)
