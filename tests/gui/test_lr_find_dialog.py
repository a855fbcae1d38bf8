"""The learning-rate range test in the app: Find… beside the learning rate, the dialog, Use this, Cancel."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from playground.core.presets import load_preset, resolve_preset
from playground.gui.lr_find_dialog import LrFindDialog
from playground.gui.main_window import MainWindow

TIMEOUT = 60_000  # ms; the waits end as soon as the condition holds


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(new_window):
    """The window over the lesson's learning-rate preset (its lr is 0.1)."""
    w = new_window(load_preset(resolve_preset("lr-search-grid")), active=True)
    yield w
    w.close()
    assert w.search.dialog is None or not w.search.dialog.running


def _lr(w: MainWindow) -> float:
    return float(w.session.experiment.training.optimizer.params["lr"])


def test_find_plots_the_test_and_use_this_is_an_undoable_edit(qtbot, window):
    qtbot.mouseClick(window.run_bar.lr_find_button, Qt.MouseButton.LeftButton)
    dialog = window.search.dialog
    assert isinstance(dialog, LrFindDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.finding is not None and not dialog.running, timeout=TIMEOUT)
    finding = dialog.finding
    assert finding.suggested_lr is not None
    # the curve is the smoothed loss against the learning rate, on a log x axis, the suggestion marked
    xs, ys = dialog.curve.getOriginalDataset()
    assert list(xs) == [lr for lr, y in zip(finding.lrs, finding.smoothed, strict=True) if math.isfinite(y)]
    assert dialog.plot.getPlotItem().ctrl.logXCheck.isChecked()
    assert dialog.marker.isVisible()
    assert dialog.marker.value() == pytest.approx(math.log10(finding.suggested_lr))
    assert dialog.reason.text() == finding.reason and "min/10" in finding.reason
    assert dialog.use_button.isEnabled()
    suggested = dialog.suggested_lr
    assert suggested == pytest.approx(finding.suggested_lr, rel=5e-3) and suggested != 0.1

    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _lr(window) == suggested
    assert window.run_bar.lr_box.value() == suggested  # the field shows it
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.centre.tabBar().setFocus()
    qtbot.keyClick(window.centre.tabBar(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _lr(window) == 0.1


def test_cancel_stops_the_test_between_steps_and_changes_nothing(qtbot, window):
    steps = 1_000_000  # far more than can run before Cancel: only should_stop can end it early
    dialog = LrFindDialog(window.session, window, steps=steps)
    dialog.open()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 5, timeout=TIMEOUT)
    assert dialog.running
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and not dialog.isVisible()
    assert dialog.finding is not None and len(dialog.finding.lrs) < steps
    assert _lr(window) == 0.1 and not window.session.undo_stack.canUndo()
    dialog.deleteLater()


def test_a_suggestion_the_optimizer_cannot_take_is_refused_with_the_sentence(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    qtbot.mouseClick(window.run_bar.lr_find_button, Qt.MouseButton.LeftButton)
    dialog = window.search.dialog
    qtbot.waitUntil(lambda: dialog.finding is not None and not dialog.running, timeout=TIMEOUT)
    monkeypatch.setattr(type(dialog), "suggested_lr", property(lambda self: 1000.0))  # above sgd's range
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and "training.optimizer.lr" in shown[0] and "1000" in shown[0]
    assert _lr(window) == 0.1 and dialog.isVisible()
    dialog.reject()
