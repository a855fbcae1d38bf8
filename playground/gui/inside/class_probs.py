"""ClassProbabilities: the model's class probabilities for the test image the Inside view shows.

One bar per class, its height the probability; the predicted class in its class colour, the others
grey, the true class's name underlined. These are what cross-entropy scores: the softmax of the
head's logits (which the loss applies itself), or a softmax head's own output; they sum to 1.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import MULTICLASS
from playground.core.point_losses import point_losses
from playground.gui.plots import _style as st

BAR_AREA = 46  # px: the height of a bar at probability 1


class ClassProbabilities(QWidget):
    """Bars of one sample's class probabilities (hidden while there are none to show)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("classProbabilities")
        self.probabilities: np.ndarray | None = None
        self.names: tuple[str, ...] = ()
        self.truth: int | None = None
        self.softmax_head = False
        fm = self.fontMetrics()
        self.setMinimumHeight(2 * fm.height() + BAR_AREA + 12)

    def set_values(self, probabilities: np.ndarray | None, names: tuple[str, ...], truth: int | None,
                   softmax_head: bool) -> None:
        """Show `probabilities` (one per class, or None for nothing yet) with the class `names`."""
        self.probabilities = None if probabilities is None else np.asarray(probabilities, dtype=np.float64)
        self.names, self.truth, self.softmax_head = tuple(names), truth, softmax_head
        self.setToolTip(self.text())
        self.update()

    @property
    def title(self) -> str:
        if self.softmax_head:
            return self.tr("Class probabilities: the softmax head's output")
        return self.tr("Class probabilities: softmax of the logits")

    @property
    def loss_text(self) -> str:
        """This image's cross-entropy, −log of its true class's probability ("" when unknown)."""
        probs, truth = self.probabilities, self.truth
        if probs is None or truth is None or not 0 <= truth < len(probs):
            return ""
        loss = float(point_losses(probs[None, :], np.array([truth]), MULTICLASS, "cross_entropy")[0])
        return self.tr("loss −log p({0}) = {1}").format(self._name(truth), f"{loss:.3g}")

    def text(self) -> str:
        """The title, what the loss does with the bars, and each class's probability, one per line
        (tooltip, tests, accessibility)."""
        if self.probabilities is None:
            return ""
        how = (self.tr("Cross-entropy on probabilities takes −log of the true class's bar.")
               if self.softmax_head else
               self.tr("Cross-entropy applies log-softmax to the logits itself and takes −log of the "
                       "true class's bar; the head stays linear."))
        rows = [self.tr("{0}: {1}").format(self._name(i), f"{p:.3f}")
                for i, p in enumerate(self.probabilities)]
        return "\n".join([self.title, how, self.loss_text, *rows])

    def _name(self, i: int) -> str:
        return self.names[i] if i < len(self.names) else str(i)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(320, self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        probs = self.probabilities
        if probs is None or not len(probs):
            return
        fm = self.fontMetrics()
        fm_h, loss = fm.height(), self.loss_text
        p.setPen(QColor(st.MUTED))
        p.drawText(QRectF(4, 0, self.width() - 8, fm_h), Qt.AlignmentFlag.AlignRight, loss)
        room = self.width() - 16 - fm.horizontalAdvance(loss)
        p.drawText(QRectF(4, 0, room, fm_h), Qt.AlignmentFlag.AlignLeft,
                   fm.elidedText(self.title, Qt.TextElideMode.ElideRight, room))
        k, top = len(probs), fm_h + 4
        slot = max(8.0, (self.width() - 8) / k)
        best = int(np.argmax(probs))
        for i, value in enumerate(probs):
            x = 4 + i * slot
            h = max(1.0, float(np.clip(value, 0, 1)) * BAR_AREA)
            colour = QColor(st.class_colour(i) if i == best else st.BORDER)
            p.fillRect(QRectF(x + slot * 0.15, top + BAR_AREA - h, slot * 0.7, h), colour)
            font = QFont(self.font())
            font.setUnderline(i == self.truth)
            font.setBold(i == best)
            p.setFont(font)
            p.setPen(QColor(st.TEXT if i == best else st.MUTED))
            label = QRectF(x, top + BAR_AREA + 2, slot, fm_h)
            p.drawText(label, Qt.AlignmentFlag.AlignHCenter, self._name(i))
