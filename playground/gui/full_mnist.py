"""Getting full MNIST from the app: File ▸ Get full MNIST…, and a question when an experiment needs it.

Two ways lead to the question: picking the set in the data panel (the session hands the data
change to `fetch_missing` instead of failing it) and opening an experiment that uses it (the
experiment changes at once and its data fails to load). The download itself is the core's
(`mnist_full.get`: mirrors, resume, SHA-256 checks), run in a QThread so the window stays live; a
progress dialog shows it and its Cancel stops it between two chunks, keeping what arrived for the
next try. When the files are there, the data change that asked is made (one undoable step), or the
current experiment's data is loaded again, so the data panel, the output and Train follow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QProgressDialog, QPushButton

from playground.core.datasets import missing_data, mnist_full
from playground.core.download import DownloadCancelled
from playground.core.errors import PlaygroundError
from playground.core.experiment import DataSpec, Experiment
from playground.gui.session import Session

_WAIT_ON_CLOSE_MS = 5000
_orphans: list[QThread] = []  # downloads still stuck in a read when their window closed


class DownloadThread(QThread):
    """Runs `get(progress=..., cancel=...)` off the GUI thread; `outcome` says how it ended."""

    progress = Signal(str, int, int)  # file name, bytes so far, bytes in all

    def __init__(self, get: Callable[..., object], parent: QObject | None = None):
        super().__init__(parent)
        self._get = get
        self.cancel_event = threading.Event()
        self.outcome = ""  # "done", "cancelled" or "failed"
        self.message = ""

    def run(self) -> None:
        try:
            self._get(progress=self.progress.emit, cancel=self.cancel_event)
        except DownloadCancelled as exc:
            self.outcome, self.message = "cancelled", str(exc)
        except PlaygroundError as exc:  # network, checksum, files that are not MNIST: say which
            self.outcome, self.message = "failed", str(exc)
        else:
            self.outcome = "done"


class FullMnistActions(QObject):
    """The menu entry, the "this needs full MNIST" question, and the download with its progress."""

    def __init__(self, window: QMainWindow, session: Session, menu: QMenu, before: QAction | None = None):
        super().__init__(window)
        self.window, self.session = window, session
        self.get_action = QAction(self.tr("Get full MNIST…"), window)
        self.get_action.setToolTip(self.tr("Download MNIST's 60,000 training and 10,000 test images "
                                           "(about 11 MB) for the data set “MNIST 28×28, full”."))
        self.get_action.triggered.connect(self.start_download)
        menu.insertAction(before, self.get_action)
        self.question: QMessageBox | None = None
        self.report: QMessageBox | None = None
        self.progress: QProgressDialog | None = None
        self.thread: DownloadThread | None = None
        self._done: dict[str, int] = {}
        self._change: tuple[DataSpec, int, str, str | None] | None = None  # what to do once it is here
        session.fetch_missing = self._ask_for_change
        session.changed.connect(self._on_changed)
        window.installEventFilter(self)
        if missing_data(session.experiment.data.dataset):
            QTimer.singleShot(0, self.ask)

    # ------------------------------------------------------------------ asking ------------
    def _on_changed(self, new: Experiment, old: Experiment) -> None:
        if new.data.dataset != old.data.dataset and missing_data(new.data.dataset):
            QTimer.singleShot(0, self.ask)  # after every view has taken the change

    def _ask_for_change(self, data: DataSpec, seed: int, text: str, merge_key: str | None) -> None:
        """The session's `fetch_missing`: a data change waits for full MNIST; ask to get it."""
        if self.question is None and self.thread is None:
            self._change = (data, seed, text, merge_key)
            self.ask()

    def ask(self) -> None:
        """Offer to get full MNIST for the data asked for (one question at a time)."""
        wanted = self._change[0].dataset if self._change is not None else self.session.experiment.data.dataset
        if not missing_data(wanted) or self.question is not None or self.thread is not None:
            self._change = None
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Full MNIST needed"),
                          self.tr("This needs full MNIST (60,000 training and 10,000 test images), which "
                                  "is not on this computer yet. Download it now (about 11 MB)?"),
                          QMessageBox.StandardButton.NoButton, self.window)
        box.setInformativeText(self.tr("It goes to {folder}. Without internet, copy the files from another "
                                       "computer and run: nn-playground data import mnist PATH").format(
            folder=mnist_full.folder()))
        self.get_button: QPushButton = box.addButton(self.tr("Get full MNIST…"),
                                                     QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Not now"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.get_button)
        box.finished.connect(lambda _result: self._answered(box))
        self.question = box
        box.open()

    def _answered(self, box: QMessageBox) -> None:
        self.question = None
        box.deleteLater()
        if box.clickedButton() is self.get_button:
            self.start_download()
        else:
            self._change = None

    # ------------------------------------------------------------------ downloading -------
    def start_download(self) -> None:
        """Download full MNIST with a progress dialog whose Cancel stops it (kept for a resume)."""
        if self.thread is not None:
            return
        self._done = {}
        self.progress = QProgressDialog(self.tr("Connecting…"), self.tr("Cancel"), 0, 1000, self.window)
        self.progress.setWindowTitle(self.tr("Getting full MNIST"))
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumDuration(0)
        self.progress.setValue(0)
        self.thread = DownloadThread(lambda **kw: mnist_full.get(**kw), self)
        self.thread.progress.connect(self._on_progress)
        self.thread.finished.connect(self._finished)
        self.progress.canceled.connect(self.cancel)
        self.get_action.setEnabled(False)
        self.thread.start()

    def cancel(self) -> None:
        if self.thread is not None:
            self.thread.cancel_event.set()
            if self.progress is not None:
                self.progress.setLabelText(self.tr("Cancelling…"))

    def _on_progress(self, name: str, done: int, total: int) -> None:
        if self.progress is None or self.thread is None or self.thread.cancel_event.is_set():
            return
        self._done[name] = done
        size = sum(f.size for f in mnist_full.FILES) or 1
        self.progress.setValue(min(1000, int(1000 * sum(self._done.values()) / size)))
        self.progress.setLabelText(self.tr("Downloading {file} ({done:.1f} of {total:.1f} MB)…").format(
            file=name, done=done / 1e6, total=total / 1e6))

    def _finished(self) -> None:
        thread, self.thread = self.thread, None
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.get_action.setEnabled(True)
        if thread is None:
            return
        thread.deleteLater()
        change, self._change = self._change, None
        if thread.outcome == "done":
            if change is not None:
                self.session.change_data(*change)
            else:
                self.session.reload_data()
            self.window.statusBar().showMessage(
                self.tr("Full MNIST is ready in {folder}.").format(folder=mnist_full.folder()), 8000)
        elif thread.outcome == "cancelled":
            self.window.statusBar().showMessage(
                self.tr("Download cancelled; what arrived is kept, and the next try resumes from it."), 8000)
        else:
            self._tell(self.tr("Cannot get full MNIST"), thread.message)

    def _tell(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.finished.connect(box.deleteLater)
        self.report = box
        box.open()

    # ------------------------------------------------------------------ closing -----------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop(_WAIT_ON_CLOSE_MS)
        return False

    def stop(self, wait_ms: int) -> None:
        """Cancel a running download and wait for its thread (the window is closing)."""
        thread = self.thread
        if thread is not None:
            thread.cancel_event.set()
            if not thread.wait(wait_ms):  # stuck in a read until its timeout: let it end on its own
                thread.setParent(None)
                _orphans.append(thread)
                thread.finished.connect(lambda: _orphans.remove(thread))
