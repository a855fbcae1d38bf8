"""Edits never vanish: a value typed after Stop edits the stopped model, or is refused with a reason.

Real window, real clicks and keys, the real trainer process (offscreen).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import signal  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core import remote  # noqa: E402
from playground.gui.inside._scene import Hit  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

TIMEOUT = 20_000  # ms; generous for a loaded machine, the waits end as soon as the condition holds
HEAD = 2  # the default 2-4-2-1 network: layers 0 and 1, the output head is layer 2


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def _open_window(qtbot, tmp_path) -> MainWindow:
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


@pytest.fixture
def window(qtbot, tmp_path):
    w = _open_window(qtbot, tmp_path)
    yield w
    w.close()


def _train_then_stop(qtbot, w: MainWindow, epochs: int = 5) -> None:
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.epoch >= epochs,
                    timeout=TIMEOUT)
    qtbot.mouseClick(w.run_bar.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.state == "stopped", timeout=TIMEOUT)
    view = w.inside.network
    assert w.centre.currentWidget() is w.inside and view.isVisible()
    final = w.controller.latest.weights[-1][1][0]
    qtbot.waitUntil(lambda: view.scene.weights.get(len(view.scene.columns) - 1, (0, [None]))[1][0] == final,
                    timeout=TIMEOUT)


def _wait_hover(qtbot, view, pos, text: str) -> None:
    """Move onto `pos` (from one pixel beside it, so each try is a real move) until the hover says `text`."""
    def says() -> None:
        qtbot.mouseMove(view, pos + QPoint(1, 0))
        qtbot.mouseMove(view, pos)
        assert text in view.hover_text, f"hover says {view.hover_text!r}"

    qtbot.waitUntil(says, timeout=TIMEOUT)


def _logit(p: np.ndarray) -> np.ndarray:
    p = p.astype(np.float64)
    return np.log(p / (1 - p))


def _bce(weights: tuple, x: np.ndarray, y: np.ndarray) -> float:
    """Test loss of the 2-4-2-1 tanh network with these weights, computed here in float64."""
    h = x.astype(np.float64)
    for i, (w, b) in enumerate(weights):
        h = h @ w.T.astype(np.float64) + b.astype(np.float64)
        h = np.tanh(h) if i < len(weights) - 1 else h
    z = h.ravel()
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def test_a_bias_typed_after_stop_edits_the_stopped_model_and_every_view_shows_it(qtbot, window):
    _train_then_stop(qtbot, window)
    view, before = window.inside.network, window.controller.latest
    old = float(before.weights[-1][1][0])
    _wait_hover(qtbot, view, view.bias_center(HEAD, 0), f"Bias of Output: {old:.4g}\n")
    metrics_before = window.output.metrics.text()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(HEAD, 0))
    assert view.editor.isVisible()
    type_into(qtbot, view.editor, "5")
    qtbot.waitUntil(lambda: float(window.controller.latest.weights[-1][1][0]) == 5.0, timeout=TIMEOUT)
    after = window.controller.latest
    assert not view.refusal
    assert window.controller.state == "stopped" and after.epoch == before.epoch
    # Inside: the hover reads the new value
    _wait_hover(qtbot, view, view.bias_center(HEAD, 0), "Bias of Output: 5\n")
    # Output: the boundary is the edited model's (every logit moved by exactly the bias change) ...
    mid = (before.boundary > 0.05) & (before.boundary < 0.95)
    assert mid.sum() > 100
    np.testing.assert_allclose(_logit(after.boundary[mid]) - _logit(before.boundary[mid]), 5.0 - old,
                               atol=2e-3)
    qtbot.waitUntil(lambda: np.array_equal(window.output.boundary.display_grid(), after.boundary),
                    timeout=TIMEOUT)
    # ... and so are the metrics, checked against the loss computed here from the edited weights
    ds = window.session.dataset
    assert after.latest("test_loss") == pytest.approx(_bce(after.weights, ds.x_test, ds.y_test), rel=1e-4)
    qtbot.waitUntil(lambda: window.output.metrics.text() != metrics_before, timeout=TIMEOUT)
    assert "edited by hand" in after.message
    assert "The run has ended" in window.inside.hint.text()


def test_a_connection_typed_after_stop_edits_that_weight_only(qtbot, window):
    _train_then_stop(qtbot, window)
    view, before = window.inside.network, window.controller.latest
    line = view.connection_midpoint(HEAD, 1, 0)  # Layer 2, unit 2 -> Output
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=line)
    assert view.editor.isVisible()
    type_into(qtbot, view.editor, "-3")
    qtbot.waitUntil(lambda: float(window.controller.latest.weights[-1][0][0, 1]) == -3.0, timeout=TIMEOUT)
    edited = window.controller.latest.weights
    np.testing.assert_array_equal(edited[-1][0][0, 0], before.weights[-1][0][0, 0])
    np.testing.assert_array_equal(edited[-1][1], before.weights[-1][1])
    _wait_hover(qtbot, view, line, "Weight Layer 2, unit 2 → Output: -3\n")


def test_train_after_an_edit_starts_a_new_run_from_fresh_weights(qtbot, window):
    _train_then_stop(qtbot, window)
    view = window.inside.network
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(HEAD, 0))
    type_into(qtbot, view.editor, "5")
    qtbot.waitUntil(lambda: float(window.controller.latest.weights[-1][1][0]) == 5.0, timeout=TIMEOUT)
    qtbot.mouseClick(window.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.latest is not None and window.controller.state == "running",
                    timeout=TIMEOUT)
    assert "edited by hand" not in window.controller.latest.message
    assert "The run has ended" not in window.inside.hint.text()


@pytest.mark.parametrize("when", ["running", "stopped"])
def test_an_edit_with_no_model_to_take_it_is_refused_with_a_reason(qtbot, tmp_path, monkeypatch, when):
    """The trainer process dies, model and all: during the run (the run fails) or after Stop."""
    monkeypatch.setattr(remote, "acquire", remote.TrainerProcess)  # a process of its own, not the pool's
    window = _open_window(qtbot, tmp_path)
    monkeypatch.undo()
    qtbot.mouseClick(window.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.latest is not None and window.controller.latest.epoch >= 2,
                    timeout=3 * TIMEOUT)  # the new trainer process loads torch first
    if when == "stopped":
        qtbot.mouseClick(window.run_bar.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.controller.state == "stopped" and not window.controller.edit_refusal(),
                        timeout=TIMEOUT)
    os.kill(window.controller._proc.proc.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.controller.edit_refusal() != "", timeout=TIMEOUT)
    assert window.controller.state == ("error" if when == "running" else "stopped")
    view = window.inside.network
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(HEAD, 0))
    assert not view.editor.isVisible()
    assert "no model to edit" in view.refusal and "press Train" in view.refusal
    qtbot.mouseClick(window.run_bar.train_button, Qt.MouseButton.LeftButton)  # a pooled process trains
    qtbot.waitUntil(lambda: window.controller.latest is not None and window.controller.latest.epoch >= 1,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: view.scene.value(Hit("bias", len(view.scene.columns) - 1, 0)) is not None,
                    timeout=TIMEOUT)  # the new run's weights are drawn
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.bias_center(HEAD, 0))
    assert view.editor.isVisible() and not view.refusal
    qtbot.keyClick(view.editor, Qt.Key.Key_Escape)
    window.close()
