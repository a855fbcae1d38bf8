"""A sweep's trials as a sortable table and a scatter of one swept setting against the objective.

Fed with the dicts a core Sweep produces (live events, or a saved summary.json read back): a row
per trial with its status, its values, validation loss (the objective), test loss and test
accuracy. Numbers sort as numbers. The scatter puts the chosen setting on x (log when its values
are positive and span more than 10×, as the sweep draws such ranges) and the validation loss on y.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.core.search.paths import LOG_SPAN
from playground.gui.panels.runs_panel import swatch
from playground.gui.plots import _style as st

_KEY = Qt.ItemDataRole.UserRole
FIGURES = ("val_loss", "test_loss", "test_accuracy")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SweepResults", text)


def state_text(state: str) -> str:
    return {"running": _tr("running"), "complete": _tr("complete"), "pruned": _tr("pruned"),
            "failed": _tr("failed")}.get(state, state)


class _Item(QTableWidgetItem):
    """A cell that sorts by its key (numbers as numbers, missing values last)."""

    def __init__(self, text: str, key: Any):
        super().__init__(text)
        self.setData(_KEY, key)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(_KEY), other.data(_KEY)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        if isinstance(a, (int, float)) != isinstance(b, (int, float)):
            return isinstance(a, (int, float))  # numbers before blanks and names
        return str(a) < str(b)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _fmt(v: Any, percent: bool = False) -> str:
    if not _number(v):
        return "–" if v is None else str(v)
    return f"{v:.1%}" if percent else f"{v:.4g}"


def log_scaled(values: list[Any]) -> bool:
    """Whether a setting's values read best on a log axis: positive numbers spanning > LOG_SPAN."""
    nums = [v for v in values if _number(v)]
    return len(nums) == len(values) > 1 and min(nums) > 0 and max(nums) / min(nums) > LOG_SPAN


class SweepResults(QWidget):
    """The trial table and the scatter; `trials` holds each trial's latest dict by number."""

    def __init__(self, parent: QWidget | None = None, colour: Callable[[int], str] | None = None):
        super().__init__(parent)
        self.colour = colour  # a trial's colour by number (its overlay curves), if any
        self.paths: list[str] = []
        self.labels: dict[str, str] = {}
        self.trials: dict[int, dict[str, Any]] = {}
        self.best: int | None = None
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("sweepTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.x_choice = QComboBox()
        self.x_choice.setToolTip(_tr("The swept setting on the scatter's x axis"))
        self.x_choice.currentIndexChanged.connect(lambda _i: self._draw_scatter())
        self.scatter = pg.PlotWidget(background=st.PAPER)
        self.scatter.setObjectName("sweepScatter")
        self.scatter.setMinimumSize(260, 180)
        st.style_plot(self.scatter.getPlotItem(), "", _tr("validation loss"))
        self.scatter.showGrid(x=True, y=True, alpha=0.15)
        self.points = self.scatter.plot([], [], pen=None, symbol="o", symbolSize=9,
                                        symbolBrush=pg.mkBrush(st.POSITIVE), symbolPen=None)
        self.best_point = self.scatter.plot([], [], pen=None, symbol="star", symbolSize=18,
                                            symbolBrush=pg.mkBrush(st.NEGATIVE), symbolPen=None)
        plot_box = QWidget()
        plot_lay = QVBoxLayout(plot_box)
        plot_lay.setContentsMargins(0, 0, 0, 0)
        plot_lay.addWidget(self.x_choice)
        plot_lay.addWidget(self.scatter, 1)
        self.plot_box = plot_box

    # ------------------------------------------------------------------ filling -----------
    def reset(self, paths: list[str], labels: dict[str, str]) -> None:
        """An empty table with a column per swept setting."""
        self.paths, self.labels, self.trials, self.best = list(paths), dict(labels), {}, None
        heads = [_tr("Trial"), _tr("Status"), *(labels.get(p, p) for p in paths), _tr("Val loss"),
                 _tr("Test loss"), _tr("Test accuracy")]
        self.table.setRowCount(0)
        self.table.setColumnCount(len(heads))
        self.table.setHorizontalHeaderLabels(heads)
        for i, p in enumerate(paths):
            self.table.horizontalHeaderItem(2 + i).setToolTip(p)
        self.x_choice.blockSignals(True)
        self.x_choice.clear()
        for p in paths:
            self.x_choice.addItem(labels.get(p, p), p)
        self.x_choice.blockSignals(False)
        self._draw_scatter()

    def update_trial(self, trial: dict[str, Any]) -> None:
        """Add or refresh trial `trial["number"]` (a started, progress or result dict)."""
        number = trial["number"]
        if not self.table.columnCount():  # no sweep announced its settings: take this trial's
            self.reset(list(trial.get("params", {})), self.labels)
        merged = {**self.trials.get(number, {}), **trial}
        self.trials[number] = merged
        self.table.setSortingEnabled(False)  # rows would move under us while we fill one
        row = self._row_of(number)
        if row is None:
            row = self.table.rowCount()
            self.table.insertRow(row)
        self._fill(row, merged)
        self.table.setSortingEnabled(True)
        if "state" in trial:
            self._draw_scatter()

    def set_best(self, number: int | None) -> None:
        """Bold the best trial's row (the lowest validation loss)."""
        self.best = number
        for row in range(self.table.rowCount()):
            bold = self.table.item(row, 0).data(_KEY) == number
            for col in range(self.table.columnCount()):
                item = self.table.item(row, col)
                if item is not None:
                    font = QFont(item.font())
                    font.setBold(bold)
                    item.setFont(font)
        self._draw_scatter()

    def show_summary(self, summary: dict[str, Any], labels: dict[str, str]) -> None:
        """Every trial of a finished (or saved) sweep."""
        trials = summary["trials"]
        paths = list(dict.fromkeys(p for t in trials for p in t.get("params", {})))
        self.reset(paths, labels)
        for t in trials:
            self.update_trial(t)
        best = summary.get("best")
        self.set_best(best["number"] if isinstance(best, dict) else None)

    def _row_of(self, number: int) -> int | None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(_KEY) == number:
                return row
        return None

    def _fill(self, row: int, t: dict[str, Any]) -> None:
        state = t.get("state", "running")
        status = state_text(state)
        if state == "running" and t.get("epoch"):
            status = _tr("running · epoch {epoch}").format(epoch=t["epoch"])
        cells = [_Item(str(t["number"]), t["number"]), _Item(status, state)]
        if self.colour is not None:
            cells[0].setIcon(swatch(self.colour(t["number"])))  # its curves' colour on the loss plot
        for p in self.paths:
            v = t.get("params", {}).get(p)
            cells.append(_Item(_fmt(v), v if v is not None else ""))
        for key in FIGURES:
            v = t.get(key)
            text = _fmt(v, percent=key == "test_accuracy")
            if key == "val_loss" and _number(t.get("val_loss_std")):
                text = _tr("{mean} ± {spread}").format(mean=text, spread=_fmt(t["val_loss_std"]))
            cells.append(_Item(text, v if _number(v) else ""))
        if t.get("message"):
            cells[1].setToolTip(t["message"])
        for col, item in enumerate(cells):
            self.table.setItem(row, col, item)

    # ------------------------------------------------------------------ scatter -----------
    def selected_trial(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.trials.get(self.table.item(rows[0].row(), 0).data(_KEY))

    def _draw_scatter(self) -> None:
        path = self.x_choice.currentData()
        done = [t for t in self.trials.values()
                if t.get("state") == "complete" and _number(t.get("val_loss"))]
        values = [t["params"].get(path) for t in done] if path else []
        numeric = all(_number(v) for v in values)
        log = numeric and log_scaled(sorted(set(values)))
        axis = self.scatter.getAxis("bottom")
        if numeric:
            xs = [float(v) for v in values]
            distinct = sorted(set(xs))  # a grid's few values: a tick at each (log mode ticks in log10)
            axis.setTicks([[(math.log10(v) if log else v, _fmt(v)) for v in distinct]]
                          if 0 < len(distinct) <= 8 else None)
        else:  # names (optimizers): one tick each
            names = list(dict.fromkeys(str(v) for v in values))
            xs = [float(names.index(str(v))) for v in values]
            axis.setTicks([list(enumerate(names))])
        self.scatter.setLogMode(x=log, y=False)
        self.scatter.setLabel("bottom", self.labels.get(path, path or ""), color=st.MUTED)
        ys = [t["val_loss"] for t in done]
        self.points.setData(xs, ys)
        best = [i for i, t in enumerate(done) if t["number"] == self.best]
        self.best_point.setData([xs[i] for i in best], [ys[i] for i in best])

    def scatter_data(self) -> tuple[list[float], list[float], bool]:
        """What the scatter shows: x, y, and whether x is on a log axis."""
        xs, ys = self.points.getOriginalDataset()
        return ([] if xs is None else list(xs)), ([] if ys is None else list(ys)), \
            self.scatter.getPlotItem().ctrl.logXCheck.isChecked()


__all__ = ["SweepResults", "log_scaled", "state_text"]
