"""Fixtures every GUI test module shares: isolated QSettings and a controller that is shut down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread
from PySide6.QtWidgets import QMessageBox

from playground.core import remote
from playground.core.experiment import Experiment
from playground.gui.main_window import MainWindow
from playground.gui.plots.output_panel import OutputPanel
from playground.gui.session import Session
from playground.gui.training import TrainingController


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> None:
    """Point QSettings at a temp folder so the person's real settings are never touched."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QCoreApplication.setOrganizationName("NN Playground Tests")
    QCoreApplication.setApplicationName("NN Playground Tests")


@pytest.fixture
def panel(qtbot) -> OutputPanel:
    """The output panel (boundary or fitted curve, curves, metrics) shown at the window's size."""
    p = OutputPanel()
    qtbot.addWidget(p)
    p.resize(620, 760)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.fixture
def new_window(qtbot, tmp_path: Path) -> Callable[..., MainWindow]:
    """Opens the main window on `experiment` (or on a session; the default experiment if None), shown,
    with its own settings file; `active`: also the active window (keyboard shortcuts reach it)."""

    def open_window(experiment: Experiment | Session | None = None, active: bool = False) -> MainWindow:
        settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        session = experiment if isinstance(experiment, Session) else Session(experiment)
        w = MainWindow(session, settings=settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        if active:
            w.activateWindow()
            qtbot.waitUntil(w.isActiveWindow)
        return w

    return open_window


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """The texts of the warning message boxes, collected instead of blocking on a modal dialog."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


@pytest.fixture
def controller(qtbot) -> Iterator[TrainingController]:
    """A TrainingController that must leave no running thread behind."""
    c = TrainingController()
    yield c
    assert c.shutdown()
    assert not any(t.isRunning() for t in c.findChildren(QThread))


@pytest.fixture(scope="session", autouse=True)
def trainer_process_ready() -> None:
    """Start one trainer process and wait until torch is loaded there, before the first GUI test.

    Controllers take it from the pool, so no test's waits include torch's start-up in the child.
    """
    proc = remote.acquire(lambda _message: None)
    assert proc.ready.wait(120), "the trainer process did not start"
    remote.release(proc)
