"""One optimizer step that also records the arithmetic for a single watched weight.

Kept apart from the trainer's hot loop: only step mode (the explanation panel) pays for it, and
only for one step per snapshot.
"""

from __future__ import annotations

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
