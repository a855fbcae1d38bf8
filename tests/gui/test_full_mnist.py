"""Full MNIST in the app: the question when an experiment needs it, the download with progress and
Cancel, the menu entry, and the data panel's notes and defaults.

Downloads come from a local HTTP mirror serving generated files (tests/fake_mnist.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox, QPushButton  # noqa: E402

from playground.core.datasets import mnist_full  # noqa: E402
from playground.core.download import part_path  # noqa: E402
from playground.core.presets import SHIPPED_DIR  # noqa: E402
from playground.gui.full_mnist import FullMnistActions  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels.data_panel import DataPanel  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from tests.fake_mnist import Mirror, fake_files, remote_files, serve  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

TIMEOUT = 20_000
FILES = fake_files()


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def mirror(monkeypatch):
    """The local mirror as the only one, the generated files' checksums, an empty folder after."""
    with serve(Mirror(dict(FILES))) as m:
        monkeypatch.setattr(mnist_full, "MIRRORS", (m.url,))
        monkeypatch.setattr(mnist_full, "FILES", remote_files(FILES))
        yield m
        m.hold = None
    shutil.rmtree(mnist_full.folder(), ignore_errors=True)


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def actions(w: MainWindow) -> FullMnistActions:
    return w.findChild(FullMnistActions)


def open_full_preset(qtbot, w: MainWindow) -> FullMnistActions:
    a = actions(w)
    assert w.files.open_example(SHIPPED_DIR / "mnist-cnn-full.json")
    qtbot.waitUntil(lambda: a.question is not None and a.question.isVisible(), timeout=TIMEOUT)
    return a


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_preset_needing_full_mnist_asks_and_the_download_makes_it_trainable(qtbot, window, mirror):
    a = open_full_preset(qtbot, window)
    assert "full MNIST" in a.question.text() and str(mnist_full.folder()) in a.question.informativeText()
    qtbot.waitUntil(lambda: not window.session.data_loading, timeout=TIMEOUT)  # its load fails
    assert "nn-playground data get mnist" in window.train_blocker()  # Train says why it cannot start
    assert not window.run_bar.train_button.isEnabled()
    assert "nn-playground data get mnist" in window.data_panel.preview.text()
    click(qtbot, a.get_button)
    qtbot.waitUntil(lambda: a.thread is None and window.session.dataset is not None, timeout=TIMEOUT)
    assert mnist_full.missing() == []
    assert window.data_panel.counts_label.text().startswith("60,000 train · 10,000 test")
    assert window.train_blocker() == "" and window.run_bar.train_button.isEnabled()
    assert "Full MNIST is ready" in window.statusBar().currentMessage()
    assert window.session.undo_stack.count() == 0  # getting data is not an edit


def test_cancel_stops_the_download_keeps_the_part_and_the_window_stays_usable(qtbot, window, mirror):
    mirror.hold, mirror.hold_after = threading.Event(), 200_000
    a = actions(window)
    a.get_action.trigger()
    qtbot.waitUntil(lambda: a.progress is not None and a.progress.value() > 0, timeout=TIMEOUT)
    assert not a.get_action.isEnabled()  # one download at a time
    cancel = next(b for b in a.progress.findChildren(QPushButton) if b.text() == "Cancel")
    click(qtbot, cancel)
    mirror.hold.set()  # the stalled answer goes on; the thread stops at its next chunk
    qtbot.waitUntil(lambda: a.thread is None, timeout=TIMEOUT)
    first = mnist_full.FILES[0].name
    assert part_path(mnist_full.folder(), first).stat().st_size >= 200_000
    assert not (mnist_full.folder() / first).exists() and mnist_full.missing()
    assert "cancelled" in window.statusBar().currentMessage()
    assert a.get_action.isEnabled() and a.progress is None


def test_a_failed_download_says_why(qtbot, window, mirror):
    mirror.files.clear()  # every file: 404
    a = actions(window)
    a.get_action.trigger()
    qtbot.waitUntil(lambda: a.report is not None and a.report.isVisible(), timeout=TIMEOUT)
    assert "could not download it" in a.report.text() and "HTTP 404" in a.report.text()
    a.report.close()
    assert a.get_action.isEnabled()


def test_not_now_leaves_the_experiment_and_says_why_train_waits(qtbot, window):
    a = open_full_preset(qtbot, window)
    not_now = next(b for b in a.question.buttons() if b.text() == "Not now")
    click(qtbot, not_now)
    qtbot.waitUntil(lambda: a.question is None)
    assert a.thread is None and window.session.experiment.data.dataset == "mnist-full"
    assert "Cannot train: full MNIST is not on this computer yet" in window.status_label.text()


def test_the_file_menu_offers_get_full_mnist(window):
    texts = [action.text() for action in window.menus["file"].actions()]
    assert "Get full MNIST…" in texts


def test_picking_full_mnist_asks_and_the_change_lands_once_it_is_downloaded(qtbot, window, mirror):
    a, panel = actions(window), window.data_panel
    before = window.session.experiment
    click(qtbot, panel.dataset_buttons["mnist-full"])
    qtbot.waitUntil(lambda: a.question is not None and a.question.isVisible(), timeout=TIMEOUT)
    assert window.session.experiment == before  # nothing changes while the files are missing
    assert panel.dataset_buttons[before.data.dataset].isChecked()  # the panel shows what is current
    with qtbot.waitSignal(window.session.changed, timeout=TIMEOUT):
        click(qtbot, a.get_button)
    data = window.session.experiment.data
    assert (data.dataset, data.samples, data.train_fraction) == (
        "mnist-full", 70_000, mnist_full.STANDARD_TRAIN_FRACTION)
    assert panel.dataset_buttons["mnist-full"].isChecked()
    assert window.session.undo_stack.undoText() == "Use MNIST 28×28, full data"  # one undoable step
    assert window.session.dataset.used == 70_000


def test_without_a_window_a_missing_set_fails_with_the_how_to(qtbot, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    session = Session()
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    before = session.experiment
    with qtbot.waitSignal(session.data_failed) as failed:
        click(qtbot, panel.dataset_buttons["mnist-full"])
    assert "nn-playground data get mnist" in failed.args[0] and warnings == [failed.args[0]]
    assert session.experiment == before and panel.dataset_buttons[before.data.dataset].isChecked()


def test_full_mnist_brings_its_standard_split_and_leaving_it_the_usual_share(qtbot, full_mnist):
    session = Session()
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):  # image sets load off the GUI thread
        click(qtbot, panel.dataset_buttons["mnist-full"])
    data = session.experiment.data
    assert (data.samples, data.train_fraction) == (70_000, mnist_full.STANDARD_TRAIN_FRACTION)
    assert panel.counts_label.text().startswith("60,000 train · 10,000 test")
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):
        click(qtbot, panel.dataset_buttons["mnist"])
    assert (session.experiment.data.samples, session.experiment.data.train_fraction) == (5000, 0.5)


def test_a_sample_count_above_what_the_set_holds_is_noted(qtbot):
    session = Session()
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):
        click(qtbot, panel.dataset_buttons["mnist"])
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):
        type_into(qtbot, panel.data_form.controls["samples"], "70000")
    assert session.experiment.data.samples == 70_000  # taken as typed
    assert session.dataset.used == 5000
    assert ("samples asks for 70,000 examples, but this set holds 5,000: all of them are in use"
            in panel.counts_label.text())


def test_a_train_share_that_overfills_a_fixed_part_is_noted(qtbot, full_mnist):
    session = Session()
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):
        click(qtbot, panel.dataset_buttons["mnist-full"])
    with qtbot.waitSignal(session.changed, timeout=TIMEOUT):
        type_into(qtbot, panel.data_form.controls["train_fraction"], "0.5")
    assert panel.counts_label.text().splitlines()[:2] == [
        "35,000 train · 10,000 test",
        "samples asks for 70,000 examples, but only 45,000 fit this set's own training and test parts "
        "at this train share"]


def test_files_path_is_the_user_data_folder(user_sandbox):
    assert Path(mnist_full.folder()).is_relative_to(user_sandbox)
