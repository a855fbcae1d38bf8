"""Step mode: one weight, one optimizer step at a time, with the arithmetic worked through.

The person picks a weight (layer, weight or bias, row and column), presses Step one batch, and
reads the optimizer's update rule with this step's numbers: gradient, optimizer state before and
after (velocity, squared-gradient sums and averages, Adam's moments and bias corrections),
learning rate, old → new value, and a line confirming that torch's own optimizer stored the same
number. The numbers come from `explain_step(snapshot.step_detail)`, which recomputes the step
from what the trainer captured; the read-out shows whether the two agree instead of assuming it.

The trainer records a watched weight only while this panel is visible (show/hide events), and
then for one step per snapshot (the rest train on the fast path), so the panel shows at frame rate
what it costs: a frame's worth of arithmetic, not training's speed.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontDatabase, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.compat import resolve_loss
from playground.core.datasets.base import Dataset
from playground.core.experiment import Experiment
from playground.core.explain import StepDetail, explain_step, gradient_terms, penalised
from playground.core.keys import parse_parameter_key
from playground.core.model import NetworkReport, build_model, inspect_network
from playground.core.optimizers import OPTIMIZERS
from playground.core.snapshot import Snapshot
from playground.gui import theme
from playground.gui.calculator import calculator_button
from playground.gui.inside.step_text import CSS, HYPER_NAMES, STATE_NAMES
from playground.gui.training import TrainingController

REFRESH_S = 0.12  # while training runs freely the read-out follows at ~8 Hz; paused, every step shows
TOLERANCE = 1e-5  # relative: torch steps in float32, the explanation in float64



@dataclass(frozen=True)
class ParameterInfo:
    """One trainable tensor of the model: its state-dict key, shape and a readable name."""

    key: str
    shape: tuple[int, ...]
    label: str


def parameters(exp: Experiment, dataset: Dataset | None,
               report: NetworkReport | None = None) -> list[ParameterInfo]:
    """The model's trainable tensors in order, named "Layer 1 (Dense 4 tanh) · weight 4×2".

    The keys come from building the model on torch's meta device: the model's own naming is the
    truth (no copy of each layer's internals here), and meta tensors cost no memory and draw no
    random numbers, so a run's seeded initialisation is untouched. `report`: the network's
    inspection on `dataset`, if at hand (the window's session caches it).
    """
    if dataset is None:
        return []
    if report is None:
        report = inspect_network(exp.network, dataset.input_shape, dataset.output_units)
    if not report.ok:
        return []
    with torch.device("meta"):
        model = build_model(exp.network, dataset.input_shape, dataset.output_units, report=report)
    out = []
    for key, p in model.named_parameters():
        block, kind = parse_parameter_key(key)
        info = report.layers[block]
        name = "Output" if info.is_output else f"Layer {block + 1} ({info.label})"
        shape = tuple(int(d) for d in p.shape)
        out.append(ParameterInfo(key, shape, f"{name} · {kind} {'×'.join(map(str, shape))}"))
    return out


def _math(text: str) -> str:
    """Escaped text whose arrows come from the proportional font: monospace fonts draw ← tiny."""
    text = html.escape(text)
    for arrow in "←→":
        text = text.replace(arrow, f"<span class='arrow'>{arrow}</span>")
    return text


def _num(x: float) -> str:
    """Seven significant digits: enough to see float32 agreement, short enough for a side panel."""
    return f"{x:.7g}" if math.isfinite(x) else str(x)


class StepExplainer(QWidget):
    """Parameter chooser, Step buttons and the worked-through optimizer update of the last step.

    `step_batch` / `step_epoch` are the run bar's actions (same enabled state and shortcuts);
    without them the panel makes its own that drive `controller` directly.
    """

    def __init__(self, controller: TrainingController, step_batch: QAction | None = None,
                 step_epoch: QAction | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self._params: list[ParameterInfo] = []
        self._loss: tuple[str, float, float] = ("", 0.0, 0.0)  # resolved loss name, l1, l2
        self._source: tuple | None = None
        self._shown: tuple | None = None
        self.values: dict[str, float] = {}  # the numbers on display (tests, accessibility)
        own = self._own_action
        self.step_batch_action = step_batch or own(self.tr("Step one &batch"), controller.step_batch)
        self.step_epoch_action = step_epoch or own(self.tr("Step one &epoch"), controller.step_epoch)
        self._build()
        controller.frames.register(self.update_snapshot)
        controller.frames.register(self.update_detail, spacing=REFRESH_S)
        self.clear()

    def _own_action(self, text: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        return action

    def _build(self) -> None:
        title = QLabel(self.tr("STEP MODE"))
        title.setObjectName("sectionTitle")
        hint = QLabel(self.tr("Pick one weight, take one optimizer step, and see the update worked through "
                              "with its real numbers."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.param_combo = QComboBox()
        self.param_combo.setToolTip(self.tr("The weight or bias tensor to watch "
                                            "(state-dict key in brackets)."))
        self.row_box, self.col_box = QSpinBox(), QSpinBox()
        self.row_label, self.col_label = QLabel(self.tr("unit")), QLabel(self.tr("input"))
        pick = QHBoxLayout()
        for label, box in ((self.row_label, self.row_box), (self.col_label, self.col_box)):
            box.setKeyboardTracking(False)
            box.setMinimumWidth(70)
            pick.addWidget(label)
            pick.addWidget(box)
            pick.addSpacing(8)
        pick.addStretch(1)
        self.row_box.setToolTip(self.tr("Row of the tensor: for a Dense weight, "
                                        "the unit the connection leads to."))
        self.col_box.setToolTip(self.tr("Column: for a Dense weight, the input the connection comes from."))
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Watch"), self.param_combo)
        form.addRow(self.tr("Element"), pick)
        self.batch_button = self._button(self.step_batch_action)
        self.epoch_button = self._button(self.step_epoch_action)
        buttons = QHBoxLayout()
        buttons.addWidget(self.batch_button)
        buttons.addWidget(self.epoch_button)
        buttons.addWidget(calculator_button(self))  # the worked examples with typed numbers
        buttons.addStretch(1)
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        self.readout = QTextBrowser()
        self.readout.setObjectName("stepReadout")
        self.readout.document().setDefaultStyleSheet(CSS)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)  # the platform's own
        mono.setPointSizeF(max(8.0, self.font().pointSizeF()))
        self.readout.document().setDefaultFont(mono)
        self.readout.setOpenLinks(False)
        self.readout.setStyleSheet(f"QTextBrowser {{ background: {theme.SURFACE}; "
                                   f"border: 1px solid {theme.BORDER}; border-radius: 6px; padding: 6px; }}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(8)
        for w in (title, hint):
            lay.addWidget(w)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.counter)
        lay.addWidget(self.readout, 1)
        self.param_combo.currentIndexChanged.connect(self._on_param)
        self.row_box.valueChanged.connect(self._watch)
        self.col_box.valueChanged.connect(self._watch)

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays Train/Pause, never "click this button"
        return b

    # ------------------------------------------------------------------ choice -------------
    @property
    def watched(self) -> tuple[str, int] | None:
        """(state-dict key, flat index) of the chosen weight, None when there is none."""
        i = self.param_combo.currentIndex()
        if not 0 <= i < len(self._params):
            return None
        shape = self._params[i].shape
        if len(shape) < 2:
            return self._params[i].key, self.row_box.value()
        return self._params[i].key, self.row_box.value() * math.prod(shape[1:]) + self.col_box.value()

    def set_experiment(self, exp: Experiment, dataset: Dataset | None,
                       report: NetworkReport | None = None) -> None:
        """List the model's tensors; keep the chosen one if it still exists, else the first weight."""
        task = dataset.task if dataset is not None else None
        t = exp.training
        self._loss = (resolve_loss(t.loss, task) if task or t.loss != "auto" else "", t.l1, t.l2)
        source = (exp.network, dataset.input_shape, dataset.output_units) if dataset is not None else None
        if source == self._source and self._params:
            return  # most edits (learning rate, batch size, ...) leave the tensors as they are
        self._source = source
        params = parameters(exp, dataset, report)
        if params == self._params:
            return
        keep = self.watched
        self._params = params
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        for p in params:
            self.param_combo.addItem(p.label, p.key)
            self.param_combo.setItemData(self.param_combo.count() - 1, p.key, Qt.ItemDataRole.ToolTipRole)
        index = next((i for i, p in enumerate(params) if keep and p.key == keep[0]), -1)
        if index < 0:
            index = next((i for i, p in enumerate(params) if p.key.endswith("weight")), 0 if params else -1)
        self.param_combo.setCurrentIndex(index)
        self.param_combo.blockSignals(False)
        self._on_param(index)

    def select(self, key: str, row: int = 0, col: int = 0) -> None:
        """Watch `key`[row, col] (what the chooser does; for scripts and tests)."""
        self.param_combo.setCurrentIndex(max(0, self.param_combo.findData(key)))
        self.row_box.setValue(row)
        self.col_box.setValue(col)

    def _on_param(self, index: int) -> None:
        shape = self._params[index].shape if 0 <= index < len(self._params) else (1,)
        two_d = len(shape) == 2
        for box, top in ((self.row_box, shape[0]), (self.col_box, math.prod(shape[1:]) or 1)):
            box.blockSignals(True)
            box.setRange(0, max(0, top - 1))
            box.blockSignals(False)
        self.row_label.setText(self.tr("unit") if len(shape) <= 2 else self.tr("filter"))
        self.col_label.setText(self.tr("input") if two_d else self.tr("element"))
        self.col_box.setVisible(len(shape) > 1)
        self.col_label.setVisible(len(shape) > 1)
        self._watch()

    def _watch(self) -> None:
        """Tell the trainer which weight to record, only while the panel is on screen."""
        if self.isVisible():
            watched = self.watched
            self.controller.watch_parameter(*(watched if watched else (None, 0)))
        self._shown = None
        self._render_detail(self.controller.latest)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        latest = self.controller.latest
        if latest is not None:
            self.counter.setText(self._counter_text(latest.step, latest.epoch))
        self._watch()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        self.controller.watch_parameter(None)

    # ------------------------------------------------------------------ snapshots ----------
    def update_snapshot(self, snap: Snapshot) -> None:
        """Count the step of every snapshot (none while hidden)."""
        if self.isVisible():  # else showEvent shows the controller's latest snapshot
            self.counter.setText(self._counter_text(snap.step, snap.epoch))

    def update_detail(self, snap: Snapshot) -> None:
        """Show the last step's numbers (spaced by the FrameScheduler while training runs freely)."""
        if self.isVisible():
            self._render_detail(snap)

    def clear(self) -> None:
        """No run: the counter and the read-out go back to their hints."""
        self.counter.setText(self._counter_text(0, 0))
        self._shown = None
        self._render_detail(None)

    def _counter_text(self, step: int, epoch: int) -> str:
        return self.tr("Step {step} · epoch {epoch}").format(step=f"{step:,}", epoch=f"{epoch:,}")

    def _render_detail(self, snap: Snapshot | None) -> None:
        d = snap.step_detail if snap is not None else None
        watched = self.watched
        if not isinstance(d, StepDetail) or watched is None or (d.parameter, d.index) != watched:
            if self._shown != ("hint",):
                self._shown = ("hint",)
                self.values = {}
                self.readout.setHtml(self.tr(
                    "<p class='muted'>Press <b>Step one batch</b> to take one "
                    "optimizer step and see its arithmetic for the chosen weight.</p>"))
            return
        if self._shown == (id(d),):
            return
        self._shown = (id(d),)
        self.readout.setHtml(self._html(d))

    def _html(self, d: StepDetail) -> str:
        explained = explain_step(d)
        predicted, diff = explained.predicted, explained.difference
        self.values = {"grad": d.grad, "old": d.old, "new": predicted, "torch": d.new, "lr": d.hyper["lr"],
                       "difference": diff}
        entry = OPTIMIZERS.get(d.optimizer)
        info = next((p for p in self._params if p.key == d.parameter), None)
        where = info.label.rsplit(" ", 1)[0] if info is not None else d.parameter
        element = self._element_text(d)
        out = [f"<h3>{html.escape(entry.label if entry else d.optimizer)}</h3>",
               f"<div class='muted'>{html.escape(where)} {element} <span style='font-size:8pt'>"
               + html.escape(self.tr("({0}, index {1})").format(d.parameter, d.index)) + "</span></div>"]
        if d.step:  # while training runs, the trainer explains one step now and then: say which
            which = self.tr("Explains step {0} of this run.").format(f"{d.step:,}")
            out.append(f"<div class='muted'>{html.escape(which)}</div>")
        out.append(f"<div class='section'>{html.escape(self.tr('GRADIENT'))}</div>")
        weight = info is not None and penalised(len(info.shape))
        terms = gradient_terms(*self._loss, weight) if self._loss[0] else []
        out += [f"<div>&nbsp;&nbsp;{_math(line)}</div>" for line in terms]
        out.append(f"<div class='section'>{html.escape(self.tr('UPDATE RULE'))}</div>")
        out += [f"<div>&nbsp;&nbsp;{_math(part.strip())}</div>" for part in explained.formula.split(";")]
        out += [f"<div class='section'>{html.escape(self.tr('THIS STEP'))}</div>", "<table>",
                self._row(self.tr("gradient g"), _num(d.grad))]
        names = [p.name for p in entry.params] if entry else list(d.hyper)
        out += [self._row(self.tr(HYPER_NAMES.get(n, n)), _num(d.hyper[n])) for n in names if n in d.hyper]
        keys = set(d.state_before) | set(d.state_after)
        if keys:  # one table: the state's columns line up under the numbers above
            out.append(self.tr("<tr><td class='muted'>&nbsp;&nbsp;<i>state</i></td><td class='muted'>"
                               "<i>before</i></td><td class='muted'><i>after</i></td></tr>"))
            for key in [k for k in STATE_NAMES if k in keys] + sorted(keys - set(STATE_NAMES)):
                before = d.state_before.get(key)
                shown = "–" if before is None else _num(before)
                out.append(self._row(self.tr(STATE_NAMES.get(key, key)), shown,
                                     _num(d.state_after.get(key, math.nan))))
        out.append("</table>")
        out.append(f"<div class='section'>{html.escape(self.tr('WORKED THROUGH'))}</div>")
        for line in explained.worked:
            out += [f"<div>&nbsp;&nbsp;{_math(part)}</div>" for part in line.split(",  ")]
        out += [f"<div class='section'>{html.escape(self.tr('RESULT'))}</div>",
                f"<div><b>w: {_num(d.old)} {_math('→')} {_num(predicted)}</b></div>",
                "<div class='muted'>&nbsp;&nbsp;"
                + html.escape(self.tr("change Δw = {0}").format(f"{predicted - d.old:+.4g}")) + "</div>"]
        if diff <= TOLERANCE * max(1.0, abs(d.new)):
            same = self.tr("✓ torch computed the same (|Δ| = {0})").format(f"{diff:.1e}")
            out.append(f"<div class='ok'>{html.escape(same)}</div>")
        else:
            differs = self.tr("✗ torch computed {0}: differs by {1}").format(_num(d.new), f"{diff:.2g}")
            out.append(f"<div class='bad'>{html.escape(differs)}</div>")
        return "".join(out)

    @staticmethod
    def _row(name: str, *values: str) -> str:
        cells = "".join(f"<td>{html.escape(v)}</td>" for v in values)
        return f"<tr><td class='muted'>&nbsp;&nbsp;{html.escape(name)}</td>{cells}</tr>"

    def _element_text(self, d: StepDetail) -> str:
        info = next((p for p in self._params if p.key == d.parameter), None)
        if info is None or len(info.shape) < 2:
            return f"[{d.index}]"
        cols = math.prod(info.shape[1:])
        return f"[{d.index // cols}, {d.index % cols}]"

    @property
    def text(self) -> str:
        """The read-out as plain text."""
        return self.readout.toPlainText()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.core.datasets import load_dataset
    from playground.core.experiment import default_experiment
    from playground.core.run.loop import RunOptions
    from playground.gui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    exp = default_experiment()
    ds = load_dataset(exp.data, exp.data_seed)
    ctl = TrainingController()
    panel = StepExplainer(ctl)
    panel.set_experiment(exp, ds)
    panel.resize(380, 720)
    panel.show()
    ctl.start(exp, ds, RunOptions(start_paused=True))
    app.exec()
    ctl.shutdown()
