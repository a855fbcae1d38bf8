"""The core and the command line must never pull in Qt: they run headless, in scripts and in CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import playground.core, playground.core.run.loop, playground.core.presets, playground.core.export
import playground.cli, playground.cli_train
playground.cli.build_parser()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph"})))
"""


def test_core_and_cli_import_without_qt():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"Qt modules imported by the core or the CLI: {loaded}"
