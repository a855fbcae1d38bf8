"""The main window: one instrument that reads left to right the way data flows.

Run bar across the top (run controls, counters, main hyper-parameters); below it a splitter with
the data and training settings on the left, the network in the middle (Design and Inside tabs;
starting a run brings Inside forward) and the output (decision boundary, curves) on the right,
as in TensorFlow Playground.

The window wires views to the session and the training controller and owns one rule about runs:
a learning-rate edit is applied live to a running trainer (it is still an undoable edit); any
other edit that changes the run makes the old run meaningless, so it is stopped and the views
are cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP as _N
from PySide6.QtCore import QMimeData, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core import edits as _edits
from playground.core.experiment import Experiment
from playground.core.run.loop import RunOptions
from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot
from playground.gui import window_state
from playground.gui.data_progress import DataProgress
from playground.gui.designer import NetworkDesigner
from playground.gui.export_actions import ExportActions
from playground.gui.file_actions import FileActions
from playground.gui.frames import Phase
from playground.gui.inside.inside_panel import InsidePanel
from playground.gui.inside.step_explainer import StepExplainer
from playground.gui.menus import install_menus
from playground.gui.neuron_focus import NeuronFocus
from playground.gui.panels.data_panel import DataPanel
from playground.gui.panels.run_bar import RunBar
from playground.gui.panels.runs_panel import RunsPanel
from playground.gui.panels.training_panel import TrainingPanel
from playground.gui.plots.dynamics import REFRESH_S as DYNAMICS_SPACING
from playground.gui.plots.dynamics import DynamicsView
from playground.gui.plots.output_panel import OutputPanel
from playground.gui.run_status import active_run_text, control_state
from playground.gui.runs import RunHistory
from playground.gui.search_actions import SearchActions
from playground.gui.session import Session
from playground.gui.training import TrainingController
from playground.gui.widgets.notice import Notice

APP_TITLE = "NN Playground"
SHUTDOWN_MS = 3000

_STATUS = {  # marked for translators; MainWindow translates them when shown
    RunState.IDLE: _N("MainWindow", "Ready: press Space to train."),
    RunState.FINISHED: _N("MainWindow", "Finished: reached the epoch limit."),
    RunState.STOPPED: _N("MainWindow", "Stopped."),
    RunState.STOPPED_EARLY: _N("MainWindow", "Stopped early: the validation metric stopped improving."),
    RunState.DIVERGED: _N("MainWindow", "Diverged: the loss became NaN or infinite, or blew up."),
    RunState.ERROR: _N("MainWindow", "The run failed."),
    "starting": _N("MainWindow", "Starting: the training process is building the run (the first run "
                                 "after start-up also waits for it to load PyTorch)."),
}


def _json_paths(mime: QMimeData) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls()
            if u.isLocalFile() and u.toLocalFile().lower().endswith(".json")]


class MainWindow(QMainWindow):
    """The NN Playground window over `session` (a fresh default session when None)."""

    def __init__(self, session: Session | None = None, settings: QSettings | None = None):
        super().__init__()
        self.session = session if session is not None else Session(parent=self)
        self.settings = settings if settings is not None else QSettings()
        self.controller = TrainingController(self)
        self.controller.checks = self.session.check  # Train's validation: the session's cached outcome
        self._error = ""
        self._build()
        self.files = FileActions(self, self.session, self.settings)
        window_state.restore(self, self.settings, self.splitter, self._tab_keys())
        self.menus = install_menus(self, self.files, self.session, self.run_actions,
                                   [(self.tr("Data and training settings"), self.side),
                                    (self.tr("Output"), self.right)])
        self.exports = ExportActions(self, self.settings, self.output.plot_for_export, self._latest_history)
        self.menus["file"].insertMenu(self.files.quit_action, self.exports.menu)
        self.menus["file"].insertSeparator(self.files.quit_action)
        self.search = SearchActions(self)  # the Sweep dock, its menu items, the lr Find… button
        self._connect()
        self.setAcceptDrops(True)
        self.output.set_dataset(self.session.dataset)
        self._sync_run_views()
        self._refresh_title()
        self._refresh_blocker()
        # Not a text field: Space must reach Train at start-up (the tabs when Inside was remembered).
        designing = self.centre.currentWidget() is self.designer
        (self.designer.canvas if designing else self.centre.tabBar()).setFocus()

    # ------------------------------------------------------------------ building ----------
    def _build(self) -> None:
        self.run_bar = RunBar(self.session)
        bar = self.run_bar
        self.run_actions = [bar.train_action, bar.step_action, bar.step_batch_action, bar.stop_action,
                            bar.reset_action]
        self.notice = Notice()
        self.data_panel = DataPanel(self.session)
        self.training_panel = TrainingPanel(self.session)
        self.side = QTabWidget()
        self.side.setObjectName("sidePanel")
        self.side.setDocumentMode(True)
        self.side.addTab(self.data_panel, self.tr("Data"))
        self.side.addTab(self.training_panel, self.tr("Training"))
        self.runs = RunHistory(self)  # every run of the session, for the Runs tab and loss overlays
        self.runs_panel = RunsPanel(self.runs, self.session, self.settings)
        self.side.addTab(self.runs_panel, self.tr("Runs"))
        self.side.setMinimumWidth(250)
        self.designer = NetworkDesigner(self.session)
        self.inside = InsidePanel(self.session, self.controller)
        # Design and Inside share the centre as tabs: each needs the column's full height (the
        # layer stack and inspector; eight rows of neuron maps), and a split would halve both.
        self.centre = QTabWidget()
        self.centre.setObjectName("centreTabs")
        self.centre.setDocumentMode(True)
        self.centre.addTab(self.designer, self.tr("Design"))
        self.centre.addTab(self.inside, self.tr("Inside"))
        self.output = OutputPanel()
        # What a run does, as tabs of the output column: settings stay on the left, and the three
        # dynamics plots and step mode's numbers get the column's width (a 300 px side tab wrapped them).
        self.dynamics = DynamicsView()
        self.step_explainer = StepExplainer(self.controller, bar.step_batch_action, bar.step_action)
        self.right = QTabWidget()
        self.right.setObjectName("outputTabs")
        self.right.setDocumentMode(True)
        self.right.addTab(self.output, self.tr("Output"))
        self.right.addTab(self.output.score_view, self.tr("Metrics"))
        self.right.addTab(self.dynamics, self.tr("Dynamics"))
        self.right.addTab(self.step_explainer, self.tr("Step"))
        self.neuron_focus = NeuronFocus(self.inside.network, self.output.boundary, self.controller, self)
        self.neuron_focus.unit_shown.connect(lambda: self.right.setCurrentWidget(self.output))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        for i, w in enumerate((self.side, self.centre, self.right)):
            self.splitter.addWidget(w)
            self.splitter.setStretchFactor(i, (0, 2, 3)[i])
        self.splitter.setSizes([300, 520, 620])

        central = QWidget()
        central.setObjectName("central")
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.run_bar)
        notice_row = QVBoxLayout()
        notice_row.setContentsMargins(12, 6, 12, 0)
        notice_row.addWidget(self.notice)
        lay.addLayout(notice_row)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.data_progress = DataProgress(self.session)
        self.statusBar().addPermanentWidget(self.data_progress)
        self.statusBar().setSizeGripEnabled(True)

    def _connect(self) -> None:
        s, c, bar = self.session, self.controller, self.run_bar
        s.changed.connect(self._on_experiment_changed)
        s.file_changed.connect(lambda _path: self._refresh_title())
        s.dirty_changed.connect(lambda _dirty: self._refresh_title())
        s.dataset_changed.connect(self._on_dataset_changed)
        s.pending_changed.connect(self._refresh_blocker)
        self.designer.problem_changed.connect(lambda _problem: self._refresh_blocker())
        c.frames.register(self._on_snapshot, Phase.MAIN)
        c.frames.register(self._on_snapshot_followup, Phase.FOLLOWUP)
        c.frames.register(self.dynamics.update_snapshot, Phase.FOLLOWUP, spacing=DYNAMICS_SPACING)
        c.state_changed.connect(self._on_state)
        c.request.changed.connect(lambda: self._on_state(c.state))  # a click, or the trainer catching up
        c.responding_changed.connect(lambda _responding: self._refresh_status())
        c.error.connect(self._on_error)
        self.runs.follow(c, lambda: self.session.experiment)  # runs start with the session's experiment
        for signal in (self.runs.added, self.runs.changed, self.runs.removed):
            signal.connect(lambda _id: self.search.show_overlays())
        bar.train_action.triggered.connect(self.toggle_training)
        bar.step_action.triggered.connect(self.step)
        bar.step_batch_action.triggered.connect(self.step_batch)
        bar.stop_action.triggered.connect(self.stop)
        bar.reset_action.triggered.connect(self.reset)

    # ------------------------------------------------------------------ settings ----------
    def _tab_keys(self) -> list[tuple[str, QTabWidget]]:
        """The tab choices remembered between runs of the app: left, centre and right columns."""
        return [("window/side_tab", self.side), ("window/centre_tab", self.centre),
                ("window/right_tab", self.right)]

    # ------------------------------------------------------------------ state -------------
    def train_blocker(self) -> str:
        """Why Train cannot start now ("" when it can): broken network, no data, impossible combo."""
        if self.designer.problem:
            return self.designer.problem
        if self.session.pending is not None:
            return self.tr("the new data is still loading")
        if self.session.dataset is None:
            return self.session.dataset_error or self.tr("the data cannot be loaded")
        return self.session.settings_problem

    def _refresh_blocker(self) -> None:
        self.run_bar.set_blocked(self.train_blocker())
        self._refresh_status()

    def _refresh_status(self) -> None:
        blocker, state = self.train_blocker(), self.controller.state
        if state == RunState.ERROR and self._error:
            text = self.tr("Error: {0}").format(self._error)
        elif state in (RunState.DIVERGED, RunState.STOPPED_EARLY) and self._final_message():
            text = self._final_message()
        elif state in (RunState.RUNNING, RunState.PAUSED) and not self.controller.responding:
            text = self.tr("The training process is not responding: it has sent nothing for a few seconds "
                           "(stopped, or starved of CPU). The run goes on if it recovers; Reset abandons it.")
        elif blocker and state not in (RunState.RUNNING, RunState.PAUSED):
            text = self.tr("Cannot train: {0}").format(blocker)
        elif state in (RunState.RUNNING, RunState.PAUSED) and self.controller.latest is None:
            text = self.tr(_STATUS["starting"])  # nothing from the trainer yet: say so rather than "Training"
        else:
            text = active_run_text(self.controller) or self.tr(_STATUS.get(state, state))
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def _latest_history(self) -> Mapping | None:
        """The current run's per-epoch metrics (File ▸ Export), None before its first epoch."""
        snap = self.controller.latest
        return snap.history if snap is not None and snap.epoch > 0 else None

    def _final_message(self) -> str:
        snap = self.controller.latest
        return snap.message if snap is not None else ""

    def _refresh_title(self) -> None:
        path = self.session.path
        name = path.stem if path is not None else self.session.experiment.name
        self.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.setWindowModified(self.session.dirty)

    # ------------------------------------------------------------------ reactions ---------
    def _on_experiment_changed(self, new: Experiment, old: Experiment) -> None:
        if _edits.only_learning_rate_changed(new, old):
            if self.controller.is_active:
                self.controller.set_learning_rate(_edits.learning_rate(new))
        elif _edits.only_pace_changed(new, old):
            self.controller.set_pace(new.training.pace)  # live, if a run is on
        elif _edits.affects_run(new, old):
            self._discard_run()
        if new.data != old.data or new.data_seed != old.data_seed:
            self.output.set_dataset(self.session.dataset)
        self._sync_run_views()
        self._refresh_title()
        self._refresh_blocker()

    def _on_dataset_changed(self) -> None:
        """The data arrived (or failed) after the experiment changed: undo, an opened file."""
        self.output.set_dataset(self.session.dataset)
        self._sync_run_views()
        self._refresh_blocker()

    def _sync_run_views(self) -> None:
        """Layer names for the dynamics plots, the weights step mode can watch, the per-point loss."""
        self.dynamics.set_experiment(self.session.experiment, self.designer.report)
        self.step_explainer.set_experiment(self.session.experiment, self.session.dataset,
                                           self.designer.report)
        self.output.set_loss(self.session.experiment.training.loss)
        self.output.set_network(self.session.experiment.network)

    def _on_snapshot(self, snap: Snapshot) -> None:
        """First phase of a frame (see training): the picture and the counters."""
        self.output.update_main(snap)
        self.run_bar.show_snapshot(snap)
        if self.status_label.text() == self.tr(_STATUS["starting"]):
            self._refresh_status()  # the first snapshot: the run is really under way

    def _on_snapshot_followup(self, snap: Snapshot) -> None:
        """Second phase, one frame later: curves, dynamics and the designer's badges."""
        self.output.update_secondary(snap)
        self.designer.set_activity(snap.activity)

    def _on_state(self, state: str) -> None:
        self.run_bar.set_run_state(control_state(self.controller))
        if state in (RunState.RUNNING, RunState.IDLE):
            self._error = ""
        self._refresh_status()

    def _on_error(self, message: str) -> None:
        """Expected failures (bad data, shapes, divergence) as a message strip, never a traceback."""
        self._error = message
        severity = "warning" if self.controller.state == RunState.DIVERGED else "error"
        self.notice.show_message(message, severity)
        self._refresh_status()

    # ------------------------------------------------------------------ run control -------
    def toggle_training(self) -> None:
        """Train / Pause / Resume: the Space key."""
        if self.controller.is_active:
            self.controller.toggle()
        else:
            self._start(paused=False)

    def step(self) -> None:
        """Advance one epoch and stay paused; from idle, start a paused run first."""
        if not self.controller.is_active and not self._start(paused=True):
            return
        self.controller.step_epoch()

    def step_batch(self) -> None:
        """One optimizer step (one minibatch), then stay paused; from idle, start a paused run first."""
        if not self.controller.is_active and not self._start(paused=True):
            return
        self.controller.step_batch()

    def stop(self) -> None:
        """Stop the run and keep its results on screen."""
        self.controller.stop()

    def reset(self) -> None:
        """Stop the run and clear every view of it."""
        self._discard_run(force=True)
        self._refresh_status()

    def _start(self, paused: bool) -> bool:
        blocker = self.train_blocker()
        if blocker:
            self.statusBar().showMessage(self.tr("Cannot train: {0}").format(blocker), 5000)
            return False
        self.notice.hide()
        self._clear_views()
        options = RunOptions(start_paused=paused, neuron_grids=True, weights=True, conv_maps=True,
                             curves=True)
        self.controller.start(self.session.experiment, self.session.dataset, options)
        self._show_inside()
        return True

    def _show_inside(self) -> None:
        """A new run is when there is something to watch inside: bring that tab forward, keeping
        the keyboard focus off text fields (Space must still pause)."""
        if self.centre.currentWidget() is self.inside:
            return
        self.centre.setCurrentWidget(self.inside)
        self.centre.tabBar().setFocus(Qt.FocusReason.OtherFocusReason)

    def _discard_run(self, force: bool = False) -> None:
        if force or self.controller.state != RunState.IDLE or self.controller.latest is not None:
            self.controller.reset()
            self._clear_views()

    def _clear_views(self) -> None:
        self.output.clear()
        self.dynamics.clear()
        self.step_explainer.clear()
        self.designer.set_activity({})
        self.run_bar.clear_counters()

    # ------------------------------------------------------------------ window events -----
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.files.maybe_save():
            event.ignore()
            return
        window_state.save(self, self.settings, self.splitter, self._tab_keys())
        self.search.shutdown()
        self.controller.shutdown()
        self.session.shutdown(SHUTDOWN_MS)
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if _json_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        if _json_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = _json_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files.open_path(paths[0])


# The whole app starts with `python -m playground` (or `nn-playground`), through gui/app.py.
