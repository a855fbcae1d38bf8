"""Data is built off the GUI thread: the window keeps running, shows progress, and Cancel or a bad
file changes nothing (issue 9 section 2, issue 18 "Edits that vanish" and "The window stays alive")."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import DataSpec, default_experiment  # noqa: E402
from playground.gui import data_loader  # noqa: E402
from playground.gui.data_loader import DataLoader  # noqa: E402
from playground.gui.panels.data_panel import with_dataset  # noqa: E402
from playground.gui.plots._points import SHOWN_POINTS  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

WAIT = 60_000  # ms: generous for a loaded machine; every wait ends as soon as its condition holds
ROWS = 200_000
MILLION = 1_000_000


def write_csv(path: Path, rows: int, bad: tuple[int, str] | None = None) -> Path:
    """A 2-input table (a, b, label); `bad` = (data row index, text) puts a bad cell in column b."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-5, 5, (rows, 2)).round(3)
    lines = [f"{a},{b},{int(a * a + b * b < 9)}" for a, b in x]
    if bad is not None:
        i, text = bad
        a = x[i, 0]
        lines[i] = f"{a},{text},1"
    path.write_text("a,b,label\n" + "\n".join(lines) + "\n")
    return path


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """Message boxes' texts, instead of blocking on a modal dialog."""
    texts: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: texts.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    return texts


@pytest.fixture
def window(new_window, shown):
    w = new_window()
    yield w
    w.close()
    assert not w.session.loader.busy  # closing stops any load


class Ticks:
    """A 10 ms timer on the GUI thread: it only advances while the event loop runs."""

    def __init__(self) -> None:
        self.count = 0
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(10)

    def _tick(self) -> None:
        self.count += 1


@pytest.fixture
def ticks():
    t = Ticks()
    yield t
    t.timer.stop()


def choose_csv(monkeypatch, path: Path, target: str = "label") -> None:
    """The file dialog answers `path`; the column and task dialogs take `target` and the default."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))

    def get_item(parent, title, label, items, current=0, editable=False):
        return (target if target in items else items[current]), True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)


def assert_runs_while_loading(qtbot, window, ticks: Ticks) -> None:
    """The progress strip shows, and the event loop keeps ticking while the loader is still busy."""
    qtbot.waitUntil(window.data_progress.isVisible, timeout=WAIT)
    start = ticks.count
    qtbot.waitUntil(lambda: ticks.count >= start + 5, timeout=WAIT)
    assert window.session.loader.busy
    assert "Cannot train" in window.status_label.text()  # Train waits for the data it was given
    assert not window.run_bar.train_action.isEnabled()


def test_a_large_csv_loads_while_the_window_runs_and_cancel_changes_nothing(
        qtbot, window, ticks, tmp_path, monkeypatch):
    session = window.session
    before, dataset, steps = session.experiment, session.dataset, session.undo_stack.count()
    choose_csv(monkeypatch, write_csv(tmp_path / "big.csv", ROWS))
    qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
    assert window.session.experiment == before  # nothing changes before the file has been read and checked
    assert_runs_while_loading(qtbot, window, ticks)
    assert window.data_panel.dataset_buttons["csv"].isChecked()  # what was asked for
    focus = QApplication.focusWidget()
    qtbot.mouseClick(window.data_progress.cancel_button, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is focus  # not handed to a text field: Space still trains
    assert not window.session.loader.busy
    assert window.session.experiment == before
    assert window.session.dataset is dataset
    assert window.session.undo_stack.count() == steps
    assert window.data_panel.dataset_buttons["circle"].isChecked()
    assert not window.data_progress.isVisible()
    assert window.run_bar.train_action.isEnabled()


def test_a_large_csv_lands_after_it_was_read_with_its_row_count_shown(qtbot, window, ticks, tmp_path,
                                                                       monkeypatch):
    path = write_csv(tmp_path / "big.csv", ROWS)
    choose_csv(monkeypatch, path)
    with qtbot.waitSignal(window.session.changed, timeout=WAIT):
        qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
        assert_runs_while_loading(qtbot, window, ticks)
        rows = QLocale().toString(ROWS)
        qtbot.waitUntil(lambda: rows in window.data_progress.text, timeout=WAIT)
        assert "big.csv" in window.data_progress.text
    data = window.session.experiment.data
    assert (data.dataset, data.params["path"], data.params["target"]) == ("csv", str(path), "label")
    expected = load_dataset(data, window.session.experiment.seed)
    ds = window.session.dataset
    np.testing.assert_array_equal(ds.x_train, expected.x_train)  # the child's copy is the core's, bit for bit
    np.testing.assert_array_equal(ds.transform(ds.raw_test), expected.transform(expected.raw_test))
    assert window.output.dataset is ds and window.output.page == "points2d"
    assert window.data_panel.dataset_buttons["csv"].isChecked()
    assert not window.data_progress.isVisible()
    assert window.run_bar.train_action.isEnabled()
    window.session.undo_stack.undo()  # the data it replaced is still at hand: undo is instant
    assert window.session.experiment.data.dataset == "circle" and window.session.dataset is not None


def test_a_csv_with_a_bad_cell_changes_nothing_and_says_where(qtbot, window, tmp_path, monkeypatch, shown):
    before, steps = window.session.experiment, window.session.undo_stack.count()
    choose_csv(monkeypatch, write_csv(tmp_path / "broken.csv", 50_000, bad=(49_000, "abc")))
    qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert "broken.csv" in shown[0] and "row 49002" in shown[0] and "abc" in shown[0]
    assert not window.session.loader.busy
    assert window.session.experiment == before
    assert window.session.undo_stack.count() == steps  # nothing to undo: nothing was replaced
    assert window.data_panel.dataset_buttons["circle"].isChecked()
    assert window.output.page == "points2d" and window.output.dataset is window.session.dataset


@pytest.fixture
def held_builds(monkeypatch) -> threading.Event:
    """Large generated sets wait for this event before they are built: whether the loader is still
    busy when the test looks must not depend on how fast this machine builds a million points."""
    release = threading.Event()
    real = data_loader.load_dataset

    def held(spec, seed):
        if spec.samples >= MILLION:  # only the job's thread builds sets this large
            release.wait(WAIT / 1000)
        return real(spec, seed)

    monkeypatch.setattr(data_loader, "load_dataset", held)
    yield release
    release.set()  # never leave a job's thread waiting


def test_a_million_samples_are_generated_while_the_window_runs(qtbot, window, ticks, held_builds):
    session, samples = window.session, window.data_panel.data_form.controls["samples"]
    before = session.experiment
    type_into(qtbot, samples, str(MILLION))
    assert session.experiment == before
    assert_runs_while_loading(qtbot, window, ticks)
    assert "Circle" in window.data_progress.text
    qtbot.mouseClick(window.data_progress.cancel_button, Qt.MouseButton.LeftButton)
    held_builds.set()  # the cancelled build runs out and is ignored; the next one goes straight through
    assert session.experiment == before
    assert samples.value() == before.data.samples  # the box shows what is current again
    with qtbot.waitSignal(session.changed, timeout=WAIT):
        type_into(qtbot, samples, str(MILLION))
    assert session.experiment.data.samples == MILLION
    assert len(session.dataset.y_train) == MILLION // 2
    assert len(window.output.boundary.train_points.data) == SHOWN_POINTS  # a sample is drawn, not 500,000
    assert f"{MILLION // 2:,} train" in window.data_panel.counts_label.text()
    session.undo_stack.undo()
    assert session.experiment == before and session.dataset is not None
    session.undo_stack.redo()  # both sets are kept: no wait either way
    assert session.experiment.data.samples == MILLION and session.dataset is not None


def test_a_newer_request_supersedes_an_older_one(qtbot, window, tmp_path):
    session = window.session
    table = with_dataset(session.experiment, "csv", {"path": str(write_csv(tmp_path / "big.csv", ROWS))})
    landed: list[object] = []
    session.loader.loaded.connect(lambda key, _ds: landed.append(key))
    session.change_data(table.data, table.seed, "Use big.csv")
    stale = session.loader._job
    qtbot.waitUntil(window.data_progress.isVisible, timeout=WAIT)
    newer = _edits.with_data(session.experiment, samples=50_000)
    with qtbot.waitSignal(session.changed, timeout=WAIT):
        session.change_data(newer.data, newer.seed, "Change samples")
    assert stale.wait(10)  # the CSV child was killed: its thread ends without an answer
    QCoreApplication.sendPostedEvents()  # anything it might have queued arrives now
    assert session.experiment.data == newer.data
    assert landed == [(newer.data, newer.seed)]


def test_opening_data_that_loads_in_the_background_blocks_train_until_it_lands(qtbot, window, tmp_path):
    """Data changed without waiting (opening a file, undo): the views say it loads, then show it."""
    session = window.session
    exp = with_dataset(default_experiment(), "csv", {"path": str(write_csv(tmp_path / "big.csv", ROWS))})
    with qtbot.waitSignal(session.dataset_changed, timeout=WAIT):
        session.load(exp)
        assert session.dataset is None and session.data_loading
        assert "loading" in session.dataset_error
        assert "loading" in window.status_label.text() and not window.run_bar.train_action.isEnabled()
        assert "loading" in window.designer.canvas.views[0].error
    assert session.dataset is not None and session.dataset_error == ""
    assert window.output.page == "points2d" and window.output.dataset is session.dataset
    assert window.run_bar.train_action.isEnabled()
    assert window.designer.report is not None


def test_closing_the_window_stops_a_load(qtbot, window, tmp_path, monkeypatch):
    choose_csv(monkeypatch, write_csv(tmp_path / "big.csv", ROWS))
    qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
    job = window.session.loader._job
    assert job is not None
    window.close()
    assert not window.session.loader.busy
    assert job.wait(10)


def _loader_threads() -> int:
    return sum(t.name == "data-loader" for t in threading.enumerate())


def test_superseded_builds_never_run_side_by_side(qtbot):
    """Scrolling the noise of a million points: one build at a time, and only the last one lands."""
    qtbot.waitUntil(lambda: _loader_threads() == 0, timeout=WAIT)  # builds dropped by earlier tests
    loader = DataLoader()
    landed, most = [], [0]
    loader.loaded.connect(lambda key, _ds: landed.append(key))
    probe = QTimer()
    probe.timeout.connect(lambda: most.__setitem__(0, max(most[0], _loader_threads())))
    probe.start(5)
    specs = [DataSpec(dataset="circle", samples=MILLION, noise=n) for n in (0.0, 0.1, 0.2)]
    for spec in specs:
        loader.request(spec, 0)
        most[0] = max(most[0], _loader_threads())
    qtbot.waitUntil(lambda: bool(landed), timeout=WAIT)
    probe.stop()
    assert landed == [(specs[-1], 0)]
    assert most[0] == 1
    assert loader.shutdown(10_000)


def test_opening_the_same_csv_again_reads_it_again(qtbot, window, tmp_path, monkeypatch, shown):
    """A file fixed (or changed) since it was read is read again, not taken from memory."""
    path = write_csv(tmp_path / "table.csv", 300)
    choose_csv(monkeypatch, path)
    with qtbot.waitSignal(window.session.changed, timeout=WAIT):
        qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
    assert window.session.dataset.used == 300
    write_csv(path, 400)
    with qtbot.waitSignal(window.session.dataset_changed, timeout=WAIT):
        qtbot.mouseClick(window.data_panel.csv_button, Qt.MouseButton.LeftButton)
    assert window.session.dataset.used == 400
    assert window.output.dataset is window.session.dataset
    assert "200 training examples" in window.designer.canvas.views[0].detail  # the views were redrawn
    assert not shown
