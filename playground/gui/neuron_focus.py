"""The hidden unit pinned in the network view, shown large in the main boundary view.

TensorFlow Playground's "click a neuron to see it in the output": the pin in the network view is
the one source of truth, and this binder mirrors it into the boundary view. Everything that
returns the boundary to the output goes through the pin: clicking the unit again or the pinned
band, Esc in the boundary view, a new run (its units start from new weights) and a network edit
(`NetworkView.set_network` drops the pin), so the two views never disagree about what is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from playground.gui.inside._layout import HIDDEN, Column
from playground.gui.inside.network_view import NetworkView
from playground.gui.plots.boundary import BoundaryView, UnitFocus
from playground.gui.training import TrainingController


def unit_focus(column: Column | None, unit: int) -> UnitFocus | None:
    """What the boundary view needs to show `unit` of `column` (None: not a hidden unit with a map).

    1-D data has no boundary view (the regression plot shows the data), and a unit's curve is
    already shown large in the network view's pinned band: nothing to focus there.
    """
    if column is None or column.kind != HIDDEN or column.grid is None or column.over_x \
            or not 0 <= unit < column.shown:
        return None
    what = column.activation or column.subtitle
    name = QCoreApplication.translate("NeuronFocus", "Layer {0} · unit {1}").format(column.layer + 1,
                                                                                    unit + 1)
    name += f" ({what})" if what else ""
    return UnitFocus(column.grid, unit, name, column.bound)


class NeuronFocus(QObject):
    """Keeps `boundary` showing the hidden unit pinned in `network`, and the output otherwise."""

    unit_shown = Signal()  # a unit was just put in the boundary view: the window brings it forward

    def __init__(self, network: NetworkView, boundary: BoundaryView, controller: TrainingController,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.network, self.boundary = network, boundary
        network.pin_changed.connect(self._on_pin)
        boundary.unit_dismissed.connect(network.unpin)
        controller.run_started.connect(self._on_run_started)

    def _on_run_started(self, _run_id: int) -> None:
        self.network.unpin()

    def _on_pin(self, pin: tuple[int, int] | None) -> None:
        focus = None if pin is None else unit_focus(self.network.column(pin[0]), pin[1])
        if focus is None:
            self.boundary.show_output()
            return
        self.boundary.show_unit(focus)
        self.unit_shown.emit()
        # The view just brought up takes the keys, so the caption's "press Esc" is true at once
        # (the network view takes no focus, and the view lets Space through to Train).
        self.boundary.setFocus(Qt.FocusReason.OtherFocusReason)
