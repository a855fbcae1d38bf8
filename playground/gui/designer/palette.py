"""The layer palette: one draggable item per LAYERS entry, grouped by category.

Built from the registry, so a new layer type appears here with its icon and help text without
touching this file. Dragging carries the type name (see mime.py); double-click or Enter asks to
append the layer before the output head (the designer turns that into an undoable edit).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from playground.core.layers import LAYERS
from playground.gui import theme
from playground.gui.designer import look
from playground.gui.designer.mime import LAYER_MIME, layer_mime

TYPE_ROLE = Qt.ItemDataRole.UserRole
_ICON = 20


class LayerPalette(QListWidget):
    """Drag source for new layers; `layer_activated(type)` on double-click / Enter."""

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(_ICON, _ICON))
        self.setSpacing(1)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet(
            f"QListWidget {{ background: {theme.BACKGROUND}; border: none; outline: 0; }}"
            f"QListWidget::item {{ padding: 3px 4px; border-radius: 5px; color: {theme.TEXT}; }}"
            "QListWidget::item:hover { background: #e8edf3; }"
            f"QListWidget::item:selected {{ background: #dbe8f5; color: {theme.TEXT}; }}")
        self._fill()
        # doubleClicked, not activated: on some styles a single click activates, and a real
        # double-click would then add the layer twice. Enter is handled in keyPressEvent.
        self.itemDoubleClicked.connect(self._on_activated)

    def _fill(self) -> None:
        current = None
        for name, entry in LAYERS.items():
            cat = look.category(name)
            if cat != current:
                current = cat
                self._add_header(cat)
            item = QListWidgetItem(look.badge_icon(name, _ICON), entry.label)
            item.setData(TYPE_ROLE, name)
            item.setToolTip(self.tr("<b>{0}</b><br>{1}<br><i>Drag onto the network, "
                                    "or double-click to add it before the output.</i>").format(entry.label,
                                                                                               entry.help))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            self.addItem(item)
        self.setFixedWidth(min(190, self.sizeHintForColumn(0) + 16))

    def _add_header(self, text: str) -> None:
        item = QListWidgetItem((text or "layers").upper())
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 0.8)
        font.setBold(True)
        item.setFont(font)
        item.setForeground(look.MUTED)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(item)

    def item_for(self, type_name: str) -> QListWidgetItem | None:
        """The palette item of a layer type (tests and keyboard navigation use it)."""
        for row in range(self.count()):
            if self.item(row).data(TYPE_ROLE) == type_name:
                return self.item(row)
        return None

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt API
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:  # noqa: N802 - Qt API
        """The drag payload: the type name of the (single) dragged item."""
        names = [it.data(TYPE_ROLE) for it in items if it.data(TYPE_ROLE)]
        return layer_mime(names[0] if names else "")

    def startDrag(self, actions: Qt.DropAction) -> None:  # noqa: N802 - Qt API
        item = self.currentItem()
        name = item.data(TYPE_ROLE) if item is not None else None
        if not name:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime(name))
        drag.setPixmap(look.badge_icon(name, 28).pixmap(28, 28))
        drag.exec(Qt.DropAction.CopyAction)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_activated(self.currentItem())
        else:
            super().keyPressEvent(e)

    def _on_activated(self, item: QListWidgetItem) -> None:
        name = item.data(TYPE_ROLE)
        if name:
            self.layer_activated.emit(name)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    palette = LayerPalette()
    palette.layer_activated.connect(print)
    palette.show()
    app.exec()
