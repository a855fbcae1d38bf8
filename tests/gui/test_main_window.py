"""The main window end to end: real buttons, real keys, a real training thread (offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QLineEdit, QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.gui.designer import edits  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

TIMEOUT = 20_000  # ms; generous for a loaded CI machine, the waits end as soon as the condition holds


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    """Closing a window with unsaved edits answers Discard instead of blocking on a dialog."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(Session(), settings=_settings(tmp_path))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.close()
    assert not w.controller.is_active


def _epoch(w: MainWindow) -> int:
    return w.controller.latest.epoch if w.controller.latest is not None else 0


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _train_until(qtbot, w: MainWindow, epochs: int) -> None:
    _click(qtbot, w.run_bar.train_button)
    qtbot.waitUntil(lambda: _epoch(w) >= epochs, timeout=TIMEOUT)


def test_opens_ready_to_train(window):
    assert window.windowTitle() == "Circle[*] — NN Playground"
    assert window.run_bar.train_action.isEnabled()
    assert window.train_blocker() == ""
    assert "Space" in window.status_label.text()
    assert not isinstance(window.focusWidget(), QLineEdit)  # Space reaches Train at once
    assert window.output.page == "points2d"


def test_the_status_says_starting_until_the_trainer_reports(qtbot, window):
    window.toggle_training()
    assert window.controller.state == "running" and window.controller.latest is None
    assert window.status_label.text().startswith("Starting")
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Training"), timeout=TIMEOUT)


def test_train_button_trains_and_views_fill(qtbot, window):
    _train_until(qtbot, window, 30)
    assert window.controller.state == "running"
    assert window.run_bar.train_action.text() == "&Pause"
    qtbot.waitUntil(lambda: window.run_bar.epoch_label.text() != "000,000", timeout=TIMEOUT)
    assert "steps/s" in window.run_bar.rate_label.text()
    qtbot.waitUntil(lambda: window.output.curves.point_count > 0, timeout=TIMEOUT)  # one frame later
    assert window.output.boundary.display_grid() is not None
    history = window.controller.latest.history
    test_loss = np.asarray(history["test_loss"])
    assert test_loss[-1] < test_loss[0]
    _click(qtbot, window.run_bar.train_button)
    qtbot.waitUntil(lambda: window.controller.state == "paused", timeout=TIMEOUT)
    assert window.run_bar.train_action.text() == "&Resume"


def test_space_toggles_pause(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.state == "running" and _epoch(window) >= 1, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.state == "paused", timeout=TIMEOUT)
    paused_at = _epoch(window)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: _epoch(window) > paused_at + 1, timeout=TIMEOUT)
    assert window.controller.state == "running"


def test_step_advances_one_epoch_while_paused(qtbot, window):
    _click(qtbot, window.run_bar.step_button)  # from idle: a paused run, one epoch
    qtbot.waitUntil(lambda: _epoch(window) == 1, timeout=TIMEOUT)
    assert window.controller.state == "paused"
    _click(qtbot, window.run_bar.step_button)
    qtbot.waitUntil(lambda: _epoch(window) == 2, timeout=TIMEOUT)
    assert window.controller.state == "paused"
    assert window.run_bar.epoch_label.text() == "000,002"


def test_reset_clears_the_run(qtbot, window):
    _train_until(qtbot, window, 3)
    _click(qtbot, window.run_bar.reset_button)
    assert window.controller.state == "idle" and window.controller.latest is None
    assert window.run_bar.epoch_label.text() == "000,000"
    assert window.output.curves.point_count == 0
    assert window.output.boundary.display_grid() is None
    assert window.run_bar.train_action.text() == "&Train"


def test_stop_keeps_results(qtbot, window):
    _train_until(qtbot, window, 3)
    _click(qtbot, window.run_bar.stop_button)
    qtbot.waitUntil(lambda: window.controller.state == "stopped", timeout=TIMEOUT)
    assert window.output.curves.point_count > 0
    assert not window.run_bar.stop_action.isEnabled()


def test_optimizer_combo_edit_and_undo(qtbot, window):
    combo = window.run_bar.optimizer_combo
    combo.setCurrentIndex(combo.findData("rmsprop"))
    combo.activated.emit(combo.currentIndex())
    assert window.session.experiment.training.optimizer.name == "rmsprop"
    assert window.training_panel.optimizer_combo.currentData() == "rmsprop"
    assert window.isWindowModified()
    undo = next(a for a in window.menus["edit"].actions() if a.text().startswith("&Undo"))
    undo.trigger()
    assert window.session.experiment.training.optimizer.name == "sgd"
    assert combo.currentData() == "sgd"


def test_learning_rate_change_applies_live(qtbot, window):
    _train_until(qtbot, window, 2)
    run_id = window.controller.run_id
    window.run_bar.lr_box.stepBy(1)  # 0.03 -> 0.1
    assert window.session.experiment.training.optimizer.params["lr"] == pytest.approx(0.1)
    qtbot.waitUntil(lambda: window.controller.latest.lr == pytest.approx(0.1), timeout=TIMEOUT)
    assert window.controller.run_id == run_id and window.controller.state == "running"
    assert window.session.undo_stack.canUndo()  # still an undoable edit
    window.session.undo_stack.undo()
    qtbot.waitUntil(lambda: window.controller.latest.lr == pytest.approx(0.03), timeout=TIMEOUT)
    assert window.controller.run_id == run_id


def test_network_edit_stops_the_run(qtbot, window):
    _train_until(qtbot, window, 2)
    window.designer.layer_palette.layer_activated.emit("dense")  # what a double-click does
    assert len(window.session.experiment.network.layers) == 3
    assert window.controller.state == "idle" and not window.controller.is_active
    assert window.run_bar.epoch_label.text() == "000,000"
    assert window.output.curves.point_count == 0


def test_data_edit_stops_the_run(qtbot, window):
    _train_until(qtbot, window, 2)
    type_into(qtbot, window.data_panel.data_form.controls["noise"], "0.3")
    assert window.controller.state == "idle"
    assert window.output.boundary.display_grid() is None


def test_output_follows_the_data_while_idle(qtbot, window):
    for name, page in (("sine", "line1d"), ("digits", "image"), ("xor", "points2d")):
        qtbot.mouseClick(window.data_panel.dataset_buttons[name], Qt.MouseButton.LeftButton)
        # Image sets load off the GUI thread: the data changes when they have loaded.
        qtbot.waitUntil(lambda n=name: window.session.experiment.data.dataset == n, timeout=TIMEOUT)
        assert window.output.page == page
        assert window.output.dataset is window.session.dataset


def test_broken_network_blocks_train_with_reason(qtbot, window):
    exp = edits.append_layer(window.session.experiment, "conv2d")  # Conv2D on 2-D points
    window.session.edit(exp, "break it")
    reason = window.train_blocker()
    assert reason
    assert not window.run_bar.train_action.isEnabled()
    assert reason in window.run_bar.train_button.toolTip()
    assert "Cannot train" in window.status_label.text()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.controller.state == "idle"
    window.session.undo_stack.undo()
    assert window.run_bar.train_action.isEnabled()


def test_impossible_combination_blocks_train(window):
    window.session.edit(_edits.with_training(window.session.experiment, loss="cross_entropy"), "bad loss")
    assert "loss" in window.train_blocker()
    assert not window.run_bar.train_action.isEnabled()


def test_divergence_is_a_message_not_a_dialog(qtbot, window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: pytest.fail("modal dialog"))
    exp = experiment_from_dict({
        "data": {"dataset": "circle"},
        "network": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}]},
        "training": {"loss": "mse", "optimizer": {"name": "sgd", "lr": 100.0}, "batch_size": 10},
    })
    window.session.load(exp)
    _click(qtbot, window.run_bar.train_button)
    qtbot.waitUntil(lambda: window.controller.state == "diverged", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.notice.text != "", timeout=TIMEOUT)
    assert "learning rate" in window.notice.text
    assert "learning rate" in window.status_label.text()
    assert window.run_bar.train_action.isEnabled()  # try again right away


def test_a_blow_up_shows_the_same_sentence_as_the_command_line(qtbot, window):
    """The issue's case in the app: lr 100 on the circle, typed into the run bar; no NaN is ever seen."""
    box = window.run_bar.lr_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "100")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.run_bar.lr_warning.isVisible() and window.run_bar.train_action.isEnabled()
    _click(qtbot, window.run_bar.train_button)
    qtbot.waitUntil(lambda: window.controller.state == "diverged", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.notice.text != "", timeout=TIMEOUT)
    message = window.controller.latest.message
    assert message.startswith("Loss blew up at epoch") and "Try 0.1" in message
    assert np.isfinite(window.controller.latest.history["train_loss"]).all()
    assert window.notice.text == message and window.status_label.text() == message
    assert window.notice.property("severity") == "warning"


def test_worker_error_shows_in_status_and_notice(window):
    window.controller.error.emit("data.params.path: file not found")
    assert "file not found" in window.notice.text
    assert window.notice.property("severity") == "error"


def test_close_stops_the_training_thread(qtbot, window):
    _train_until(qtbot, window, 1)
    window.close()
    assert not window.controller.is_active
    assert window.controller.state in ("running", "paused", "idle", "stopped")


def test_layout_is_remembered(qtbot, tmp_path):
    first = MainWindow(Session(), settings=_settings(tmp_path))
    qtbot.addWidget(first)
    first.show()
    first.splitter.setSizes([380, 400, 500])
    first.side.setCurrentIndex(1)
    first.centre.setCurrentWidget(first.inside)
    first.right.setCurrentWidget(first.dynamics)
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(Session(), settings=_settings(tmp_path))
    qtbot.addWidget(second)
    second.show()
    assert second.splitter.sizes() == sizes
    assert second.side.currentIndex() == 1
    assert second.centre.currentWidget() is second.inside
    assert second.right.currentWidget() is second.dynamics
    assert not isinstance(second.focusWidget(), QLineEdit)  # Space still reaches Train at once
    second.close()


def test_odd_remembered_tabs_open_the_first_ones(qtbot, tmp_path):
    settings = _settings(tmp_path)
    for key, value in (("window/side_tab", "x"), ("window/centre_tab", "-1"), ("window/right_tab", 9)):
        settings.setValue(key, value)
    w = MainWindow(Session(), settings=settings)
    qtbot.addWidget(w)
    w.show()
    assert (w.side.currentIndex(), w.centre.currentWidget(), w.right.currentIndex()) == (0, w.designer, 0)
    w.close()


@pytest.fixture
def fake_exec(qtbot, monkeypatch):
    """Run `run_app` without blocking: its event loop becomes "wait for the window, then close it".

    The app-wide theme it installs is put back afterwards so later tests see the stock style.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    saved = (app.styleSheet(), app.palette(), app.style().name())
    windows: list[MainWindow] = []

    def exec_(self) -> int:
        qtbot.waitUntil(lambda: any(isinstance(w, MainWindow) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=TIMEOUT)
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        qtbot.addWidget(window)
        windows.append(window)
        QCoreApplication.processEvents()  # the deferred open of the preset
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    yield windows
    for w in windows:
        w.close()
    app.setStyleSheet(saved[0])
    app.setPalette(saved[1])
    app.setStyle(saved[2])


def test_run_app_opens_a_preset(fake_exec, tmp_path, monkeypatch):
    from playground.core.presets import shipped_presets
    from playground.gui.app import run_app

    own = tmp_path / "own.json"
    own.write_bytes(shipped_presets()[0].path.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert run_app("own.json") == 0  # a relative path, as typed on the command line
    window = fake_exec[0]
    assert window.session.path == own  # kept absolute: Save and Recent work from any folder
    assert not window.windowIcon().isNull()


def test_run_app_opens_a_shipped_preset_as_an_untitled_copy(fake_exec):
    from playground.core.presets import load_preset, shipped_presets
    from playground.gui.app import run_app

    preset = shipped_presets()[0]
    assert run_app(str(preset.path)) == 0
    window = fake_exec[0]
    assert window.session.experiment == load_preset(preset.path)
    assert window.session.path is None  # shipped presets are read-only: Save asks where


def test_run_app_with_a_bad_preset_still_starts(fake_exec, tmp_path, monkeypatch):
    from playground.gui.app import run_app

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nn-playground.experiment", "version": 1, "seed": "x"}')
    assert run_app(str(bad)) == 0
    window = fake_exec[0]
    assert shown and "bad.json" in shown[0] and "seed" in shown[0]
    assert window.session.experiment.name == "Circle" and window.session.path is None


def test_choosing_a_speed_in_the_run_bar_reaches_the_running_trainer(qtbot, window):
    from playground.core.speed import MAX, Pace

    slow = Pace(0.001)  # one epoch every 1000 s: the run would sit at epoch 1 without the live change
    window.session.edit(_edits.with_training(window.session.experiment, pace=slow), "Slow")
    combo = window.run_bar.pace_combo
    assert combo.pace() == slow  # a preset's own pace is shown, though the list does not offer it
    _train_until(qtbot, window, 1)
    run_id = window.controller.run_id
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_Home)  # the keyboard reaches it: the first choice is Max
    assert combo.pace() == MAX and window.session.experiment.training.pace == MAX
    qtbot.waitUntil(lambda: _epoch(window) >= 3, timeout=TIMEOUT)
    assert window.controller.run_id == run_id  # the same run, sped up, not a new one
    assert window.session.undo_stack.canUndo()
