"""A linear model's slopes and intercept in the data's own units, whatever scaling the inputs got.

A network with no hidden layer and a linear head computes ŷ = Σ w_j·z_j + b on its inputs z. For a
CSV file the inputs are standardised, z_j = (x_j − μ_j)/σ_j (targets never are), so the same line in
the file's units is ŷ = Σ (w_j/σ_j)·x_j + (b − Σ w_j·μ_j/σ_j). Built-in sets feed their features as
written (μ = 0, σ = 1). A CSV whose 2-D features are not the plain columns (x₁², sin x₁, ...) has no
such line in its columns: no coefficients then.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from playground.core.datasets.base import Dataset
from playground.core.spec import NetworkSpec

INTERCEPT = "intercept"
_PLAIN = ("x1", "x2")  # the 2-D features that are the columns themselves


def is_linear(network: NetworkSpec) -> bool:
    """No hidden layer and a linear head: the model is one affine map of its inputs."""
    return not network.layers and network.output.get("activation", "linear") == "linear"


def _scaling(ds: Dataset, width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(μ, σ) that turned the data's numbers into model inputs; None if no affine map did."""
    mean, std = getattr(ds.transform, "mean", None), getattr(ds.transform, "std", None)
    if mean is None or std is None:
        return np.zeros(width), np.ones(width)  # built-in sets: the features as written
    features = getattr(ds.transform, "features", None)
    if features is not None and tuple(features) != _PLAIN:
        return None
    return np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)


def coefficients(network: NetworkSpec, ds: Dataset,
                 layers: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> dict[str, float] | None:
    """``{column: slope, ..., "intercept": b}`` of a one-output linear model in the data's units.

    `layers` are the model's (W[out, in], b) pairs (`probes.dense_weights`, or a snapshot's
    weights). None when the network is not linear, has more than one output, or its inputs are
    not an affine map of the data's columns.
    """
    if not is_linear(network) or len(layers) != 1:
        return None
    w, b = layers[0]
    if w.shape[0] != 1 or len(ds.feature_names) != w.shape[1]:
        return None
    line = in_data_units(ds, w, b)
    if line is None:
        return None
    slopes, intercept = line
    return {**{name: float(s) for name, s in zip(ds.feature_names, slopes, strict=True)},
            INTERCEPT: intercept}


def in_data_units(ds: Dataset, w: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, float] | None:
    """One output unit's weights w (1, in) and bias b as slopes and intercept on the data's own
    numbers (None if the inputs are not an affine map of the data's columns)."""
    scale = _scaling(ds, w.shape[1])
    if scale is None:
        return None
    mean, std = scale
    slopes = np.asarray(w, dtype=np.float64)[0] / std
    shifted = mean != 0  # an unshifted column adds nothing (not inf·0 = nan from a diverged weight)
    return slopes, (0.0 if b is None else float(b[0])) - float(np.dot(slopes[shifted], mean[shifted]))


def coefficients_text(coefs: dict[str, float]) -> str:
    """``3.001·x + 1.999``: the fitted line as a person writes it (names from the data)."""
    (value, name), *rest = [*((v, f"·{n}") for n, v in coefs.items() if n != INTERCEPT),
                            (coefs[INTERCEPT], "")]
    first = ("−" if value < 0 else "") + f"{abs(value):.4g}{name}"
    return first + "".join(f" {'−' if v < 0 else '+'} {abs(v):.4g}{n}" for v, n in rest)
