"""The runs of this session: what each run trained and how it ended, for comparing and restoring.

Every run the controller starts becomes a `RunEntry`: its number, a label (see `run_labels`:
what sets it apart from the other kept runs, so labels are redone when a run comes or goes), a
colour, the Experiment it started with, the live learning-rate changes the trainer applied, and
the newest history and final figures. Updating from a snapshot only keeps references to the
snapshot's mappings (snapshots are immutable copies), so following a run costs nothing per frame;
`changed` fires only when an epoch ended, the state moved or the rate changed, which is what the
runs list and the loss-plot overlays need. Runs are kept in memory (the last `MAX_RUNS`);
restoring one is an ordinary undoable edit of the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from playground.core.experiment import Experiment, NamedSpec
from playground.core.run.state import RunState
from playground.core.snapshot import LrChange, Snapshot, final_figure
from playground.gui.run_labels import run_label

MAX_RUNS = 20
# One hue per run, none of them the live curves' blue/orange/green, so an overlay never reads as
# the current run's train or test curve; deep tones, because overlays are drawn at ~35% opacity
# and the pastel ones vanished on white.
RUN_COLOURS = ("#6a3d9a", "#b2182b", "#01665e", "#8c510a", "#c51b7d", "#3f4fa8", "#4d4d4d", "#7f7f00")


@dataclass(eq=False)
class RunEntry:
    """One run: what it trained and the newest state of its history."""

    id: int  # the controller's run id
    number: int  # "Run 3": counts the runs of this session
    label: str
    colour: str
    experiment: Experiment  # as it started
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)  # the newest snapshot's figures
    lr_changes: tuple[LrChange, ...] = ()  # live learning-rate changes, as the trainer applied them
    message: str = ""  # why it ended
    state: RunState = RunState.RUNNING
    epoch: int = 0
    overlay: bool = False

    @property
    def name(self) -> str:
        return f"Run {self.number}"

    @property
    def ended_experiment(self) -> Experiment:
        """The settings the run ended with: the experiment, at the last learning rate it trained with."""
        if not self.lr_changes:
            return self.experiment
        opt = self.experiment.training.optimizer
        optimizer = NamedSpec(opt.name, {**opt.params, "lr": self.lr_changes[-1][2]})
        return replace(self.experiment, training=replace(self.experiment.training, optimizer=optimizer))

    def final(self, key: str) -> float:
        """The run's final figure for `key`, by the rule Output and the command line use (NaN if none)."""
        return final_figure(self.metrics, self.history, key)


class RunHistory(QObject):
    """The last `MAX_RUNS` runs of the session, newest last; emits added/changed/removed(run id)."""

    added = Signal(int)
    changed = Signal(int)
    removed = Signal(int)

    def __init__(self, parent: QObject | None = None, max_runs: int = MAX_RUNS):
        super().__init__(parent)
        self._entries: dict[int, RunEntry] = {}
        self._current: int | None = None
        self._count = 0
        self._max = max_runs
        self._experiment_source: Callable[[], Experiment] | None = None
        self._controller: QObject | None = None

    # ------------------------------------------------------------------ reading -----------
    def entries(self) -> list[RunEntry]:
        """All kept runs, oldest first."""
        return list(self._entries.values())

    def entry(self, run_id: int) -> RunEntry | None:
        return self._entries.get(run_id)

    @property
    def current(self) -> RunEntry | None:
        """The run the controller is (or was last) training, if still kept."""
        return self._entries.get(self._current) if self._current is not None else None

    def overlays(self) -> list[tuple[int, str, str, Mapping[str, np.ndarray]]]:
        """(id, label, colour, history) of the runs shown on the loss plot, for `CurvesView.set_overlays`."""
        return [(e.id, e.name, e.colour, e.history) for e in self._entries.values() if e.overlay]

    # ------------------------------------------------------------------ feeding -----------
    def follow(self, controller: QObject, experiment: Callable[[], Experiment]) -> None:
        """Record the runs of a TrainingController; `experiment()` is what a starting run trains."""
        self._experiment_source, self._controller = experiment, controller
        controller.run_started.connect(self._on_run_started)
        controller.snapshot_ready.connect(self.update_snapshot)
        controller.state_changed.connect(self.update_state)

    def _on_run_started(self, run_id: int) -> None:
        self.record(run_id, self._experiment_source())

    def record(self, run_id: int, experiment: Experiment) -> RunEntry:
        """A run started: add its entry (dropping the previous run if it never finished an epoch)."""
        previous = self.current
        if previous is not None and previous.epoch == 0:
            self.remove(previous.id)  # nothing to compare: a reset or a restart before epoch 1
        self._count += 1
        colour = RUN_COLOURS[(self._count - 1) % len(RUN_COLOURS)]
        entry = RunEntry(run_id, self._count, "", colour, experiment)
        self._entries[run_id] = entry
        self._current = run_id
        entry.label = self._label(entry)
        self.added.emit(run_id)
        while len(self._entries) > self._max:
            self.remove(next(iter(self._entries)))
        self._relabel()
        return entry

    def update_snapshot(self, snap: Snapshot) -> None:
        """Keep the current run's newest history and figures; tell listeners only when an epoch ended,
        the state moved or the learning rate changed (which relabels the run)."""
        entry = self.current
        if entry is None:
            return
        relabel = snap.lr_changes != entry.lr_changes
        news = relabel or snap.epoch != entry.epoch or snap.state != entry.state
        entry.history, entry.metrics, entry.message = snap.history, snap.metrics, snap.message
        entry.epoch, entry.state, entry.lr_changes = snap.epoch, snap.state, snap.lr_changes
        if relabel:
            entry.label = self._label(entry)
        if news:
            self.changed.emit(entry.id)

    def update_state(self, state: RunState) -> None:
        """An active run that was reset ends as "stopped", one that failed as "error".

        A new run that fails to build also reports "error", after retiring the run before it:
        that one only stopped (the controller's run id has moved on from it).
        """
        entry = self.current
        if (entry is None or entry.state not in (RunState.RUNNING, RunState.PAUSED)
                or state not in (RunState.IDLE, RunState.ERROR)):
            return
        ours = self._controller is None or getattr(self._controller, "run_id", entry.id) == entry.id
        entry.state = RunState.ERROR if state == RunState.ERROR and ours else RunState.STOPPED
        self.changed.emit(entry.id)

    # ------------------------------------------------------------------ editing -----------
    def set_overlay(self, run_id: int, on: bool) -> None:
        """Show or hide a run's curves on the loss plot."""
        entry = self._entries.get(run_id)
        if entry is not None and entry.overlay != bool(on):
            entry.overlay = bool(on)
            self.changed.emit(run_id)

    def remove(self, run_id: int) -> None:
        if self._entries.pop(run_id, None) is not None:
            self.removed.emit(run_id)
            self._relabel()

    # ------------------------------------------------------------------ labels ------------
    def _label(self, entry: RunEntry) -> str:
        others = [e.experiment for e in self._entries.values() if e is not entry]
        return run_label(entry.number, entry.experiment, others, entry.lr_changes)

    def _relabel(self) -> None:
        """Label every run by what sets it apart from the others kept now; `changed` for each new label."""
        for entry in list(self._entries.values()):
            label = self._label(entry)
            if label != entry.label:
                entry.label = label
                self.changed.emit(entry.id)

    def clear(self) -> None:
        for run_id in list(self._entries):
            self.remove(run_id)
