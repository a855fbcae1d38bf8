"""A 60 Hz timer on the GUI thread that records the intervals between its ticks.

A responsive GUI ticks every ~16.7 ms; anything that holds the GUI thread (rendering, waiting for
the CPU) shows up as longer intervals. Shared by the app-level benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer


class TickRecorder:
    """start() / stop(), then `intervals` (ms; the first, partial interval is dropped)."""

    def __init__(self, interval_ms: int = 16, also: Callable[[], None] | None = None,
                 timer: QTimer | None = None):
        """With `timer`, record that (running) timer's ticks instead of a timer of our own."""
        self._clock = QElapsedTimer()
        self._own = timer is None
        self._timer = timer if timer is not None else QTimer()
        if self._own:
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
        if self._own:
            self._timer.start()

    def stop(self) -> None:
        if self._own:
            self._timer.stop()
        else:
            self._timer.timeout.disconnect(self._on_tick)

    @property
    def intervals(self) -> list[float]:
        return self._raw[1:]
