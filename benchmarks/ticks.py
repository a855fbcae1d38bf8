"""A 60 Hz timer on the GUI thread that records the intervals between its ticks.

A responsive GUI ticks every ~16.7 ms; anything that holds the GUI thread (rendering, waiting for
the GIL) shows up as longer intervals. Shared by the app-level benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer


class TickRecorder:
    """start() / stop(), then `intervals` (ms; the first, partial interval is dropped)."""

    def __init__(self, interval_ms: int = 16, also: Callable[[], None] | None = None):
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._raw: list[float] = []
        self._also = also  # extra sampling on each tick (e.g. a view's last paint time)

    def _on_tick(self) -> None:
        self._raw.append(self._clock.nsecsElapsed() / 1e6)
        self._clock.restart()
        if self._also is not None:
            self._also()

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def intervals(self) -> list[float]:
        return self._raw[1:]
