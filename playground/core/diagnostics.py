"""What the Dynamics tab concludes from a run's history: are the gradients vanishing, exploding or
healthy? Decided here, without Qt, so the rule is tested in milliseconds and the window only words it.

The rule: the median, over the last epochs, of the first layer's gradient norm divided by the
head's. Below 1e-2 the first layer barely learns (vanishing); above 1e2 its steps dwarf the
head's (exploding). The median, because one minibatch's gradient is noisy: a single epoch would
make the verdict flip between "vanishing" and "healthy".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.experiment import Experiment
from playground.core.keys import GRAD_NORM, layer_series

VANISHING_BELOW, EXPLODING_ABOVE = 1e-2, 1e2


def gradient_ratio(history: Mapping[str, np.ndarray], window: int = 10) -> float | None:
    """Median over the last `window` epochs of (first layer's gradient norm / the head's); None
    without two layers' norms or without a finite positive ratio."""
    grads = layer_series(history, GRAD_NORM)
    if len(grads) < 2:
        return None
    first, head = grads[min(grads)][1][-window:], grads[max(grads)][1][-window:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = first / head
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    return float(np.median(ratio)) if ratio.size else None


def saturating(exp: Experiment | None) -> bool:
    """True if a hidden layer uses tanh/sigmoid (then ReLU is the first thing to suggest)."""
    if exp is None:
        return False
    for layer in exp.network.layers:
        entry = ACTIVATIONS.get(layer.params.get("activation", layer.params.get("function", "")))
        if entry is not None and entry.family == "saturating":
            return True
    return False


@dataclass(frozen=True)
class GradientDiagnosis:
    """The verdict on the recent epochs' gradients; `ratio` is `gradient_ratio` (None: no verdict)."""

    verdict: Literal["unknown", "vanishing", "exploding", "healthy"]
    ratio: float | None = None
    saturating: bool = False  # a tanh/sigmoid hidden layer: the first remedy to suggest is ReLU


def diagnose_gradients(history: Mapping[str, np.ndarray], exp: Experiment | None = None) -> GradientDiagnosis:
    """Vanishing, exploding or healthy gradients over the last epochs of `history`."""
    ratio = gradient_ratio(history)
    if ratio is None:
        return GradientDiagnosis("unknown")
    if ratio < VANISHING_BELOW:
        return GradientDiagnosis("vanishing", ratio, saturating(exp))
    if ratio > EXPLODING_ABOVE:
        return GradientDiagnosis("exploding", ratio)
    return GradientDiagnosis("healthy", ratio)


__all__ = ["GradientDiagnosis", "diagnose_gradients", "gradient_ratio", "saturating"]
