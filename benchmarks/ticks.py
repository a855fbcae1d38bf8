"""A 60 Hz timer on the GUI thread that records the intervals between its ticks.

A responsive GUI ticks every ~16.7 ms; anything that holds the GUI thread (rendering, waiting for
the CPU) shows up as longer intervals. Shared by the app-level benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QEventLoop, QObject, Qt, QTimer


class _TimerEvents(QObject):
    """Sees a timer's QTimerEvent before the timer emits `timeout` (so before any slot's work)."""

    def __init__(self, on_event: Callable[[], None]):
        super().__init__()
        self._on_event = on_event

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Timer:
            self._on_event()
        return False


class TickRecorder:
    """start() / stop(), then `intervals` (ms; the first, partial interval is dropped).

    With `timer` (the app's own frame clock), ticks are recorded when the timer event arrives,
    before the frame's work, so intervals are the clock's real cadence; and `work` holds, per tick,
    the time from the tick to the end of everything it triggered (slots, then the paints they
    asked for), measured by a zero-timer queued behind them.
    """

    def __init__(self, interval_ms: int = 16, also: Callable[[], None] | None = None,
                 timer: QTimer | None = None):
        self._clock = QElapsedTimer()
        self._own = timer is None
        self._timer = timer if timer is not None else QTimer()
        self._raw: list[float] = []
        self.work: list[float] = []
        self._also = also  # extra sampling on each tick (e.g. a view's last paint time)
        if self._own:
            self._timer.setTimerType(Qt.TimerType.PreciseTimer)
            self._timer.setInterval(interval_ms)
            self._timer.timeout.connect(self._on_tick)
        else:
            self._filter = _TimerEvents(self._on_tick)
            self._timer.timeout.connect(self._after_slots)  # connected last: runs after the app's slot

    def _on_tick(self) -> None:
        self._raw.append(self._clock.nsecsElapsed() / 1e6)
        self._clock.restart()
        if self._also is not None:
            self._also()

    def _after_slots(self) -> None:
        QTimer.singleShot(0, self._done)  # queued behind the paints the slots asked for

    def _done(self) -> None:
        self.work.append(self._clock.nsecsElapsed() / 1e6)

    def start(self) -> None:
        self._clock.start()
        if self._own:
            self._timer.start()
        else:
            self._timer.installEventFilter(self._filter)

    def stop(self) -> None:
        if self._own:
            self._timer.stop()
        else:
            self._timer.removeEventFilter(self._filter)
            self._timer.timeout.disconnect(self._after_slots)

    @property
    def intervals(self) -> list[float]:
        return self._raw[1:]


def run_for(app: QCoreApplication, seconds: float) -> None:
    """Run the event loop for `seconds` (the app trains and draws meanwhile), then return.

    A local loop, not `app.exec()`: Qt 6's `app.quit()` also closes every window, which ends the
    window's run, so a benchmark could not go on with the same window.
    """
    del app  # the loop below serves the application's events all the same
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
