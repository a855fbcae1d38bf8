"""Looks inside a model: unit activity (dead / saturated), conv filters and feature maps.

Used by the trainer to add per-layer health numbers to the history and snapshot, so vanishing
gradients, dead ReLUs and saturated tanh/sigmoid units become visible while training.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from playground.core.activations import ACTIVATIONS
from playground.core.keys import DEAD, SATURATED, block_id
from playground.core.layers import Block

_SATURATION_MARGIN = 0.01  # within 1% of the output range's bound counts as saturated


def _units(h: torch.Tensor) -> torch.Tensor:
    """(examples, units): conv channels count as units, each position as an example."""
    if h.ndim == 2:
        return h
    return h.transpose(0, 1).reshape(h.shape[1], -1).T


def unit_activity(activation: str, units: np.ndarray) -> tuple[str, float] | None:
    """The health statistic of one hidden layer's outputs `units` (examples, units), float32:
    (DEAD, share of units never above the floor) for ReLU-like activations, (SATURATED, share of
    outputs within 1% of a bound of the range) for tanh/sigmoid, None for the others.

    The one definition: the torch path (`activity`) and the numpy twin (`FastNet.activity`) both
    call it, so the two cannot drift apart. Counts are divided in float32, as torch's mean does.
    """
    entry = ACTIVATIONS[activation]
    family = entry.family
    if family == "relu":
        floor = 1e-3 if activation == "softplus" else 0.0
        dead = np.count_nonzero(units.max(axis=0) <= floor)
        return DEAD, float(np.float32(dead) / np.float32(units.shape[1]))
    if family == "saturating":
        lo, hi = entry.range
        margin = (hi - lo) * _SATURATION_MARGIN
        pinned = np.count_nonzero((units <= lo + margin) | (units >= hi - margin))
        return SATURATED, float(np.float32(pinned) / np.float32(units.size))
    return None


@torch.no_grad()
def activity(model: nn.Sequential, x: torch.Tensor, max_examples: int = 512) -> dict[str, tuple[str, float]]:
    """Per hidden block index: `unit_activity` of its outputs on the first `max_examples` rows of
    `x` (conv channels count as units). Model must be in eval mode."""
    h = x[:max_examples]
    out: dict[str, tuple[str, float]] = {}
    for i, block in enumerate(list(model)[:-1]):
        h = block(h)
        if not isinstance(block, Block) or block.activation is None or not len(h):
            continue
        stat = unit_activity(block.activation, _units(h).numpy())
        if stat is not None:
            out[block_id(i)] = stat
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
