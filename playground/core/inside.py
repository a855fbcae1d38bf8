"""Looks inside a model: unit activity (dead / saturated), conv filters and feature maps.

Used by the trainer to add per-layer health numbers to the history and snapshot, so vanishing
gradients, dead ReLUs and saturated tanh/sigmoid units become visible while training.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from playground.core.activations import ACTIVATIONS
from playground.core.layers import Block

DEAD = "dead"
SATURATED = "saturated"
_SATURATION_MARGIN = 0.01  # within 1% of the output range's bound counts as saturated


def _units(h: torch.Tensor) -> torch.Tensor:
    """(examples, units): conv channels count as units, each position as an example."""
    if h.ndim == 2:
        return h
    return h.transpose(0, 1).reshape(h.shape[1], -1).T


@torch.no_grad()
def activity(model: nn.Sequential, x: torch.Tensor, max_examples: int = 512) -> dict[str, tuple[str, float]]:
    """Per hidden block index: ("dead", share of units never active) for ReLU-like layers, or
    ("saturated", share of outputs pinned near a bound) for tanh/sigmoid. Model must be in eval mode."""
    h = x[:max_examples]
    out: dict[str, tuple[str, float]] = {}
    for i, block in enumerate(list(model)[:-1]):
        h = block(h)
        if not isinstance(block, Block) or block.activation is None or not len(h):
            continue
        entry = ACTIVATIONS[block.activation]
        family = entry.family
        u = _units(h)
        if family == "relu":
            floor = 1e-3 if block.activation == "softplus" else 0.0
            out[str(i)] = (DEAD, float((u.max(dim=0).values <= floor).float().mean()))
        elif family == "saturating":
            lo, hi = entry.range
            margin = (hi - lo) * _SATURATION_MARGIN
            pinned = (u <= lo + margin) | (u >= hi - margin)
            out[str(i)] = (SATURATED, float(pinned.float().mean()))
    return out


def first_conv_filters(model: nn.Module) -> np.ndarray | None:
    """Weights (filters, in_channels, k, k) of the first Conv2d, copied; None without one."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            return m.weight.detach().numpy().copy()
    return None


@torch.no_grad()
def feature_maps(model: nn.Sequential, image: torch.Tensor) -> tuple[tuple[int, np.ndarray], ...]:
    """(block index, (channels, h, w)) after each hidden conv layer, for one input image."""
    h = image.unsqueeze(0)
    maps = []
    for i, block in enumerate(list(model)[:-1]):
        h = block(h)
        if isinstance(block, Block) and block.layer_type == "conv2d":
            maps.append((i, h[0].numpy().copy()))
    return tuple(maps)
