"""The inline value editor: a small line edit that opens where a weight or bias was clicked.

A line edit rather than a spin box: a weight has no natural step or range, and typing a value is
the whole point. Enter commits, Escape or clicking elsewhere cancels, so a stray click never
changes the model.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLocale, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class ValueEditor(QLineEdit):
    """Child line edit of a view; `committed(float)` on Enter with a valid number."""

    committed = Signal(float)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("valueEditor")
        validator = QDoubleValidator(-1e6, 1e6, 12, self)
        validator.setLocale(QLocale.c())  # "0.5", whatever the desktop's decimal separator
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.setValidator(validator)
        self.setFixedWidth(110)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.returnPressed.connect(self._commit)
        self.installEventFilter(self)
        self.hide()

    def open_at(self, pos: QPoint, value: float, tip: str) -> None:
        """Show at `pos` (clamped into the parent) with `value` selected, ready to type over."""
        parent = self.parentWidget()
        x = max(0, min(pos.x(), parent.width() - self.width()))
        y = max(0, min(pos.y(), parent.height() - self.height()))
        self.move(x, y)
        self.setText(f"{value:.6g}")
        self.setToolTip(tip)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.PopupFocusReason)
        self.selectAll()

    def cancel(self) -> None:
        self.hide()
        self.clearFocus()  # back to the window: Space trains again

    def _commit(self) -> None:
        text = self.text().strip()
        try:
            value = float(text)
        except ValueError:
            return  # not a number yet: keep editing
        self.cancel()
        self.committed.emit(value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        if watched is self and event.type() == QEvent.Type.FocusOut and self.isVisible():
            self.hide()
        return super().eventFilter(watched, event)
