"""The test-wide guards fail a test on every way Qt or pyqtgraph reports trouble without raising.

Each case runs a small test in a fresh pytest process with this project's pytest settings and
conftest, and checks the outcome: a QPainter fed NaN (Qt's "QPainterPath::arcTo ... NaN" warning),
pyqtgraph's report of an error caught while painting (a RuntimeWarning), a warning logged by a
library, and an exception in a paint event must each fail the test; a clean one passes.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = """
import logging, math, warnings
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def paint_nan():
    image = QImage(20, 20, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.drawEllipse(QPointF(math.nan, 3), 2, 2)
    painter.end()


class Broken(QWidget):
    def paintEvent(self, event):
        raise ValueError("painting went wrong")
"""
CASES = {
    "qt_nan_warning": ("def test_it(qtbot):\n    paint_nan()\n", "failed"),
    "pyqtgraph_caught_error": ("def test_it(qtbot):\n    try:\n        raise ValueError('x')\n"
                               "    except ValueError:\n        pg.debug.printExc('while painting')\n",
                               "failed"),
    "python_warning": ("def test_it():\n    warnings.warn('odd', RuntimeWarning)\n", "failed"),
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
