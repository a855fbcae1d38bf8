"""NetworkDesigner: the palette, the canvas and the inspector wired to one Session.

Every gesture becomes an undoable `session.edit`; the designer keeps no copy of the layer list,
only which layer is selected. It adds the message line (first broken layer, an output activation
that does not fit the loss, or a network too large for this machine's memory; total parameters).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from playground.core.budget import check_fits, train_rows
from playground.core.errors import SpecError
from playground.core.layers import LAYERS
from playground.core.model import NetworkReport
from playground.gui import theme
from playground.gui.designer import blocks, edits, look
from playground.gui.designer.canvas import NetworkCanvas
from playground.gui.designer.inspector import LayerInspector
from playground.gui.designer.palette import LayerPalette
from playground.gui.session import Session

__all__ = ["NetworkDesigner", "problem_text"]


def problem_text(report: NetworkReport | None) -> str:
    """"Layer 3 (Conv2D): <message>" for the first broken layer, "" when the stack is fine."""
    info = next((i for i in report.layers if i.error), None) if report is not None else None
    if info is None:
        return ""
    if info.is_output:
        return QCoreApplication.translate("NetworkDesigner", "Output head: {0}").format(info.error)
    label = LAYERS[info.type].label if info.type in LAYERS else info.type
    return QCoreApplication.translate("NetworkDesigner", "Layer {0} ({1}): {2}").format(info.index + 1, label,
                                                                                         info.error)


class NetworkDesigner(QWidget):
    """Palette | canvas over a message line and the inspector, all bound to `session`."""

    selection_changed = Signal(int)  # hidden-layer index, -1 = none
    problem_changed = Signal(str)  # "" when the stack is fine

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkDesigner")
        self._session = session
        self._problem = ""
        self.layer_palette = LayerPalette()
        self.canvas = NetworkCanvas(session)
        self.inspector = LayerInspector(session)
        self.inspector_scroll = QScrollArea()  # a layer with many settings scrolls, never squeezes the canvas
        self.inspector_scroll.setWidget(self.inspector)
        self.inspector_scroll.setWidgetResizable(True)
        self.inspector_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.inspector_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.total_label = QLabel()
        self.total_label.setObjectName("totalParams")
        self.total_label.setStyleSheet(f"color: {theme.MUTED};")
        self.message = QLabel()
        self.message.setObjectName("problemMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {look.ERROR.name()};")
        self._build_layout()
        self.layer_palette.layer_activated.connect(self._append)
        self.canvas.selection_changed.connect(self._on_selection)
        self.canvas.activated.connect(self._on_activated)
        self.canvas.report_changed.connect(self._on_report)
        self._on_report(self.canvas.report)

    def _build_layout(self) -> None:
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, look.BACKGROUND)
        self.setPalette(pal)
        centre = QVBoxLayout()
        centre.setContentsMargins(0, 0, 0, 0)
        centre.setSpacing(6)
        centre.addWidget(self.scroll, 1)
        centre.addWidget(self.total_label)
        centre.addWidget(self.message)
        centre.addWidget(self.inspector_scroll)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.setSpacing(8)
        row.addWidget(self.layer_palette)
        row.addLayout(centre, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """Give the inspector at most ~40% of the height: the network is what people look at."""
        self.inspector_scroll.setMaximumHeight(max(160, int(event.size().height() * 0.4)))
        super().resizeEvent(event)

    # ------------------------------------------------------------ state ----------------------
    @property
    def report(self) -> NetworkReport | None:
        """The latest shape-inference report (None while the data cannot be loaded)."""
        return self.canvas.report

    @property
    def problem(self) -> str:
        return self._problem

    @property
    def selected(self) -> int:
        return self.canvas.selected

    def select(self, index: int) -> None:
        self.canvas.select(index)

    def set_activity(self, activity: Mapping[str, tuple[str, float]]) -> None:
        """Warning badges on blocks whose units are mostly dead or saturated ({} clears them).

        `activity` is a snapshot's {"hidden layer index": ("dead" | "saturated", share)}.
        """
        self.canvas.set_activity(activity)

    # ------------------------------------------------------------ reactions ------------------
    def _append(self, type_name: str) -> None:
        exp = self._session.experiment
        self._session.edit(edits.append_layer(exp, type_name),
                           self.tr("Insert {0}").format(LAYERS[type_name].label))
        self.canvas.select(len(exp.network.layers))

    def _on_selection(self, index: int) -> None:
        self.inspector.set_index(index)
        self.selection_changed.emit(index)

    def _on_activated(self, index: int) -> None:
        self.inspector.set_index(index)
        self.inspector.focus_form()

    def _size_problem(self, report: NetworkReport | None) -> str:
        """The core's sentence when the network would not fit in memory (as validate and train say it)."""
        ds = self._session.dataset
        if report is None or ds is None or not report.ok:
            return ""
        try:
            check_fits(report, train_rows(self._session.experiment, len(ds.x_train)))
        except SpecError as exc:
            return str(exc)
        return ""

    def _head_problem(self) -> str:
        """The head's activation against the loss and the task, as compat.py judges it."""
        message = blocks.head_problem(self._session.experiment, self._session.dataset)
        return self.tr("Output head: {0}").format(message) if message else ""

    def _on_report(self, report: NetworkReport | None) -> None:
        problem = problem_text(report) or self._head_problem() or self._size_problem(report)
        if report is None:
            self.total_label.setText(self.tr("Total: — (no data to infer shapes from)"))
            self.message.setText(self._session.dataset_error)
        else:
            count = look.count_text(report.total_params)
            self.total_label.setText(self.tr("Total: {0} parameters").format(count))
            self.message.setText(problem)
        self.message.setVisible(bool(self.message.text()))
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)
