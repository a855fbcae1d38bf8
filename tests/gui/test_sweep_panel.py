"""The Sweep panel: ticked settings, a live table and scatter, Stop, Use this, bad input, saved results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from playground.core.presets import load_preset, resolve_preset
from playground.core.search.results import write_summary
from playground.gui.panels.sweep_panel import SweepPanel
from playground.gui.session import Session
from tests.gui.keyboard import type_into

TIMEOUT = 90_000  # ms; the waits end as soon as the condition holds
LR = "training.optimizer.lr"


@pytest.fixture
def session() -> Session:
    return Session(load_preset(resolve_preset("lr-search-grid")))  # sgd, lr 0.1, two dense layers of 8


@pytest.fixture
def panel(qtbot, session):
    p = SweepPanel(session)
    qtbot.addWidget(p)
    p.resize(1200, 420)
    p.show()
    qtbot.waitExposed(p)
    yield p
    assert p.shutdown()


def _type(qtbot, panel: SweepPanel, path: str, text: str) -> None:
    """Type values into a setting's field the way a person does (typing ticks its box)."""
    edit = panel.form.edits[path]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def _spin(qtbot, spin, value: int) -> None:
    type_into(qtbot, spin.lineEdit(), str(value))
    assert spin.value() == value


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _column(panel: SweepPanel, title: str) -> list[str]:
    t = panel.results.table
    col = next(c for c in range(t.columnCount()) if t.horizontalHeaderItem(c).text() == title)
    return [t.item(r, col).text() for r in range(t.rowCount())]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() if Path("/proc").exists() else _signal_0(pid)


def _signal_0(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_offers_the_training_settings_and_each_dense_layers_units(panel):
    assert list(panel.form.checks) == [LR, "training.batch_size", "training.l2", "training.optimizer.name",
                                       "network.layers.0.units", "network.layers.1.units"]
    assert panel.form.checks["network.layers.1.units"].text() == "Units of layer 2"


def test_a_grid_fills_the_table_and_the_scatter_as_trials_finish(qtbot, panel):
    _type(qtbot, panel, LR, "0.003, 0.3")
    assert panel.form.checks[LR].isChecked()
    _spin(qtbot, panel.form.epochs, 3)
    _spin(qtbot, panel.form.workers, 2)
    _click(qtbot, panel.overlay_check)
    results = []
    panel.runner.result.connect(results.append)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT):
        _click(qtbot, panel.run_button)
        assert panel.runner.running and not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    assert len(results) == 2  # each posted as it finished
    table = panel.results.table
    assert table.rowCount() == 2
    assert _column(panel, "Status") == ["complete", "complete"]
    assert sorted(_column(panel, "Learning rate")) == ["0.003", "0.3"]
    by_lr = {t["params"][LR]: t for t in results}
    assert all(t["val_loss"] is not None and t["test_accuracy"] is not None for t in results)
    # sortable by the objective: a click on the header puts the lowest validation loss first
    header = table.horizontalHeader()
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    val_col = heads.index("Val loss")
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(val_col) + 5, 5))
    best = min(results, key=lambda t: t["val_loss"])
    assert table.item(0, 0).text() == str(best["number"])
    assert table.item(0, 0).font().bold() and not table.item(1, 0).font().bold()  # the best is bold
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(val_col) + 5, 5))
    assert table.item(1, 0).text() == str(best["number"])  # a second click: highest first
    # the scatter: learning rate (log axis: 0.003..0.3 spans 100x) against the validation loss
    xs, ys, log = panel.results.scatter_data()
    assert log
    assert sorted(zip(xs, ys, strict=True)) == sorted((lr, t["val_loss"]) for lr, t in by_lr.items())
    assert not panel.runner.running and panel.run_button.isEnabled()
    # each trial's validation curves, in its row's colour, ready for the loss plot
    overlays = panel.overlays()
    assert sorted(label for _id, label, _c, _h in overlays) == ["Trial 0", "Trial 1"]
    for run_id, label, colour, history in overlays:
        number = int(label.split()[-1])
        assert run_id < 0 and colour == panel.colour(number)
        assert list(history["epoch"]) == [1, 2, 3] and "test_loss" not in history
        assert history["val_loss"][-1] == pytest.approx(by_lr[_lr_of(results, number)]["val_loss"])
    _click(qtbot, panel.overlay_check)
    assert panel.overlays() == []


def _lr_of(results: list[dict], number: int) -> float:
    return next(t["params"][LR] for t in results if t["number"] == number)


def test_stop_ends_every_worker_and_leaves_no_process(qtbot, panel):
    _type(qtbot, panel, LR, "0.01, 0.1")
    _spin(qtbot, panel.form.epochs, 100_000)  # would run for a long time
    _spin(qtbot, panel.form.workers, 2)
    started = []
    panel.runner.started.connect(started.append)
    _click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: len(started) == 2, timeout=TIMEOUT)
    pids = [e["pid"] for e in started]
    assert len(set(pids)) == 2 and all(_alive(pid) for pid in pids) and pids != [os.getpid()] * 2
    assert _column(panel, "Status")[0].startswith("running")
    if hasattr(os, "getpriority"):  # the workers yield the CPU to the window
        assert all(os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0) for pid in pids)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT):
        _click(qtbot, panel.stop_button)
    assert not any(_alive(pid) for pid in pids)
    assert _column(panel, "Status") == ["failed", "failed"]
    assert panel.results.table.item(0, 1).toolTip() == "Stopped before it finished."
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()


@pytest.mark.parametrize(("path", "text", "words"), [
    (LR, "1e-4..1", ["Learning rate", "1e-4..1", "Random draws or TPE"]),  # a range in a grid
    (LR, "0.1, fast", ["Learning rate", "“fast” is not a number"]),
    ("training.batch_size", "10, -5", ["Batch size", "training.batch_size", "-5"]),  # the sweep's own check
    ("training.optimizer.name", "sgd, adamm", ["Optimizer", "adamm"]),
    ("network.layers.1.units", "4,,8", ["Units of layer 2", "4,,8"]),
])
def test_bad_input_is_refused_in_a_sentence_before_anything_starts(qtbot, panel, path, text, words):
    _type(qtbot, panel, path, text)
    started = []
    panel.runner.started.connect(started.append)
    _click(qtbot, panel.run_button)
    assert panel.error.isVisible()
    for word in words:
        assert word in panel.error.text()
    assert not panel.runner.running and panel.results.table.rowCount() == 0 and not started
    assert panel.run_button.isEnabled()


def test_the_form_starts_from_the_presets_own_search_section(panel, session):
    assert [p for p, c in panel.form.checks.items() if c.isChecked()] == [LR]
    assert panel.form.edits[LR].text() == "0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0"
    assert panel.form.sampler.currentData() == "grid" and panel.form.epochs.value() == 60
    plan = panel.form.plan()
    assert plan.params[0].values == (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def test_the_form_reads_random_draws_over_a_range_and_cross_validation(qtbot, panel):
    _click(qtbot, panel.form.checks[LR])  # the preset's own grid of rates: not this time
    _type(qtbot, panel, "training.l2", "1e-5..0.1")
    panel.form.sampler.setCurrentIndex(panel.form.sampler.findData("random"))
    assert panel.form.trials.isEnabled()
    _spin(qtbot, panel.form.trials, 6)
    _click(qtbot, panel.form.cross_validate)
    _spin(qtbot, panel.form.folds, 3)
    plan = panel.form.plan()
    (param,) = plan.params
    assert (param.path, param.low, param.high, param.log) == ("training.l2", 1e-5, 0.1, True)
    assert (plan.sampler, plan.trials, plan.folds) == ("random", 6, 3)


def _saved_sweep(folder: Path) -> Path:
    trials = [{"number": 0, "params": {LR: 0.01, "training.optimizer.name": "sgd"}, "state": "complete",
               "val_loss": 0.40, "test_loss": 0.42, "test_accuracy": 0.81, "epochs": 5, "seconds": 1.0},
              {"number": 1, "params": {LR: 0.3, "training.optimizer.name": "adam"}, "state": "complete",
               "val_loss": 0.20, "test_loss": 0.25, "test_accuracy": 0.9, "epochs": 5, "seconds": 1.0},
              {"number": 2, "params": {LR: 1.0, "training.optimizer.name": "adam"}, "state": "failed",
               "message": "Diverged."}]
    write_summary(folder, {"objective": "val_loss", "trials": trials, "best": trials[1], "workers": 2})
    return folder


def test_use_this_loads_the_selected_trial_into_the_experiment_undoably(qtbot, panel, session, tmp_path):
    panel.open_results(_saved_sweep(tmp_path / "sweep"))
    table = panel.results.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "1")
    assert not panel.use_button.isEnabled()  # nothing selected: nothing to use
    table.selectRow(row)
    assert panel.use_button.isEnabled()
    _click(qtbot, panel.use_button)
    opt = session.experiment.training.optimizer
    assert (opt.name, opt.params["lr"]) == ("adam", 0.3)
    session.undo_stack.undo()
    opt = session.experiment.training.optimizer
    assert (opt.name, opt.params["lr"]) == ("sgd", 0.1)


def test_saved_results_open_into_the_table_and_scatter(panel, tmp_path):
    panel.open_results(_saved_sweep(tmp_path / "sweep"))
    assert _column(panel, "Status") == ["complete", "complete", "failed"]
    assert _column(panel, "Val loss") == ["0.4", "0.2", "–"]
    assert _column(panel, "Test accuracy") == ["81.0%", "90.0%", "–"]
    assert panel.results.table.item(1, 0).font().bold()  # the saved best
    xs, ys, log = panel.results.scatter_data()
    assert (xs, ys, log) == ([0.01, 0.3], [0.4, 0.2], True)


@pytest.fixture
def window(new_window, session, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = new_window(session, active=True)
    yield w
    w.close()
    assert not w.search.panel.runner.running


def test_the_shortcut_shows_the_sweep_panel_and_file_opens_saved_results(qtbot, window, tmp_path,
                                                                         monkeypatch):
    assert not window.search.dock.isVisible()
    window.centre.tabBar().setFocus()
    qtbot.keyClick(window.centre.tabBar(), Qt.Key.Key_E,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.search.dock.isVisible()
    assert window.search.sweep_action in window.menus["run"].actions()
    assert window.search.open_results_action in window.menus["file"].actions()
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    assert not window.search.open_results(tmp_path)  # no summary.json there
    assert len(warnings) == 1 and str(tmp_path / "summary.json") in warnings[0]
    assert window.search.open_results(_saved_sweep(tmp_path / "sweep"))
    assert window.search.panel.results.table.rowCount() == 3


def test_trials_curves_overlay_the_loss_plot_beside_the_runs(qtbot, window):
    panel, curves = window.search.panel, window.output.curves
    window.search.sweep_action.trigger()
    history = {"epoch": [1, 2, 3], "val_loss": [0.7, 0.5, 0.4], "test_loss": [0.8, 0.6, 0.5]}
    trial = {"number": 4, "params": {LR: 0.01}, "state": "complete", "val_loss": 0.4, "history": history}
    panel.runner.result.emit(trial)  # as a worker's result arrives
    assert not curves.overlay_curves  # not asked for
    _click(qtbot, panel.overlay_check)
    assert list(curves.overlay_curves) == [-5]
    xs, ys = curves.overlay_curves[-5].loss.getData()
    assert list(xs) == [1, 2, 3] and list(ys) == [0.7, 0.5, 0.4]  # validation, not test
    window.runs.changed.emit(0)  # a run's epoch ended: the runs' overlays are redrawn, the trial stays
    assert list(curves.overlay_curves) == [-5]
    _click(qtbot, panel.overlay_check)
    assert not curves.overlay_curves


def test_workers_that_cannot_start_end_the_sweep_with_a_sentence(qtbot, panel, monkeypatch):
    from playground.core.search import pool

    monkeypatch.setattr(pool, "WORKER", ("-c", "import sys; sys.exit(3)"))  # Python starts, the worker dies
    _type(qtbot, panel, LR, "0.01, 0.1")
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT):
        _click(qtbot, panel.run_button)
    assert panel.error.isVisible() and "worker processes end before they start" in panel.error.text()
    assert panel.run_button.isEnabled() and not panel.runner.running


def test_closing_the_window_ends_a_running_sweep_and_its_workers(qtbot, window):
    panel = window.search.panel
    window.search.sweep_action.trigger()
    _type(qtbot, panel, LR, "0.01, 0.1")
    _spin(qtbot, panel.form.epochs, 100_000)
    _spin(qtbot, panel.form.workers, 2)
    started = []
    panel.runner.started.connect(started.append)
    _click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: len(started) == 2, timeout=TIMEOUT)
    window.close()
    assert not panel.runner.running
    assert not any(_alive(e["pid"]) for e in started)
