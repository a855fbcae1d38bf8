"""Typing into fields the way a person does: select what is there, type, press Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit


def type_into(qtbot, field: QLineEdit, text: str, key: Qt.Key = Qt.Key.Key_Return) -> None:
    """Replace the field's text with `text` by keystrokes, then press `key` (Enter commits)."""
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, key)
