"""InsidePanel: the live look inside the network, bound to the session and the training controller.

Shows the NetworkView for point, line and table data and the ConvView for images, laid out from
the session's experiment before any run, filled by the controller's snapshots while one runs.
Edits made in the views go back to the trainer (a weight typed in, the test image whose feature
maps to show); after a run ends, a typed weight edits the model it left, which the trainer process
keeps until the next run, and every view redraws from the edited model. It renders only while
visible: the newest snapshot waits for `showEvent`, so a hidden Inside tab costs the window nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from playground.core.datasets.base import IMAGE, LINE1D, Dataset
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.model import NetworkReport
from playground.core.run.state import FINAL_STATES, RunState
from playground.core.snapshot import Snapshot
from playground.gui.frames import Phase
from playground.gui.inside._layout import network_problem
from playground.gui.inside.conv_view import ConvView
from playground.gui.inside.network_view import NetworkView
from playground.gui.session import Session
from playground.gui.training import TrainingController

HINT, NETWORK, CONV = "hint", "network", "conv"
_PAGES = (HINT, NETWORK, CONV)
# Marked for translators; InsidePanel translates them when shown.
IDLE_HINT = QT_TRANSLATE_NOOP("InsidePanel", "Press Train (Space) to watch the neurons learn.")
NETWORK_HELP = QT_TRANSLATE_NOOP(
    "InsidePanel", "Orange negative, blue positive; line width shows |weight|, the small square a unit's "
    "bias. Hover for values, click a weight or bias to edit it, click a unit to see it large "
    "(here and in the output).")
CURVE_HELP = QT_TRANSLATE_NOOP(
    "InsidePanel", "Each unit shows its output over x, left to right: blue above 0, orange below. Line width "
    "shows |weight|, the small square a unit's bias. Hover for values, click a weight or bias to "
    "edit it, click a unit to see it large.")
CONV_HELP = QT_TRANSLATE_NOOP(
    "InsidePanel", "Filters and feature maps of one test image, each map in its own range: orange negative, "
    "blue positive. Hover a map for its values.")


class InsidePanel(QWidget):
    """The network (or conv) view for the session's data, fed by `controller`."""

    def __init__(self, session: Session, controller: TrainingController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("insidePanel")
        self.session = session
        self.controller = controller
        self.network = NetworkView()
        self.conv = ConvView()
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.empty = QLabel()
        self.empty.setObjectName("hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        for page in (self.empty, self.network, self.conv):
            self.pages.addWidget(page)
        self._pending: Snapshot | None = None
        self._has_run = False
        self._ended = False  # the run is over: edits change the model it left
        self._build()
        session.changed.connect(self._on_experiment_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        # Two-phase frames (see frames.py): converted with the curves, painted with the next boundary.
        controller.frames.register(self.update_snapshot, Phase.FOLLOWUP, spacing=self._spacing)
        controller.frames.register(self._present, Phase.MAIN)
        self.network.deferred_paint = True
        controller.run_started.connect(self._on_run_started)
        controller.state_changed.connect(self._on_state)
        self.network.parameter_edited.connect(self._on_parameter_edited)
        self.network.edit_refusal = controller.edit_refusal
        self.conv.sample_changed.connect(self._on_sample_changed)
        self.show_session()

    def _build(self) -> None:
        title = QLabel(self.tr("INSIDE THE NETWORK"))
        title.setObjectName("sectionTitle")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addLayout(head)
        lay.addWidget(self.hint)
        lay.addWidget(self.pages, 1)

    # ------------------------------------------------------------------ API ---------------
    @property
    def page(self) -> str:
        """Which view shows: "hint" (nothing to show), "network" or "conv"."""
        return _PAGES[self.pages.currentIndex()]

    def show_session(self) -> None:
        """Lay out the views for the session's experiment and data, with its cached inspection."""
        s = self.session
        try:
            report = s.report
        except PlaygroundError:
            report = None  # each view words the error itself, as without a cache
        self.set_network(s.experiment, s.dataset, report)

    def set_network(self, experiment: Experiment, dataset: Dataset | None,
                    report: NetworkReport | None = None) -> None:
        """Lay out the views for `experiment` on `dataset` and pick the one that fits the data."""
        self._pending, self._has_run = None, False
        self.network.set_network(experiment, dataset, report)
        self.conv.set_network(experiment, dataset, report)
        problem = network_problem(experiment, dataset, report) if dataset is not None else ""
        if dataset is None:
            self._show(HINT, self.session.dataset_error or self.tr("No data to show."))
        elif problem:
            self._show(HINT, problem)
        elif dataset.kind == IMAGE:
            self._show(CONV)
        elif self.network.scene.columns:
            self._show(NETWORK)
        else:
            self._show(HINT, self.network.problem)
        self._refresh_hint()

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show the newest snapshot now if visible, else when the panel is shown."""
        self._has_run = True
        if not self.isVisible():
            self._pending = snap
            return
        self._pending = None
        if self.page == NETWORK:
            self.network.update_snapshot(snap)
        elif self.page == CONV:
            self.conv.update_snapshot(snap)
        self._refresh_hint()

    def _spacing(self) -> float:
        """The network view's own spacing of streaming frames; the conv view takes every one."""
        return self.network.frame_spacing() if self.page == NETWORK else 0.0

    def _present(self, _snap: Snapshot) -> None:
        self.network.present()

    def clear(self) -> None:
        """Forget the run; the layout stays."""
        self._pending, self._has_run = None, False
        self.network.clear()
        self.conv.clear()
        self._refresh_hint()

    # ------------------------------------------------------------------ reactions ---------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._pending is not None:
            self.update_snapshot(self._pending)

    def _on_experiment_changed(self, new: Experiment, old: Experiment) -> None:
        if (new.network, new.data, new.seed, new.data_seed) != \
                (old.network, old.data, old.seed, old.data_seed):
            self.show_session()

    def _on_dataset_changed(self) -> None:
        self.show_session()

    def _on_run_started(self, _run_id: int) -> None:
        self.clear()
        if self.conv.sample:  # a new run starts on test image 0: ask for the one on screen
            self._on_sample_changed(self.conv.sample)

    def _on_state(self, state: str) -> None:
        if state == RunState.IDLE:
            self.clear()
        self._ended = state in FINAL_STATES
        self._refresh_hint()

    def _on_parameter_edited(self, key: str, index: int, value: float) -> None:
        reason = self.controller.set_parameter(key, index, value)
        if reason:
            self.network.refuse(reason)

    def _on_sample_changed(self, index: int) -> None:
        self.controller.set_feature_sample(index)

    # ------------------------------------------------------------------ internals ---------
    def _show(self, page: str, message: str = "") -> None:
        self.empty.setText(message)
        self.pages.setCurrentIndex(_PAGES.index(page))

    def _refresh_hint(self) -> None:
        if self.page == HINT:
            text = ""
        elif not self._has_run:
            text = self.tr(IDLE_HINT)
        elif self.page == CONV:
            text = self.tr(CONV_HELP)
        else:
            ds = self.network.scene.dataset
            text = self.tr(CURVE_HELP if ds is not None and ds.kind == LINE1D else NETWORK_HELP)
            if self._ended:
                text += " " + QCoreApplication.translate(
                    "InsidePanel", "The run has ended: an edit changes the model it left, and the maps, the "
                    "output and the metrics show the edited model. Train starts a new run.")
        self.hint.setText(text)
        self.hint.setVisible(bool(text))


def preview(name: str = "spiral") -> None:
    """Show the panel on its own, training `name` (a data set or a shipped preset, e.g. digits-cnn)."""
    import sys

    from PySide6.QtWidgets import QApplication

    from playground.core.errors import PlaygroundError
    from playground.core.presets import load_preset, resolve_preset
    from playground.core.run.loop import RunOptions
    from playground.gui.plots._preview import demo_experiment

    app = QApplication.instance() or QApplication(sys.argv)
    try:
        experiment = load_preset(resolve_preset(name))
    except (PlaygroundError, OSError):
        experiment = demo_experiment(name)
    session = Session(experiment)
    controller = TrainingController()
    panel = InsidePanel(session, controller)
    panel.resize(640, 760)
    panel.show()
    controller.start(experiment, session.dataset, RunOptions(neuron_grids=True, weights=True, conv_maps=True))
    app.exec()
    controller.shutdown()


if __name__ == "__main__":
    import sys

    preview(sys.argv[1] if len(sys.argv) > 1 else "spiral")
