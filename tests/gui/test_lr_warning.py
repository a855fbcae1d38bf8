"""The run bar warns, before Train, when the learning rate is where the optimizer usually diverges."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.optimizers import OPTIMIZERS, unstable_lr  # noqa: E402
from playground.gui.panels.run_bar import RunBar  # noqa: E402
from playground.gui.session import Session  # noqa: E402


@pytest.fixture
def bar(qtbot) -> RunBar:
    b = RunBar(Session(default_experiment()))
    qtbot.addWidget(b)
    b.show()
    qtbot.waitExposed(b)
    return b


def type_lr(qtbot, bar: RunBar, text: str) -> None:
    """Select the field's text, type `text` and press Enter, as a person does."""
    box = bar.lr_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def choose_optimizer(bar: RunBar, name: str) -> None:
    combo = bar.optimizer_combo
    combo.setCurrentIndex(combo.findData(name))
    combo.activated.emit(combo.currentIndex())


def test_a_too_high_learning_rate_shows_a_warning_and_a_normal_one_clears_it(qtbot, bar):
    assert bar.session.experiment.training.optimizer.name == "sgd"
    assert not bar.lr_warning.isVisible()
    type_lr(qtbot, bar, "3")
    assert bar.session.experiment.training.optimizer.params["lr"] == pytest.approx(3.0)  # the edit landed
    assert bar.lr_warning.isVisible() and "SGD" in bar.lr_warning.text()
    tip = bar.lr_box.toolTip()
    assert tip.startswith("SGD usually diverges at a learning rate of 1 or more")
    assert "Try 0.1 or less." in tip and bar.lr_warning.toolTip() in tip
    assert bar.train_action.isEnabled()  # a warning, not a block
    type_lr(qtbot, bar, "0.03")
    assert not bar.lr_warning.isVisible()
    assert "diverges" not in bar.lr_box.toolTip()


def test_the_range_is_the_chosen_optimizers(qtbot, bar):
    type_lr(qtbot, bar, "0.5")
    assert not bar.lr_warning.isVisible()  # fine for plain SGD
    choose_optimizer(bar, "adam")
    type_lr(qtbot, bar, "0.5")
    assert bar.lr_warning.isVisible() and "Adam" in bar.lr_warning.text()
    bar.session.undo_stack.undo()  # back to Adam's default learning rate: quiet again
    assert not bar.lr_warning.isVisible()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_warning_starts_exactly_at_the_registry_threshold(qtbot, bar, name):
    choose_optimizer(bar, name)
    start = unstable_lr(name)
    for lr, shown in ((start * 0.9, False), (start, True), (100.0, True)):
        type_lr(qtbot, bar, f"{lr:g}")
        assert bar.lr_warning.isVisible() is shown, (name, lr)
