"""The calculator dialog: reached from the Step view and the Help menu, live results, named errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from playground.gui.calculator import CalculatorDialog, calculator_action
from playground.gui.inside.step_explainer import StepExplainer


@pytest.fixture
def dialog(qtbot, controller) -> CalculatorDialog:
    """The dialog as the Step view's Calculator… button opens it."""
    panel = StepExplainer(controller)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    button = panel.findChild(type(panel.batch_button), "calculatorButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    d = panel.window().findChild(CalculatorDialog)
    qtbot.waitExposed(d)
    yield d
    d.close()


def retype(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_it_opens_on_the_courses_example_with_the_three_conventions(dialog):
    text = dialog.optimizer_tab.output.toPlainText()
    assert "→ (1.545, 2.28)" in text  # the course's own formula
    assert "→ (1.005, 2.091)" in text  # PyTorch's SGD with momentum
    assert "→ (1.5, 2.19)" in text  # the textbook form
    assert "arithmetic slips" in text and "(1.3, 2.4)" in text
    assert "Adam" in text and "RMSProp" in text


def test_typing_recomputes_and_a_bad_vector_is_named_while_the_result_stays(qtbot, dialog):
    tab = dialog.optimizer_tab
    retype(qtbot, tab.vectors["g"], "1, 1")
    assert "→ (0.9, 1.9)" in tab.output.toPlainText()  # SGD: w − 0.1·g
    assert tab.error.text() == "" and "arithmetic slips" not in tab.output.toPlainText()
    retype(qtbot, tab.vectors["g"], "1")
    assert tab.error.text() == "g has 1 value(s) but w has 2: give one per weight"
    assert "→ (0.9, 1.9)" in tab.output.toPlainText()  # the last good result stays
    qtbot.mouseClick(tab.example_button, Qt.MouseButton.LeftButton)
    assert tab.error.text() == "" and "→ (1.545, 2.28)" in tab.output.toPlainText()


def test_the_learning_rate_field_drives_the_step(qtbot, dialog):
    tab = dialog.optimizer_tab
    field = tab.scalars["lr"]
    retype(qtbot, field, "0.2")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "→ (1.1, 2.2)" in tab.output.toPlainText()  # SGD: (1, 2) − 0.2·(−0.5, −1)


def test_the_loss_tab_works_terms_through_and_switches_to_logits(qtbot, dialog):
    tab = dialog.loss_tab
    dialog.tabs.setCurrentWidget(tab)
    assert "(0.9 − 1)² = 0.01" in tab.output.toPlainText()
    retype(qtbot, tab.targets, "0; 2")
    retype(qtbot, tab.predictions, "2,1,0; 0,1,3")
    assert "probabilities must lie from 0 to 1 (raw scores are logits: choose logits)" in tab.error.text()
    qtbot.mouseClick(tab.logits, Qt.MouseButton.LeftButton, pos=QPoint(8, tab.logits.height() // 2))
    assert tab.logits.isChecked()
    assert tab.error.text() == ""
    assert "class 2: −log 0.843795" in tab.output.toPlainText()


def test_the_help_menu_action_opens_the_same_dialog(qtbot, dialog):
    window = dialog.parent()
    action = calculator_action(window)
    assert action.shortcut().toString() == "Ctrl+K"
    action.trigger()
    assert window.findChildren(CalculatorDialog) == [dialog]
