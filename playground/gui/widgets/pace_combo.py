"""The run bar's speed choice: as fast as it can, N epochs a second, or slow motion (N updates a
second), so a learner can watch the boundary move (`core.speed`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from playground.core.speed import EPOCH, EPOCH_RATES, MAX, UPDATE, UPDATE_RATES, Pace


class PaceCombo(QComboBox):
    """A compact combo of paces; `pace_chosen` when the person picks one (not when `show_pace` sets it)."""

    pace_chosen = Signal(object)  # a Pace

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paceCombo")
        self.setToolTip(self.tr("Speed: how fast training goes, so you can watch it learn. Max trains as "
                                "fast as it can; N epochs/s shows every epoch; slow motion shows every "
                                "single update of the weights. Changes apply live while training."))
        self._paces: list[Pace] = []
        self._add(MAX)
        for rate in sorted(EPOCH_RATES, reverse=True):
            self._add(Pace(float(rate), EPOCH))
        for rate in sorted(UPDATE_RATES, reverse=True):
            self._add(Pace(float(rate), UPDATE))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable with Tab, changed with the arrows
        self.activated.connect(lambda index: self.pace_chosen.emit(self._paces[index]))

    def label(self, pace: Pace) -> str:
        """How the combo names `pace`."""
        if not pace.limited:
            return self.tr("Max")
        rate = f"{pace.per_second:g}"
        if pace.unit == EPOCH:
            return self.tr("1 epoch/s") if rate == "1" else self.tr("{rate} epochs/s").format(rate=rate)
        if rate == "1":
            return self.tr("Slow motion: 1 update/s")
        return self.tr("Slow motion: {rate} updates/s").format(rate=rate)

    def _add(self, pace: Pace) -> None:
        self._paces.append(pace)
        self.addItem(self.label(pace))

    def pace(self) -> Pace:
        return self._paces[self.currentIndex()]

    def show_pace(self, pace: Pace) -> None:
        """Show `pace` without emitting; one a preset holds that is not on the list is added to it."""
        if pace not in self._paces:
            self._add(pace)
        self.blockSignals(True)
        self.setCurrentIndex(self._paces.index(pace))
        self.blockSignals(False)
