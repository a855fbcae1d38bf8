"""Preview: `python -m playground.gui.designer` shows the designer on the default experiment."""

from PySide6.QtWidgets import QApplication

from playground.gui.designer import NetworkDesigner
from playground.gui.session import Session

if __name__ == "__main__":
    app = QApplication([])
    designer = NetworkDesigner(Session())
    designer.resize(560, 620)
    designer.show()
    app.exec()
