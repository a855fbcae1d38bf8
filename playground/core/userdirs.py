"""The person's own NN Playground folders (per user, never the install directory).

A leaf module so that any part of the core can ask for them without import cycles.
"""

from __future__ import annotations

from pathlib import Path

APP_DIR_NAME = "nn-playground"


def user_data_root() -> Path:
    """The per-user data folder: ``~/.local/share/nn-playground`` on Linux (not created here)."""
    import platformdirs  # imported late: only the commands that touch user files need it

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def datasets_dir(name: str) -> Path:
    """Where the downloaded or imported files of data set `name` live (not created here)."""
    return user_data_root() / "datasets" / name
