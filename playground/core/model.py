"""The model builder, with shape inference that reports an impossible stack on the layer that breaks it.

`inspect_network` never raises for a bad stack: the designer calls it on every edit and shows each
layer's shapes, parameter count and, on the first layer that cannot work, a message saying what to
change. `build_model` builds the torch model only for a stack that inspects clean.

Built model layout (what the trainer and probes rely on): an ``nn.Sequential`` with one `Block` per
hidden layer, in order, then the head, so ``model[i]`` is hidden layer ``i`` and ``model[-1]`` the
output head. A Block is a named ``nn.Sequential``: Dense ``(linear, act)``, Conv2D ``([pad,] conv,
act)``, the head ``(linear, act)``, the others one module (``act``, ``pool``, ``flatten``,
``dropout``, ``norm``). A block's output is its layer's post-activation output, so a forward hook
on ``model[i]`` sees hidden layer ``i``'s units. State-dict keys read ``0.linear.weight``.
Layers are never added behind the person's back: images need an explicit Flatten before Dense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from playground.core.errors import ShapeError, SpecError
from playground.core.layers import LAYERS, OUTPUT, Block, LayerEntry, Shape, ShapeMismatch
from playground.core.params import validate_params
from playground.core.spec import NetworkSpec

__all__ = ["Block", "LayerInfo", "NetworkReport", "build_model", "inspect_network", "probe_points"]


@dataclass(frozen=True)
class LayerInfo:
    """What the designer shows for one layer. Shapes exclude the batch; None = unknown.

    `index` is the position in `NetworkSpec.layers`; the head has ``index == len(layers)`` and
    ``is_output``. Layers after an error get unknown shapes and 0 parameters.
    """

    index: int
    type: str
    label: str
    in_shape: Shape | None
    out_shape: Shape | None
    n_params: int = 0
    error: str | None = None
    is_output: bool = False


@dataclass(frozen=True)
class NetworkReport:
    """Shape inference for a whole stack: the hidden layers, then the head."""

    input_shape: Shape
    layers: tuple[LayerInfo, ...]

    @property
    def total_params(self) -> int:
        return sum(info.n_params for info in self.layers)

    @property
    def first_error(self) -> tuple[int, str] | None:
        """(layer index, message) of the first layer that cannot work, or None."""
        return next(((i.index, i.error) for i in self.layers if i.error is not None), None)

    @property
    def ok(self) -> bool:
        return self.first_error is None

    @property
    def hidden(self) -> tuple[LayerInfo, ...]:
        return self.layers[:-1]

    @property
    def head(self) -> LayerInfo:
        return self.layers[-1]


def _params(entry: LayerEntry, raw: Mapping[str, Any], path: str, units: int | None) -> dict[str, Any]:
    """Complete, checked params (the GUI may hand over partial ones); the head gets its units."""
    params = validate_params(entry.params, raw, path)
    if units is not None:
        params["units"] = units
    return params


def _flattened_images(entry: LayerEntry, in_shape: Shape) -> str:
    return (f"{entry.label} needs image input, but a Flatten before it turned the feature maps into "
            f"{in_shape[0]} numbers. Put Conv2D and pooling layers before Flatten.")


def _inspect_one(index: int, type_name: str, entry: LayerEntry | None, raw: Mapping[str, Any],
                 in_shape: Shape | None, input_shape: Shape, units: int | None = None) -> LayerInfo:
    info = {"index": index, "type": type_name, "is_output": units is not None}
    if entry is None:
        return LayerInfo(label=type_name, in_shape=in_shape, out_shape=None,
                         error=f"Unknown layer type '{type_name}'.", **info)
    try:
        params = _params(entry, raw, "", units)
    except SpecError as e:
        return LayerInfo(label=entry.label, in_shape=in_shape, out_shape=None,
                         error=f"Invalid setting {e}.", **info)
    label = entry.describe(params)
    if in_shape is None:
        return LayerInfo(label=label, in_shape=None, out_shape=None, **info)
    try:
        out = tuple(entry.infer(in_shape, params))
    except ShapeMismatch as e:
        message = str(e)
        if entry.needs_image and len(in_shape) == 1 and len(input_shape) == 3:
            message = _flattened_images(entry, in_shape)
        return LayerInfo(label=label, in_shape=in_shape, out_shape=None, error=message, **info)
    return LayerInfo(label=label, in_shape=in_shape, out_shape=out,
                     n_params=int(entry.count(in_shape, params)), **info)


def inspect_network(spec: NetworkSpec, input_shape: tuple[int, ...], output_units: int) -> NetworkReport:
    """Infer every layer's shapes and parameter count; report (never raise) the first impossible layer."""
    input_shape = tuple(int(d) for d in input_shape)
    infos: list[LayerInfo] = []
    shape: Shape | None = input_shape
    for i, layer in enumerate(spec.layers):
        info = _inspect_one(i, layer.type, LAYERS.get(layer.type), layer.params, shape, input_shape)
        infos.append(info)
        shape = info.out_shape
    infos.append(_inspect_one(len(spec.layers), OUTPUT.name, OUTPUT, spec.output, shape, input_shape,
                              units=int(output_units)))
    return NetworkReport(input_shape, tuple(infos))


def build_model(spec: NetworkSpec, input_shape: tuple[int, ...], output_units: int,
                seed: int | None = None, report: NetworkReport | None = None) -> nn.Sequential:
    """The torch model for `spec` (layout in the module docstring).

    Raises ShapeError(layer index, message) for an impossible stack (the head's index is
    ``len(spec.layers)``). With `seed`, seeds the global torch RNG first so that the weights (and
    later dropout masks) are reproducible. `report`: `inspect_network` of the same, if at hand.
    """
    if report is None:
        report = inspect_network(spec, input_shape, output_units)
    if report.first_error is not None:
        raise ShapeError(*report.first_error)
    if seed is not None:
        torch.manual_seed(seed)
    entries = [(LAYERS[layer.type], layer.params, None) for layer in spec.layers]
    entries.append((OUTPUT, spec.output, int(output_units)))
    blocks = []
    for info, (entry, raw, units) in zip(report.layers, entries, strict=True):
        params = _params(entry, raw, "", units)
        blocks.append(entry.build(info.in_shape, params))
    return nn.Sequential(*blocks)


def probe_points(model: nn.Sequential) -> list[tuple[int, Block]]:
    """(layer index, block) of every hidden layer that ends in an activation (Dense, Conv2D,
    Activation): hook ``block`` to capture that layer's post-activation units; its
    ``activation`` attribute names the function (see ACTIVATIONS' ``family`` for statistics)."""
    return [(i, b) for i, b in enumerate(list(model)[:-1])
            if isinstance(b, Block) and b.activation is not None]
