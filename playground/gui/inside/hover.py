"""The network view's hover text: which unit, or which weight or bias and its value.

Kept apart from the scene (geometry and pixels) so that each sentence is one translatable whole.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication

from playground.gui.inside._layout import HEAD, INPUT, OUTPUT_MAP
from playground.gui.inside._scene import Hit, Scene
from playground.gui.plots import _style as st


def _tr(text: str) -> str:
    return QCoreApplication.translate("NetworkView", text)


def describe(scene: Scene, hit: Hit) -> str:
    """The hover text for `hit`; its first line names the thing, the rest give values."""
    col = scene.columns[hit.col]
    if hit.kind == "neuron":
        text = col.name(hit.unit)
        grid = scene.grid(hit.col, hit.unit)
        if grid is not None and col.kind != OUTPUT_MAP and not (col.kind == HEAD and col.units > 1):
            lo, hi = st.finite_range(grid) or (np.nan, np.nan)  # a diverged run's map: "nan … nan"
            what = _tr("values {0} … {1}") if col.kind == INPUT else _tr("output {0} … {1}")
            text += "\n" + what.format(f"{lo:.3g}", f"{hi:.3g}")
            extent = scene.dataset.extent if scene.dataset is not None else None
            if grid.shape[0] == 1 and col.kind != INPUT and extent is not None:
                text += "\n" + _tr("for x from {0} (left) to {1} (right)").format(f"{extent[0]:.3g}",
                                                                                f"{extent[1]:.3g}")
        return text
    value = scene.value(hit)
    shown = "?" if value is None else f"{value:.4g}"
    if hit.kind == "bias":
        return _tr("Bias of {0}: {1}\nclick to edit").format(col.name(hit.unit), shown)
    src = scene.columns[hit.col - 1].name(hit.src)
    return _tr("Weight {0} → {1}: {2}\nclick to edit").format(src, col.name(hit.unit), shown)
