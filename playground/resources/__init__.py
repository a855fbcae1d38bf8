"""Icons shipped with the app (SVG, so they stay sharp at any scale).

Looked up beside this file so they work from a source checkout and an installed wheel alike
(`pyproject.toml` ships ``resources/*`` as package data).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

_HERE = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """The path of a shipped resource file, e.g. ``resource_path("icon.svg")``."""
    return _HERE / name


@cache
def icon(name: str) -> QIcon:
    """A shipped SVG as a QIcon (cached: toolbar icons are asked for on every state change)."""
    return QIcon(str(resource_path(f"{name}.svg")))
