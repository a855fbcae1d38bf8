"""Test-wide set-up: offscreen Qt, throw-away user folders, guards against leaked Qt objects and
unread log warnings.

Everything at module level runs before any test module is imported, so before Qt or platformdirs
read the environment.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import traceback
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]  # tests/gui/test_guards.py runs small test sessions of its own

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Presets saved, settings written and caches made by the code under test land here, never in the
# real user folders (platformdirs and Qt's QStandardPaths/QSettings both follow these variables).
_SANDBOX = Path(tempfile.mkdtemp(prefix="nn-playground-tests-"))
atexit.register(shutil.rmtree, _SANDBOX, ignore_errors=True)
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SANDBOX / _var.lower())
os.environ["HOME"] = str(_SANDBOX / "home")  # macOS folders and anything using ~ directly
(_SANDBOX / "home").mkdir()


@pytest.fixture
def full_mnist() -> Iterator[Path]:
    """Stand-in full MNIST files (generated, real sizes) in the sandboxed user data folder."""
    from playground.core.datasets import mnist_full
    from tests.fake_mnist import write_folder

    folder = write_folder(mnist_full.folder())
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def user_sandbox() -> Path:
    """The folder that stands in for the person's home and XDG data folders during the tests."""
    return _SANDBOX


def _where_started() -> str:
    """The test-side frame that started a thread or timer, for a failure message that leads there."""
    frames = [f for f in traceback.extract_stack()[:-2] if "conftest.py" not in f.filename]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


class _QtGuard:
    """Track QThread/QTimer starts during one test; report those still running, and new open windows."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        from PySide6.QtCore import QThread, QTimer
        from PySide6.QtWidgets import QApplication

        self.started: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        app = QApplication.instance()
        self.windows_before = {id(w) for w in app.topLevelWidgets()} if app is not None else set()
        for cls in (QThread, QTimer):
            monkeypatch.setattr(cls, "start", self._tracking(cls.start))

    def _tracking(self, start: Any) -> Any:
        started = self.started

        def tracked_start(obj: Any, *args: Any, **kwargs: Any) -> Any:
            started[obj] = _where_started()
            return start(obj, *args, **kwargs)

        return tracked_start

    def problems(self) -> list[str]:
        from PySide6.QtCore import QCoreApplication, QEvent, QThread
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is None:
            return []
        # Widgets closed by qtbot were only scheduled for deletion: delete them now.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        found = []
        for obj, where in list(self.started.items()):
            try:
                running = obj.isRunning() if isinstance(obj, QThread) else obj.isActive()
            except RuntimeError:  # the C++ object is gone: nothing left running
                continue
            if running:
                found.append(f"{type(obj).__name__} started at {where} is still running")
                if isinstance(obj, QThread):
                    obj.quit()
                    obj.wait(2000)
                else:
                    obj.stop()
        # Hidden parentless helpers (pyqtgraph's context menus, say) are Python-owned and go with
        # the objects holding them once the test's references are dropped; a window still showing
        # after the test is what leaks into (and confuses) the next tests.
        for w in app.topLevelWidgets():
            if id(w) not in self.windows_before and w.parent() is None and w.isVisible():
                found.append(f"top-level widget {type(w).__name__} ({w.objectName() or 'unnamed'}) was "
                             "left open: register it with qtbot.addWidget, or close and delete it")
                w.close()
                w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return found


@pytest.fixture(autouse=True)
def _qt_leak_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread or QTimer running or a top-level window open.

    Leaked threads and windows crash or slow down later tests, which then get the blame. Costs
    nothing for tests that never imported Qt. Runs its check after pytest-qt has closed the
    widgets registered with qtbot.
    """
    if "PySide6.QtWidgets" not in sys.modules:
        yield
        return
    guard = _QtGuard(monkeypatch)
    yield
    problems = guard.problems()
    if problems:
        pytest.fail("Qt objects leaked by this test:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _no_unread_log_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test that logs a warning or error nobody looked at.

    Qt's own warnings already fail tests (qt_log_level_fail), Python warnings too (filterwarnings),
    and exceptions in paint events and slots (pytest-qt); this is the same rule for `logging`, the
    other way a library (or our trainer link) reports trouble without raising. A test that expects
    a record asserts on it through `caplog` and then calls `caplog.clear()`.
    """
    yield
    unread = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    if unread:
        lines = [f"{r.levelname} {r.name}: {r.getMessage().splitlines()[0]}" for r in unread]
        pytest.fail("log records nobody read:\n  " + "\n  ".join(lines), pytrace=False)
