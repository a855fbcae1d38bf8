"""File handling and the menus: New / Open / Save / Save As / Recent / Examples / Quit, plus the
Edit, View and Help menus.

Safety rules: an unsaved experiment is never dropped without asking (Save / Discard / Cancel); a
file that fails to load leaves the current experiment untouched and shows the core's message
(file, field, value). The shipped presets are read-only: one opened from the Examples menu, Open,
Recent or a drop comes in without a path (so Save asks where, as Save As), the Save dialog never
starts in the install folder, and a save aimed there is refused with a sentence. Paths are made
absolute before they are kept, so Recent works whatever folder the app was started from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QWidget

from playground.core.errors import PlaygroundError
from playground.core.experiment import default_experiment
from playground.core.presets import (
    in_install_folder,
    load_preset,
    save_preset,
    shipped_presets,
    user_presets_dir,
)
from playground.gui.calculator import calculator_action
from playground.gui.full_mnist import FullMnistActions
from playground.gui.session import Session

MAX_RECENT = 8
RECENT_KEY = "files/recent"
LAST_DIR_KEY = "files/last_dir"
FILTER = "Experiments (*.json);;All files (*)"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "experiment"


def _absolute(path: str | os.PathLike[str]) -> Path:
    """`path` from the filesystem root: the current folder may differ when it is used again."""
    return Path(os.path.abspath(path))


def _shortcut_text(seq: QKeySequence | QKeySequence.StandardKey) -> str:
    return QKeySequence(seq).toString(QKeySequence.SequenceFormat.NativeText)


class FileActions(QObject):
    """Owns the file-related actions of `window` and the session's file life cycle."""

    opened = Signal(object)  # Path | None, after a successful open / new

    def __init__(self, window: QMainWindow, session: Session, settings: QSettings):
        super().__init__(window)
        self.window, self.session, self.settings = window, session, settings
        self.new_action = self._action("&New", QKeySequence.StandardKey.New, self.new,
                                       "Start over with the default experiment")
        self.open_action = self._action("&Open…", QKeySequence.StandardKey.Open, self.open,
                                        "Open an experiment (.json preset)")
        self.save_action = self._action("&Save", QKeySequence.StandardKey.Save, self.save,
                                        "Save the experiment")
        self.save_as_action = self._action("Save &As…", QKeySequence("Ctrl+Shift+S"), self.save_as,
                                           "Save the experiment under a new name")
        self.quit_action = self._action("&Quit", QKeySequence("Ctrl+Q"), window.close, "Quit NN Playground")
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.examples_menu = QMenu("&Examples", window)
        self.examples_menu.setToolTipsVisible(True)
        self._fill_examples()

    def _action(self, text: str, key, slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({_shortcut_text(key)})")
        action.triggered.connect(lambda _=False: slot())
        return action

    # ------------------------------------------------------------------ menus -------------
    def fill_file_menu(self, menu: QMenu) -> None:
        menu.addAction(self.new_action)
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addSeparator()
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def _fill_examples(self) -> None:
        self.examples_menu.clear()
        try:
            presets = shipped_presets()
        except (PlaygroundError, OSError) as exc:
            self.examples_menu.addAction(f"(examples unavailable: {exc})").setEnabled(False)
            return
        for info in presets:
            action = self.examples_menu.addAction(info.title)
            action.setToolTip(info.description or info.title)
            action.setStatusTip(info.description or info.title)
            action.setData(str(info.path))
            action.triggered.connect(lambda _=False, p=info.path: self.open_example(Path(p)))

    def recent_files(self) -> list[Path]:
        value = self.settings.value(RECENT_KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [Path(p) for p in items if p][:MAX_RECENT]

    def _remember(self, path: Path) -> None:
        items = [str(path)] + [str(p) for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, items[:MAX_RECENT])
        self.settings.setValue(LAST_DIR_KEY, str(path.parent))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for i, path in enumerate(recent, 1):
            action = self.recent_menu.addAction(f"&{i} {path.name}")
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", lambda: self.settings.setValue(RECENT_KEY, []))

    # ------------------------------------------------------------------ life cycle --------
    def _start_dir(self) -> Path:
        """Where Open starts: the last folder used, else the person's presets folder."""
        last = Path(str(self.settings.value(LAST_DIR_KEY, "") or ""))
        return last if last.is_absolute() and last.is_dir() else self._user_dir()

    def _save_dir(self) -> Path:
        """Where Save As starts: the file's own folder, the last folder used or the person's presets
        folder, whichever comes first that is not in the install folder (shipped presets are read-only)."""
        last = Path(str(self.settings.value(LAST_DIR_KEY, "") or ""))
        path = self.session.path
        for folder in ([path.parent] if path is not None else []) + [last]:
            if folder.is_absolute() and folder.is_dir() and not in_install_folder(folder):
                return folder
        return self._user_dir()

    @staticmethod
    def _user_dir() -> Path:
        try:
            return user_presets_dir()
        except OSError:  # cannot be created: somewhere the person can still choose from
            return Path.home()

    def maybe_save(self) -> bool:
        """Ask about unsaved changes. True = go ahead (saved or discarded), False = cancelled."""
        if not self.session.dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"Save the changes to “{self._display_name()}” before continuing?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def _display_name(self) -> str:
        path = self.session.path
        return path.name if path is not None else self.session.experiment.name

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.session.load(default_experiment(), None)
        self.opened.emit(None)
        return True

    def open(self) -> bool:
        """Ask for a file and open it."""
        if not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.window, "Open experiment", str(self._start_dir()), FILTER)
        return bool(path) and self.open_path(Path(path), ask=False)

    def open_path(self, path: Path, ask: bool = True) -> bool:
        """Open `path`; on a bad file show why and keep the current experiment.

        A shipped preset opens as an untitled copy, as from the Examples menu.
        """
        if ask and not self.maybe_save():
            return False
        path = _absolute(path)
        if not self._load(path, None if in_install_folder(path) else path):
            return False
        self._remember(path)
        return True

    def open_example(self, path: Path) -> bool:
        """Open a shipped preset as an untitled copy: Save then asks where (never the install dir)."""
        return self.maybe_save() and self._load(path, None)

    def _load(self, path: Path, session_path: Path | None) -> bool:
        try:
            experiment = load_preset(path)
        except (PlaygroundError, OSError) as exc:
            QMessageBox.warning(self.window, "Cannot open experiment", str(exc))
            return False
        self.session.load(experiment, session_path)
        self.opened.emit(session_path)
        return True

    def save(self) -> bool:
        path = self.session.path
        return self.save_as() if path is None else self._write(path)

    def save_as(self) -> bool:
        suggested = self._save_dir() / f"{_slug(self._display_name().removesuffix('.json'))}.json"
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Save experiment"), str(suggested),
                                              FILTER)
        if not path:
            return False
        target = _absolute(path)
        if not target.suffix:
            target = target.with_suffix(".json")
        return self._write(target)

    def _write(self, path: Path) -> bool:
        """Save to `path`, or say in one sentence why not (the experiment stays unsaved)."""
        if in_install_folder(path):
            return self._cannot_save(self.tr(
                "{path} is in NN Playground's install folder, where the shipped presets are read-only: "
                "save your copy in your own presets folder ({folder}) or anywhere else."
            ).format(path=path, folder=self._user_dir()))
        try:
            save_preset(self.session.experiment, path)
        except OSError as exc:
            return self._cannot_save(self.tr("Could not save {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc))
        except PlaygroundError as exc:
            return self._cannot_save(str(exc))
        self.session.mark_saved(path)
        self._remember(path)
        return True

    def _cannot_save(self, message: str) -> bool:
        QMessageBox.warning(self.window, self.tr("Cannot save experiment"), message)
        return False


def install_menus(window: QMainWindow, files: FileActions, session: Session, run_actions: list[QAction],
                  panels: list[tuple[str, QWidget]]) -> dict[str, QMenu]:
    """Build the menu bar: File, Edit, Run, Examples, View, Help. Returns the menus by name."""
    bar = window.menuBar()
    menus = {name: bar.addMenu(title) for name, title in
             (("file", "&File"), ("edit", "&Edit"), ("run", "&Run"), ("view", "&View"), ("help", "&Help"))}
    files.fill_file_menu(menus["file"])
    FullMnistActions(window, session, menus["file"], files.quit_action)  # a child of the window
    undo = session.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = session.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    menus["edit"].addActions([undo, redo])
    menus["run"].addActions(run_actions)
    bar.insertMenu(menus["view"].menuAction(), files.examples_menu)
    menus["examples"] = files.examples_menu
    for title, widget in panels:
        toggle = QAction(title, window, checkable=True)
        toggle.setChecked(not widget.isHidden())
        toggle.toggled.connect(widget.setVisible)
        menus["view"].addAction(toggle)
    menus["help"].addAction("&Keyboard shortcuts", lambda: _show_shortcuts(window, files, run_actions,
                                                                             [undo, redo]))
    menus["help"].addAction(calculator_action(window))  # Ctrl+K: optimizer and loss by hand
    menus["help"].addAction("&About NN Playground", lambda: _about(window))
    return menus


def _show_shortcuts(window: QWidget, files: FileActions, run_actions: list[QAction],
                    edit_actions: list[QAction]) -> None:
    actions = run_actions + edit_actions + [files.new_action, files.open_action, files.save_action,
                                            files.save_as_action, files.quit_action]
    rows = "".join(f"<tr><td><b>{a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}</b>"
                   f"&nbsp;&nbsp;</td><td>{a.text().replace('&', '')}</td></tr>" for a in actions)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{rows}</table>",
                      QMessageBox.StandardButton.Close, window)
    box.setInformativeText("Space works everywhere except while typing in a text field.")
    box.show()  # non-modal: keep it open while trying the keys


def _about(window: QWidget) -> None:
    from playground import __version__

    QMessageBox.about(window, "About NN Playground",
                      f"<b>NN Playground</b> {__version__}<p>Assemble a network, press Space, watch it "
                      "learn. A desktop take on TensorFlow Playground, built on PyTorch, PySide6 and "
                      "pyqtgraph.</p>")
