"""The run bar, training panel and data panel drive the session through real widgets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QInputDialog  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.datasets import DATASETS  # noqa: E402
from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.optimizers import OPTIMIZERS  # noqa: E402
from playground.gui.panels.data_panel import DataPanel  # noqa: E402
from playground.gui.panels.run_bar import LR_LADDER, RunBar  # noqa: E402
from playground.gui.panels.thumbnails import thumbnail  # noqa: E402
from playground.gui.panels.training_panel import TrainingPanel  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from playground.gui.widgets.number_field import NumberField, format_number  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402


@pytest.fixture
def session() -> Session:
    return Session()


def _select(combo, name: str) -> None:
    """Pick an item the way a person does: the combo's `activated` fires."""
    index = combo.findData(name)
    assert index >= 0, name
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


# ---------------------------------------------------------------- run bar ----------------------
def test_run_bar_optimizer_edit_is_undoable(qtbot, session):
    bar = RunBar(session)
    qtbot.addWidget(bar)
    _select(bar.optimizer_combo, "adam")
    assert session.experiment.training.optimizer.name == "adam"
    assert session.experiment.training.optimizer.params["lr"] == OPTIMIZERS["adam"].params[0].default
    assert bar.lr_box.value() == pytest.approx(0.001)
    session.undo_stack.undo()
    assert session.experiment.training.optimizer.name == "sgd"
    assert bar.optimizer_combo.currentData() == "sgd"
    assert bar.lr_box.value() == pytest.approx(0.03)


def test_learning_rate_box_walks_the_ladder(qtbot):
    box = NumberField(OPTIMIZERS["sgd"].params[0], ladder=LR_LADDER)
    qtbot.addWidget(box)
    box.setValue(0.03)
    box.stepBy(1)
    assert box.value() == pytest.approx(0.1)
    box.stepBy(-2)
    assert box.value() == pytest.approx(0.01)
    box.setValue(0.02)  # between rungs: the next rung up / down
    box.stepBy(1)
    assert box.value() == pytest.approx(0.03)
    box.setValue(LR_LADDER[0])
    box.stepBy(-1)
    assert box.value() == pytest.approx(LR_LADDER[0])
    assert box.text() == format_number(1e-5) == "1e-5"


def test_run_bar_edits_merge_into_one_undo_step(qtbot, session):
    bar = RunBar(session)
    qtbot.addWidget(bar)
    bar.lr_box.stepBy(1)
    bar.lr_box.stepBy(1)
    assert session.experiment.training.optimizer.params["lr"] == pytest.approx(0.3)
    assert session.undo_stack.count() == 1
    type_into(qtbot, bar.batch_box, "32")
    assert session.experiment.training.batch_size == 32
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.experiment == default_experiment()


def test_run_bar_blocked_train_says_why(qtbot, session):
    bar = RunBar(session)
    qtbot.addWidget(bar)
    bar.set_blocked("Layer 1 (Dense): units must be positive")
    assert not bar.train_action.isEnabled()
    assert "units must be positive" in bar.train_button.toolTip()
    bar.set_run_state("running")  # a live run can always be paused
    assert bar.train_action.isEnabled()
    assert bar.train_action.text() == "&Pause"
    bar.set_run_state("idle")
    bar.set_blocked("")
    assert bar.train_action.isEnabled()
    assert "Space" in bar.train_button.toolTip()


def test_loss_items_that_do_not_fit_the_task_are_disabled(qtbot, session):
    bar = RunBar(session)
    qtbot.addWidget(bar)
    model = bar.loss_combo.model()
    assert not model.item(bar.loss_combo.findData("cross_entropy")).isEnabled()  # circle: two classes
    assert model.item(bar.loss_combo.findData("binary_cross_entropy")).isEnabled()


# ---------------------------------------------------------------- training panel ---------------
def test_training_panel_rebuilds_optimizer_form(qtbot, session):
    panel = TrainingPanel(session)
    qtbot.addWidget(panel)
    assert set(panel.optimizer_form.controls) == {p.name for p in OPTIMIZERS["sgd"].params}
    _select(panel.optimizer_combo, "adam")
    assert set(panel.optimizer_form.controls) == {p.name for p in OPTIMIZERS["adam"].params}
    type_into(qtbot, panel.optimizer_form.controls["beta1"], "0.8")
    assert session.experiment.training.optimizer.params["beta1"] == pytest.approx(0.8)
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.experiment.training.optimizer.name == "sgd"
    assert set(panel.optimizer_form.controls) == {p.name for p in OPTIMIZERS["sgd"].params}


def test_the_penalty_fields_show_the_formula_the_trainer_uses(qtbot, session):
    """The course writes L2 as ½λ‖θ‖²: the field's label, tooltip and the hint under it say the
    same (tests/core/test_trainer.py checks the trainer against torch's weight_decay)."""
    panel = TrainingPanel(session)
    qtbot.addWidget(panel)
    form = panel.training_form.layout()
    label = lambda name: form.labelForField(panel.training_form.controls[name]).text()  # noqa: E731
    assert "½λ·Σw²" in label("l2") and "λ₁·Σ|w|" in label("l1")
    assert "½·λ·Σw²" in panel.training_form.controls["l2"].toolTip()
    assert "weight_decay = λ" in panel.training_form.controls["l2"].toolTip()
    assert "½λ‖θ‖²" in panel.penalty_hint.text() and "weight_decay = λ" in panel.penalty_hint.text()


def test_training_panel_settings_reach_the_session(qtbot, session):
    panel = TrainingPanel(session)
    qtbot.addWidget(panel)
    _select(panel.schedule_combo, "step")
    type_into(qtbot, panel.schedule_form.controls["step_size"], "7")
    type_into(qtbot, panel.training_form.controls["l2"], "1e-3")
    type_into(qtbot, panel.training_form.controls["epochs"], "50")
    panel.early_form.controls["enabled"].setChecked(True)
    type_into(qtbot, panel.seed_box, "42")
    t = session.experiment.training
    assert (t.schedule.name, t.schedule.params["step_size"]) == ("step", 7)
    assert (t.l2, t.epochs, t.early_stopping["enabled"]) == (0.001, 50, True)
    assert session.experiment.seed == 42
    assert panel.early_form.controls["patience"].isEnabled()
    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    assert session.experiment == default_experiment()
    assert not panel.early_form.controls["patience"].isEnabled()


def test_new_weights_changes_only_the_training_seed_and_keeps_the_data(qtbot, session):
    panel = TrainingPanel(session)
    qtbot.addWidget(panel)
    before, data = session.experiment, session.dataset
    qtbot.mouseClick(panel.new_weights_button, Qt.MouseButton.LeftButton)
    after = session.experiment
    assert after.seed != before.seed and after.data_seed == before.data_seed
    assert session.dataset is data  # nothing reloaded: the same arrays
    assert panel.seed_box.value() == after.seed and panel.data_seed_box.value() == before.data_seed
    assert session.undo_stack.undoText() == "New weights"
    session.undo_stack.undo()
    assert session.experiment == before and panel.seed_box.value() == before.seed
    with qtbot.waitSignal(session.changed, timeout=30_000):
        type_into(qtbot, panel.data_seed_box, "77")
    assert (session.experiment.data_seed, session.experiment.seed) == (77, before.seed)


def test_training_panel_mirrors_external_edits_without_echo(qtbot, session):
    panel = TrainingPanel(session)
    qtbot.addWidget(panel)
    session.edit(_edits.with_training(session.experiment, batch_size=3, loss="mse"), "external")
    assert panel.training_form.controls["batch_size"].value() == 3
    assert panel.loss_combo.currentData() == "mse"
    assert session.undo_stack.count() == 1  # mirroring did not push edits of its own


# ---------------------------------------------------------------- data panel -------------------
def test_data_panel_picks_a_dataset(qtbot, session):
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    other = next(n for n, e in DATASETS.items() if n != "circle" and e.kind == "points2d")
    qtbot.mouseClick(panel.dataset_buttons[other], Qt.MouseButton.LeftButton)
    assert session.experiment.data.dataset == other
    assert panel.dataset_buttons[other].isChecked()
    assert not panel.dataset_buttons["circle"].isChecked()
    session.undo_stack.undo()
    assert panel.dataset_buttons["circle"].isChecked()


def test_every_dataset_has_a_thumbnail(qtbot):
    for name in DATASETS:
        icon = thumbnail(name, 48)
        assert not icon.isNull(), name
        assert thumbnail(name, 48) is icon  # cached


def test_feature_toggles_keep_at_least_one(qtbot, session):
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    panel.feature_buttons["x1^2"].click()
    assert session.experiment.data.features == ("x1", "x2", "x1^2")
    panel.feature_buttons["x1"].click()
    panel.feature_buttons["x2"].click()
    assert session.experiment.data.features == ("x1^2",)
    panel.feature_buttons["x1^2"].click()  # the last one stays on
    assert session.experiment.data.features == ("x1^2",)
    assert panel.feature_buttons["x1^2"].isChecked()


def test_data_form_and_regenerate(qtbot, session):
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    type_into(qtbot, panel.data_form.controls["noise"], ".25")
    assert session.experiment.data.noise == pytest.approx(0.25)
    seed, data_seed = session.experiment.seed, session.experiment.data_seed
    qtbot.mouseClick(panel.regenerate_button, Qt.MouseButton.LeftButton)
    assert session.experiment.data_seed != data_seed and session.experiment.seed == seed  # same weights
    session.undo_stack.undo()
    assert session.experiment.data_seed == data_seed
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()


def test_open_csv_sets_dataset_params(qtbot, session, tmp_path, monkeypatch):
    csv_path = tmp_path / "points.csv"
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40)]
    csv_path.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_path), ""))
    asked: list[list[str]] = []

    def get_item(parent, title, label, items, current=0, editable=False):
        asked.append(list(items))
        return items[current], True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=30_000):  # read and checked off the GUI thread first
        qtbot.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)
    data = session.experiment.data
    assert data.dataset == "csv"
    assert data.params["path"] == str(csv_path)
    assert data.params["target"] == "label"
    assert asked[0] == ["a", "b", "label"]
    assert panel.dataset_buttons["csv"].isChecked()
    assert session.dataset.used == 40 and not session.dataset.capped  # every row, whatever came before


def test_the_standardize_checkbox_trains_a_csv_on_its_own_numbers_undoably(qtbot, session, tmp_path):
    csv_path = tmp_path / "line.csv"
    csv_path.write_text("x,y\n" + "\n".join(f"{i},{3 * i + 2}" for i in range(20)) + "\n")
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=30_000):
        session.change_data(_edits.with_data(session.experiment, dataset="csv", samples=1_000_000,
                                             params={"path": str(csv_path), "task": "regression"}).data,
                            session.experiment.seed, "Use line.csv")
    box = panel.params_form.controls["standardize"]
    assert list(panel.params_form.controls) == ["standardize"]  # file, target, task: through Open CSV…
    assert box.isChecked() and "numbers as written" in box.toolTip()
    assert abs(float(session.dataset.x_train.mean())) < 1e-5
    with qtbot.waitSignal(session.changed, timeout=30_000):
        box.click()  # a checkbox in a never-shown scroll area has no size to click on
    assert session.experiment.data.params["standardize"] is False and not box.isChecked()
    assert sorted(session.dataset.x_train[:, 0].tolist()) == sorted(  # the file's own x values
        (session.dataset.y_train[:, 0] - 2) / 3)
    with qtbot.waitSignal(session.changed, timeout=30_000):
        session.undo_stack.undo()
    assert session.experiment.data.params.get("standardize", True) is True and box.isChecked()


def test_each_data_set_starts_from_its_own_sample_count_and_a_cap_is_shown(qtbot, session):
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(session.changed, timeout=30_000):  # image sets load off the GUI thread
        qtbot.mouseClick(panel.dataset_buttons["digits"], Qt.MouseButton.LeftButton)
    assert session.dataset.used == session.dataset.available == 1797
    with qtbot.waitSignal(session.changed, timeout=30_000):
        qtbot.mouseClick(panel.dataset_buttons["mnist"], Qt.MouseButton.LeftButton)
    assert session.experiment.data.samples == 5000  # not digits' 1,797 carried over
    assert session.dataset.used == 5000 and "in use" not in panel.counts_label.text()
    with qtbot.waitSignal(session.changed, timeout=30_000):
        type_into(qtbot, panel.data_form.controls["samples"], "1000")
    assert session.dataset.used == 1000
    assert "1,000 of the 5,000 examples in use" in panel.counts_label.text()
    qtbot.mouseClick(panel.dataset_buttons["circle"], Qt.MouseButton.LeftButton)
    assert session.experiment.data.samples == 500


def test_csv_cancel_keeps_current_dataset(qtbot, session, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.dataset_buttons["csv"], Qt.MouseButton.LeftButton)
    assert session.experiment.data.dataset == "circle"
    assert panel.dataset_buttons["circle"].isChecked()
    assert session.undo_stack.count() == 0
