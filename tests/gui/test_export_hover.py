"""File ▸ Export (PNG, SVG, CSV) on a real window, and the decision boundary's hover read-out."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv  # noqa: E402
import dataclasses  # noqa: E402
import math  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPointF, QSettings  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import default_experiment, experiment_from_dict  # noqa: E402
from playground.core.presets import SHIPPED_DIR  # noqa: E402
from playground.core.run.loop import RunOptions, run_to_end  # noqa: E402
from playground.core.run.state import RunState  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui import theme  # noqa: E402
from playground.gui.export_actions import PNG_SCALE  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.plots.boundary import POINT_SIZE, point_losses  # noqa: E402
from playground.gui.session import Session  # noqa: E402

warm_up()

TIMEOUT = 20_000
EPOCHS = 4
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_runs: dict[str, tuple] = {}


def trained(dataset: str = "circle") -> tuple:
    """(dataset, final snapshot) of a short headless run, cached for the module."""
    if dataset not in _runs:
        layers = [{"type": "dense", "units": 8, "activation": "tanh"}]
        exp = default_experiment() if dataset == "circle" else experiment_from_dict(
            {"data": {"dataset": dataset, "samples": 200}, "network": {"layers": layers},
             "training": {"optimizer": {"name": "adam", "lr": 0.01}}})
        _runs[dataset] = load_dataset(exp.data, exp.seed), run_to_end(exp, RunOptions(epochs=3))
    return _runs[dataset]


# ---------------------------------------------------------------- export ---------------------

@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    short = _edits.with_training(default_experiment(), epochs=EPOCHS)
    w = MainWindow(Session(short), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.toggle_training()
    qtbot.waitUntil(lambda: w.controller.state == RunState.FINISHED, timeout=TIMEOUT)
    yield w
    w.close()


class SaveDialog:
    """Stands in for QFileDialog.getSaveFileName: answers with the next path, records what it was offered."""

    def __init__(self, monkeypatch):
        self.answers: list[Path] = []
        self.offered: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self)

    def __call__(self, parent, title, start, filters, *rest):
        self.offered.append(start)
        return str(self.answers.pop(0)), ""


def test_file_menu_has_the_export_submenu(window):
    file_menu = window.menus["file"]
    titles = [a.text() for a in file_menu.actions()]
    assert "E&xport" in titles and titles.index("E&xport") < titles.index("&Quit")
    window.exports.refresh()
    assert [a.text() for a in window.exports.menu.actions() if a.text()] == [
        "Loss plot as PNG…", "Loss plot as SVG…", "Decision boundary as PNG…", "Decision boundary as SVG…",
        "Metric history as CSV…"]
    assert all(a.isEnabled() for a in window.exports.actions.values())


def pixels(image: QImage) -> np.ndarray:
    """The image as an (h, w, 3) uint8 RGB array."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, line = rgb.width(), rgb.height(), rgb.bytesPerLine()
    rows = np.frombuffer(rgb.constBits(), np.uint8, count=h * line).reshape(h, line)
    return rows[:, :3 * w].reshape(h, w, 3).copy()  # a copy: the buffer goes with `rgb`


def count_near(px: np.ndarray, colour: str, tolerance: int = 30) -> int:
    """How many pixels lie within `tolerance` (per channel) of `colour`."""
    c = QColor(colour)
    target = np.array([c.red(), c.green(), c.blue()], dtype=np.int16)
    return int(np.sum(np.all(np.abs(px.astype(np.int16) - target) <= tolerance, axis=-1)))


# What each exported plot must show: colours of its own (the curves; the boundary's two classes).
PLOT_COLOURS = {"loss": (theme.CURVE_COLOURS["train"], theme.CURVE_COLOURS["test"]),
                "boundary": (theme.NEGATIVE, theme.POSITIVE)}


def png_problems(image: QImage, plot: pg.PlotItem, name: str) -> list[str]:
    """What is wrong with `image` as the PNG export of `plot` ([] when it is the plot)."""
    if image.isNull():
        return ["not a PNG image"]
    problems = []
    rect = plot.sceneBoundingRect()
    width = int(round(rect.width() * PNG_SCALE))
    height = width * rect.height() / rect.width()
    if image.width() != width or abs(image.height() - height) > 2:
        problems.append(f"size {image.width()}x{image.height()}, not {width}x{height:.0f}")
    px = pixels(image)
    colours, counts = np.unique(px[::4, ::4].reshape(-1, 3), axis=0, return_counts=True)
    if len(colours) < 30 or counts.max() > 0.99 * counts.sum():
        problems.append(f"blank: {len(colours)} colours, the commonest on {counts.max() / counts.sum():.0%}")
    for colour in PLOT_COLOURS[name]:
        if count_near(px, colour) < 10:  # a curve a few epochs long and its legend sample: ~20+
            problems.append(f"no {colour} in the picture")
    return problems


def export_png(window: MainWindow, monkeypatch, path: Path, plot: str) -> QImage:
    SaveDialog(monkeypatch).answers = [path]
    window.exports.actions[f"{plot}:png"].trigger()
    assert path.read_bytes().startswith(PNG_MAGIC)
    return QImage(str(path))


@pytest.mark.parametrize("plot", ["loss", "boundary"])
def test_plots_export_as_png_and_svg(window, monkeypatch, tmp_path, plot):
    dialog = SaveDialog(monkeypatch)
    dialog.answers = [tmp_path / f"{plot}.png", tmp_path / "figures" / f"{plot}"]
    (tmp_path / "figures").mkdir()
    window.exports.actions[f"{plot}:png"].trigger()
    png = (tmp_path / f"{plot}.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 1000
    image = QImage(str(tmp_path / f"{plot}.png"))
    assert png_problems(image, window.output.plot_for_export(plot), plot) == []  # the plot, its size, drawn
    window.exports.actions[f"{plot}:svg"].trigger()
    svg = tmp_path / "figures" / f"{plot}.svg"  # the suffix is added when the name has none
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and len(list(root.iter())) > 10
    assert Path(dialog.offered[1]).parent == tmp_path  # the second dialog opens where the first saved


def test_the_pixel_checks_fail_on_a_blank_wrong_sized_or_other_picture(window, monkeypatch, tmp_path):
    """Each check can fail: a blank image, a wrong size, and the other plot's picture are refused."""
    loss, boundary = window.output.plot_for_export("loss"), window.output.plot_for_export("boundary")
    good = export_png(window, monkeypatch, tmp_path / "loss.png", "loss")
    blank = QImage(good.size(), QImage.Format.Format_RGB32)
    blank.fill(QColor(theme.SURFACE))
    train, test = theme.CURVE_COLOURS["train"], theme.CURVE_COLOURS["test"]
    assert [p.split(":")[0] for p in png_problems(blank, loss, "loss")] == [
        "blank", f"no {train} in the picture", f"no {test} in the picture"]
    small = good.scaled(good.width() // 2, good.height() // 2)
    assert png_problems(small, loss, "loss")[0].startswith("size")
    other = export_png(window, monkeypatch, tmp_path / "boundary.png", "boundary")
    assert png_problems(other, boundary, "boundary") == []
    assert png_problems(other, loss, "loss")  # the boundary's picture is not the loss plot
    assert png_problems(QImage(), loss, "loss") == ["not a PNG image"]


def test_the_boundary_export_shows_the_model_on_screen(window, monkeypatch, tmp_path):
    """Two different models draw two different boundaries, and the file follows the one shown."""
    first = pixels(export_png(window, monkeypatch, tmp_path / "a.png", "boundary")).astype(np.int16)
    reseeded = dataclasses.replace(window.session.experiment, seed=11)
    other = run_to_end(reseeded, RunOptions(epochs=1))
    window.output.update_main(other)
    window.output.update_secondary(other)
    second = export_png(window, monkeypatch, tmp_path / "b.png", "boundary")
    assert png_problems(second, window.output.plot_for_export("boundary"), "boundary") == []
    second_px = pixels(second).astype(np.int16)
    assert second_px.shape == first.shape
    changed = np.mean(np.any(np.abs(second_px - first) > 24, axis=-1))
    assert changed > 0.05  # a different heat map over much of the plot, not a few pixels of noise


def test_metric_history_exports_one_row_per_epoch(window, monkeypatch, tmp_path):
    SaveDialog(monkeypatch).answers = [tmp_path / "history.csv"]
    window.exports.actions["history:csv"].trigger()
    with open(tmp_path / "history.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "epoch" and len(rows) == 1 + EPOCHS
    assert [int(r[0]) for r in rows[1:]] == list(range(1, EPOCHS + 1))


def test_export_never_starts_in_the_install_folder_and_names_the_file_it_could_not_write(
        window, monkeypatch, tmp_path):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    window.settings.setValue("files/last_dir", str(SHIPPED_DIR))  # as after opening a shipped preset
    taken = tmp_path / "taken.csv"
    taken.mkdir()  # a folder where the file should go
    dialog = SaveDialog(monkeypatch)
    dialog.answers = [taken]
    window.exports.actions["history:csv"].trigger()
    assert Path(dialog.offered[0]).parent == Path.home()
    assert shown == [f"Could not export {taken}: Is a directory."]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_nothing_to_export_before_a_run_or_off_the_boundary(window):
    window.reset()
    window.exports.refresh()
    assert not window.exports.actions["history:csv"].isEnabled()
    window.session.edit(_edits.with_data(window.session.experiment, dataset="line", features=("x1",)), "data")
    window.exports.refresh()
    assert not window.exports.actions["boundary:png"].isEnabled()
    assert window.exports.actions["loss:png"].isEnabled()


# ---------------------------------------------------------------- hover ----------------------

def _scene(view, x: float, y: float) -> QPointF:
    return view.getPlotItem().getViewBox().mapViewToScene(pg.Point(x, y))


def _empty_spot(ds, snap, clearance: float = 1.0) -> tuple[float, float, int, int]:
    """A plane position at least `clearance` from every data point: (x, y, grid row, grid col)."""
    x0, x1, y0, y1 = snap.extent
    rows, cols = snap.boundary.shape
    points = np.concatenate([ds.raw_train, ds.raw_test])
    for x in np.linspace(x0 + 0.3, x1 - 0.3, 25):
        for y in np.linspace(y0 + 0.3, y1 - 0.3, 25):
            if np.hypot(*(points - (x, y)).T).min() > clearance:
                return x, y, int((y - y0) / (y1 - y0) * rows), int((x - x0) / (x1 - x0) * cols)
    raise AssertionError("no empty spot")


def test_hovering_the_plane_reads_the_grid_there(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    view = panel.boundary
    x, y, row, col = _empty_spot(ds, snap)
    scene = _scene(view, x, y)
    qtbot.mouseMove(view.viewport(), view.mapFromScene(scene))
    qtbot.waitUntil(lambda: view.hover_text != "")
    assert view.hover_text == f"P(class 1) = {snap.boundary[row, col]:.2f} at ({x:.2f}, {y:.2f})"
    assert view.hover_label.isVisible() and not view.hover_ring.isVisible()
    assert view.hover_at(QPointF(-50, -50)) == "" and view.hover_text == ""  # off the plot


def test_hovering_a_point_reports_label_prediction_and_loss(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    i = int(np.argmax(snap.point_values[0][:, 0]))  # a confidently-class-1 training point
    p = float(snap.point_values[0][i, 0])
    text = panel.boundary.hover_at(_scene(panel.boundary, *ds.raw_train[i]))
    label = f"class {ds.class_names[ds.y_train[i]]}"
    loss = -math.log(p if ds.y_train[i] == 1 else 1 - p)
    assert text.startswith("train point") and label in text
    assert f"P(class 1) = {p:.2f}" in text and f"loss {loss:.3g} (cross-entropy)" in text
    ring = panel.boundary.hover_ring
    assert ring.isVisible()
    assert (ring.data["x"][0], ring.data["y"][0]) == pytest.approx(tuple(ds.raw_train[i]))
    panel.clear()  # a new run: no prediction to show yet, the label still
    assert "prediction" not in panel.boundary.hover_at(_scene(panel.boundary, *ds.raw_train[i]))


@pytest.mark.parametrize("dataset, point_words, plane_word", [
    ("blobs", ("class", "(p = ", "cross-entropy"), "class "),
    ("reg_plane", ("target", "squared error"), "value "),
])
def test_hover_fits_the_task(qtbot, panel, dataset, point_words, plane_word):
    ds, snap = trained(dataset)
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    view = panel.boundary
    assert not view.hover_at(_scene(view, *ds.raw_test[0])).startswith("test point")  # hidden
    panel.show_test.setChecked(True)
    point = view.hover_at(_scene(view, *ds.raw_test[0]))
    assert point.startswith("test point") and all(w in point for w in point_words)
    x, y, row, col = _empty_spot(ds, snap, clearance=0.4)
    assert view.hover_at(_scene(view, x, y)).startswith(plane_word)


def test_size_by_loss_makes_hard_points_bigger(qtbot, panel):
    ds, snap = trained()
    panel.set_dataset(ds)
    panel.update_snapshot(snap)
    sizes = lambda: panel.boundary.train_points.data["size"].copy()  # noqa: E731
    assert panel.size_by_loss.isEnabled()
    panel.size_by_loss.setChecked(True)
    grown = sizes()
    losses = point_losses(snap.point_values[0], ds.y_train, ds.task)
    assert len(set(grown)) >= 2
    assert np.all(np.diff(grown[np.argsort(losses)]) >= 0)  # a higher loss is never drawn smaller
    assert np.all(grown == np.round(grown))  # whole pixels: pyqtgraph's symbol atlas stays small
    panel.size_by_loss.setChecked(False)
    assert set(sizes()) == {POINT_SIZE}
