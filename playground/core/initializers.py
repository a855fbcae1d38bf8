"""Weight initialisers as a table, and `apply_initializer` that runs one on a Dense or Conv layer.

Each Entry's factory is ``init(weight, scale, gain_name)``; it fills the weight in place from the
global torch RNG, so `torch.manual_seed` before building a model makes it reproducible. Every
initialiser except "default" sets biases to zero (the Keras convention), so the only difference
between two choices is the weights. The layer's ``init_scale`` is σ for "normal", the range ±a
for "uniform" and a multiplier on the gain for "xavier" and "he" (1 = the textbook value).
"""

from __future__ import annotations

import torch
from torch import nn

from playground.core.activations import ACTIVATIONS
from playground.core.registry import Entry, Registry


def _xavier(w: torch.Tensor, scale: float, gain_name: str) -> None:
    # Glorot's gain only corrects for the squashing functions; for ReLU-like units use "he".
    gain = nn.init.calculate_gain(gain_name) if gain_name in ("tanh", "sigmoid") else 1.0
    nn.init.xavier_uniform_(w, gain=gain * scale)


def _he(w: torch.Tensor, scale: float, gain_name: str) -> None:
    nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")
    if scale != 1.0:
        with torch.no_grad():
            w.mul_(scale)


INITIALIZERS: Registry[Entry] = Registry("initializer", [
    Entry("default", "PyTorch default", "PyTorch's own choice: uniform in ±1/√fan_in for weights "
          "and biases.", factory=lambda w, scale, gain: None),
    Entry("zeros", "Zeros", "All weights and biases 0. Every unit then computes the same thing and "
          "they never become different: try it to see why networks need random starts.",
          factory=lambda w, scale, gain: nn.init.zeros_(w)),
    Entry("normal", "Normal", "Random from a normal distribution with σ = init scale.",
          factory=lambda w, scale, gain: nn.init.normal_(w, 0.0, scale)),
    Entry("uniform", "Uniform", "Random, evenly spread between -a and a (a = init scale).",
          factory=lambda w, scale, gain: nn.init.uniform_(w, -scale, scale)),
    Entry("xavier", "Xavier / Glorot", "Uniform, scaled by the number of inputs and outputs so "
          "signals keep their size through tanh and sigmoid layers.", factory=_xavier),
    Entry("he", "He / Kaiming", "Normal with σ = √(2 / inputs): keeps signals their size through "
          "ReLU layers.", factory=_he),
])


def apply_initializer(layer: nn.Module, name: str, scale: float = 1.0, activation: str = "linear") -> None:
    """Initialise `layer.weight` (and zero `layer.bias`) of a Linear/Conv layer with `name`.

    `activation` is the ACTIVATIONS name that follows the layer; it picks the xavier gain.
    "default" leaves torch's own initialisation untouched.
    """
    if name == "default":
        return
    entry = INITIALIZERS.lookup(name, "initializer")
    act = ACTIVATIONS.get(activation)
    gain_name = act.gain if act is not None else "linear"
    with torch.no_grad():
        entry.factory(layer.weight, float(scale), gain_name)
        if getattr(layer, "bias", None) is not None:
            layer.bias.zero_()
