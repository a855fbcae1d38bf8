"""The test-wide guards fail a test on every way Qt or pyqtgraph reports trouble without raising.

Each case runs a small test in a fresh pytest process with this project's pytest settings and
conftest, and checks the outcome: a QPainter fed NaN (Qt's "QPainterPath::arcTo ... NaN" warning),
pyqtgraph's report of an error it caught in one of its handlers and numpy's overflow inside
pyqtgraph (both RuntimeWarnings), a warning raised in our own code, a warning logged by a library,
and an exception in a paint event must each fail the test; a clean one passes.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = '''
import logging, math, warnings
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def paint_nan():
    image = QImage(20, 20, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.drawEllipse(QPointF(math.nan, 3), 2, 2)
    painter.end()


@pg.debug.warnOnException  # how pyqtgraph guards its own handlers: catch, then warn
def pyqtgraph_caught_error():
    raise ValueError("went wrong inside a pyqtgraph handler")


def pyqtgraph_overflow(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.addItem(pg.ImageItem(np.full((4, 4), 3e38, np.float32), levels=(-3e38, 3e38)))
    plot.grab()


def warning_in_our_code():
    warnings.warn_explicit("invalid value", RuntimeWarning, "playground/gui/plots/boundary.py", 1,
                           module="playground.gui.plots.boundary")


class Broken(QWidget):
    def paintEvent(self, event):
        raise ValueError("painting went wrong")
'''
CASES = {
    "qt_nan_warning": ("def test_it(qtbot):\n    paint_nan()\n", "failed"),
    "pyqtgraph_caught_error": ("def test_it(qtbot):\n    pyqtgraph_caught_error()\n", "failed"),
    "pyqtgraph_overflow": ("def test_it(qtbot):\n    pyqtgraph_overflow(qtbot)\n", "failed"),
    "warning_in_our_code": ("def test_it():\n    warning_in_our_code()\n", "failed"),
    "logged_warning": ("def test_it():\n    logging.getLogger('pyqtgraph').warning('odd')\n", "errors"),
    "paint_exception": ("def test_it(qtbot):\n    w = Broken()\n    qtbot.addWidget(w)\n    w.grab()\n",
                        "failed"),
    "clean": ("def test_it(qtbot):\n    w = QWidget()\n    qtbot.addWidget(w)\n    w.grab()\n", "passed"),
}


@pytest.fixture
def project_settings(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder with this project's [tool.pytest.ini_options] and test-wide conftest."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    options = {k: v for k, v in options.items() if k not in ("testpaths", "pythonpath")}
    lines = [f"{k} = {_toml(v)}" for k, v in options.items()]
    pytester.makefile(".toml", pyproject="[tool.pytest.ini_options]\n" + "\n".join(lines) + "\n")
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    return pytester


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value).replace("'", '"') if isinstance(value, str) else str(value)


@pytest.mark.parametrize("case", list(CASES))
def test_trouble_reported_without_an_exception_fails_the_test(project_settings, case):
    body, outcome = CASES[case]
    project_settings.makepyfile(test_case=HEADER + "\n\n" + body)
    result = project_settings.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.parseoutcomes().get(outcome) == 1, result.stdout.str()
