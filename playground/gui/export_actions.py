"""Export what is on screen: a plot as PNG or SVG, a run's metric history as CSV.

The plot exports go through pyqtgraph's own exporters on the PlotItem, so the file shows the
plot (axes, legend, heat map, points) without the surrounding widgets. PNGs are rendered at twice
the on-screen size so they stay sharp in a document. The export folder is remembered apart from
the presets folder: figures and experiments usually live in different places.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers pg.exporters
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from playground.core.atomic import atomic_write
from playground.core.export import write_history_csv
from playground.core.presets import in_install_folder

EXPORT_DIR_KEY = "files/export_dir"
FILTERS = {"png": QT_TRANSLATE_NOOP("ExportActions", "PNG image (*.png)"),
           "svg": QT_TRANSLATE_NOOP("ExportActions", "SVG image (*.svg)"),
           "csv": QT_TRANSLATE_NOOP("ExportActions", "CSV table (*.csv)")}
PNG_SCALE = 2
MENU = (("loss:png", QT_TRANSLATE_NOOP("ExportActions", "Loss plot as PNG…")),
        ("loss:svg", QT_TRANSLATE_NOOP("ExportActions", "Loss plot as SVG…")),
        ("boundary:png", QT_TRANSLATE_NOOP("ExportActions", "Decision boundary as PNG…")),
        ("boundary:svg", QT_TRANSLATE_NOOP("ExportActions", "Decision boundary as SVG…")),
        ("history:csv", QT_TRANSLATE_NOOP("ExportActions", "Metric history as CSV…")))


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExportActions", text)


# ---------------------------------------------------------------- writing files -------------

def export_plot(plot: pg.PlotItem, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write `plot` as PNG or SVG (from the suffix unless `fmt` says); returns the path written."""
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt == "png":
        exporter = pg.exporters.ImageExporter(plot)
        exporter.parameters()["width"] = int(round(plot.sceneBoundingRect().width() * PNG_SCALE))
        image = exporter.export(toBytes=True)
        with atomic_write(target, binary=True) as f:
            f.write(_png_bytes(image))
    elif fmt == "svg":
        with _svg_close_paths():
            svg = pg.exporters.SVGExporter(plot).export(toBytes=True)
        with atomic_write(target, binary=True) as f:
            f.write(svg)
    else:
        raise ValueError(f"unknown image format {fmt!r} (png or svg)")
    return target


def _png_bytes(image: Any) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(_tr("could not encode the PNG image"))
    buffer.close()
    return bytes(data.data())


def export_history(history: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> Path:
    """Write a run's per-epoch history as CSV (one row per epoch, epoch first); returns the path."""
    target = Path(path)
    order = sorted(history, key=lambda k: k != "epoch")  # stable: the trainer's order otherwise
    write_history_csv({k: history[k] for k in order}, target)
    return target


@contextmanager
def _svg_close_paths() -> Iterator[None]:
    """Let pyqtgraph 0.14's SVG exporter read Qt >= 6.11 path data, which closes paths with "Z".

    Its coordinate fix-up splits every path token as "x,y" and fails on "Z" (pyqtgraph issue
    #3495, fixed upstream in PR #3458, unreleased). For the one export call, "Z" tokens are taken
    out before the fix-up and put back after it at the same places: the drawing is unchanged.
    """
    module = sys.modules["pyqtgraph.exporters.SVGExporter"]
    original = module.correctCoordinates

    def correct(node: Any, defs: Any, item: Any, options: Any) -> Any:
        closes = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            at = [n - k for k, n in enumerate(i for i, t in enumerate(tokens) if t in ("Z", "z"))]
            if at:
                path.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
                closes.append((path, at))
        result = original(node, defs, item, options)
        for path, at in closes:
            tokens = path.getAttribute("d").split()
            for offset, n in enumerate(at):
                tokens.insert(n + offset, "Z")
            path.setAttribute("d", " ".join(tokens))
        return result

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


# ---------------------------------------------------------------- dialogs and menu ----------

def _export_start(settings: QSettings) -> Path:
    """The last export folder, else the last presets folder, else home; never the install folder."""
    for key in (EXPORT_DIR_KEY, "files/last_dir"):
        folder = Path(str(settings.value(key, "") or ""))
        if folder.is_absolute() and folder.is_dir() and not in_install_folder(folder):
            return folder
    return Path.home()


def ask_save_path(parent: QWidget | None, settings: QSettings, title: str, name: str,
                  fmt: str) -> Path | None:
    """A save dialog in the last export folder; remembers the folder chosen. None when cancelled."""
    start = _export_start(settings)
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start / f"{name}.{fmt}"),
                                          _tr("{0};;All files (*)").format(_tr(FILTERS[fmt])))
    if not path:
        return None
    target = Path(os.path.abspath(path))
    if not target.suffix:
        target = target.with_suffix(f".{fmt}")
    settings.setValue(EXPORT_DIR_KEY, str(target.parent))
    return target


def export_failed(parent: QWidget, path: Path, exc: OSError | ValueError) -> None:
    """Say in one sentence why `path` was not written (an OSError names the person's file)."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    QMessageBox.warning(parent, QCoreApplication.translate("ExportActions", "Cannot export"),
                        QCoreApplication.translate("ExportActions", "Could not export {path}: {reason}.")
                        .format(path=path, reason=reason))


class ExportActions(QObject):
    """The File ▸ Export menu over the window's plots and the current run's history.

    `plots` gives the PlotItems by name ("loss", "boundary"; None when that plot is not showing);
    `history` gives the current run's history (None before the first epoch).
    """

    def __init__(self, parent: QWidget, settings: QSettings,
                 plots: Callable[[str], pg.PlotItem | None],
                 history: Callable[[], Mapping[str, np.ndarray] | None]):
        super().__init__(parent)
        self._parent, self.settings, self._plots, self._history = parent, settings, plots, history
        self.menu = QMenu(_tr("E&xport"), parent)
        self.actions = {}
        for key, text in MENU:
            action = self.menu.addAction(_tr(text))
            action.triggered.connect(lambda _=False, k=key: self.export(k))
            self.actions[key] = action
            if key == "boundary:svg":
                self.menu.addSeparator()
        self.menu.aboutToShow.connect(self.refresh)

    def refresh(self) -> None:
        """Enable only what there is to export now."""
        for key, action in self.actions.items():
            what = key.split(":")[0]
            action.setEnabled(bool(self._history()) if what == "history" else self._plots(what) is not None)

    def export(self, key: str) -> Path | None:
        """Ask where and write one export ("loss:png", "boundary:svg", "history:csv", ...)."""
        what, fmt = key.split(":")
        source = self._history() if what == "history" else self._plots(what)
        if not source:
            return None
        name = {"loss": "loss", "boundary": "decision-boundary", "history": "metric-history"}[what]
        title = _tr("Export {0}").format(self.actions[key].text().rstrip("…"))
        path = ask_save_path(self._parent, self.settings, title, name, fmt)
        if path is None:
            return None
        try:
            return export_history(source, path) if what == "history" else export_plot(source, path, fmt)
        except (OSError, ValueError) as exc:
            export_failed(self._parent, path, exc)
            return None
