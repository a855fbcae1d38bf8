"""The names that join what the trainer produces to what the views read, defined once.

A per-layer metric lives in the history as a column "<metric>.<block index>" (GRAD_NORM, DEAD,
SATURATED; hidden layers from 0, then the head) and in a snapshot's per-layer mappings
(`grad_norms`, `activity`) under the block's id, its index as text. A model's parameters are
named as torch's state dict names them: "<block index>.linear.weight" for a Dense block. The
producers build these names with the helpers here and the views parse them with the same
helpers, so a renamed metric or layer part changes one line, and tests/core/test_keys.py checks
that what the views read is what the trainer writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

GRAD_NORM = "grad_norm"  # L2 norm of the block's gradients in the epoch's last step
DEAD = "dead"  # share of a ReLU-like layer's units that never fire
SATURATED = "saturated"  # share of a tanh/sigmoid layer's outputs pinned at a bound
LAYER_METRICS = (GRAD_NORM, DEAD, SATURATED)
# The mean of an epoch's minibatch losses, each taken as its step computed it (before the update): what
# the course's PyTorch loop prints as its running loss, not the end-of-epoch train_loss.
BATCH_LOSS_MEAN = "batch_loss_mean"
DENSE_PART = "linear"  # a Dense block's torch submodule (core.layers builds it under this name)

V = TypeVar("V")


def block_id(block: int) -> str:
    """The key of block `block` in a snapshot's per-layer mappings (grad_norms, activity)."""
    return str(block)


def block_index(key: str) -> int:
    """The block index a per-layer mapping's key stands for."""
    return int(key)


def layer_key(metric: str, block: int) -> str:
    """The history column of `metric` (GRAD_NORM, DEAD, SATURATED) for block `block`."""
    return f"{metric}.{block}"


def grad_norm_key(block: int) -> str:
    """The history column of block `block`'s gradient norm."""
    return layer_key(GRAD_NORM, block)


def parse_layer_key(key: str) -> tuple[str, int] | None:
    """(metric, block index) of a per-layer history column, None for any other column."""
    metric, _, index = key.rpartition(".")
    return (metric, int(index)) if metric in LAYER_METRICS and index.isdigit() else None


def is_grad_norm_key(key: str) -> bool:
    """Whether `key` is a gradient-norm column (the CLI's summary leaves them out)."""
    parsed = parse_layer_key(key)
    return parsed is not None and parsed[0] == GRAD_NORM


def layer_series(history: Mapping[str, V], *metrics: str) -> dict[int, tuple[str, V]]:
    """{block index: (metric, column)} of the history's per-layer columns of `metrics`."""
    out = {}
    for key, column in history.items():
        parsed = parse_layer_key(key)
        if parsed is not None and parsed[0] in metrics:
            out[parsed[1]] = (parsed[0], column)
    return out


def grad_norm_columns(norms: Mapping[str, float]) -> dict[str, float]:
    """History columns of a snapshot-style {block id: gradient norm} mapping."""
    return {grad_norm_key(block_index(k)): v for k, v in norms.items()}


def activity_columns(activity: Mapping[str, tuple[str, float]]) -> dict[str, float]:
    """History columns of an {block id: (DEAD | SATURATED, share)} mapping."""
    return {layer_key(kind, block_index(k)): share for k, (kind, share) in activity.items()}


def parameter_key(block: int, kind: str = "weight") -> str:
    """The state-dict key of Dense block `block`'s "weight" or "bias"."""
    return f"{block}.{DENSE_PART}.{kind}"


def parse_parameter_key(key: str) -> tuple[int, str]:
    """(block index, "weight" | "bias" | ...) of a state-dict key such as "0.linear.weight"."""
    return int(key.split(".", 1)[0]), key.rsplit(".", 1)[-1]
