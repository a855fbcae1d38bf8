"""BatchNorm with a training split of one example: Train is blocked with a sentence, before any step.

Before, the pre-training checks let it through and the run then failed with PyTorch's own
"Expected more than 1 value per channel when training". Real window, real typing (offscreen).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from playground.core.experiment import experiment_from_dict  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

TIMEOUT = 20_000  # ms; generous for a loaded machine, the waits end as soon as the condition holds


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.close()


def test_batchnorm_on_a_training_split_of_one_blocks_train_with_the_reason(qtbot, window):
    window.session.load(experiment_from_dict({
        "data": {"dataset": "circle", "samples": 200},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batchnorm"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10}}))
    assert window.run_bar.train_action.isEnabled()
    type_into(qtbot, window.data_panel.data_form.controls["samples"], "2")  # 1 training, 1 test example
    qtbot.waitUntil(lambda: window.session.experiment.data.samples == 2 and window.session.pending is None,
                    timeout=TIMEOUT)  # data loads off the window's thread
    assert not window.run_bar.train_action.isEnabled()
    status = window.status_label.text()
    assert status.startswith("Cannot train: data.train_fraction: the training split holds only 1 example")
    assert "BatchNorm (layer 2)" in status and "Expected more than 1 value" not in status
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.controller.state == "idle" and window.notice.text == ""
    type_into(qtbot, window.data_panel.data_form.controls["samples"], "4")  # 2 training examples
    qtbot.waitUntil(window.run_bar.train_action.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(window.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.latest is not None and window.controller.latest.epoch >= 3,
                    timeout=TIMEOUT)
    assert window.controller.state == "running"
