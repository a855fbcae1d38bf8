"""Activation functions as a table: one ActivationEntry per function, `factory()` builds the torch
module, and its fields carry what statistics and initialisers need without `if name == ...` chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from playground.core.registry import Entry, Registry

RELU, SATURATING, LINEAR = "relu", "saturating", "linear"
_INF = math.inf


@dataclass(frozen=True, kw_only=True)
class ActivationEntry(Entry):
    """An activation function and the facts about it that statistics and initialisers use."""

    family: str  # RELU (can switch units off: dead units), SATURATING (bounded: stuck units) or LINEAR
    range: tuple[float, float]  # (low, high) of the outputs; a saturated unit sits near either end
    gain: str  # the `torch.nn.init.calculate_gain` nonlinearity that fits it (xavier, he)
    head_only: bool = False  # softmax mixes a layer's units: only the output head's class scores


def _entry(name: str, label: str, help: str, factory, family: str, low: float, high: float,
           gain: str, head_only: bool = False) -> ActivationEntry:
    return ActivationEntry(name, label, help, factory=factory, family=family, range=(low, high), gain=gain,
                           head_only=head_only)


ACTIVATIONS: Registry[ActivationEntry] = Registry("activation", [
    _entry("relu", "ReLU", "max(0, x): fast and simple; a unit whose input stays negative outputs 0 "
           "and stops learning (a 'dead' unit).", nn.ReLU, RELU, 0.0, _INF, "relu"),
    _entry("leaky_relu", "Leaky ReLU", "Like ReLU but lets 1% of negative inputs through, so units "
           "cannot die completely.", lambda: nn.LeakyReLU(0.01), RELU, -_INF, _INF, "leaky_relu"),
    _entry("elu", "ELU", "Like ReLU for positive inputs, a smooth curve down to -1 for negative ones.",
           nn.ELU, RELU, -1.0, _INF, "relu"),
    _entry("gelu", "GELU", "A smooth ReLU used in transformers: small negative inputs pass a little.",
           nn.GELU, RELU, -0.17, _INF, "relu"),
    _entry("softplus", "Softplus", "log(1 + eˣ): a smooth ReLU that is never exactly zero.",
           nn.Softplus, RELU, 0.0, _INF, "relu"),
    _entry("tanh", "Tanh", "S-shaped, outputs between -1 and 1, centred on 0; large inputs saturate "
           "and learn slowly.", nn.Tanh, SATURATING, -1.0, 1.0, "tanh"),
    _entry("sigmoid", "Sigmoid", "S-shaped, outputs between 0 and 1 (a probability); saturates for "
           "large inputs.", nn.Sigmoid, SATURATING, 0.0, 1.0, "sigmoid"),
    _entry("linear", "Linear", "No activation: the output is the weighted sum itself. Stacked linear "
           "layers can only learn straight boundaries.", nn.Identity, LINEAR, -_INF, _INF, "linear"),
    _entry("softmax", "Softmax", "Output head only: e^zᵢ / Σⱼ e^zⱼ turns the k class scores (logits) "
           "into probabilities that sum to 1. Pair it with 'Cross-entropy on probabilities'; "
           "Cross-entropy applies log-softmax to the logits itself, so with it the head stays linear.",
           lambda: nn.Softmax(dim=1), SATURATING, 0.0, 1.0, "linear", head_only=True),
])


def hidden_activations() -> tuple[str, ...]:
    """The activation names a hidden layer may use (all but the head-only ones)."""
    return tuple(name for name, e in ACTIVATIONS.items() if not e.head_only)


def make_activation(name: str) -> nn.Module:
    """A fresh torch module for the activation called `name`."""
    return ACTIVATIONS[name].factory()
