"""What the data loader is doing, in the status bar: what loads, for how long, a busy bar and Cancel.

In the status bar because a load can start from anywhere (the data panel, the seed box, undo,
opening a file) and the person must be able to see it and stop it whichever tab is in front.
The bar is a busy indicator rather than a percentage: the core's reader does not report how far
it has got, and the row count in the text says how big the job is. It shows only after
`REVEAL_MS`, so a quick load does not flash it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from playground.gui.session import Session

REVEAL_MS = 150
TICK_MS = 500


class DataProgress(QWidget):
    """Busy bar, text and Cancel for the session's loader; hidden while nothing loads."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dataProgress")
        self.session = session
        self._text = ""
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: the reader cannot say how far it is
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(14)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop loading: the data stays as it was."))
        # A click must not take the focus: when the strip hides, Qt would hand it to the next
        # field (the learning rate), and Space would no longer reach Train.
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self._tick = QTimer(self)  # reveals the strip, then keeps its seconds counting
        self._tick.timeout.connect(self._on_tick)
        loader = session.loader
        loader.started.connect(self._on_started)
        loader.progress.connect(self._on_progress)
        for signal in (loader.loaded, loader.failed, loader.cancelled):
            signal.connect(self._on_ended)
        self.cancel_button.clicked.connect(session.cancel_data)
        self.hide()

    @property
    def text(self) -> str:
        """What the strip says now ("" while hidden)."""
        return self.label.text() if self.isVisible() else ""

    def _on_started(self, _key: object, text: str) -> None:
        self._text = text
        self._tick.start(REVEAL_MS)

    def _on_progress(self, _key: object, text: str) -> None:
        self._text = text
        self._show_text()

    def _on_tick(self) -> None:
        if not self.session.loader.busy:
            self._on_ended()
            return
        self._tick.setInterval(TICK_MS)
        self._show_text()
        self.show()

    def _show_text(self) -> None:
        seconds = int(self.session.loader.seconds)
        self.label.setText(self._text if seconds < 1 else self.tr("{text} {seconds} s").format(
            text=self._text, seconds=seconds))

    def _on_ended(self, *_: object) -> None:
        if self.session.loader.busy:
            return  # the end of a superseded request: the newer one is still loading
        self._tick.stop()
        self.hide()
