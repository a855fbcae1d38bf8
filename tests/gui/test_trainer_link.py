"""The window and its trainer process: a garbled message or a stopped process never leaves it hanging."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from playground.core import remote
from playground.core.experiment import default_experiment
from playground.core.run.loop import RunOptions
from playground.gui.main_window import MainWindow
from playground.gui.session import Session

TIMEOUT = 20_000  # ms; generous for a loaded machine, the waits end as soon as the condition holds

# The real trainer process, except that its fifth snapshot frame leaves with its header overwritten.
CORRUPTING_CHILD = """
from playground.core import messages, remote, wire
real, sent = messages.write_message, [0]
def corrupting(stream, message):
    sent[0] += message.get("op") == "snapshot"
    if sent[0] != 5 or message.get("op") != "snapshot":
        return real(stream, message)
    data = bytearray(wire.encode(message))
    data[4:40] = b"#" * 36
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()
messages.write_message = corrupting
remote.child_main()
"""


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    """Closing a window with unsaved edits answers Discard instead of blocking on a dialog."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def open_window(qtbot, tmp_path: Path) -> MainWindow:
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def epoch(w: MainWindow) -> int:
    return w.controller.latest.epoch if w.controller.latest is not None else 0


def test_garbage_from_the_trainer_process_fails_the_run_and_the_window_recovers(qtbot, tmp_path, monkeypatch,
                                                                               caplog):
    monkeypatch.setattr(remote, "acquire", lambda on_message: remote.TrainerProcess(
        on_message, argv=[sys.executable, "-c", CORRUPTING_CHILD]))
    w = open_window(qtbot, tmp_path)
    monkeypatch.undo()  # the window holds the corrupting process; the next one it asks for is real
    garbled = w.controller._proc
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.state == "error", timeout=TIMEOUT)
    assert "could not be read" in w.notice.text and "Press Train to start again" in w.notice.text
    assert w.status_label.text().startswith("Error: The training process sent a message that could not")
    assert not garbled.alive  # stopped, not left sending into a pipe nobody trusts
    assert w.run_bar.train_action.isEnabled() and w.run_bar.train_action.text() == "&Train"
    assert not w.controller.is_active
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)  # usable: a new run trains
    qtbot.waitUntil(lambda: epoch(w) >= 3, timeout=TIMEOUT)
    assert w.controller.state == "running" and w.controller._proc is not garbled
    assert "bad message from the trainer process, stopping it" in caplog.text
    caplog.clear()  # read: the test-wide guard fails a test on log warnings nobody looked at
    w.close()


def test_a_stopped_trainer_process_shows_not_responding_and_recovers(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: epoch(w) >= 1, timeout=TIMEOUT)
    pid = w.controller._proc.proc.pid
    training = w.status_label.text()
    os.kill(pid, signal.SIGSTOP)
    try:
        qtbot.waitUntil(lambda: "not responding" in w.status_label.text(), timeout=TIMEOUT)
        assert not w.controller.responding and w.controller.state == "running"
        stalled_at = epoch(w)
    finally:
        os.kill(pid, signal.SIGCONT)
    qtbot.waitUntil(lambda: w.status_label.text() == training, timeout=TIMEOUT)
    assert w.controller.responding
    qtbot.waitUntil(lambda: epoch(w) > stalled_at + 2, timeout=TIMEOUT)  # the same run trains on
    w.close()


def test_train_after_a_stall_starts_a_fresh_process_and_the_stopped_one_is_not_left_behind(qtbot, controller):
    exp = default_experiment()
    controller.start(exp)
    qtbot.waitUntil(lambda: controller.latest is not None, timeout=TIMEOUT)
    stalled = controller._proc
    os.kill(stalled.proc.pid, signal.SIGSTOP)
    try:
        with qtbot.waitSignal(controller.responding_changed, timeout=TIMEOUT) as blocker:
            pass
        assert blocker.args == [False] and controller.state == "running"
        with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "finished",
                              timeout=TIMEOUT):
            controller.start(exp, options=RunOptions(epochs=2))  # a stalled process does not get the run
        assert controller.responding and controller.latest.epoch == 2
        assert controller._proc is not stalled and not stalled.alive  # killed, not orphaned stopped
    finally:
        if stalled.alive:
            os.kill(stalled.proc.pid, signal.SIGCONT)
