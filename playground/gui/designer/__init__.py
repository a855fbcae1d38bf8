"""The network designer: palette (drag source), canvas (drop target, reorder, select), inspector.

`NetworkDesigner(session)` is the one public widget. The package imports it lazily so that each
module's preview (`python -m playground.gui.designer.canvas`) runs without runpy warning that the
module was already imported by its package; `python -m playground.gui.designer` previews it all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["NetworkDesigner"]

if TYPE_CHECKING:
    from playground.gui.designer.designer import NetworkDesigner


def __getattr__(name: str) -> Any:
    if name == "NetworkDesigner":
        from playground.gui.designer.designer import NetworkDesigner

        return NetworkDesigner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
