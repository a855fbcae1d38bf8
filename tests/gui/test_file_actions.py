"""File menu behaviour on a real window: save/open round trip, bad files, unsaved changes, examples,
recent files and drag-and-drop."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.experiment import default_experiment, experiment_to_dict  # noqa: E402
from playground.core.presets import SHIPPED_DIR, load_preset, shipped_presets, user_presets_dir  # noqa: E402
from playground.gui.file_actions import MAX_RECENT  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402

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
def window(new_window, questions):
    w = new_window()
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


# ---------------------------------------------------------------- where saves go --------------

class SaveDialog(list):
    """Stands in for the Save dialog: records the suggested path, then accepts it (or `answer`)."""

    def __init__(self, monkeypatch) -> None:
        super().__init__()
        self.answer: str | None = None
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self.ask)

    def ask(self, parent, title, suggested, *args, **kwargs):
        self.append(Path(suggested))
        return (self.answer or suggested), ""


def _shipped_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SHIPPED_DIR.iterdir()}


def _ctrl_s(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_save_starts_in_the_user_presets_folder_even_after_opening_a_shipped_preset(
        qtbot, window, monkeypatch):
    shipped = _shipped_files()
    dialog = SaveDialog(monkeypatch)
    _open_from(monkeypatch, SHIPPED_DIR / "spiral.json")
    window.files.open_action.trigger()
    assert window.session.experiment == load_preset(SHIPPED_DIR / "spiral.json")
    assert window.session.path is None  # an untitled copy: Ctrl+S must ask where
    _dirty_edit(window)
    _ctrl_s(qtbot, window)
    assert dialog == [user_presets_dir() / "spiral.json"]  # not the shipped folder just opened from
    saved = user_presets_dir() / "spiral.json"
    assert load_preset(saved).training.batch_size == 17
    assert window.session.path == saved and not window.session.dirty
    assert _shipped_files() == shipped


def test_a_save_aimed_at_the_shipped_folder_is_refused_with_a_sentence(window, warnings, monkeypatch):
    shipped = _shipped_files()
    _dirty_edit(window)
    for name in ("circle.json", "i9-brand-new.json"):
        _save_to(monkeypatch, SHIPPED_DIR / name)
        try:
            window.files.save_as_action.trigger()
        finally:
            (SHIPPED_DIR / "i9-brand-new.json").unlink(missing_ok=True)  # without the fix it is written
    assert len(warnings) == 2
    assert str(SHIPPED_DIR / "circle.json") in warnings[0] and "read-only" in warnings[0]
    assert str(user_presets_dir()) in warnings[0]
    assert _shipped_files() == shipped
    assert window.session.dirty and window.session.path is None  # nothing lost, nothing claimed saved


def test_a_failed_save_names_the_file_not_a_temp_file(window, warnings, monkeypatch, tmp_path):
    taken = tmp_path / "taken.json"
    taken.mkdir()  # a folder where the file should go: the final rename fails
    _dirty_edit(window)
    _save_to(monkeypatch, taken)
    window.files.save_as_action.trigger()
    assert warnings == [f"Could not save {taken}: Is a directory."]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert window.session.dirty


def test_recent_files_are_absolute_and_open_from_any_current_folder(window, monkeypatch, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    d = experiment_to_dict(default_experiment())
    d["name"] = "Opened"
    (a / "opened.json").write_text(json.dumps(d))
    monkeypatch.chdir(a)
    _open_from(monkeypatch, Path("opened.json"))  # relative, as `nn-playground opened.json` gives it
    window.files.open_action.trigger()
    assert window.session.path == a / "opened.json"
    _dirty_edit(window)
    _save_to(monkeypatch, Path("saved.json"))
    window.files.save_as_action.trigger()
    assert (a / "saved.json").is_file()
    stored = window.settings.value("files/recent")
    assert stored == [str(a / "saved.json"), str(a / "opened.json")]

    monkeypatch.chdir(b)
    window.files.new_action.trigger()
    window.files.recent_menu.aboutToShow.emit()
    opened = next(x for x in window.files.recent_menu.actions() if x.text().endswith("opened.json"))
    opened.trigger()
    assert window.session.experiment.name == "Opened" and window.session.path == a / "opened.json"
    _dirty_edit(window)
    window.files.save_action.trigger()  # Ctrl+S writes where the file is, not into the new current folder
    assert load_preset(a / "opened.json").training.batch_size == 17
    assert list(b.iterdir()) == []
