"""The calculator: one optimizer update and one loss worked through with numbers the learner types.

Two tabs over `core.calculators`: Optimizer (a weight vector, its gradient, the learning rate, β
and the optimizer's state give one update of every optimizer, and momentum in three conventions,
with the course's example one click away) and Loss (targets and predictions or logits give MSE,
MAE and the cross-entropies term by term). Results follow every edit; an input that cannot be
used is named in one sentence under the fields and the last good result stays until it is fixed.
Reached from the Step view ("Calculator…") and the Help menu; one dialog per window, not modal.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.calculators import loss_calc, optimizer_calc
from playground.core.calculators.numbers import CalcError, parse_vector, vector_text
from playground.core.calculators.optimizer_calc import COURSE_EXAMPLE, SCALARS, OptimizerInputs
from playground.gui.widgets.number_field import NumberField, format_number

_CSS = """
h3 { font-size: 10pt; margin: 8px 0 2px 0; }
.formula { color: #2d5f9a; } .result { font-weight: bold; } .note { color: #6b4e16; }
.muted { color: #6b7785; }
"""
_ERROR_STYLE = "color: #d64545;"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Calculator", text)


def _browser() -> QTextBrowser:
    b = QTextBrowser()
    b.document().setDefaultStyleSheet(_CSS)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    b.document().setDefaultFont(mono)
    b.setOpenLinks(False)
    return b


def _error_label() -> QLabel:
    """Where a tab says, in red, which field it cannot read (the last good result stays below)."""
    label = QLabel()
    label.setObjectName("calcError")
    label.setStyleSheet(_ERROR_STYLE)
    label.setWordWrap(True)
    return label


def _lines(lines: tuple[str, ...] | list[str]) -> str:
    return "".join(f"&nbsp;&nbsp;{html.escape(line)}<br>" for line in lines)


class OptimizerTab(QWidget):
    """Vectors as text, scalars as NumberFields; every optimizer's step and the three conventions."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.vectors: dict[str, QLineEdit] = {}
        form = QFormLayout()
        hints = {"w": self.tr("weights w, e.g. 1, 2"), "g": self.tr("gradient g, one per weight"),
                 "v": self.tr("velocity v before the step (empty: the first step)"),
                 "m": self.tr("Adam's mean m before the step (empty: 0)"),
                 "s": self.tr("squared-gradient sum/average s before the step (empty: 0)")}
        labels = {"w": self.tr("Weights w"), "g": self.tr("Gradient g"), "v": self.tr("Velocity v"),
                  "m": self.tr("Adam's m"), "s": self.tr("Squared avg s")}
        for name in ("w", "g", "v", "m", "s"):
            edit = QLineEdit()
            edit.setObjectName(f"calc_{name}")
            edit.setPlaceholderText(hints[name])
            edit.textChanged.connect(self.recompute)
            self.vectors[name] = edit
            form.addRow(labels[name], edit)
        self.scalars: dict[str, NumberField] = {}
        scalar_labels = {"lr": self.tr("Learning rate α"), "beta": self.tr("β (momentum, Adam's β₁)"),
                         "beta2": self.tr("Adam's β₂"), "alpha": self.tr("RMSProp's α"), "eps": self.tr("ε"),
                         "weight_decay": self.tr("AdamW's weight decay"), "t": self.tr("Steps taken t")}
        grid = QFormLayout()
        for p in SCALARS:
            field = NumberField(p)
            field.setObjectName(f"calc_{p.name}")
            field.valueChanged.connect(self.recompute)
            self.scalars[p.name] = field
            grid.addRow(scalar_labels[p.name], field)
        top = QHBoxLayout()
        top.addLayout(form, 3)
        top.addLayout(grid, 2)
        self.example_button = QPushButton(self.tr("Load the course's momentum example"))
        self.example_button.setToolTip(self.tr("ω = (1, 2), gradient (−0.5, −1), α = 0.1, β = 0.9, "
                                               "previous velocity (0.5, 0.1)"))
        self.example_button.setAutoDefault(False)  # Enter in a field commits it, never reloads the example
        self.example_button.clicked.connect(self.load_course_example)
        self.error = _error_label()
        self.output = _browser()
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.example_button)
        lay.addWidget(self.error)
        lay.addWidget(self.output, 1)

    def set_inputs(self, x: OptimizerInputs) -> None:
        """Show `x` in the fields (one recompute at the end)."""
        for name, edit in self.vectors.items():
            values = getattr(x, name)
            edit.blockSignals(True)
            edit.setText("" if values is None else ", ".join(format_number(v) for v in values))
            edit.blockSignals(False)
        for name, field in self.scalars.items():
            field.setValue(getattr(x, name))
        self.recompute()

    def load_course_example(self) -> None:
        self.set_inputs(COURSE_EXAMPLE)

    def inputs(self) -> OptimizerInputs:
        """The typed inputs, or a CalcError naming the field that cannot be read."""
        vectors = {}
        for name, edit in self.vectors.items():
            text = edit.text().strip()
            vectors[name] = parse_vector(text, name) if text or name in "wg" else None
        scalars = {name: f.value() for name, f in self.scalars.items()}
        return OptimizerInputs(**vectors, **scalars)

    def recompute(self) -> None:
        try:
            x = self.inputs()
            steps, forms = optimizer_calc.all_steps(x), optimizer_calc.conventions(x)
        except CalcError as e:
            self.error.setText(str(e))
            return
        self.error.setText("")
        parts = [f"<h3>{html.escape(self.tr('Momentum: three conventions'))}</h3>"]  # the course's example
        for c in forms:
            parts.append(f"<b>{html.escape(c.convention.label)}</b>: <span class='formula'>"
                         f"{html.escape(c.convention.formula)}</span><br>{_lines(c.lines)}"
                         f"&nbsp;&nbsp;<span class='result'>→ {vector_text(c.new)}</span><br>")
        parts += [f"<p class='note'>{html.escape(n)}</p>" for n in optimizer_calc.notes(x)]
        parts.append(f"<h3>{html.escape(self.tr('One step of each optimizer'))}</h3>")
        for s in steps:
            parts.append(f"<b>{html.escape(s.label)}</b>: <span class='formula'>{html.escape(s.formula)}"
                         "</span><br>" + "".join(_lines(w) for w in s.worked)
                         + f"&nbsp;&nbsp;<span class='result'>→ {vector_text(s.new)}</span><br>")
        self.output.setHtml("".join(parts))


class LossTab(QWidget):
    """Targets and predictions as text (rows between ';'), logits or probabilities."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.targets = QLineEdit("1, 0, 1")
        self.targets.setObjectName("calc_targets")
        self.targets.setPlaceholderText(self.tr("e.g. 1, 0, 1; class indices 0, 2; one-hot rows 1,0; 0,1"))
        self.predictions = QLineEdit("0.9, 0.2, 0.6")
        self.predictions.setObjectName("calc_predictions")
        self.predictions.setPlaceholderText(
            self.tr("e.g. 0.9, 0.2, 0.6, or one row per example: 0.7,0.3; 0.2,0.8"))
        self.logits = QCheckBox(self.tr("Predictions are logits (raw scores)"))
        self.logits.setObjectName("calc_logits")
        form = QFormLayout()
        form.addRow(self.tr("Targets"), self.targets)
        form.addRow(self.tr("Predictions"), self.predictions)
        form.addRow("", self.logits)
        hint = QLabel(self.tr("One value per example gives MSE, MAE and binary cross-entropy; rows of class "
                              "scores, separated by ';', give categorical cross-entropy."))
        hint.setWordWrap(True)
        self.error = _error_label()
        self.output = _browser()
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.error)
        lay.addWidget(self.output, 1)
        for signal in (self.targets.textChanged, self.predictions.textChanged, self.logits.toggled):
            signal.connect(self.recompute)
        self.recompute()

    def recompute(self) -> None:
        try:
            results = loss_calc.losses(self.targets.text(), self.predictions.text(), self.logits.isChecked())
        except CalcError as e:
            self.error.setText(str(e))
            return
        self.error.setText("")
        self.results = results
        self.output.setHtml("".join(
            f"<h3>{html.escape(r.label)}</h3><span class='formula'>{html.escape(r.formula)}</span><br>"
            f"{_lines(r.lines)}&nbsp;&nbsp;<span class='result'>{html.escape(r.mean_line)}</span><br>"
            for r in results))


class CalculatorDialog(QDialog):
    """The two calculators in tabs; opens with the course's momentum example loaded."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("calculatorDialog")
        self.setWindowTitle(self.tr("Calculator: optimizer steps and losses by hand"))
        self.tabs = QTabWidget()
        self.optimizer_tab = OptimizerTab()
        self.loss_tab = LossTab()
        self.tabs.addTab(self.optimizer_tab, self.tr("Optimizer"))
        self.tabs.addTab(self.loss_tab, self.tr("Loss"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        self.optimizer_tab.load_course_example()
        self.resize(900, 700)


def show_calculator(anchor: QWidget) -> CalculatorDialog:
    """The window's one calculator dialog (created on first use), raised."""
    window = anchor.window()
    dialog = window.findChild(CalculatorDialog)
    if dialog is None:
        dialog = CalculatorDialog(window)
    dialog.show()
    dialog.activateWindow()
    return dialog


def calculator_button(parent: QWidget) -> QToolButton:
    """The Step view's "Calculator…" button."""
    b = QToolButton(parent)
    b.setObjectName("calculatorButton")
    b.setText(_tr("Calculator…"))
    b.setToolTip(_tr("Work one optimizer update or one loss through with numbers you type (Ctrl+K)"))
    b.clicked.connect(lambda: show_calculator(b))
    return b


def calculator_action(window: QWidget) -> QAction:
    """The Help menu's entry, with its shortcut."""
    action = QAction(_tr("Optimizer and loss &calculator…"), window)
    action.setShortcut(QKeySequence("Ctrl+K"))
    action.triggered.connect(lambda: show_calculator(window))
    return action
