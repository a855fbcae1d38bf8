"""The Session: single owner of the current Experiment, its undo history and its file.

Views never keep their own copy of a setting. They read `session.experiment`, listen to `changed`,
and send edits with `session.edit(new_experiment, "text")`, which records an undoable command.
Edits that arrive in a burst for the same field (a spin box being scrolled) merge into one undo step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.core.datasets import load_dataset
from playground.core.datasets.base import Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment, default_experiment

_MERGE_IDS: dict[str, int] = {}


def _merge_id(key: str | None) -> int:
    if key is None:
        return -1
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class ReplaceExperiment(QUndoCommand):
    """Swap the session's experiment; undo swaps the old one back."""

    def __init__(self, session: Session, old: Experiment, new: Experiment, text: str, merge_key: str | None):
        super().__init__(text)
        self._session, self.old, self.new = session, old, new
        self._id = _merge_id(merge_key)

    def id(self) -> int:  # noqa: A003 - Qt API
        return self._id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if not isinstance(other, ReplaceExperiment) or other.id() != self._id or self._id == -1:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self._session._set(self.new)

    def undo(self) -> None:
        self._session._set(self.old)


class Session(QObject):
    """Holds the experiment; emits `changed(new, old)` after every change, undo and redo included."""

    changed = Signal(object, object)
    file_changed = Signal(object)  # Path | None
    dirty_changed = Signal(bool)

    def __init__(self, experiment: Experiment | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._experiment = experiment if experiment is not None else default_experiment()
        self._path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._data_key: tuple | None = None
        self._dataset: Dataset | None = None
        self._dataset_error = ""

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def dataset(self) -> Dataset | None:
        """The data the current experiment trains on, or None if it cannot be loaded (see dataset_error).

        Cached on (data spec, seed): generated sets cost milliseconds, but views ask often.
        """
        key = (self._experiment.data, self._experiment.seed)
        if key != self._data_key:
            self._data_key = key
            try:
                self._dataset, self._dataset_error = load_dataset(*key), ""
            except PlaygroundError as exc:
                self._dataset, self._dataset_error = None, str(exc)
        return self._dataset

    @property
    def dataset_error(self) -> str:
        self.dataset  # noqa: B018 - refresh the cache
        return self._dataset_error

    def edit(self, new: Experiment, text: str, merge_key: str | None = None) -> None:
        """Make `new` current as one undoable step (no-op when nothing changed)."""
        if new == self._experiment:
            return
        self.undo_stack.push(ReplaceExperiment(self, self._experiment, new, text, merge_key))

    def load(self, experiment: Experiment, path: Path | None = None) -> None:
        """Start over with `experiment` (opened or new): fresh undo history, clean state."""
        old = self._experiment
        self.undo_stack.clear()
        self._path = path
        self._set(experiment, old)
        self.undo_stack.setClean()
        self.file_changed.emit(path)
        self.dirty_changed.emit(False)

    def mark_saved(self, path: Path) -> None:
        self._path = path
        self.undo_stack.setClean()
        self.file_changed.emit(path)

    def _set(self, new: Experiment, old: Experiment | None = None) -> None:
        old = self._experiment if old is None else old
        self._experiment = new
        self.changed.emit(new, old)
