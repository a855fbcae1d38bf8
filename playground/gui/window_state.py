"""The window's geometry, splitter and chosen tabs, remembered between runs of the app (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

TabKeys = list[tuple[str, QTabWidget]]


def restore(window: QMainWindow, settings: QSettings, splitter: QSplitter, tabs: TabKeys) -> None:
    """Put the window back as it was left; a first start gets a size that fits the screen."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        default_geometry(window)
    state = settings.value("window/splitter")
    if isinstance(state, QByteArray) and not state.isEmpty():
        splitter.restoreState(state)
    for key, widget in tabs:
        index = str(settings.value(key, 0))  # text in INI files; anything odd: the first tab
        widget.setCurrentIndex(int(index) if index.isdigit() else 0)


def default_geometry(window: QMainWindow) -> None:
    screen = QGuiApplication.primaryScreen()
    avail = screen.availableGeometry() if screen is not None else None
    w, h = 1440, 900
    if avail is not None:
        w, h = min(w, int(avail.width() * 0.95)), min(h, int(avail.height() * 0.92))
    window.resize(w, h)


def save(window: QMainWindow, settings: QSettings, splitter: QSplitter, tabs: TabKeys) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/splitter", splitter.saveState())
    for key, widget in tabs:
        settings.setValue(key, widget.currentIndex())
    settings.sync()
