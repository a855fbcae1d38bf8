"""The layers of the house hold: no import cycle in playground/, no Qt in the core (read from the
source, and checked again by importing the core and the CLI), the Experiment value a leaf, no file
over 400 lines. The checks themselves are tried on small made-up packages, so each one can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.architecture import cycles, import_graph, long_files, qt_imports

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "playground"
MAX_LINES = 400


def test_no_import_cycle_in_playground():
    assert cycles(import_graph(PACKAGE)) == []


def test_core_never_imports_qt():
    assert qt_imports(PACKAGE, "playground.core") == []


def test_no_file_in_playground_is_over_400_lines():
    assert long_files(PACKAGE, MAX_LINES) == []


def test_the_experiment_spec_is_a_leaf():
    """spec.py is what the registries and data sets import, so it may import nothing above them."""
    graph = import_graph(PACKAGE)
    assert graph["playground.core.spec"] <= {"playground.core.errors", "playground.core.params",
                                             "playground.core.speed"}
    assert graph["playground.core.params"] <= {"playground.core.errors"}
    assert graph["playground.core.speed"] <= {"playground.core.errors"}  # the pace value: a leaf too
    assert graph["playground.core.errors"] == set()


PROBE = """
import json, sys
import playground.core, playground.core.run.loop, playground.core.presets, playground.core.export
import playground.cli, playground.cli_train
playground.cli.build_parser()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph"})))
"""


def test_core_and_cli_import_without_qt():
    """What the source says, confirmed at run time: the core and the CLI run headless."""
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"Qt modules imported by the core or the CLI: {loaded}"


# ------------------------------------------------------------- the checks can fail ----------

def make_package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package `pkg` under `tmp_path` with the given files (paths relative to it) and __init__s."""
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_through_a_lazy_import_is_found(tmp_path):
    root = make_package(tmp_path, {
        "a.py": "from pkg import b\n",
        "b.py": "def late():\n    from pkg.c import thing\n    return thing\n",
        "c.py": "import pkg.a\nthing = 1\n",
        "d.py": "from pkg.a import b\n",  # depends on the cycle, is not part of it
    })
    assert cycles(import_graph(root)) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_a_relative_import_cycle_is_found(tmp_path):
    root = make_package(tmp_path, {
        "core/x.py": "from .y import Y\nX = 1\n",
        "core/y.py": "from . import x\nY = 2\n",
        "gui/z.py": "from ..core import x\n",
    })
    graph = import_graph(root)
    assert graph["pkg.gui.z"] == {"pkg.core.x"}
    assert cycles(graph) == [["pkg.core.x", "pkg.core.y"]]


def test_type_checking_imports_make_no_cycle(tmp_path):
    root = make_package(tmp_path, {
        "a.py": "from pkg.b import B\n",
        "b.py": ("from typing import TYPE_CHECKING\nimport typing\nif TYPE_CHECKING:\n"
                 "    from pkg.a import A\nif typing.TYPE_CHECKING:\n    import pkg.a\nelse:\n"
                 "    import json\nB = 1\n"),
    })
    assert cycles(import_graph(root)) == []


def test_a_qt_import_in_the_core_is_found_wherever_it_is_written(tmp_path):
    root = make_package(tmp_path, {
        "core/plain.py": "import numpy\n",
        "core/top.py": "import PySide6.QtCore\n",
        "core/deep/late.py": "def f():\n    from pyqtgraph import PlotWidget\n",
        "gui/view.py": "from PySide6 import QtWidgets\n",  # allowed outside the core
    })
    assert qt_imports(root, "pkg.core") == ["pkg.core.deep.late: pyqtgraph", "pkg.core.top: PySide6.QtCore"]


def test_a_long_file_is_found(tmp_path):
    root = make_package(tmp_path, {"short.py": "x = 1\n" * MAX_LINES, "long.py": "x = 1\n" * (MAX_LINES + 1)})
    assert long_files(root, MAX_LINES) == [f"pkg/long.py ({MAX_LINES + 1})"]
