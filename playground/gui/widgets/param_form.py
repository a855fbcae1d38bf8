"""A form of controls generated from a core Param schema.

The inspector (layer parameters) and the training panel (optimizer, schedule, ...) both use it, so
adding a Param to a registry entry adds its control everywhere with range, default and tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

from playground.core.params import Param
from playground.gui.widgets.number_field import NumberField


def make_control(p: Param) -> QWidget:
    """The widget for one Param, configured with its range and tooltip."""
    if p.kind is bool:
        w: QWidget = QCheckBox()
    elif p.choices is not None:
        w = QComboBox()
        w.addItems(list(p.choices))
    elif p.kind in (int, float):
        return NumberField(p)  # its tooltip holds the help and the allowed range
    else:
        w = QLineEdit()
    w.setToolTip(p.help)
    w.setObjectName(p.name)
    return w


def read_control(w: QWidget) -> Any:
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QComboBox):
        return w.currentText()
    if isinstance(w, NumberField):
        return w.value()
    return w.text()


def write_control(w: QWidget, value: Any) -> None:
    w.blockSignals(True)
    try:
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findText(str(value))))
        elif isinstance(w, NumberField):
            w.setValue(value)
        else:
            w.setText(str(value))
    finally:
        w.blockSignals(False)


class ParamForm(QWidget):
    """Labelled controls for `schema`; emits `value_changed(name, value)` on a user edit only."""

    value_changed = Signal(str, object)

    def __init__(self, schema: Sequence[Param], values: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.schema = tuple(schema)
        self.controls: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for p in self.schema:
            w = make_control(p)
            self.controls[p.name] = w
            layout.addRow(p.title, w)
            self._connect(p.name, w)
        self.set_values(values or {p.name: p.default for p in self.schema})

    def _connect(self, name: str, w: QWidget) -> None:
        emit = lambda *_: self.value_changed.emit(name, read_control(w))  # noqa: E731
        if isinstance(w, QCheckBox):
            w.toggled.connect(emit)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(emit)
        elif isinstance(w, NumberField):
            w.valueChanged.connect(emit)
        else:
            w.editingFinished.connect(emit)

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show `values` without emitting value_changed (no echo back into the session)."""
        for name, value in values.items():
            if name in self.controls:
                write_control(self.controls[name], value)

    def values(self) -> dict[str, Any]:
        return {name: read_control(w) for name, w in self.controls.items()}
