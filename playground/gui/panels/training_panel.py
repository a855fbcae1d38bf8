"""Secondary training settings: loss, optimizer and its parameters, schedule, regularisation,
batching, epoch limit, early stopping, and the two seeds (training and data).

Every control is generated from a core schema (the registries' Params, TRAINING_PARAMS,
EARLY_STOPPING_PARAMS), so a new optimizer or schedule shows up here with its own controls and
help texts. The optimizer and schedule forms are rebuilt when the choice changes because each
entry has its own parameters.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.core import edits as _edits
from playground.core.experiment import EARLY_STOPPING_PARAMS, SEED_PARAM, TRAINING_PARAMS, Experiment
from playground.core.losses import LOSSES
from playground.core.optimizers import OPTIMIZERS
from playground.core.registry import Registry
from playground.core.schedules import SCHEDULES
from playground.core.spec import DATA_SEED_PARAM
from playground.gui.session import Session
from playground.gui.widgets.number_field import NumberField
from playground.gui.widgets.param_form import ParamForm

_SEED_MAX = int(SEED_PARAM.maximum)


def registry_combo(registry: Registry, extra: tuple[str, str, str] | None = None) -> QComboBox:
    """A combo listing a registry's labels, names as item data and help texts as tooltips."""
    combo = QComboBox()
    items = ([extra] if extra else []) + [(e.name, e.label, e.help) for e in registry.values()]
    for name, label, help_text in items:
        combo.addItem(label, name)
        combo.setItemData(combo.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
    return combo


def section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("sectionTitle")
    return label


def _select(combo: QComboBox, name: str) -> None:
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, combo.findData(name)))
    combo.blockSignals(False)


class TrainingPanel(QScrollArea):
    """All training settings beyond the run bar's; edits go to `session` with merge keys."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(14, 10, 14, 10)
        self._layout.setSpacing(6)
        self.setWidget(body)

        self.loss_combo = registry_combo(LOSSES, ("auto", self.tr("Auto (fits the task)"),
                                                  self.tr("Pick the loss that fits the task.")))
        self.optimizer_combo = registry_combo(OPTIMIZERS)
        self.schedule_combo = registry_combo(SCHEDULES)
        self.optimizer_form = ParamForm(())
        self.schedule_form = ParamForm(())
        self.training_form = ParamForm(TRAINING_PARAMS)
        self.early_form = ParamForm(EARLY_STOPPING_PARAMS)
        self.seed_box = NumberField(SEED_PARAM)
        self.data_seed_box = NumberField(DATA_SEED_PARAM)
        self._build()
        self._connect()
        session.changed.connect(self._on_changed)
        session.pending_changed.connect(self._on_pending_changed)
        self._sync(session.experiment)

    def _build(self) -> None:
        lay = self._layout
        lay.addWidget(section(self.tr("Loss")))
        lay.addWidget(self.loss_combo)
        lay.addSpacing(8)
        lay.addWidget(section(self.tr("Optimizer")))
        lay.addWidget(self.optimizer_combo)
        self._optimizer_slot = self._slot(self.optimizer_form)
        lay.addSpacing(8)
        lay.addWidget(section(self.tr("Learning-rate schedule")))
        lay.addWidget(self.schedule_combo)
        self._schedule_slot = self._slot(self.schedule_form)
        lay.addSpacing(8)
        lay.addWidget(section(self.tr("Batches and regularisation")))
        lay.addWidget(self.training_form)
        self.penalty_hint = QLabel(self.tr(
            "L1 and L2 penalise the weights, not the biases. L2 adds ½λ·Σw² to the loss, the course's "
            "½λ‖θ‖², so each step adds λ·w to the gradient: PyTorch's SGD with weight_decay = λ."))
        self.penalty_hint.setObjectName("hint")
        self.penalty_hint.setWordWrap(True)
        lay.addWidget(self.penalty_hint)
        lay.addSpacing(8)
        lay.addWidget(section(self.tr("Early stopping")))
        lay.addWidget(self.early_form)
        lay.addSpacing(8)
        lay.addWidget(section(self.tr("Seed")))
        seeds = QFormLayout()
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_box, 1)
        self.new_weights_button = QPushButton(self.tr("New weights"))
        self.new_weights_button.setToolTip(self.tr(
            "Train again from other initial weights (a new training seed) on the same data; undo brings "
            "the old seed back."))
        seed_row.addWidget(self.new_weights_button)
        seeds.addRow(self.tr("training"), seed_row)
        seeds.addRow(self.tr("data"), self.data_seed_box)
        lay.addLayout(seeds)
        lay.addStretch(1)
        for form in (self.training_form, self.early_form):
            form.layout().setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def _slot(self, form: ParamForm) -> QVBoxLayout:
        """A layout that holds a rebuildable form."""
        holder = QVBoxLayout()
        holder.setContentsMargins(0, 2, 0, 0)
        holder.addWidget(form)
        self._layout.addLayout(holder)
        return holder

    def _connect(self) -> None:
        self.loss_combo.activated.connect(lambda i: self._edit(
            _edits.with_training(self._exp, loss=self.loss_combo.itemData(i)), self.tr("Change loss")))
        self.optimizer_combo.activated.connect(lambda i: self._edit(
            _edits.with_optimizer(self._exp, self.optimizer_combo.itemData(i)), self.tr("Change optimizer")))
        self.schedule_combo.activated.connect(lambda i: self._edit(
            _edits.with_schedule(self._exp, self.schedule_combo.itemData(i)), self.tr("Change schedule")))
        self.training_form.value_changed.connect(self._training_edited)
        self.early_form.value_changed.connect(self._early_edited)
        self.seed_box.valueChanged.connect(
            lambda v: self._edit(replace(self._exp, seed=int(v)), self.tr("Change training seed"), "seed"))
        self.data_seed_box.valueChanged.connect(
            lambda v: self._change_data_seed(int(v), self.tr("Change data seed"), "data_seed"))
        self.new_weights_button.clicked.connect(self.new_weights)

    @property
    def _exp(self) -> Experiment:
        return self.session.experiment

    def _edit(self, new: Experiment, text: str, key: str | None = None) -> None:
        self.session.edit(new, text, merge_key=key)

    def _change_data_seed(self, seed: int, text: str, key: str | None = None) -> None:
        """The data seed draws the data: the edit waits for the data (see Session.change_data)."""
        self.session.change_data(self.session.target.data, seed, text, key)

    def new_weights(self) -> None:
        """A fresh random training seed (new initial weights, same data), as one undoable step."""
        self._edit(replace(self._exp, seed=random.randint(0, _SEED_MAX)), self.tr("New weights"))

    def _optimizer_param_edited(self, name: str, value: Any) -> None:
        self._edit(_edits.with_optimizer_param(self._exp, name, value),
                   self.tr("Change optimizer {0}").format(name), f"training.optimizer.{name}")

    def _schedule_param_edited(self, name: str, value: Any) -> None:
        self._edit(_edits.with_schedule_param(self._exp, name, value),
                   self.tr("Change schedule {0}").format(name), f"training.schedule.{name}")

    def _training_edited(self, name: str, value: Any) -> None:
        self._edit(_edits.with_training(self._exp, **{name: value}),
                   self.tr("Change {0}").format(name.replace("_", " ")), f"training.{name}")

    def _early_edited(self, name: str, value: Any) -> None:
        self._edit(_edits.with_early_stopping(self._exp, name, value), self.tr("Change early stopping"),
                   f"training.early_stopping.{name}")

    # ------------------------------------------------------------------ mirroring ---------
    def _on_changed(self, new: Experiment, old: Experiment) -> None:
        self._sync(self.session.target)

    def _on_pending_changed(self) -> None:
        self._sync(self.session.target)  # the data seed asked for, or back to the current one

    def _sync(self, exp: Experiment) -> None:
        """Show `exp`: select the registry entries, rebuild forms whose schema changed, set values."""
        t = exp.training
        _select(self.loss_combo, t.loss)
        _select(self.optimizer_combo, t.optimizer.name)
        _select(self.schedule_combo, t.schedule.name)
        self.optimizer_form = self._ensure_form(self.optimizer_form, self._optimizer_slot,
                                                OPTIMIZERS[t.optimizer.name].params)
        self.schedule_form = self._ensure_form(self.schedule_form, self._schedule_slot,
                                               SCHEDULES[t.schedule.name].params)
        self.optimizer_form.set_values(t.optimizer.params)
        self.schedule_form.set_values(t.schedule.params)
        self.training_form.set_values({p.name: getattr(t, p.name) for p in TRAINING_PARAMS})
        self.early_form.set_values(t.early_stopping)
        for box, value in ((self.seed_box, exp.seed), (self.data_seed_box, exp.data_seed)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._enable_dependents(exp)

    def _ensure_form(self, form: ParamForm, slot: QVBoxLayout, schema: tuple) -> ParamForm:
        if form.schema == tuple(schema):
            return form
        new = ParamForm(schema)
        new.layout().setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        slot.replaceWidget(form, new)
        form.deleteLater()
        new.value_changed.connect(self._optimizer_param_edited if slot is self._optimizer_slot
                                  else self._schedule_param_edited)
        return new

    def _enable_dependents(self, exp: Experiment) -> None:
        """Early-stopping details only matter when it is on."""
        on = bool(exp.training.early_stopping.get("enabled", False))
        for name, control in self.early_form.controls.items():
            if name != "enabled":
                control.setEnabled(on)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.gui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    panel = TrainingPanel(Session())
    panel.show()
    app.exec()
