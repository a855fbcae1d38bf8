"""Searching in the window: the Sweep dock, its menu items, and the learning-rate Find… button.

All the wiring of issue 13's app side lives here so the main window only creates it and shuts it
down: Run ▸ Sweep… (Ctrl+Shift+E) shows the Sweep panel in a dock under the window, File ▸ Open
sweep results… reads a saved sweep's summary.json into it, and the run bar's Find… opens the
learning-rate range test over the session's experiment.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox

from playground.core.errors import PlaygroundError
from playground.gui.lr_find_dialog import LrFindDialog, open_lr_find
from playground.gui.panels.sweep_panel import SweepPanel

SWEEP_SHORTCUT = "Ctrl+Shift+E"


class SearchActions(QObject):
    """Owns the Sweep dock and the search actions of `window` (a MainWindow)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.panel = SweepPanel(window.session)
        self.dock = QDockWidget(self.tr("Sweep"), window)
        self.dock.setObjectName("sweepDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.sweep_action = QAction(self.tr("S&weep…"), window)
        self.sweep_action.setShortcut(QKeySequence(SWEEP_SHORTCUT))
        self.sweep_action.setStatusTip(self.tr("Train the experiment with settings varied"))
        self.sweep_action.triggered.connect(self.show_panel)
        self.open_results_action = QAction(self.tr("Open S&weep Results…"), window)
        self.open_results_action.setStatusTip(self.tr("Show a saved sweep (a folder with summary.json)"))
        self.open_results_action.triggered.connect(self.ask_open_results)
        window.menus["run"].addSeparator()
        window.menus["run"].addAction(self.sweep_action)
        window.menus["file"].insertAction(window.files.quit_action, self.open_results_action)
        window.menus["file"].insertSeparator(window.files.quit_action)
        self.panel.overlays_changed.connect(self.show_overlays)
        self.dialog: LrFindDialog | None = None
        window.run_bar.lr_find_button.clicked.connect(self.find_lr)

    def show_overlays(self) -> None:
        """The loss plot's faint curves: the runs ticked in the Runs tab, then the sweep's trials."""
        self.window.output.curves.set_overlays(self.window.runs.overlays() + self.panel.overlays())

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def find_lr(self) -> LrFindDialog:
        """Open the range test over the session's experiment."""
        self.dialog = open_lr_find(self.window.session, self.window)
        self.dialog.finished.connect(self._forget_dialog)
        return self.dialog

    def _forget_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def ask_open_results(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Open sweep results"))
        if folder:
            self.open_results(Path(folder))

    def open_results(self, folder: Path) -> bool:
        """Show a saved sweep in the panel; a message box with the sentence when it is not one."""
        try:
            self.panel.open_results(folder)
        except PlaygroundError as e:
            QMessageBox.warning(self.window, self.tr("Open sweep results"), str(e))
            return False
        self.show_panel()
        return True

    def shutdown(self) -> bool:
        """Stop a running sweep and range test (the window is closing); True when nothing is left."""
        ok = self.panel.shutdown()
        if self.dialog is not None:
            ok = self.dialog.shutdown() and ok
        return ok


__all__ = ["SWEEP_SHORTCUT", "SearchActions"]
