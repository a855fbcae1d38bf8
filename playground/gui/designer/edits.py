"""Pure edits of an Experiment's layer stack: each returns a new Experiment, nothing else.

The designer's gestures (drop, reorder, delete, inspector edit) translate into these calls and
hand the result to `Session.edit`, so undo is just "put the old value back" and the logic is
testable without Qt. Indices are hidden-layer indices (the input and output head are implicit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from playground.core.experiment import Experiment, LayerSpec, NetworkSpec
from playground.core.layers import LAYERS, OUTPUT_PARAMS
from playground.core.params import validate_params


def _with_layers(exp: Experiment, layers: list[LayerSpec]) -> Experiment:
    return replace(exp, network=replace(exp.network, layers=tuple(layers)))


def _check_index(exp: Experiment, index: int) -> None:
    n = len(exp.network.layers)
    if not 0 <= index < n:
        raise IndexError(f"layer index {index} out of range (the network has {n} hidden layers)")


def new_layer(type_name: str, params: Mapping[str, Any] | None = None) -> LayerSpec:
    """A LayerSpec of `type_name` with every parameter filled in (defaults from the registry)."""
    entry = LAYERS.lookup(type_name, "layer.type")
    return LayerSpec(entry.name, entry.validate(params, f"layer.{entry.name}"))


def insert_layer(exp: Experiment, index: int, type_name: str,
                 params: Mapping[str, Any] | None = None) -> Experiment:
    """Insert a new `type_name` layer so that it ends up at `index` (clamped to 0..len)."""
    layers = list(exp.network.layers)
    index = max(0, min(index, len(layers)))
    layers.insert(index, new_layer(type_name, params))
    return _with_layers(exp, layers)


def append_layer(exp: Experiment, type_name: str) -> Experiment:
    """Add a layer last, just before the output head (palette double-click)."""
    return insert_layer(exp, len(exp.network.layers), type_name)


def gap_to_position(src: int, gap: int) -> int:
    """Final index of layer `src` when dropped into gap `gap` (0 = before the first layer).

    Dropping into the gap right before or after itself leaves the layer where it is.
    """
    return gap - 1 if gap > src else gap


def move_layer(exp: Experiment, src: int, dst: int) -> Experiment:
    """Move layer `src` so that it ends up at index `dst` (clamped); same value if no move."""
    _check_index(exp, src)
    layers = list(exp.network.layers)
    dst = max(0, min(dst, len(layers) - 1))
    if dst == src:
        return exp
    layers.insert(dst, layers.pop(src))
    return _with_layers(exp, layers)


def remove_layer(exp: Experiment, index: int) -> Experiment:
    """Drop hidden layer `index`."""
    _check_index(exp, index)
    layers = list(exp.network.layers)
    del layers[index]
    return _with_layers(exp, layers)


def duplicate_layer(exp: Experiment, index: int) -> Experiment:
    """Insert a copy of layer `index` right after it."""
    _check_index(exp, index)
    layers = list(exp.network.layers)
    layers.insert(index + 1, layers[index])
    return _with_layers(exp, layers)


def set_layer_param(exp: Experiment, index: int, name: str, value: Any) -> Experiment:
    """Set one parameter of layer `index`, checked against its registry schema (SpecError if bad)."""
    _check_index(exp, index)
    layer = exp.network.layers[index]
    entry = LAYERS[layer.type]
    params = entry.validate({**layer.params, name: value}, f"network.layers[{index}]")
    layers = list(exp.network.layers)
    layers[index] = LayerSpec(layer.type, params)
    return _with_layers(exp, layers)


def set_output_param(exp: Experiment, name: str, value: Any) -> Experiment:
    """Set one parameter of the output head (activation, initialiser, bias)."""
    output = validate_params(OUTPUT_PARAMS, {**exp.network.output, name: value}, "network.output")
    return replace(exp, network=NetworkSpec(exp.network.layers, output))
