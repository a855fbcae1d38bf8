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

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from playground.core.errors import PlaygroundError
from playground.core.experiment import default_experiment
from playground.core.presets import (
    in_install_folder,
    load_preset,
    save_preset,
    user_presets_dir,
)
from playground.gui.session import Session

MAX_RECENT = 8
RECENT_KEY = "files/recent"
LAST_DIR_KEY = "files/last_dir"
FILTER = QT_TRANSLATE_NOOP("FileActions", "Experiments (*.json);;All files (*)")


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
        self.new_action = self._action(self.tr("&New"), QKeySequence.StandardKey.New, self.new,
                                       self.tr("Start over with the default experiment"))
        self.open_action = self._action(self.tr("&Open…"), QKeySequence.StandardKey.Open, self.open,
                                        self.tr("Open an experiment (.json preset)"))
        self.save_action = self._action(self.tr("&Save"), QKeySequence.StandardKey.Save, self.save,
                                        self.tr("Save the experiment"))
        self.save_as_action = self._action(self.tr("Save &As…"), QKeySequence("Ctrl+Shift+S"), self.save_as,
                                           self.tr("Save the experiment under a new name"))
        self.quit_action = self._action(self.tr("&Quit"), QKeySequence("Ctrl+Q"), window.close,
                                        self.tr("Quit NN Playground"))
        self.recent_menu = QMenu(self.tr("Open &Recent"), window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)

    def _action(self, text: str, key, slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({_shortcut_text(key)})")
        action.triggered.connect(lambda _=False: slot())
        return action

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
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("Clear list"), lambda: self.settings.setValue(RECENT_KEY, []))

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
            self.window, self.tr("Unsaved changes"),
            self.tr("Save the changes to “{0}” before continuing?").format(self._display_name()),
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
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Open experiment"), str(self._start_dir()),
                                              self.tr(FILTER))
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
            QMessageBox.warning(self.window, self.tr("Cannot open experiment"), str(exc))
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
                                              self.tr(FILTER))
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
