"""ROC and precision-recall curves: one plot each, one curve per class, its area in the legend.

The curves arrive computed and thinned in the snapshot (`core.curves`); this view only draws them.
Items are created once per data set and fed with `setData`; both axes are fixed at 0..1, so a new
epoch never re-lays out an axis. A marker shows where the binary threshold slider's setting sits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from playground.core.curves import Curves
from playground.gui.plots import _style as st

ROC, PR = "roc", "pr"


def _tr(text: str) -> str:
    return QCoreApplication.translate("RateCurves", text)


def _points(curve: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, y) of a curve that is two finite float arrays of one length; None for anything else
    (a damaged message decodes to numbers, but not necessarily to these)."""
    if not isinstance(curve, tuple) or len(curve) != 2:
        return None
    x, y = curve
    arrays = all(isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind == "f" for a in (x, y))
    if not arrays or x.shape != y.shape or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return x, y


class RateCurves(st.PlotView):
    """ROC (false positive rate against true positive rate) or precision against recall."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = kind
        plot = self.getPlotItem()
        if kind == ROC:
            st.style_plot(plot, _tr("false positive rate"), _tr("true positive rate"))
            chance = pg.PlotCurveItem([0, 1], [0, 1], pen=pg.mkPen(st.BORDER, width=1,
                                                                    style=Qt.PenStyle.DashLine))
            plot.addItem(chance)
            self.setToolTip(_tr("ROC curve of the test set: every threshold's share of class members "
                                "found (true positive rate) against its share of others taken for "
                                "members (false positive rate). AUC: the area under it; 0.5 is chance."))
        else:
            st.style_plot(plot, _tr("recall"), _tr("precision"))
            self.setToolTip(_tr("Precision against recall on the test set as the threshold moves. "
                                "AP (average precision): the area under this curve, as scikit-learn "
                                "sums it."))
        plot.setMouseEnabled(x=False, y=False)
        plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.03)
        plot.showGrid(x=True, y=True, alpha=0.15)
        # bottom right for ROC, bottom left for PR: where good curves leave the plot empty
        self.legend = plot.addLegend(offset=(-4, -4) if kind == ROC else (4, -4), labelTextSize="7pt",
                                     labelTextColor=st.TEXT)
        self.items: list[pg.PlotDataItem] = []
        self.marker = pg.ScatterPlotItem(size=9, pen=pg.mkPen(st.TEXT, width=1.5), brush=pg.mkBrush(st.PAPER))
        self.marker.setZValue(10)
        plot.addItem(self.marker)
        self._names: list[str] = []

    def set_classes(self, names: list[str], colours: list[str]) -> None:
        """One empty curve per name (a binary task: one, for class 1)."""
        plot = self.getPlotItem()
        for item in self.items:
            plot.removeItem(item)
            self.legend.removeItem(item)
        self.items, self._names = [], list(names)
        self.legend.setColumnCount(2 if len(names) > 5 else 1)  # ten classes: five rows, not ten
        for name, colour in zip(names, colours, strict=True):
            item = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5), name=name)
            plot.addItem(item)
            self.items.append(item)
        self.legend.setVisible(False)
        self.set_marker(None)

    def show_curves(self, curves: Curves) -> None:
        """Draw each class's curve and write its area into the legend (– where undefined)."""
        data = curves.roc if self.kind == ROC else curves.pr
        areas = curves.roc_auc if self.kind == ROC else curves.average_precision
        if not isinstance(data, tuple) or not isinstance(areas, tuple) \
                or not len(data) == len(areas) == len(self.items):
            return
        labels = [label for _, label in self.legend.items]
        for item, name, curve, area, label in zip(self.items, self._names, data, areas, labels, strict=True):
            points = _points(curve)
            item.setData(*(points if points is not None else ([], [])))
            text = self.legend_text(name, area)
            if label.text != text:
                label.setText(text)
        self.legend.setVisible(True)

    def legend_text(self, name: str, area: float) -> str:
        value = f"{area:.3f}" if isinstance(area, (int, float)) and math.isfinite(area) else "–"
        words = _tr("AUC {0}") if self.kind == ROC else _tr("AP {0}")
        return f"{name}  {words.format(value)}" if name else words.format(value)

    def set_marker(self, point: tuple[float, float] | None) -> None:
        """Ring the point of the curve where the threshold sits (None: no ring)."""
        if point is None or not all(math.isfinite(v) for v in point):
            self.marker.setData([], [])
        else:
            self.marker.setData([point[0]], [point[1]])

    def clear(self) -> None:
        for item in self.items:
            item.setData([], [])
        self.legend.setVisible(False)
        self.set_marker(None)

    def curve_data(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) drawn for curve `index` (tests)."""
        x, y = self.items[index].getData()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)
