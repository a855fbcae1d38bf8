"""The run history, the Runs tab and the loss-plot overlays: real window, real training runs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.presets import load_preset, resolve_preset  # noqa: E402
from playground.core.run.state import FINAL_STATES, RunState  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.exit_codes import ExitCode  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.plots import _style as st  # noqa: E402
from playground.gui.plots.curves import OVERLAY_ALPHA, CurvesView  # noqa: E402
from playground.gui.run_labels import run_label  # noqa: E402
from playground.gui.runs import RunHistory  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

TIMEOUT = 20_000
EPOCHS = 4


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    """Closing a window with unsaved edits answers Discard instead of blocking on a dialog."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(new_window):
    w = new_window(_edits.with_training(default_experiment(), epochs=EPOCHS))
    yield w  # runs that end on their own
    w.close()
    assert not w.controller.is_active


def train_once(qtbot, w: MainWindow) -> None:
    """Press Train and wait for the run to reach its epoch limit."""
    before = len(w.runs.entries())
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.state == RunState.FINISHED and len(w.runs.entries()) > before
                    and w.runs.current.state == RunState.FINISHED, timeout=TIMEOUT)


def overlay_check(w: MainWindow, run_id: int, on: bool) -> None:
    """Tick or untick a run's overlay box the way a click does (through the item's check state)."""
    w.runs_panel.item(run_id).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def test_two_runs_in_a_row_make_two_entries(qtbot, window):
    train_once(qtbot, window)
    train_once(qtbot, window)
    first, second = window.runs.entries()
    assert (first.number, second.number) == (1, 2) and first.id != second.id
    # the same settings twice: nothing sets them apart but the optimizer and rate every label names
    assert first.label == "Run 1 · sgd lr 0.03" == run_label(1, window.session.experiment)
    assert first.colour != second.colour
    assert first.epoch == second.epoch == EPOCHS and first.state == second.state == RunState.FINISHED
    assert len(first.history["epoch"]) == EPOCHS
    assert first.history is not second.history
    panel = window.runs_panel
    assert window.side.indexOf(panel) >= 0 and window.side.tabText(window.side.indexOf(panel)) == "Runs"
    assert panel.list.count() == 2
    newest = panel.list.item(0).text()
    assert newest.startswith("Run 2") and f"epoch {EPOCHS}" in newest and "test loss" in newest
    assert "finished" in newest and "acc" in newest
    assert panel.hint.isHidden()


def test_overlays_follow_their_toggle_and_their_run(qtbot, window):
    train_once(qtbot, window)
    train_once(qtbot, window)
    first = window.runs.entries()[0]
    curves = window.output.curves
    assert curves.overlay_curves == {}
    overlay_check(window, first.id, True)
    assert first.overlay and list(curves.overlay_curves) == [first.id]
    drawn = curves.overlay_curves[first.id]
    assert drawn.loss in curves.loss_plot.listDataItems()
    np.testing.assert_array_equal(drawn.loss.yData, first.history["test_loss"])
    np.testing.assert_array_equal(drawn.loss.xData, first.history["epoch"])
    pen = drawn.loss.opts["pen"]
    assert pen.color().alpha() == OVERLAY_ALPHA and pen.widthF() < 2  # faint and thinner
    assert pen.color().name() == first.colour
    assert "Run 1 (test)" in _legend_names(curves)

    overlay_check(window, first.id, False)
    assert curves.overlay_curves == {} and drawn.loss not in curves.loss_plot.listDataItems()
    assert "Run 1 (test)" not in _legend_names(curves)

    overlay_check(window, first.id, True)
    drawn = curves.overlay_curves[first.id]
    window.runs_panel.select(first.id)
    qtbot.mouseClick(window.runs_panel.remove_button, Qt.MouseButton.LeftButton)
    assert window.runs.entry(first.id) is None and window.runs_panel.list.count() == 1
    assert curves.overlay_curves == {} and drawn.loss not in curves.loss_plot.listDataItems()
    assert "Run 1 (test)" not in _legend_names(curves)


def test_overlays_survive_a_new_run(qtbot, window):
    train_once(qtbot, window)
    first = window.runs.entries()[0]
    overlay_check(window, first.id, True)
    train_once(qtbot, window)  # clearing the views for run 2 keeps run 1 on the plot
    assert list(window.output.curves.overlay_curves) == [first.id]
    assert window.output.curves.point_count == EPOCHS


def test_restore_settings_puts_the_run_back_and_is_undoable(qtbot, window):
    train_once(qtbot, window)
    first_experiment = window.session.experiment
    faster = _edits.with_training(first_experiment, batch_size=25)
    window.session.edit(faster, "batch")
    train_once(qtbot, window)
    first, second = window.runs.entries()
    assert first.experiment == first_experiment and second.experiment == faster
    window.runs_panel.select(first.id)
    qtbot.mouseClick(window.runs_panel.restore_button, Qt.MouseButton.LeftButton)
    assert window.session.experiment == first_experiment
    assert window.session.undo_stack.undoText() == "Restore run 1"
    window.session.undo_stack.undo()
    assert window.session.experiment == faster
    assert window.runs.entry(first.id) is not None  # restoring never forgets runs


def test_runs_panel_exports_a_run_as_csv(qtbot, window, monkeypatch, tmp_path):
    train_once(qtbot, window)
    target = tmp_path / "out" / "run1"
    target.parent.mkdir()
    asked = []

    def save_dialog(*args, **kwargs):
        asked.append(args)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    qtbot.mouseClick(window.runs_panel.export_button, Qt.MouseButton.LeftButton)
    with open(target.with_suffix(".csv"), newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "epoch" and "test_loss" in rows[0]
    assert len(rows) == 1 + EPOCHS
    assert asked and asked[0][2].endswith("run-1-history.csv")


def test_a_live_learning_rate_change_is_in_the_run_s_label_tooltip_and_restore(qtbot, new_window):
    w = new_window(_edits.with_training(default_experiment(), epochs=0))  # no limit
    try:
        qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.controller.latest is not None and w.controller.latest.epoch >= 3,
                        timeout=TIMEOUT)
        seen = w.controller.latest.epoch  # what the person saw when typing
        type_into(qtbot, w.run_bar.lr_box, "10")
        run = w.runs.current
        qtbot.waitUntil(lambda: bool(run.lr_changes), timeout=TIMEOUT)
        qtbot.mouseClick(w.run_bar.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: run.state in FINAL_STATES, timeout=TIMEOUT)
        (epoch, step, lr), = run.lr_changes
        assert lr == 10.0 and epoch >= seen and step >= 3 * 25  # the trainer's own epoch and step
        assert run.label == f"Run 1 · sgd lr 0.03→10 @ epoch {epoch:,}"
        row = w.runs_panel.item(run.id)
        assert row.text().startswith(run.label + "\n")
        assert (f"Learning rate changed while training: 0.03 at the start, then 10 from epoch {epoch:,} "
                f"(step {step:,}).") in row.toolTip()
        assert f"{lr:g}" in run.message or run.state == RunState.STOPPED  # a divergence names the rate run
        type_into(qtbot, w.run_bar.batch_box, "25")  # the session moves on ...
        assert w.session.experiment.training.batch_size == 25
        w.runs_panel.select(run.id)
        qtbot.mouseClick(w.runs_panel.restore_button, Qt.MouseButton.LeftButton)
        restored = w.session.experiment.training  # ... and Restore brings back what the run ended with
        assert restored.optimizer.params["lr"] == 10.0 and restored.batch_size == 10
    finally:
        w.close()


def test_labels_name_the_setting_that_differs_between_runs(qtbot, window):
    train_once(qtbot, window)
    type_into(qtbot, window.run_bar.batch_box, "25")
    train_once(qtbot, window)
    first, second = window.runs.entries()
    assert first.label == "Run 1 · sgd lr 0.03 · batch 10"  # relabelled when run 2 came
    assert second.label == "Run 2 · sgd lr 0.03 · batch 25"
    rows = [window.runs_panel.list.item(i).text().split("\n")[0] for i in range(2)]
    assert rows == [second.label, first.label]  # newest on top
    window.runs_panel.select(second.id)
    qtbot.mouseClick(window.runs_panel.remove_button, Qt.MouseButton.LeftButton)
    assert first.label == "Run 1 · sgd lr 0.03"  # alone again: nothing to tell apart
    assert window.runs_panel.item(first.id).text().startswith("Run 1 · sgd lr 0.03\n")


def test_runs_tab_output_and_command_line_show_the_same_final_figures(qtbot, new_window, capsys):
    """After early stopping put the best epoch back, every view shows that epoch's figures."""
    from playground.cli import main

    assert main(["train", "early-stopping", "--json"]) == ExitCode.OK
    cli = json.loads(capsys.readouterr().out)
    w = new_window(load_preset(resolve_preset("early-stopping")))
    try:
        qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.runs.current is not None and w.runs.current.state == RunState.STOPPED_EARLY,
                        timeout=TIMEOUT)
        run, snap = w.runs.current, w.controller.latest
        qtbot.waitUntil(lambda: w.output.metrics.text().startswith(f"Epoch {snap.epoch:,} "))
        loss, accuracy = f"{cli['test_loss']:.3g}", f"{cli['test_accuracy']:.1%}"
        assert (cli["epochs"], cli["state"]) == (snap.epoch, "stopped_early")
        row = w.runs_panel.item(run.id).text()
        assert f"test loss {loss} · accuracy {accuracy}" in row
        assert f"test loss {loss}" in w.output.metrics.text()
        assert f"test accuracy {accuracy}" in w.output.metrics.text()
        discarded = f"{run.history['test_loss'][-1]:.3g}", f"{run.history['test_accuracy'][-1]:.1%}"
        assert discarded != (loss, accuracy)  # the last epoch's figures are not the ones kept
        assert "restored its weights" in w.runs_panel.item(run.id).toolTip()  # why, on hover
    finally:
        w.close()


# ---------------------------------------------------------------- history without a window ---

def _snap(epoch: int, state: str = RunState.RUNNING) -> Snapshot:
    history = {"epoch": np.arange(1.0, epoch + 1), "test_loss": np.linspace(1, 0.5, epoch)}
    return Snapshot(epoch=epoch, step=epoch, state=state, history=history)


def test_history_keeps_the_last_runs_and_drops_empty_ones(qtbot):
    runs = RunHistory(max_runs=3)
    removed = []
    runs.removed.connect(removed.append)
    runs.record(1, default_experiment())
    runs.record(2, default_experiment())  # run 1 never finished an epoch: nothing to compare
    assert [e.id for e in runs.entries()] == [2] and removed == [1]
    for run_id in range(3, 7):
        runs.update_snapshot(_snap(2))
        runs.record(run_id, default_experiment())
    assert [e.number for e in runs.entries()] == [4, 5, 6]  # numbers keep counting


def test_history_tells_only_epochs_and_states(qtbot):
    runs = RunHistory()
    runs.record(7, default_experiment())
    changes = []
    runs.changed.connect(changes.append)
    snap = _snap(3)
    runs.update_snapshot(snap)
    runs.update_snapshot(Snapshot(epoch=3, step=99, history=snap.history))  # a mid-epoch frame
    assert changes == [7] and runs.current.history is snap.history
    runs.update_state("idle")  # reset while running
    assert runs.current.state == "stopped" and changes == [7, 7]
    runs.set_overlay(7, True)
    assert runs.overlays() == [(7, "Run 1", runs.current.colour, snap.history)]


def test_a_run_that_fails_to_start_leaves_the_finished_one_alone(qtbot):
    runs = RunHistory()
    runs.record(1, default_experiment())
    runs.update_snapshot(_snap(3, RunState.FINISHED))
    runs.update_state("error")  # the next run could not be built: no run_started, no entry
    assert runs.current.state == RunState.FINISHED and len(runs.entries()) == 1
    runs.record(2, default_experiment())
    runs.update_snapshot(_snap(1))
    runs.update_state("error")  # this run failed while training
    assert runs.current.state == "error"


def test_curves_redraw_an_overlay_only_when_its_history_changes(qtbot, monkeypatch):
    view = CurvesView()
    qtbot.addWidget(view)
    long = _snap(40).history
    view.set_overlays([(1, "Run 1", "#8c6bb8", long)])
    assert view._ranges["x"] == (0.0, 50.0)  # the axes grow to show the overlay (40 epochs)
    calls = []
    overlay = view.overlay_curves[1]
    monkeypatch.setattr(overlay.loss, "setData", lambda *a, **k: calls.append(a))
    view.set_overlays([(1, "Run 1", "#8c6bb8", long)])
    assert calls == []
    view.set_log_y(True)
    view.set_overlays([])
    assert view.overlay_curves == {}


def _legend_names(curves) -> list[str]:
    return [label.text for _sample, label in curves.loss_plot.legend.items]


def test_run_colours_are_not_the_live_curve_colours():
    from playground.gui.runs import RUN_COLOURS

    assert not set(RUN_COLOURS) & set(st.CURVE_COLOURS.values())
