"""One numeric field for the whole app: typed values are taken exactly or refused visibly."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QLocale, Qt  # noqa: E402

from playground.core.experiment import TRAINING_PARAMS  # noqa: E402
from playground.gui.panels.run_bar import RunBar  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from playground.gui.widgets.number_field import NumberField, format_number, parse_number  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402


@pytest.fixture
def bar(qtbot) -> RunBar:
    widget = RunBar(Session())
    qtbot.addWidget(widget)
    return widget


def lr(bar: RunBar) -> float:
    return bar.session.experiment.training.optimizer.params["lr"]


@pytest.mark.parametrize("typed,value", [("1e-4", 1e-4), ("1E-9", 1e-9), (".5", 0.5), ("3e-1", 0.3),
                                         ("  0.003 ", 0.003), ("100", 100.0)])
def test_learning_rate_takes_what_is_typed_exactly(qtbot, bar, typed, value):
    type_into(qtbot, bar.lr_box, typed)
    assert lr(bar) == value
    assert not bar.lr_box.property("invalid")
    assert parse_number(bar.lr_box.text()) == value  # what is shown reads back as what runs


@pytest.mark.parametrize("typed,reason", [("1e308", "out of range"), ("-5", "out of range"),
                                          ("0", "out of range"), ("abc", "not a number"),
                                          ("1e-4x", "not a number"),
                                          ("nan", "not a finite number"), ("inf", "not a finite number")])
def test_learning_rate_refuses_the_rest_visibly_and_changes_nothing(qtbot, bar, typed, reason):
    before, undo = lr(bar), bar.session.undo_stack.count()
    with qtbot.assertNotEmitted(bar.lr_box.valueChanged):
        type_into(qtbot, bar.lr_box, typed)
    assert lr(bar) == before and bar.session.undo_stack.count() == undo
    assert bar.lr_box.property("invalid") and bar.lr_box.text() == typed  # the typing is kept, in red
    tip = bar.lr_box.toolTip()
    assert reason in tip and "Allowed: more than 0 and at most 100." in tip
    qtbot.keyClick(bar.lr_box, Qt.Key.Key_Escape)  # Escape brings back what runs
    assert bar.lr_box.text() == format_number(before) and not bar.lr_box.property("invalid")


def test_red_follows_the_typing_and_clears_when_valid(qtbot, bar):
    bar.lr_box.setFocus()
    bar.lr_box.selectAll()
    qtbot.keyClicks(bar.lr_box, "1e")
    assert bar.lr_box.property("invalid")
    qtbot.keyClicks(bar.lr_box, "-3")
    assert not bar.lr_box.property("invalid")
    qtbot.keyClick(bar.lr_box, Qt.Key.Key_Return)
    assert lr(bar) == 1e-3


def test_small_and_large_values_show_in_a_form_that_reads_back():
    for value in (1e-9, 3e-5, 0.0001, 0.03, 1.5, 250.0, 1e20, 123456789.0):
        assert parse_number(format_number(value)) == value
    assert format_number(1e-9) == "1e-9" and format_number(0.03) == "0.03" and format_number(1e20) == "1e20"
    assert format_number(12, int) == "12"


def test_the_locale_decimal_mark_is_accepted(qtbot):
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        bar = RunBar(Session())
        qtbot.addWidget(bar)
        type_into(qtbot, bar.lr_box, "0,25")
        assert lr(bar) == 0.25 and bar.lr_box.text() == "0,25"
        type_into(qtbot, bar.lr_box, "1e-4")
        assert lr(bar) == 1e-4
    finally:
        QLocale.setDefault(previous)


def test_whole_numbers_and_special_words(qtbot, bar):
    type_into(qtbot, bar.batch_box, "all")
    assert bar.session.experiment.training.batch_size == 0 and bar.batch_box.text() == "all"
    type_into(qtbot, bar.batch_box, "32")
    assert bar.session.experiment.training.batch_size == 32
    for bad in ("2.5", "-1", "ten"):
        type_into(qtbot, bar.batch_box, bad)
        assert bar.batch_box.property("invalid") and bar.session.experiment.training.batch_size == 32
    type_into(qtbot, bar.batch_box, "1e2")  # a whole number in scientific notation is still whole
    assert bar.session.experiment.training.batch_size == 100


def test_arrows_and_wheel_step_and_never_leave_the_range(qtbot):
    epochs = next(p for p in TRAINING_PARAMS if p.name == "epochs")
    field = NumberField(epochs)
    qtbot.addWidget(field)
    field.setValue(epochs.minimum)
    field.setFocus()
    with qtbot.assertNotEmitted(field.valueChanged):
        qtbot.keyClick(field, Qt.Key.Key_Down)  # below the minimum: stays
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.value() == epochs.minimum + 1
