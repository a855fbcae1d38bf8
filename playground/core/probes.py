"""Read-outs of a model for display: decision boundary, neuron maps and curves, fitted curve, weights.

All functions run the model in eval mode without gradients and return fresh numpy arrays, so the
result can cross threads while the live model keeps training.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from playground.core.datasets.base import BINARY, MULTICLASS, Dataset
from playground.core.inside import feature_maps, first_conv_filters
from playground.core.losses import LOSSES

OutputToValue = Callable[[torch.Tensor], torch.Tensor]
NEURON_RESOLUTION = 40  # side of each unit's map over the input plane (the trainer's default)


def curve_points(resolution: int) -> int:
    """Points of each unit's curve over a 1-D set's x range for a map `resolution`: twice a map's
    side, which a curve needs to look smooth. The network view's input curves use the same count."""
    return 2 * resolution


def output_to_value(task: str, head_activation: str, loss: str) -> OutputToValue:
    """How raw model outputs become what is shown and scored.

    binary: P(class 1) (sigmoid of the logit for a loss on logits, BCE, the output itself for a
    sigmoid head, clipped otherwise); multiclass: class probabilities (softmax of logits, or a
    softmax head's own output); regression: the value.
    """
    if task == BINARY:
        if head_activation == "sigmoid":
            return lambda out: out
        if loss in LOSSES and LOSSES[loss].logits:
            return torch.sigmoid
        return lambda out: out.clamp(0.0, 1.0)
    if task == MULTICLASS:
        if head_activation == "softmax":
            return lambda out: out
        return lambda out: torch.softmax(out, dim=1)
    return lambda out: out


def grid_points(extent: tuple[float, float, float, float], res: int) -> np.ndarray:
    """(res*res, 2) raw points, row-major: rows sweep x2 upward, columns sweep x1."""
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, res, dtype=np.float32)
    ys = np.linspace(y0, y1, res, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode for a read-out (dropout off, batch norm on its running stats), then as it was."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


@torch.no_grad()
def plane_maps(model: nn.Sequential, dataset: Dataset, to_value: OutputToValue, res: int,
               neuron_res: int = 0, max_units: int = 32) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
    """Model output over the input plane, and optionally each hidden unit's output on a coarser grid.

    Returns (boundary (res, res) float32, neuron grids per hidden layer (units, r, r) or None).
    For k classes the boundary holds the predicted class index.
    """
    assert dataset.extent is not None and dataset.transform is not None
    with _evaluating(model):
        x = torch.from_numpy(dataset.transform(grid_points(dataset.extent, res)))
        value = to_value(model(x))
        grid = value.argmax(dim=1).float() if dataset.task == MULTICLASS else value[:, 0]
        boundary = grid.reshape(res, res).numpy().astype(np.float32, copy=True)
        neurons = _neuron_maps(model, dataset, neuron_res, max_units) if neuron_res else None
    return boundary, neurons


def _neuron_maps(model: nn.Sequential, dataset: Dataset, res: int, max_units: int) -> tuple[np.ndarray, ...]:
    x = torch.from_numpy(dataset.transform(grid_points(dataset.extent, res)))
    return tuple(_copy(units.reshape(-1, res, res)) for units in _hidden_outputs(model, x, max_units))


def _hidden_outputs(model: nn.Sequential, x: torch.Tensor, max_units: int) -> list[torch.Tensor]:
    """(units, points) outputs of every hidden block with a vector output, the first `max_units` units."""
    h, out = x, []
    for block in list(model)[:-1]:
        h = block(h)
        if h.ndim == 2:
            out.append(h[:, :max_units].T)
    return out


def _copy(t: torch.Tensor) -> np.ndarray:
    return t.numpy().astype(np.float32, copy=True)


def line_points(dataset: Dataset, points: int) -> np.ndarray:
    """(points, 1) evenly spaced raw x over the plotted x range of a 1-D set, ends included."""
    assert dataset.extent is not None
    return np.linspace(dataset.extent[0], dataset.extent[1], points, dtype=np.float32).reshape(-1, 1)


def _line_input(dataset: Dataset, xs: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(dataset.transform(xs) if dataset.transform is not None else xs)


@torch.no_grad()
def fitted_curve(model: nn.Sequential, dataset: Dataset, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """(x, y_hat) over the plotted x range of a 1-D regression set."""
    xs = line_points(dataset, points)
    with _evaluating(model):
        ys = model(_line_input(dataset, xs))[:, 0].numpy().copy()
    return xs[:, 0].copy(), ys


@torch.no_grad()
def line_maps(model: nn.Sequential, dataset: Dataset, points: int,
              max_units: int = 32) -> tuple[np.ndarray, ...]:
    """Each hidden unit's output along the x range of a 1-D set: per hidden layer (units, 1, points).

    The 1-D counterpart of `plane_maps`' neuron grids: one row per unit, its curve over the same
    x as `fitted_curve` (`line_points`), so the network view can draw it as the heat map's analogue.
    """
    with _evaluating(model):
        x = _line_input(dataset, line_points(dataset, points))
        return tuple(_copy(units.reshape(-1, 1, points)) for units in _hidden_outputs(model, x, max_units))


def dense_weights(model: nn.Module) -> tuple[tuple[np.ndarray, np.ndarray | None], ...]:
    """(W[out, in], b) copies of every Linear layer, input side first."""
    out = []
    for m in model.modules():
        if isinstance(m, nn.Linear):
            b = m.bias.detach().numpy().copy() if m.bias is not None else None
            out.append((m.weight.detach().numpy().copy(), b))
    return tuple(out)


@torch.no_grad()
def values_at(model: nn.Module, to_value: OutputToValue, *inputs: torch.Tensor) -> tuple[np.ndarray, ...]:
    """The model's value (as in the boundary) at each row of each input, in eval mode: hover read-outs
    and loss-sized points for the train and test splits."""
    with _evaluating(model):
        return tuple(to_value(model(x)).numpy().copy() for x in inputs)


@torch.no_grad()
def predicted_classes(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Arg-max class of each row (image sets: the guesses shown under the sample images)."""
    with _evaluating(model):
        return model(x).argmax(dim=1).numpy().copy()


@torch.no_grad()
def conv_views(model: nn.Sequential, image: torch.Tensor,
               to_value: OutputToValue) -> tuple[np.ndarray | None, tuple, np.ndarray]:
    """The first Conv2D's filters, every conv layer's feature maps for one image, and the model's
    class probabilities for it (as `to_value` makes them: softmax of the logits, or a softmax head's)."""
    with _evaluating(model):
        probs = to_value(model(image.unsqueeze(0)))[0].numpy().copy()
        return first_conv_filters(model), feature_maps(model, image), probs
