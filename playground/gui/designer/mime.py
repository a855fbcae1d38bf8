"""Drag-and-drop payloads of the designer.

Two formats: a palette item carries a layer *type name* (insert a new layer), a canvas block
carries its *index* plus the id of the canvas it came from (reorder within that canvas only,
so a block dragged into another window's designer is not mistaken for one of its own).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData

LAYER_MIME = "application/x-nnplayground-layer"
BLOCK_MIME = "application/x-nnplayground-block"


def layer_mime(type_name: str) -> QMimeData:
    """Payload of a palette drag: the layer type to insert."""
    data = QMimeData()
    data.setData(LAYER_MIME, type_name.encode())
    data.setText(type_name)
    return data


def layer_type(data: QMimeData) -> str | None:
    """The layer type a palette payload carries, or None if it is not one."""
    if not data.hasFormat(LAYER_MIME):
        return None
    return bytes(data.data(LAYER_MIME).data()).decode() or None


def block_mime(index: int, owner: int) -> QMimeData:
    """Payload of a block drag: hidden-layer `index` on the canvas whose id is `owner`."""
    data = QMimeData()
    data.setData(BLOCK_MIME, f"{index}:{owner}".encode())
    return data


def block_index(data: QMimeData, owner: int) -> int | None:
    """The dragged block's index if the payload came from canvas `owner`, else None."""
    if not data.hasFormat(BLOCK_MIME):
        return None
    try:
        index, source = bytes(data.data(BLOCK_MIME).data()).decode().split(":")
        return int(index) if int(source) == owner else None
    except ValueError:
        return None
