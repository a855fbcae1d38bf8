"""File menu behaviour on a real window: save/open round trip, bad files, unsaved changes, examples,
recent files and drag-and-drop."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from playground.core.experiment import default_experiment, experiment_to_dict  # noqa: E402
from playground.core.presets import load_preset, shipped_presets  # noqa: E402
from playground.gui.file_actions import MAX_RECENT  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels import _edits  # noqa: E402
from playground.gui.session import Session  # noqa: E402

Button = QMessageBox.StandardButton



class Asked(list):
    """The texts of the questions asked; `answers` scripts the buttons clicked (Discard after)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Button] = []


@pytest.fixture
def questions(monkeypatch) -> Asked:
    asked = Asked()

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return asked.answers.pop(0) if asked.answers else Button.Discard

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


@pytest.fixture
def window(qtbot, tmp_path, questions):
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    assert not w.controller.is_active


def _dirty_edit(window: MainWindow) -> None:
    window.session.edit(_edits.with_training(window.session.experiment, batch_size=17), "batch")


def _save_to(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def _open_from(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_save_then_open_gives_the_same_experiment(window, monkeypatch, tmp_path):
    window.run_bar.optimizer_combo.setCurrentIndex(window.run_bar.optimizer_combo.findData("adam"))
    window.run_bar.optimizer_combo.activated.emit(window.run_bar.optimizer_combo.currentIndex())
    _dirty_edit(window)
    saved = experiment_to_dict(window.session.experiment)
    target = tmp_path / "mine"  # no suffix: .json is added
    _save_to(monkeypatch, target)
    window.files.save_action.trigger()
    path = tmp_path / "mine.json"
    assert path.exists()
    assert not window.session.dirty and not window.isWindowModified()
    assert window.windowTitle().startswith("mine")
    assert experiment_to_dict(load_preset(path)) == saved

    window.files.new_action.trigger()
    assert window.session.experiment == default_experiment()
    _open_from(monkeypatch, path)
    window.files.open_action.trigger()
    assert experiment_to_dict(window.session.experiment) == saved
    assert window.session.path == path
    assert window.files.recent_files()[0] == path


def test_save_uses_existing_path_without_asking(window, monkeypatch, tmp_path):
    path = tmp_path / "again.json"
    _save_to(monkeypatch, path)
    window.files.save_as_action.trigger()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("asked again"))
    _dirty_edit(window)
    window.files.save_action.trigger()
    assert load_preset(path).training.batch_size == 17


def test_invalid_file_shows_error_and_keeps_experiment(window, warnings, tmp_path, monkeypatch):
    _dirty_edit(window)
    before = window.session.experiment
    bad = tmp_path / "broken.json"
    d = experiment_to_dict(default_experiment())
    d["training"]["optimizer"]["lr"] = -1
    bad.write_text(json.dumps(d))
    _open_from(monkeypatch, bad)
    window.files.open_action.trigger()
    assert window.session.experiment is before
    assert window.session.dirty  # nothing was lost, not even the unsaved edit
    assert len(warnings) == 1
    assert "broken.json" in warnings[0] and "training.optimizer.lr" in warnings[0] and "-1" in warnings[0]


def test_dirty_marker_in_title(window):
    assert not window.isWindowModified()
    assert window.windowTitle() == "Circle[*] — NN Playground"
    _dirty_edit(window)
    assert window.isWindowModified()
    window.session.undo_stack.undo()
    assert not window.isWindowModified()


def test_close_with_unsaved_changes_asks(window, questions):
    _dirty_edit(window)
    questions.answers.append(Button.Cancel)
    window.close()
    assert window.isVisible() and len(questions) == 1
    questions.answers.append(Button.Discard)
    window.close()
    assert not window.isVisible() and len(questions) == 2


def test_new_with_unsaved_changes_can_save_first(window, questions, monkeypatch, tmp_path):
    _dirty_edit(window)
    path = tmp_path / "kept.json"
    _save_to(monkeypatch, path)
    questions.answers.append(Button.Save)
    window.files.new_action.trigger()
    assert load_preset(path).training.batch_size == 17
    assert window.session.experiment == default_experiment() and window.session.path is None


def test_examples_menu_lists_shipped_presets(window, questions):
    presets = shipped_presets()
    assert presets
    actions = [a for a in window.menus["examples"].actions() if not a.isSeparator()]
    assert [a.text() for a in actions] == [p.title for p in presets]
    assert all(a.toolTip() for a in actions)
    _dirty_edit(window)
    actions[-1].trigger()
    assert questions  # asked about the unsaved edit first
    assert experiment_to_dict(window.session.experiment) == experiment_to_dict(load_preset(presets[-1].path))
    assert window.session.path is None  # Save must not write into the install folder


def test_recent_files_keep_the_newest_eight(window, monkeypatch, tmp_path):
    for i in range(MAX_RECENT + 2):
        _save_to(monkeypatch, tmp_path / f"r{i}.json")
        window.files.save_as_action.trigger()
    recent = window.files.recent_files()
    assert len(recent) == MAX_RECENT
    assert recent[0] == tmp_path / f"r{MAX_RECENT + 1}.json"
    window.files.recent_menu.aboutToShow.emit()
    assert window.files.recent_menu.actions()[0].statusTip() == str(recent[0])


def test_dropping_a_json_file_opens_it(window, tmp_path):
    d = experiment_to_dict(default_experiment())
    d["name"] = "Dropped"
    d["training"]["batch_size"] = 5
    path = tmp_path / "dropped.json"
    path.write_text(json.dumps(d))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.session.experiment.name == "Dropped"
    assert window.session.path == path
    assert window.windowTitle().startswith("dropped")


def test_non_json_drops_are_refused(window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
