"""The run bar across the top: run controls, live counters and the main hyper-parameters.

Laid out like TensorFlow Playground's header: reset / play / step on the left, the epoch counter,
then learning rate, loss, optimizer and batch size. The run controls are QActions (so the same
shortcut, tooltip and enabled state serve the buttons here and the Run menu); the main window
connects them to the training controller. The hyper-parameter controls are thin binders over the
session like every other panel.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core import edits as _edits
from playground.core.experiment import TRAINING_PARAMS, Experiment
from playground.core.losses import LOSSES
from playground.core.optimizers import OPTIMIZERS, suggested_lr, unstable_lr
from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot
from playground.gui import theme
from playground.gui.session import Session
from playground.gui.widgets.number_field import LOG_LADDER, NumberField, format_number
from playground.gui.widgets.pace_combo import PaceCombo
from playground.resources import icon

# TensorFlow Playground's learning-rate choices: the arrows walk this ladder.
LR_LADDER = LOG_LADDER
ACTIVE_STATES = (RunState.RUNNING, RunState.PAUSED)

SHORTCUTS = {"train": "Space", "step": "Ctrl+Right", "step_batch": "Shift+Ctrl+Right", "reset": "Ctrl+R",
             "stop": "Esc"}
# The step icon, smaller: one batch is a small step, one epoch the full one.
_SMALL_STEP_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">'
                   f'<path d="M8 8.5v7l5.2-3.5z" fill="{theme.TEXT}"/>'
                   f'<rect x="14.4" y="8.5" width="1.9" height="7" rx="0.6" fill="{theme.TEXT}"/>'
                   '</svg>').encode()


def small_step_icon() -> QIcon:
    """The Step-one-batch icon, rendered from inline SVG at 4x for sharp HiDPI display."""
    pix = QPixmap()
    pix.loadFromData(_SMALL_STEP_SVG, "SVG")
    return QIcon(pix.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation))


def key_text(key: str) -> str:
    """The shortcut of run control `key` as the platform writes it (for tooltips)."""
    return QKeySequence(SHORTCUTS[key]).toString(QKeySequence.SequenceFormat.NativeText)


def _lr_param(optimizer: str):
    """The learning-rate Param of `optimizer` (its range is what the field accepts)."""
    return next(p for p in OPTIMIZERS[optimizer].params if p.name == "lr")


def _action(parent: QWidget, text: str, key: str, tip: str) -> QAction:
    action = QAction(text, parent)
    action.setShortcut(QKeySequence(SHORTCUTS[key]))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"{tip} ({key_text(key)})")
    # No status tip: the mouse rests on the button just clicked, and its tip would cover the status
    # line just when it says what the click did ("Pausing after this step…"). The tooltip has it.
    return action


def _column(caption: str, widget: QWidget, below: QWidget | None = None) -> QWidget:
    """A caption over a control, TF Playground style."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    label = QLabel(caption)
    label.setObjectName("caption")
    lay.addWidget(label)
    lay.addWidget(widget)
    if below is not None:
        lay.addWidget(below)
    lay.addStretch(1)
    return box


def format_rate(rate: float) -> str:
    """Steps per second as the run bar shows them: whole numbers, two digits below 10 (0.26, not 0)."""
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"


def _format_elapsed(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunBar(QWidget):
    """Run controls, counters and the main hyper-parameters; all edits go to `session`."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.session = session
        self.train_action = _action(self, self.tr("&Train"), "train", self.tr("Train / pause"))
        self.step_action = _action(self, self.tr("&Step one epoch"), "step", self.tr("Step one epoch"))
        self.step_batch_action = _action(self, self.tr("Step one &batch"), "step_batch",
                                         self.tr("Step one batch: a single optimizer step"))
        self.reset_action = _action(self, self.tr("&Reset"), "reset",
                                    self.tr("Reset: stop and clear the run"))
        self.stop_action = _action(self, self.tr("St&op"), "stop", self.tr("Stop the run, keep its results"))
        self.train_action.setIcon(icon("play"))
        self.step_action.setIcon(icon("step"))
        self.step_batch_action.setIcon(small_step_icon())
        self.reset_action.setIcon(icon("reset"))
        self.stop_action.setIcon(icon("stop"))
        self._blocked = ""
        self._state = RunState.IDLE
        self._build()
        session.changed.connect(self._on_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        self._sync(session.experiment)
        self.set_run_state(RunState.IDLE)

    # ------------------------------------------------------------------ building ----------
    def _button(self, action: QAction, size: int, name: str) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setObjectName(name)
        b.setFixedSize(size, size)
        b.setIconSize(QSize(size // 2, size // 2))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must reach the shortcut, not click a button
        return b

    def _build(self) -> None:
        self.reset_button = self._button(self.reset_action, 34, "roundButton")
        self.train_button = self._button(self.train_action, 48, "trainButton")
        self.step_button = self._button(self.step_action, 34, "roundButton")
        self.step_batch_button = self._button(self.step_batch_action, 34, "roundButton")
        self.stop_button = self._button(self.stop_action, 34, "roundButton")
        self.epoch_label = QLabel("000,000")
        self.epoch_label.setObjectName("bigNumber")
        self.rate_label = QLabel()
        self.rate_label.setObjectName("caption")
        self.rate_label.setToolTip(self.tr("Optimizer steps per second · time trained"))

        self.lr_box = NumberField(_lr_param("sgd"), ladder=LR_LADDER)  # its help is set in _warn_about_lr
        self.lr_warning = QLabel()  # shown while the learning rate is in the optimizer's unstable range
        self.lr_warning.setObjectName("warningCaption")
        policy = self.lr_warning.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the bar's columns stay put as the warning comes and goes
        self.lr_warning.setSizePolicy(policy)
        self.lr_warning.hide()
        self.loss_combo = QComboBox()
        self.loss_combo.addItem(self.tr("Auto"), "auto")
        self.loss_combo.setItemData(0, self.tr("Pick the loss that fits the task."),
                                    Qt.ItemDataRole.ToolTipRole)
        for entry in LOSSES.values():
            self.loss_combo.addItem(entry.label, entry.name)
            self.loss_combo.setItemData(self.loss_combo.count() - 1, entry.help, Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo = QComboBox()
        for entry in OPTIMIZERS.values():
            self.optimizer_combo.addItem(entry.label, entry.name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, entry.help,
                                             Qt.ItemDataRole.ToolTipRole)
        batch = next(p for p in TRAINING_PARAMS if p.name == "batch_size")
        self.batch_box = NumberField(batch, special={0: self.tr("all")})
        self.pace_combo = PaceCombo()  # how fast to train, so a learner can watch (core.speed)
        for w in (self.lr_box, self.loss_combo, self.optimizer_combo, self.batch_box):
            w.setMinimumWidth(110)
            w.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.lr_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # as wide as before
        self.lr_find_button = QToolButton(text=self.tr("Find…"), focusPolicy=Qt.FocusPolicy.NoFocus,
                                          toolTip=self.tr("Find a learning rate with the range test"))
        lr_row = QWidget()  # the field and its Find… button (gui/search_actions.py opens the dialog)
        row = QHBoxLayout(lr_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.lr_box)
        row.addWidget(self.lr_find_button)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(18, 8, 18, 8)
        lay.setSpacing(6)
        for b in (self.reset_button, self.train_button, self.step_button, self.step_batch_button,
                  self.stop_button):
            lay.addWidget(b, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addSpacing(22)
        lay.addWidget(_column(self.tr("Epoch"), self.epoch_label, self.rate_label))
        # Columns spread over the width like TF Playground's header, but never drift far apart.
        for caption, w, below in ((self.tr("Learning rate"), lr_row, self.lr_warning),
                                  (self.tr("Loss"), self.loss_combo, None),
                                  (self.tr("Optimizer"), self.optimizer_combo, None),
                                  (self.tr("Batch size"), self.batch_box, None),
                                  (self.tr("Speed"), self.pace_combo, None)):
            lay.addSpacing(26)
            lay.addStretch(1)
            lay.addWidget(_column(caption, w, below))
        lay.addStretch(4)

        self.lr_box.valueChanged.connect(self._lr_edited)
        self.loss_combo.activated.connect(self._loss_edited)
        self.optimizer_combo.activated.connect(self._optimizer_edited)
        self.batch_box.valueChanged.connect(self._batch_edited)
        self.pace_combo.pace_chosen.connect(self._pace_edited)

    # ------------------------------------------------------------------ edits -------------
    def _edit(self, new: Experiment, text: str, key: str | None = None) -> None:
        self.session.edit(new, text, merge_key=key)

    def _lr_edited(self, value: float) -> None:
        self._edit(_edits.with_optimizer_param(self.session.experiment, "lr", float(value)),
                   self.tr("Change learning rate"), "training.optimizer.lr")

    def _loss_edited(self, index: int) -> None:
        self._edit(_edits.with_training(self.session.experiment, loss=self.loss_combo.itemData(index)),
                   self.tr("Change loss"))

    def _optimizer_edited(self, index: int) -> None:
        self._edit(_edits.with_optimizer(self.session.experiment, self.optimizer_combo.itemData(index)),
                   self.tr("Change optimizer"))

    def _batch_edited(self, value: int) -> None:
        self._edit(_edits.with_training(self.session.experiment, batch_size=int(value)),
                   self.tr("Change batch size"), "training.batch_size")

    def _pace_edited(self, pace: object) -> None:
        self._edit(_edits.with_training(self.session.experiment, pace=pace), self.tr("Change speed"))

    # ------------------------------------------------------------------ mirroring ---------
    def _on_changed(self, new: Experiment, old: Experiment) -> None:
        self._sync(new)

    def _on_dataset_changed(self) -> None:
        self._sync(self.session.experiment)  # the losses on offer follow the data's task

    def _sync(self, exp: Experiment) -> None:
        """Show `exp` without echoing edits back into the session."""
        t = exp.training
        ds = self.session.dataset
        task = ds.task if ds is not None else None
        for w in (self.lr_box, self.loss_combo, self.optimizer_combo, self.batch_box):
            w.blockSignals(True)
        try:
            self.lr_box.param = _lr_param(t.optimizer.name)
            self.lr_box.setValue(float(t.optimizer.params.get("lr", 0.0)))
            self.loss_combo.setCurrentIndex(max(0, self.loss_combo.findData(t.loss)))
            self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(t.optimizer.name)))
            self.batch_box.setValue(t.batch_size)
            self.pace_combo.show_pace(t.pace)
            self._enable_losses(task)
        finally:
            for w in (self.lr_box, self.loss_combo, self.optimizer_combo, self.batch_box):
                w.blockSignals(False)
        self._warn_about_lr(t.optimizer.name, float(t.optimizer.params.get("lr", 0.0)))

    def _warn_about_lr(self, optimizer: str, lr: float) -> None:
        """Say so, before Train, when `lr` is where `optimizer` usually diverges; Train stays enabled."""
        label, start = OPTIMIZERS[optimizer].label, unstable_lr(optimizer)
        risky = lr >= start
        warning = self.tr("{optimizer} usually diverges at a learning rate of {start} or more: the loss may "
                          "blow up. Try {suggested} or less.").format(
            optimizer=label, start=format_number(start), suggested=format_number(suggested_lr(optimizer, lr)))
        help_text = self.tr("Learning rate: the step size of each update. Changes apply live while training.")
        self.lr_box.setHelp(f"{warning}\n{help_text}" if risky else help_text)
        self.lr_warning.setText(self.tr("⚠ May diverge with {optimizer}").format(optimizer=label))
        self.lr_warning.setToolTip(warning)
        self.lr_warning.setVisible(risky)

    def _enable_losses(self, task: str | None) -> None:
        """Grey out losses that cannot fit the current data's task (they would block Train)."""
        model = self.loss_combo.model()
        for i in range(1, self.loss_combo.count()):
            tasks = LOSSES[self.loss_combo.itemData(i)].tasks
            model.item(i).setEnabled(task is None or task in tasks)

    # ------------------------------------------------------------------ run state ---------
    def set_run_state(self, state: str) -> None:
        """Reflect the controller's state: Train becomes Pause while running, Resume while paused."""
        self._state = state
        running = state == RunState.RUNNING
        paused = state == RunState.PAUSED
        text, tip, name = ((self.tr("&Pause"), self.tr("Pause training"), "pause") if running else
                           (self.tr("&Resume"), self.tr("Resume training"), "play") if paused else
                           (self.tr("&Train"), self.tr("Start training"), "play"))
        self.train_action.setText(text)
        self.train_action.setIcon(icon(name))
        self.stop_action.setEnabled(state in ACTIVE_STATES)
        self._apply_tips(f"{tip} ({key_text('train')})")

    def set_blocked(self, reason: str) -> None:
        """Disable Train and Step with `reason` as the tooltip, or enable them when it is empty."""
        self._blocked = reason
        self.set_run_state(self._state)

    def _apply_tips(self, train_tip: str) -> None:
        # An active run can always be paused or stopped, even after an edit made the setup invalid.
        # While a Stop is on its way nothing can start or step; the button turns back to Train after.
        can_run = self._state != "stopping" and (not self._blocked or self._state in ACTIVE_STATES)
        self.train_action.setEnabled(can_run)
        self.step_action.setEnabled(can_run)
        self.step_batch_action.setEnabled(can_run)
        if can_run:
            self.train_action.setToolTip(train_tip)
        elif self._state == "stopping":
            self.train_action.setToolTip(self.tr("Stopping the run: Train is back once it has stopped."))
        else:
            self.train_action.setToolTip(self.tr("Cannot train: {0}").format(self._blocked))
        self.train_button.setToolTip(self.train_action.toolTip())

    def show_snapshot(self, snap: Snapshot) -> None:
        """Update the counters from the newest snapshot."""
        self.epoch_label.setText(format(snap.epoch, "07,"))
        elapsed, rate = _format_elapsed(snap.elapsed), snap.steps_per_second
        # The rate of the last slice that trained (a pause never counts); nothing before the first one
        self.rate_label.setText(self.tr("{0} steps/s · {1}").format(format_rate(rate), elapsed) if rate > 0
                                else elapsed)

    def clear_counters(self) -> None:
        self.epoch_label.setText("000,000")
        self.rate_label.setText("")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.gui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    panel = RunBar(Session())
    panel.show()
    app.exec()
