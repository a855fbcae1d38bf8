"""The one numeric field of the app: what is typed is taken exactly, or refused visibly.

Qt's spin boxes drop the keystrokes their validator dislikes (`1e-4` became `14` in a learning-rate
box) and clamp to their range in silence. This field is a line edit driven by the core `Param` that
owns the setting: it reads scientific notation, a leading `.` and the locale's decimal mark; it
shows numbers in a form that reads back (`1e-9`, not `0.00000001`); and a value that is not a number,
not finite or out of the Param's range turns the field red with the reason and the allowed range in
its tooltip, and is never committed. Up/Down and the wheel step (along a ladder for log-scale
settings such as learning rates); Escape brings back the committed value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from playground.core.errors import SpecError
from playground.core.params import Param

LOG_LADDER = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
_EXPONENT = re.compile(r"e([+-]?)0*(\d)")


def _tr(text: str) -> str:
    return QCoreApplication.translate("NumberField", text)


def format_number(value: float | int, kind: type = float) -> str:
    """The shortest text that reads back as `value`, with the locale's decimal mark: 1e-9, 0.03, 250."""
    if kind is int:
        return str(int(value))
    text = repr(float(value))
    text = text[:-2] if text.endswith(".0") else text
    text = _EXPONENT.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
    return text.replace(".", QLocale().decimalPoint())


def parse_number(text: str) -> float | None:
    """`text` as a number (C or locale notation, scientific allowed), or None if it is not one."""
    text = text.strip().replace("\u2212", "-")
    if not text:
        return None
    value, ok = QLocale().toDouble(text)
    if ok:
        return value
    try:
        return float(text)
    except ValueError:
        return None


def allowed_range(p: Param) -> str:
    """The Param's range as one translatable sentence, for tooltips."""
    lo = None if p.minimum is None else format_number(p.minimum, p.kind)
    hi = None if p.maximum is None else format_number(p.maximum, p.kind)
    if lo is not None and hi is not None:
        text = (_tr("Allowed: more than {low} and at most {high}.") if p.min_exclusive
                else _tr("Allowed: from {low} to {high}."))
    elif lo is not None:
        text = _tr("Allowed: more than {low}.") if p.min_exclusive else _tr("Allowed: {low} or more.")
    elif hi is not None:
        text = _tr("Allowed: at most {high}.")
    else:
        text = _tr("Allowed: any finite number.")
    return text.format(low=lo, high=hi)


def check_text(p: Param, text: str) -> tuple[float | int | None, str]:
    """(value, "") when `text` is a valid value of `p`, else (None, the reason as a sentence)."""
    value = parse_number(text)
    if value is None:
        return None, _tr("“{text}” is not a number.").format(text=text.strip())
    if not math.isfinite(value):
        return None, _tr("{text} is not a finite number.").format(text=text.strip())
    if p.kind is int and not value.is_integer():
        return None, _tr("{text} is not a whole number.").format(text=text.strip())
    try:
        return p.check(int(value) if p.kind is int else value, p.name), ""
    except SpecError:
        return None, _tr("{text} is out of range.").format(text=text.strip())


class NumberField(QLineEdit):
    """A numeric setting bound to `param`; `valueChanged(value)` fires on a committed user edit only.

    `special` maps values to words shown instead (batch size 0 shows as "all" and reads back);
    `step`, when set, is the arrows' fixed step (shares step by 0.05), else they step by the value's
    last significant digit, or along `ladder`.
    """

    valueChanged = Signal(object)  # noqa: N815 - Qt naming, like QSpinBox.valueChanged

    def __init__(self, param: Param, special: dict[float, str] | None = None,
                 ladder: Sequence[float] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self.special = dict(special or {})
        self.ladder = tuple(ladder if ladder is not None else (LOG_LADDER if param.log_scale else ()))
        self.step: float | None = None
        self._value: float | int = param.default
        self._help = param.help
        self.setObjectName(param.name)
        self.setText(self._format(self._value))
        self._show_state("")
        self.textEdited.connect(self._on_edited)
        self.editingFinished.connect(self.commit)

    # ---- value -------------------------------------------------------------------------------
    def value(self) -> float | int:
        return self._value

    def setValue(self, value: float | int) -> None:  # noqa: N802 - Qt naming
        """Show `value` (from the session: no signal, and any red state is cleared)."""
        self._value = int(value) if self.param.kind is int else float(value)
        self.setText(self._format(self._value))
        self._show_state("")

    def setHelp(self, text: str) -> None:  # noqa: N802 - Qt naming
        """The tooltip's first line (the setting's meaning); the allowed range follows it."""
        self._help = text
        self._show_state(self.problem)

    @property
    def problem(self) -> str:
        """Why the text now in the field is refused ("" when it is acceptable)."""
        return self._check(self.text())[1]

    def commit(self) -> bool:
        """Take the typed text if valid (emitting valueChanged when it differs); else stay red."""
        value, problem = self._check(self.text())
        self._show_state(problem)
        if problem:
            return False
        changed = value != self._value
        self._value = value
        self.setText(self._format(value))
        if changed:
            self.valueChanged.emit(value)
        return True

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt naming, like QAbstractSpinBox
        """Walk the ladder (log-scale settings) or the last significant digit; stays within range."""
        target = self._stepped(self._value, steps)
        if target is not None and self._check(self._format(target))[1] == "":
            self.setText(self._format(target))
            self.commit()

    # ---- internals -----------------------------------------------------------------------------
    def _format(self, value: float | int) -> str:
        return self.special.get(value, format_number(value, self.param.kind))

    def _check(self, text: str) -> tuple[float | int | None, str]:
        for value, word in self.special.items():
            if text.strip().casefold() == word.casefold():
                return value, ""
        return check_text(self.param, text)

    def _stepped(self, v: float, steps: int) -> float | None:
        if self.ladder:
            higher = [x for x in self.ladder if x > v * 1.0001]
            lower = [x for x in self.ladder if x < v * 0.9999]
            if steps > 0:
                return higher[min(steps, len(higher)) - 1] if higher else None
            return lower[max(-len(lower), steps)] if lower else None
        if self.param.kind is int:
            return int(v) + steps
        unit = self.step or (10.0 ** (math.floor(math.log10(abs(v))) - 1) if v else 0.1)
        return round(v + steps * unit, 12)

    def _on_edited(self, text: str) -> None:
        self._show_state(self._check(text)[1])

    def _show_state(self, problem: str) -> None:
        invalid = bool(problem)
        self.setProperty("invalid", invalid)
        self.setStyleSheet("QLineEdit { background: #f8d0d0; color: #7a0000; }" if invalid else "")
        lines = [problem] if invalid else []
        lines += [self._help, allowed_range(self.param)]
        self.setToolTip("\n".join(line for line in lines if line))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Up:
            self.stepBy(1)
        elif event.key() == Qt.Key.Key_Down:
            self.stepBy(-1)
        elif event.key() == Qt.Key.Key_Escape and self.text() != self._format(self._value):
            self.setValue(self._value)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        if self.hasFocus() and event.angleDelta().y():
            self.stepBy(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
        else:
            super().wheelEvent(event)
