"""What the numpy twin can take (`ineligible_reason`), and the codes and constants it shares."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch
from torch import nn

from playground.core.layers import Block
from playground.core.losses import twin_loss
from playground.core.optimizers import twin_update

EVAL_CHUNK = 4096  # rows per forward pass in evaluation (bounds memory, as evaluation.evaluate)

# activation codes
_LINEAR, _RELU, _LEAKY, _TANH, _SIGMOID, _ELU, _SOFTPLUS, _GELU = range(8)
_ACT_NAMES = {nn.Identity: "linear", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Tanh: "tanh",
              nn.Sigmoid: "sigmoid", nn.ELU: "elu", nn.Softplus: "softplus", nn.GELU: "gelu"}
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


def _loss_reason(loss_fn: nn.Module) -> str | None:
    """None if the loss's registry entry has a twin form that fits this module, else why not."""
    if getattr(loss_fn, "reduction", None) != "mean":
        return "only mean-reduced losses are supported"
    rule = twin_loss(loss_fn)
    if rule is None:
        return f"loss {type(loss_fn).__name__} is not supported"
    return rule.refuse(loss_fn)


def _optimizer_reason(optimizer: torch.optim.Optimizer) -> str | None:
    """None if the optimizer's registry entry has a twin form that fits its settings, else why not."""
    if len(optimizer.param_groups) != 1:
        return "optimizer with several parameter groups"
    g = optimizer.param_groups[0]
    if g.get("maximize") or g.get("differentiable") or g.get("fused") or g.get("capturable"):
        return "optimizer option (maximize/differentiable/fused/capturable) is not supported"
    rule, kind = twin_update(optimizer), type(optimizer).__name__
    if rule is None:
        return f"optimizer {kind} is not supported"
    return None if rule.matches(g) else f"optimizer {kind} with these settings is not supported"


def ineligible_reason(model: nn.Module, loss_fn: nn.Module, optimizer: torch.optim.Optimizer) -> str | None:
    """None if `FastNet` can train this model exactly, else a short reason (why it stays on torch)."""
    blocks = _blocks(model)
    if isinstance(blocks, str):
        return blocks
    loss = _loss_reason(loss_fn)
    if loss is not None:
        return loss
    opt = _optimizer_reason(optimizer)
    if opt is not None:
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
