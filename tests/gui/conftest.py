"""Fixtures every GUI test module shares: isolated QSettings and a controller that is shut down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread

from playground.core import remote
from playground.gui.plots.output_panel import OutputPanel
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
