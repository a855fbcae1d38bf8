"""The menu bar: File, Edit, Run, Examples, View, Help, built from the actions their owners hold.

The actions belong to what they act on (FileActions: new/open/save; the run bar: train/step;
the session's undo stack: undo/redo; ExportActions: the export menu); this module only arranges
them into menus, so a menu can be reordered or renamed without touching what the items do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from playground.core.errors import PlaygroundError
from playground.core.presets import shipped_presets
from playground.gui.calculator import calculator_action
from playground.gui.file_actions import FileActions
from playground.gui.full_mnist import FullMnistActions
from playground.gui.session import Session


def _tr(text: str) -> str:
    return QCoreApplication.translate("Menus", text)


def fill_file_menu(menu: QMenu, files: FileActions) -> None:
    menu.addAction(files.new_action)
    menu.addAction(files.open_action)
    menu.addMenu(files.recent_menu)
    menu.addSeparator()
    menu.addAction(files.save_action)
    menu.addAction(files.save_as_action)
    menu.addSeparator()
    menu.addAction(files.quit_action)


def examples_menu(parent: QWidget, open_example: Callable[[Path], object]) -> QMenu:
    """The shipped presets, one item each (its description as the tooltip)."""
    menu = QMenu(_tr("&Examples"), parent)
    menu.setToolTipsVisible(True)
    try:
        presets = shipped_presets()
    except (PlaygroundError, OSError) as exc:
        menu.addAction(_tr("(examples unavailable: {0})").format(exc)).setEnabled(False)
        return menu
    for info in presets:
        action = menu.addAction(info.title)
        action.setToolTip(info.description or info.title)
        action.setStatusTip(info.description or info.title)
        action.setData(str(info.path))
        action.triggered.connect(lambda _=False, p=info.path: open_example(Path(p)))
    return menu


def install_menus(window: QMainWindow, files: FileActions, session: Session, run_actions: list[QAction],
                  panels: list[tuple[str, QWidget]]) -> dict[str, QMenu]:
    """Build the menu bar: File, Edit, Run, Examples, View, Help. Returns the menus by name."""
    bar = window.menuBar()
    menus = {name: bar.addMenu(title) for name, title in
             (("file", _tr("&File")), ("edit", _tr("&Edit")), ("run", _tr("&Run")), ("view", _tr("&View")),
              ("help", _tr("&Help")))}
    fill_file_menu(menus["file"], files)
    FullMnistActions(window, session, menus["file"], files.quit_action)  # a child of the window
    undo = session.undo_stack.createUndoAction(window, _tr("&Undo"))
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = session.undo_stack.createRedoAction(window, _tr("&Redo"))
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    menus["edit"].addActions([undo, redo])
    menus["run"].addActions(run_actions)
    menus["examples"] = examples_menu(window, files.open_example)
    bar.insertMenu(menus["view"].menuAction(), menus["examples"])
    for title, widget in panels:
        toggle = QAction(title, window, checkable=True)
        toggle.setChecked(not widget.isHidden())
        toggle.toggled.connect(widget.setVisible)
        menus["view"].addAction(toggle)
    menus["help"].addAction(calculator_action(window))  # Ctrl+K: optimizer and loss by hand
    menus["help"].addAction(_tr("&Keyboard shortcuts"), lambda: _show_shortcuts(window, files, run_actions,
                                                                                  [undo, redo]))
    menus["help"].addAction(_tr("&About NN Playground"), lambda: _about(window))
    return menus


def _show_shortcuts(window: QWidget, files: FileActions, run_actions: list[QAction],
                    edit_actions: list[QAction]) -> None:
    actions = run_actions + edit_actions + [files.new_action, files.open_action, files.save_action,
                                            files.save_as_action, files.quit_action]
    rows = "".join(f"<tr><td><b>{a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}</b>"
                   f"&nbsp;&nbsp;</td><td>{a.text().replace('&', '')}</td></tr>" for a in actions)
    box = QMessageBox(QMessageBox.Icon.NoIcon, _tr("Keyboard shortcuts"), f"<table>{rows}</table>",
                      QMessageBox.StandardButton.Close, window)
    box.setInformativeText(_tr("Space works everywhere except while typing in a text field."))
    box.show()  # non-modal: keep it open while trying the keys


def _about(window: QWidget) -> None:
    from playground import __version__

    QMessageBox.about(window, _tr("About NN Playground"),
                      _tr("<b>NN Playground</b> {0}<p>Assemble a network, press Space, watch it "
                          "learn. A desktop take on TensorFlow Playground, built on PyTorch, PySide6 and "
                          "pyqtgraph.</p>").format(__version__))
