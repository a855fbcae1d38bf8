"""Start the desktop app: torch first, then Qt, one calm light theme, the main window.

torch is imported on the main thread before the window exists: importing it lazily inside the
training thread stalled the GUI for 115-171 ms on the first Train press (the import holds the GIL).
Intra-op threads are set by core/torch_setup.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playground.gui.theme import app_icon, apply_theme

APP_NAME = "NN Playground"
ORGANISATION = "NN Playground"


def run_app(preset_path: str | None = None) -> int:
    """Run the desktop app; open `preset_path` if given. Returns the exit status.

    An invalid preset is reported in a message box with the core's error (file, field, value) and the
    app starts with the default experiment instead, so a bad file never keeps it from opening.
    """
    from playground.core import torch_setup

    torch_setup.set_threads()  # imports torch on the main thread, before Qt

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from playground.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setDesktopFileName("nn-playground")
    apply_theme(app)
    app.setWindowIcon(app_icon())

    window = MainWindow()
    window.show()
    if preset_path:
        # After show: the message box for a bad file then sits on a painted window.
        QTimer.singleShot(0, lambda: window.files.open_path(Path(preset_path), ask=False))
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv[1] if len(sys.argv) > 1 else None))
