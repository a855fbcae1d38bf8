"""The Runs tab: every run of the session, to compare (overlay on the loss plot), restore or export.

A list over `RunHistory`, nothing more: a row per run with its colour, label, final test loss and
accuracy (or R²) and how it ended; its checkbox overlays the run on the loss plot. Restoring a
run's settings is an ordinary session edit, so Ctrl+Z takes it back.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP as _N
from PySide6.QtCore import QCoreApplication, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.run.state import RunState
from playground.gui.export_actions import ask_save_path, export_failed, export_history
from playground.gui.run_labels import run_details
from playground.gui.runs import RunEntry, RunHistory
from playground.gui.session import Session

_STATES = {RunState.RUNNING: _N("RunsPanel", "running"), RunState.PAUSED: _N("RunsPanel", "paused"),
           RunState.FINISHED: _N("RunsPanel", "finished"), RunState.STOPPED: _N("RunsPanel", "stopped"),
           RunState.STOPPED_EARLY: _N("RunsPanel", "stopped early"),
           RunState.DIVERGED: _N("RunsPanel", "diverged"), RunState.ERROR: _N("RunsPanel", "failed")}


def _tr(text: str) -> str:
    return QCoreApplication.translate("RunsPanel", text)
_ID = Qt.ItemDataRole.UserRole


def swatch(colour: str, size: int = 14) -> QIcon:
    """A small rounded square of the run's colour: the key between the list and the plot."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


def _fmt(value: float, percent: bool = False) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if percent else f"{value:.3g}"


def result_lines(entry: RunEntry) -> str:
    """"test loss 0.052 · accuracy 98.4%" over "epoch 120 · finished" (train values without a test split)."""
    split = "test" if math.isfinite(entry.final("test_loss")) else "train"
    loss = _fmt(entry.final(f"{split}_loss"))
    scores = [_tr("test loss {0}").format(loss) if split == "test" else _tr("train loss {0}").format(loss)]
    accuracy, r2 = entry.final(f"{split}_accuracy"), entry.final(f"{split}_r2")
    if math.isfinite(accuracy):
        scores.append(_tr("accuracy {0}").format(_fmt(accuracy, True)))
    elif math.isfinite(r2):
        scores.append(f"R² {_fmt(r2)}")
    state = _tr(_STATES.get(entry.state, entry.state))
    return f"{' · '.join(scores)}\n" + _tr("epoch {0} · {1}").format(f"{entry.epoch:,}", state)


class RunsPanel(QWidget):
    """The runs of the session with overlay checkboxes and Restore / Remove / Export CSV buttons."""

    def __init__(self, history: RunHistory, session: Session, settings: QSettings | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.history, self.session = history, session
        self.settings = settings if settings is not None else QSettings()
        self.list = QListWidget()
        self.list.setIconSize(QSize(14, 14))
        self.list.setSpacing(2)
        self.list.setWordWrap(True)
        self.hint = QLabel(self.tr("No runs yet. Each run you train is kept here: tick runs to overlay them "
                                   "on the loss plot, or restore the settings that made one."))
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.restore_button = QPushButton(self.tr("Restore settings"))
        self.restore_button.setToolTip(self.tr("Put the selected run's settings back "
                                               "(undoable with Ctrl+Z)."))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Forget the selected run."))
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.setToolTip(self.tr("Save the selected run's per-epoch metrics as a CSV table."))
        self._build()
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._refresh_buttons())
        self.restore_button.clicked.connect(self.restore_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.export_button.clicked.connect(self.export_selected)
        history.added.connect(self._on_added)
        history.changed.connect(self._on_changed)
        history.removed.connect(self._on_removed)
        for entry in history.entries():
            self._on_added(entry.id)
        self._refresh_buttons()

    def _build(self) -> None:
        title = QLabel(self.tr("RUNS"))
        title.setObjectName("sectionTitle")
        buttons = QGridLayout()  # two rows: three buttons in one row clipped their text at 250 px
        buttons.addWidget(self.restore_button, 0, 0)
        buttons.addWidget(self.export_button, 0, 1)
        buttons.addWidget(self.remove_button, 1, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.addWidget(title)
        lay.addWidget(self.hint)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)

    # ------------------------------------------------------------------ API ---------------
    def item(self, run_id: int) -> QListWidgetItem | None:
        """The list row of a run."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ID) == run_id:
                return item
        return None

    def selected(self) -> RunEntry | None:
        item = self.list.currentItem()
        return self.history.entry(item.data(_ID)) if item is not None else None

    def select(self, run_id: int) -> None:
        item = self.item(run_id)
        if item is not None:
            self.list.setCurrentItem(item)

    def restore_selected(self) -> None:
        """Make the settings the selected run ended with the session's again, as one undoable edit.

        "Ended with": a learning rate changed while it trained is restored at its last value.
        """
        entry = self.selected()
        if entry is not None:
            self.session.edit(entry.ended_experiment, self.tr("Restore run {0}").format(entry.number))

    def remove_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.history.remove(entry.id)

    def export_selected(self) -> None:
        """Ask where, then write the selected run's per-epoch history as CSV."""
        entry = self.selected()
        if entry is None or not entry.epoch:
            return
        path = ask_save_path(self, self.settings, self.tr("Export {0} metrics").format(entry.name),
                             f"run-{entry.number}-history", "csv")
        if path is None:
            return
        try:
            export_history(entry.history, path)
        except (OSError, ValueError) as exc:
            export_failed(self, path, exc)

    # ------------------------------------------------------------------ reactions ---------
    def _on_added(self, run_id: int) -> None:
        entry = self.history.entry(run_id)
        item = QListWidgetItem(swatch(entry.colour), "")
        item.setData(_ID, run_id)
        flags = Qt.ItemFlag
        item.setFlags(flags.ItemIsEnabled | flags.ItemIsSelectable | flags.ItemIsUserCheckable)
        self.list.blockSignals(True)
        self.list.insertItem(0, item)  # newest on top, where the eye lands
        self.list.blockSignals(False)
        self._show(item, entry)
        self.list.setCurrentItem(item)
        self._refresh_buttons()

    def _on_changed(self, run_id: int) -> None:
        item, entry = self.item(run_id), self.history.entry(run_id)
        if item is not None and entry is not None:
            self._show(item, entry)
            self._refresh_buttons()

    def _on_removed(self, run_id: int) -> None:
        item = self.item(run_id)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        self._refresh_buttons()

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self.history.set_overlay(item.data(_ID), item.checkState() == Qt.CheckState.Checked)

    def _show(self, item: QListWidgetItem, entry: RunEntry) -> None:
        """Write a run into its row without echoing the check state back as an edit."""
        self.list.blockSignals(True)
        item.setText(f"{entry.label}\n{result_lines(entry)}")
        item.setCheckState(Qt.CheckState.Checked if entry.overlay else Qt.CheckState.Unchecked)
        parts = [run_details(entry.experiment, entry.lr_changes)]
        if entry.message:
            parts.append(entry.message)
        parts.append(self.tr("Tick to overlay this run's test loss on the loss plot."))
        item.setToolTip("\n\n".join(parts))
        self.list.blockSignals(False)

    def _refresh_buttons(self) -> None:
        entry = self.selected()
        self.hint.setVisible(self.list.count() == 0)
        for button in (self.restore_button, self.remove_button):
            button.setEnabled(entry is not None)
        self.export_button.setEnabled(entry is not None and entry.epoch > 0)


def _demo() -> None:
    """Two short runs of the default experiment (the second with a higher learning rate), live."""
    from dataclasses import replace

    import pyqtgraph as pg

    from playground.core import edits as _edits
    from playground.core.experiment import default_experiment
    from playground.gui.training import TrainingController

    app = pg.mkQApp()
    session = Session(_edits.with_training(default_experiment(), epochs=100))
    history, controller = RunHistory(), TrainingController()
    history.follow(controller, lambda: session.experiment)
    panel = RunsPanel(history, session)

    def next_run(state: str) -> None:
        if state == RunState.FINISHED and len(history.entries()) < 2:
            opt = session.experiment.training.optimizer
            faster = replace(opt, params={**opt.params, "lr": 0.1})
            session.edit(_edits.with_training(session.experiment, optimizer=faster), "lr")
            controller.start(session.experiment, session.dataset)

    controller.state_changed.connect(next_run)
    panel.resize(320, 420)
    panel.show()
    controller.start(session.experiment, session.dataset)
    app.exec()
    controller.shutdown()


if __name__ == "__main__":
    _demo()
