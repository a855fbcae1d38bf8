"""The Session: single owner of the current Experiment, its data set, its undo history and its file.

Views never keep their own copy of a setting. They read `session.experiment`, listen to `changed`,
and send edits with `session.edit(new_experiment, "text")`, which records an undoable command.
Edits that arrive in a burst for the same field (a spin box being scrolled) merge into one undo step.

The data set is built by the one background loader (`data_loader`), never here. A data edit
goes through `change_data`: the data is loaded first and the edit is made when it has loaded, so
a CSV file with a bad cell, or a Cancel, changes nothing (the person gets `data_failed`). Any
other way the data changes (undo, opening a file) changes the experiment at once and loads its
data behind it: `dataset` is None meanwhile and `dataset_changed` says when that changes. A few
recent data sets are kept, so undoing a data edit is instant.

What several views derive from the experiment and its data is computed here once per change and
read by all of them: the network's shape inference (`report`: the designer, the Inside and Step
views), the core's pre-run checks (`run_error`: Train's validation, without building a model)
and the settings' combination rules (`settings_problem`: what keeps Train disabled). An edit
(`_set`) or other data (a different `dataset` object) drops them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground.core.compat import check_experiment, check_training_split
from playground.core.datasets import missing_data
from playground.core.datasets.base import Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import DataSpec, Experiment, default_experiment
from playground.core.model import NetworkReport, inspect_network
from playground.core.preflight import check_run
from playground.gui.data_loader import DataKey, DataLoader, RecentData, is_csv

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


def _key(exp: Experiment) -> DataKey:
    return exp.data, exp.data_seed


@dataclass(frozen=True)
class DataChange:
    """A data edit waiting for its data: applied (as one undoable step) when the data has loaded."""

    key: DataKey
    text: str
    merge_key: str | None


class _Derived:
    """What is computed from one experiment on one data set, each at most once (see the module doc)."""

    def __init__(self, experiment: Experiment, dataset: Dataset | None):
        self.experiment, self.dataset = experiment, dataset
        self._report: NetworkReport | PlaygroundError | None = None
        self._run_error: Exception | None | bool = False  # False: not checked yet
        self._settings_problem: str | None = None

    def report(self) -> NetworkReport | None:
        ds = self.dataset
        if ds is None:
            return None
        if self._report is None:
            try:
                self._report = inspect_network(self.experiment.network, ds.input_shape, ds.output_units)
            except PlaygroundError as exc:  # the same error for every reader, as if each had asked
                self._report = exc
        if isinstance(self._report, PlaygroundError):
            raise self._report
        return self._report

    def settings_problem(self) -> str:
        if self._settings_problem is None:
            try:
                check_experiment(self.experiment)
                if self.dataset is not None:
                    check_training_split(self.experiment, len(self.dataset.x_train))
                self._settings_problem = ""
            except PlaygroundError as exc:
                self._settings_problem = str(exc)
        return self._settings_problem

    def run_error(self) -> Exception | None:
        if self._run_error is False:
            try:
                check_run(self.experiment, self.dataset, report=self.report())
                self._run_error = None
            except Exception as exc:  # noqa: BLE001 - the one error path words it (training.py)
                self._run_error = exc
        return self._run_error


class Session(QObject):
    """Holds the experiment; emits `changed(new, old)` after every change, undo and redo included."""

    changed = Signal(object, object)
    file_changed = Signal(object)  # Path | None
    dirty_changed = Signal(bool)
    dataset_changed = Signal()  # the current experiment's data set arrived, failed or started loading
    pending_changed = Signal()  # a data change started or stopped waiting for its data (`pending`)
    data_failed = Signal(str)  # a data change could not load its data (nothing changed): the sentence

    def __init__(self, experiment: Experiment | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._experiment = experiment if experiment is not None else default_experiment()
        self._path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._datasets = RecentData()  # the current data set and a few recent ones: undo is instant
        self._error: tuple[DataKey, str] | None = None  # why the current data could not be loaded
        self._pending: DataChange | None = None
        self._applying = False  # inside `_set`: the views hear of new data through `changed`
        self.loader = DataLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)
        # Who fetches a data set whose files are not on this computer yet (the window's Get full
        # MNIST); called with change_data's arguments. None: the change fails with the how-to sentence.
        self.fetch_missing: Callable[[DataSpec, int, str, str | None], None] | None = None
        self._derived: _Derived | None = None
        self._load_current()

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
        """The data the current experiment trains on; None while it loads or when it cannot be loaded."""
        return self._datasets.get(_key(self._experiment))

    @property
    def dataset_error(self) -> str:
        """Why there is no data set now ("" when there is one): the load's sentence, or that it loads."""
        key = _key(self._experiment)
        if key in self._datasets:
            return ""
        if self._error is not None and self._error[0] == key:
            return self._error[1]
        return QCoreApplication.translate("Session", "the data is still loading")

    @property
    def report(self) -> NetworkReport | None:
        """Shape inference of the current network on the current data (None without data), computed
        once per edit for every view that shows it."""
        return self._derive().report()

    @property
    def run_error(self) -> Exception | None:
        """Why a run of the current experiment would be refused before it starts (None: it can start).

        The core's own pre-run checks (`preflight.check_run`: loss, head, shapes, memory, split) on
        the cached report and data, once per edit; without data, `check_run` loads it, as a run would.
        """
        return self._derive().run_error()

    @property
    def settings_problem(self) -> str:
        """Why the current settings cannot train together ("" when they can): the core's static
        combination rules and, with the data loaded, its training split. Train's blocker; once per edit."""
        return self._derive().settings_problem()

    def check(self, experiment: Experiment, dataset: Dataset | None) -> None:
        """Raise what a run of `experiment` on `dataset` would be refused with (the controller's
        validation): cached for the current experiment and data, checked afresh for any other."""
        if experiment is self._experiment and (dataset is None or dataset is self.dataset):
            error = self.run_error
        else:
            error = _Derived(experiment, dataset).run_error()
        if error is not None:
            raise error

    def _derive(self) -> _Derived:
        ds = self.dataset
        if self._derived is None or self._derived.dataset is not ds:
            self._derived = _Derived(self._experiment, ds)
        return self._derived

    @property
    def data_loading(self) -> bool:
        """Whether the current experiment's own data is being loaded (after undo or opening a file)."""
        return self.loader.key == _key(self._experiment)

    @property
    def pending(self) -> DataChange | None:
        """The data change waiting for its data (None when none is)."""
        return self._pending

    @property
    def target(self) -> Experiment:
        """The experiment as it will be once the pending data change lands (the current one if none)."""
        if self._pending is None:
            return self._experiment
        data, seed = self._pending.key
        return replace(self._experiment, data=data, data_seed=seed)

    def change_data(self, data: DataSpec, data_seed: int, text: str, merge_key: str | None = None) -> None:
        """Switch to other data (and data seed) as one undoable step once it has loaded, superseding a
        pending change.

        At once when the data is at hand (a small generated set, a recent one); otherwise the
        loader reads it in the background and the edit is made when it lands. If it fails,
        `data_failed` carries the sentence and nothing changes; `cancel_data` drops it. A CSV file
        is always read again: it may have changed since (or been fixed after a failed read).
        """
        key = (data, data_seed)
        missing = missing_data(data.dataset) if key != _key(self._experiment) else ""
        if missing:  # not loadable until its files are fetched: ask whoever can, change nothing yet
            self.cancel_data()
            self.pending_changed.emit()  # the views show what is current again
            if self.fetch_missing is not None:
                self.fetch_missing(data, data_seed, text, merge_key)
            else:
                self.data_failed.emit(missing)
            return
        if not is_csv(data) and (key in self._datasets or key == _key(self._experiment)):
            self.cancel_data()
            self.edit(replace(self._experiment, data=data, data_seed=data_seed), text, merge_key)
            return
        self._pending = DataChange(key, text, merge_key)
        self.pending_changed.emit()
        self.loader.request(data, data_seed)  # supersedes what was loading; may answer before it returns

    def cancel_data(self) -> None:
        """Drop the pending data change (nothing changes), or stop loading the current data."""
        if self.loader.busy:
            self.loader.cancel()

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
        self._derived = None  # before any view hears of the edit
        if _key(new) != _key(old):
            self._applying = True
            try:
                if self._pending is not None and self._pending.key != _key(new):
                    self.cancel_data()  # undo, a file opened: the newer intent wins over the pending change
                self._load_current()
            finally:
                self._applying = False
        self.changed.emit(new, old)

    # ------------------------------------------------------------------ data --------------
    def _load_current(self) -> None:
        """Ask the loader for the current experiment's data unless it is at hand (or has failed)."""
        key = _key(self._experiment)
        if key in self._datasets:
            self._datasets.touch(key)
        elif self.loader.key != key and (self._error is None or self._error[0] != key):
            self.loader.request(*key)
            if self.loader.key == key and not self._applying:
                self.dataset_changed.emit()  # loading: views say so

    def _on_loaded(self, key: DataKey, ds: Dataset) -> None:
        self._datasets.add(key, ds, keep=_key(self._experiment))
        if self._error is not None and self._error[0] == key:
            self._error = None
        change = self._pending
        if change is not None and change.key == key:
            self._pending = None
            same = key == _key(self._experiment)  # the current file, read again
            self.edit(replace(self._experiment, data=key[0], data_seed=key[1]), change.text, change.merge_key)
            self.pending_changed.emit()
            if same:
                self.dataset_changed.emit()
        elif key == _key(self._experiment) and not self._applying:
            self.dataset_changed.emit()

    def _on_failed(self, key: DataKey, message: str) -> None:
        change = self._pending
        if change is not None and change.key == key:
            self._pending = None
            self.pending_changed.emit()
            self.data_failed.emit(message)
            self._load_current()  # in case the change had interrupted loading the current data
        elif key == _key(self._experiment):
            self._error = (key, message)
            if not self._applying:
                self.dataset_changed.emit()

    def _on_cancelled(self, key: DataKey) -> None:
        change = self._pending
        if change is not None and change.key == key:
            self._pending = None
            self.pending_changed.emit()
            self._load_current()  # in case the change had interrupted loading the current data
        elif key == _key(self._experiment) and change is None:  # (else a data change superseded it)
            self._error = (key, QCoreApplication.translate(
                "Session", "loading the data was cancelled; choose the data again to load it"))
            self.dataset_changed.emit()

    def reload_data(self) -> None:
        """Load the current data again after it failed: its files arrived on disk (full MNIST).

        Not an edit (nothing to undo): the loader reads the data and `dataset_changed` follows.
        """
        key = _key(self._experiment)
        if self._error is not None and self._error[0] == key:
            self._error = None
        self._load_current()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop loading (window close); True when no loader thread is left."""
        return self.loader.shutdown(timeout_ms)
