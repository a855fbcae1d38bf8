"""Run state through the window: Pause and Stop cut queued steps short, the last click decides, and
the rate shown is one that ran. Real buttons, a real trainer process (offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core.experiment import Experiment  # noqa: E402
from playground.core.presets import load_preset  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels.run_bar import format_rate  # noqa: E402

TIMEOUT = 30_000  # ms; generous for a loaded machine, every wait ends as soon as its condition holds
PRESETS = Path(__file__).resolve().parents[2] / "presets"
QUEUED = 20  # Step presses queued on a slow network: far more than can run before Pause arrives


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def slow_steps() -> Experiment:
    """The digits CNN with batches of 16: ~80 optimizer steps an epoch, each a convolution's worth."""
    exp = load_preset(PRESETS / "digits-cnn.json")
    return dataclasses.replace(exp, training=dataclasses.replace(exp.training, batch_size=16, epochs=0))


def ready(qtbot, w: MainWindow) -> MainWindow:
    # the data may load in the background (Train and Step stay disabled until it lands): a click before
    # that does nothing, so every test here starts once the window can train
    qtbot.waitUntil(lambda: w.train_blocker() == "", timeout=TIMEOUT)
    return w


@pytest.fixture
def window(qtbot, new_window):
    w = ready(qtbot, new_window())
    yield w
    w.close()


@pytest.fixture
def cnn_window(qtbot, new_window):
    w = ready(qtbot, new_window(slow_steps()))
    yield w
    w.close()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def status(w: MainWindow) -> str:
    return w.status_label.text()


def queue_steps(qtbot, w: MainWindow) -> None:
    """Press Step one epoch QUEUED times, then wait until the first of them is under way."""
    for _ in range(QUEUED):
        click(qtbot, w.run_bar.step_button)
    qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.step > 0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: status(w).startswith("Stepping one epoch at a time"), timeout=TIMEOUT)
    assert w.run_bar.train_action.text() == "&Pause"  # a run that steps can be paused


def test_pause_cuts_queued_steps_short_and_says_so(qtbot, cnn_window):
    w = cnn_window
    queue_steps(qtbot, w)
    click(qtbot, w.run_bar.train_button)  # Pause
    qtbot.mouseMove(w.run_bar.train_button)  # the mouse stays on it: its tip must not cover the status
    assert status(w) == "Pausing after this step…"
    assert w.status_label.isVisible() and w.statusBar().currentMessage() == ""
    assert w.run_bar.train_action.text() == "&Resume"
    qtbot.waitUntil(lambda: status(w).startswith("Paused at epoch"), timeout=TIMEOUT)
    paused = w.controller.latest
    assert paused.state == "paused" and paused.queued_epochs == 0
    assert paused.epoch < QUEUED  # the queued epochs were dropped, not run
    assert status(w).startswith(f"Paused at epoch {paused.epoch:,}.")
    # One batch now is exactly one optimizer step: nothing queued is left to run before or after it.
    click(qtbot, w.run_bar.step_batch_button)
    qtbot.waitUntil(lambda: w.controller.latest.step > paused.step and status(w).startswith("Paused at"),
                    timeout=TIMEOUT)
    after = w.controller.latest
    assert (after.step, after.state) == (paused.step + 1, "paused") and after.epoch <= paused.epoch + 1


def test_stop_cuts_queued_steps_short(qtbot, cnn_window):
    w = cnn_window
    queue_steps(qtbot, w)
    click(qtbot, w.run_bar.stop_button)
    assert status(w) == "Stopping after this step…"
    assert not w.run_bar.train_action.isEnabled() and not w.run_bar.step_action.isEnabled()
    qtbot.waitUntil(lambda: w.controller.state == "stopped", timeout=TIMEOUT)
    assert w.controller.latest.epoch < QUEUED and status(w) == "Stopped."
    assert w.run_bar.train_action.text() == "&Train" and w.run_bar.train_action.isEnabled()


def record_button(w: MainWindow) -> list[str]:
    """The Train/Pause button's text after every snapshot and state change from now on (called after
    a burst of clicks: during one, a snapshot may be shown between two clicks, as it should be)."""
    seen: list[str] = []
    for signal in (w.controller.snapshot_ready, w.controller.state_changed):
        signal.connect(lambda *_: seen.append(w.run_bar.train_action.text()))
    return seen


def test_fifty_quick_clicks_end_where_the_last_one_asked(qtbot, window):
    w = window
    click(qtbot, w.run_bar.train_button)
    qtbot.waitUntil(lambda: status(w).startswith("Training.") and w.controller.latest.epoch > 0,
                    timeout=TIMEOUT)
    for _ in range(50):  # pause, resume, ... : the last click resumes
        click(qtbot, w.run_bar.train_button)
    seen = record_button(w)
    assert w.run_bar.train_action.text() == "&Pause"
    qtbot.waitUntil(lambda: w.controller.request.settled and status(w).startswith("Training."),
                    timeout=TIMEOUT)
    settled_at = w.controller.latest.epoch
    qtbot.waitUntil(lambda: w.controller.latest.epoch > settled_at + 2, timeout=TIMEOUT)  # really training
    assert w.controller.state == "running"
    assert set(seen) == {"&Pause"}, "a report from before the last click flipped the button"

    for _ in range(51):  # ... and now the last click pauses
        click(qtbot, w.run_bar.train_button)
    seen = record_button(w)
    assert w.run_bar.train_action.text() == "&Resume"
    qtbot.waitUntil(lambda: status(w).startswith("Paused at epoch"), timeout=TIMEOUT)
    assert w.controller.state == "paused" and w.controller.latest.state == "paused"
    assert set(seen) <= {"&Resume"}, "a report from before the last click flipped the button"


def rate_text(w: MainWindow) -> str:
    return w.run_bar.rate_label.text().split(" · ")[0]


def test_after_a_pause_the_rate_is_one_that_ran(qtbot, window):
    w = window
    click(qtbot, w.run_bar.train_button)
    qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.epoch >= 3,
                    timeout=TIMEOUT)
    click(qtbot, w.run_bar.train_button)
    qtbot.waitUntil(lambda: status(w).startswith("Paused at epoch"), timeout=TIMEOUT)
    paused = w.controller.latest
    assert rate_text(w) == f"{format_rate(paused.steps_per_second)} steps/s"  # the last real rate
    click(qtbot, w.run_bar.step_batch_button)
    qtbot.waitUntil(lambda: w.controller.latest.step == paused.step + 1 and status(w).startswith("Paused at"),
                    timeout=TIMEOUT)
    stepped = w.controller.latest
    assert rate_text(w) == f"{format_rate(stepped.steps_per_second)} steps/s"
    # Still the pace it trained at: the time spent paused, and the click, are not training time.
    assert stepped.steps_per_second == pytest.approx(paused.steps_per_second, rel=0.5)
