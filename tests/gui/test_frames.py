"""The FrameScheduler: one 60 Hz clock, two phases per snapshot, spacing for costly views."""

from __future__ import annotations

import pytest
from PySide6.QtCore import SIGNAL
from PySide6.QtWidgets import QWidget

from playground.core.run.state import RunState
from playground.core.snapshot import Snapshot
from playground.gui import frames as frames_module
from playground.gui.frames import FrameScheduler, Phase


def _snap(epoch: int, state: RunState = RunState.RUNNING) -> Snapshot:
    return Snapshot(epoch=epoch, step=epoch, state=state)


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [50.0]
    monkeypatch.setattr(frames_module, "_now", lambda: now[0])
    return now


def test_a_tick_shows_a_new_snapshot_and_the_next_hands_it_to_phase_two(qtbot):
    """On the real clock: phase 1 and phase 2 alternate, and a phase-2 tick takes no new snapshot."""
    stream = iter(range(1, 1000))
    events: list[tuple[str, int]] = []
    frames = FrameScheduler(lambda: frames.show(_snap(next(stream))))
    frames.register(lambda s: events.append(("main", s.epoch)), Phase.MAIN)
    frames.register(lambda s: events.append(("followup", s.epoch)), Phase.FOLLOWUP)
    frames.start()
    qtbot.waitUntil(lambda: len(events) >= 8)
    frames.stop()
    assert not frames.running
    assert events[:8] == [("main", 1), ("followup", 1), ("main", 2), ("followup", 2),
                          ("main", 3), ("followup", 3), ("main", 4), ("followup", 4)]


def test_flush_hands_phase_two_out_at_once_and_stop_forgets_it():
    seen: list[int] = []
    frames = FrameScheduler(lambda: None)
    frames.register(lambda s: seen.append(s.epoch), Phase.FOLLOWUP)
    frames.show(_snap(1))
    frames.flush()
    frames.flush()  # nothing due any more
    frames.show(_snap(2))
    frames.stop()  # a reset: the shown snapshot never reaches phase 2
    frames.flush()
    assert seen == [1]


def test_a_spaced_view_gets_a_streaming_snapshot_once_per_spacing_and_others_at_once(clock):
    seen: list[int] = []
    frames = FrameScheduler(lambda: None)
    frames.register(lambda s: seen.append(s.epoch), Phase.MAIN, spacing=0.1)
    frames.show(_snap(1))
    clock[0] += 0.05
    frames.show(_snap(2))  # too soon
    clock[0] += 0.06
    frames.show(_snap(3))
    clock[0] += 0.01
    frames.show(_snap(4, RunState.PAUSED))  # one event, not a stream: at once
    frames.show(_snap(5))  # and the stream after it starts at once too
    assert seen == [1, 3, 4, 5]


def test_a_spacing_function_is_asked_each_time(clock):
    """The network view's spacing follows its own measured cost."""
    gap = [0.0]
    seen: list[int] = []
    frames = FrameScheduler(lambda: None)
    frames.register(lambda s: seen.append(s.epoch), Phase.FOLLOWUP, spacing=lambda: gap[0])
    for epoch in (1, 2):
        frames.show(_snap(epoch))
        frames.flush()
    gap[0] = 1.0
    clock[0] += 0.5
    frames.show(_snap(3))
    frames.flush()
    assert seen == [1, 2]


def test_a_deleted_view_is_no_longer_called(qtbot):
    class View(QWidget):
        seen: list[int] = []

        def draw(self, snap: Snapshot) -> None:
            self.seen.append(snap.epoch)

    frames = FrameScheduler(lambda: None)
    view = View()
    frames.register(view.draw, Phase.MAIN, spacing=0.1)
    frames.show(_snap(1))
    view.deleteLater()
    qtbot.waitUntil(lambda: not frames.findChildren(QWidget) and _deleted(view))
    frames.show(_snap(2, RunState.PAUSED))
    assert View.seen == [1]


def _deleted(obj: QWidget) -> bool:
    from shiboken6 import isValid

    return not isValid(obj)


def test_the_window_registers_its_views_with_the_controllers_scheduler(qtbot):
    """Five classes once paced themselves; now the window's views all hang on one scheduler."""
    from playground.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    frames = window.controller.frames
    assert frames.receivers(SIGNAL("ready(PyObject)")) >= 4  # window, step count+detail, inside paint
    assert frames.receivers(SIGNAL("followup(PyObject)")) >= 3  # main window, dynamics, inside's conversion
    window.controller.shutdown()
