"""The run history, the Runs tab and the loss-plot overlays: real window, real training runs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.snapshot import FINISHED, RUNNING, Snapshot  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels import _edits  # noqa: E402
from playground.gui.plots import _style as st  # noqa: E402
from playground.gui.plots.curves import OVERLAY_ALPHA, CurvesView  # noqa: E402
from playground.gui.runs import RunHistory, run_label  # noqa: E402
from playground.gui.session import Session  # noqa: E402

TIMEOUT = 20_000
EPOCHS = 4


@pytest.fixture(autouse=True)
def discard_questions(monkeypatch):
    """Closing a window with unsaved edits answers Discard instead of blocking on a dialog."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, tmp_path):
    short = _edits.with_training(default_experiment(), epochs=EPOCHS)  # runs that end on their own
    w = MainWindow(Session(short), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    assert not w.controller.is_active


def train_once(qtbot, w: MainWindow) -> None:
    """Press Train and wait for the run to reach its epoch limit."""
    before = len(w.runs.entries())
    qtbot.mouseClick(w.run_bar.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.state == FINISHED and len(w.runs.entries()) > before
                    and w.runs.current.state == FINISHED, timeout=TIMEOUT)


def overlay_check(w: MainWindow, run_id: int, on: bool) -> None:
    """Tick or untick a run's overlay box the way a click does (through the item's check state)."""
    w.runs_panel.item(run_id).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def test_two_runs_in_a_row_make_two_entries(qtbot, window):
    train_once(qtbot, window)
    train_once(qtbot, window)
    first, second = window.runs.entries()
    assert (first.number, second.number) == (1, 2) and first.id != second.id
    assert first.label == "Run 1 · sgd lr 0.03 · 2 layers" == run_label(1, window.session.experiment)
    assert first.colour != second.colour
    assert first.epoch == second.epoch == EPOCHS and first.state == second.state == FINISHED
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


# ---------------------------------------------------------------- history without a window ---

def _snap(epoch: int, state: str = RUNNING) -> Snapshot:
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
    runs.update_snapshot(_snap(3, FINISHED))
    runs.update_state("error")  # the next run could not be built: no run_started, no entry
    assert runs.current.state == FINISHED and len(runs.entries()) == 1
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
