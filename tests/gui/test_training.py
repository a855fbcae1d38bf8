"""TrainingController: a real trainer on a real QThread, observed only through its signals."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
import threading  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QThread  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.errors import PlaygroundError  # noqa: E402
from playground.core.experiment import Experiment, LayerSpec, NamedSpec, default_experiment  # noqa: E402
from playground.core.layers import LAYERS  # noqa: E402
from playground.core.params import defaults  # noqa: E402
from playground.core.run.loop import RunOptions, TrainingRun  # noqa: E402
from playground.core.snapshot import Snapshot  # noqa: E402
from playground.gui import training as worker  # noqa: E402
from playground.gui.plots.output_panel import OutputPanel  # noqa: E402

WAIT = 8000  # ms: generous for a loaded CI machine; each wait ends as soon as its condition holds


def with_lr(exp: Experiment, lr: float, optimizer: str = "sgd") -> Experiment:
    training = dataclasses.replace(exp.training, optimizer=NamedSpec(optimizer, {"lr": lr}))
    return dataclasses.replace(exp, training=training)



@pytest.fixture
def received(controller) -> list[Snapshot]:
    """Every snapshot the controller delivers, in order."""
    snaps: list[Snapshot] = []
    controller.snapshot_ready.connect(snaps.append)
    return snaps


@pytest.fixture(scope="module")
def circle():
    exp = default_experiment()
    return exp, load_dataset(exp.data, exp.seed)


def test_a_run_trains_and_the_views_follow(qtbot, controller, circle):
    exp, ds = circle
    panel = OutputPanel()
    qtbot.addWidget(panel)
    panel.set_dataset(ds)
    controller.snapshot_ready.connect(panel.update_snapshot)
    with qtbot.waitSignal(controller.run_started):
        controller.start(exp, ds, RunOptions(slice_seconds=1 / 30))
    assert controller.state == "running" and controller.is_active

    def learned() -> bool:
        snap = controller.latest
        if snap is None or panel.boundary.image.image is None or panel.curves.point_count < 10:
            return False
        loss = snap.history["test_loss"]
        return loss[-1] < loss[0]

    qtbot.waitUntil(learned, timeout=WAIT)
    assert panel.boundary.image.image.shape == (100, 100)
    assert panel.metrics.text().startswith("Epoch ")


def test_pause_step_resume_stop(qtbot, controller, received, circle):
    exp, ds = circle
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.epoch >= 2, timeout=WAIT)

    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "paused", timeout=WAIT):
        controller.pause()
    paused_at = controller.latest.epoch
    assert not controller.latest.done and controller.is_active

    for expected in (paused_at + 1, paused_at + 2):
        start = len(received)
        with qtbot.waitSignal(controller.snapshot_ready, timeout=WAIT,
                              check_params_cb=lambda s, e=expected: s.epoch == e and s.state == "paused"):
            controller.step_epoch()
        assert max(s.epoch for s in received[start:]) == expected  # one epoch, never more
    assert controller.state == "paused"

    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "running", timeout=WAIT):
        controller.resume()
    qtbot.waitUntil(lambda: controller.latest.epoch > paused_at + 3, timeout=WAIT)

    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "stopped", timeout=WAIT):
        controller.stop()
    assert controller.latest.state == "stopped" and not controller.is_active


def test_toggle_pauses_and_resumes(qtbot, controller, circle):
    exp, ds = circle
    controller.start(exp, ds)
    for state in ("paused", "running", "paused"):
        with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s, t=state: s == t,
                              timeout=WAIT):
            controller.toggle()


def test_a_new_start_never_delivers_the_old_run(qtbot, controller, received, circle):
    exp, ds = circle
    ids: list[int] = []
    controller.run_started.connect(ids.append)
    controller.start(with_lr(exp, 0.03), ds)
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=WAIT)
    # Old snapshots may be queued right now; none of them may reach the new run's views.
    controller.start(with_lr(exp, 0.2), ds)
    first_new = len(received)
    qtbot.waitUntil(lambda: len(received) >= first_new + 5, timeout=WAIT)
    assert ids == sorted(ids) and len(set(ids)) == 2
    new = received[first_new:]
    assert all(s.lr == pytest.approx(0.2) for s in new)
    assert all(a.step <= b.step for a, b in zip(new, new[1:], strict=False))  # one run, in order


def test_reset_forgets_the_run(qtbot, controller, received, circle):
    exp, ds = circle
    controller.start(with_lr(exp, 0.03), ds)
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=WAIT)
    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "idle"):
        controller.reset()
    assert controller.latest is None and not controller.is_active
    after_reset = len(received)
    controller.start(with_lr(exp, 0.5), ds)
    qtbot.waitUntil(lambda: len(received) >= after_reset + 3, timeout=WAIT)
    assert all(s.lr == pytest.approx(0.5) for s in received[after_reset:])


def test_shutdown_during_training_is_quick_and_leaves_no_thread(qtbot, controller, received, circle):
    exp, ds = circle
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: len(received) >= 3, timeout=WAIT)
    assert controller.shutdown()
    assert not any(t.isRunning() for t in controller.findChildren(QThread))
    assert not controller.is_active


def test_shutdown_waits_for_nothing_and_pools_the_trainer_process(qtbot, controller, received, circle):
    """No timeout to pass (it never waits): the child ends its run by itself, and the next
    controller takes the same process from the pool instead of starting torch again."""
    exp, ds = circle
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=WAIT)
    proc = controller._proc
    with pytest.raises(TypeError):
        controller.shutdown(3000)
    assert controller.shutdown() and not controller.is_active and proc.alive
    following = worker.TrainingController()
    try:
        following.start(exp, ds)
        assert following._proc is proc
    finally:
        assert following.shutdown()


def test_shutdown_while_paused(qtbot, controller, circle):
    exp, ds = circle
    with qtbot.waitSignal(controller.snapshot_ready, timeout=WAIT):
        controller.start(exp, ds, RunOptions(start_paused=True))
    assert controller.state == "paused"
    assert controller.shutdown()


def test_divergence_reports_the_trainers_message(qtbot, controller, circle):
    exp, ds = circle
    # Linear units with a huge step: the loss overflows to NaN within the first epoch.
    linear = tuple(dataclasses.replace(layer, params={**layer.params, "activation": "linear"})
                   for layer in exp.network.layers)
    exp = dataclasses.replace(exp, network=dataclasses.replace(exp.network, layers=linear))
    states: list[str] = []
    controller.state_changed.connect(states.append)
    with qtbot.waitSignal(controller.error, timeout=WAIT) as blocker:
        controller.start(with_lr(exp, 50.0), ds)
    message = blocker.args[0]
    assert message.startswith("Loss became") and "Try" in message
    assert controller.state == "diverged" and states[-1] == "diverged"
    assert controller.latest.message == message and not controller.is_active


def test_a_bad_experiment_reports_the_cores_message(qtbot, controller):
    exp = default_experiment()
    conv = LayerSpec("conv2d", defaults(LAYERS["conv2d"].params))
    bad = dataclasses.replace(exp, network=dataclasses.replace(exp.network, layers=(conv,)))
    with pytest.raises(PlaygroundError) as core:
        TrainingRun(bad)
    with qtbot.waitSignal(controller.error) as blocker:
        assert not controller.start(bad)
    assert blocker.args == [str(core.value)]
    assert controller.state == "error" and not controller.is_active
    assert isinstance(controller.last_exception, PlaygroundError)


def test_learning_rate_changes_live(qtbot, controller, circle):
    exp, ds = circle
    controller.start(with_lr(exp, 0.03), ds)
    qtbot.waitUntil(lambda: controller.latest is not None, timeout=WAIT)
    controller.set_learning_rate(0.1)
    qtbot.waitUntil(lambda: controller.latest.lr == pytest.approx(0.1), timeout=WAIT)
    assert controller.state == "running"


def test_step_from_idle_and_after_finishing(qtbot, controller, circle):
    exp, ds = circle
    controller.step_epoch()  # nothing to step yet: a no-op, not a crash
    assert controller.state == "idle"
    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "finished", timeout=WAIT):
        controller.start(exp, ds, RunOptions(epochs=3))
    assert controller.latest.epoch == 3 and not controller.is_active
    # Step after the end: a fresh run of the same experiment, paused after one epoch.
    with qtbot.waitSignal(controller.snapshot_ready, timeout=WAIT,
                          check_params_cb=lambda s: s.epoch == 1 and s.state == "paused"):
        controller.step_epoch()
    assert controller.state == "paused" and controller.is_active


def test_step_starts_a_paused_run_with_one_epoch(qtbot, controller, received, circle):
    exp, ds = circle
    controller.start(exp, ds, RunOptions(start_paused=True))
    assert controller.state == "paused"
    with qtbot.waitSignal(controller.snapshot_ready, timeout=WAIT, check_params_cb=lambda s: s.epoch == 1):
        controller.step_epoch()
    assert all(s.epoch <= 1 for s in received)


def test_mailbox_keeps_only_the_newest():
    box = worker._Mailbox()
    snaps = [Snapshot(epoch=i, step=i) for i in range(3)]
    for snap in snaps:
        box.put(snap)
    assert box.take() is snaps[2]
    assert box.take() is None
    box.put(snaps[0])
    assert box.take() is snaps[0]


def test_a_slow_gui_gets_the_newest_snapshot_not_a_backlog(qtbot, controller, received, circle, monkeypatch):
    """While the GUI thread is busy, the trainer keeps going; afterwards only the newest arrives."""
    exp, ds = circle
    produced: list[Snapshot] = []
    enough = threading.Event()
    put = worker._Mailbox.put

    def counting_put(box, snap):
        produced.append(snap)
        if len(produced) >= 6:
            enough.set()
        return put(box, snap)

    monkeypatch.setattr(worker._Mailbox, "put", counting_put)

    def busy_first_frame(snap: Snapshot) -> None:
        if len(received) == 1:
            assert enough.wait(WAIT / 1000)  # a very slow frame: the worker produces 5 more meanwhile

    controller.snapshot_ready.connect(busy_first_frame)
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=WAIT)
    assert received[0] is produced[0]
    assert received[1].step >= produced[5].step  # the backlog was skipped, not replayed
    assert len(received) < len(produced)


def test_a_slot_may_reset_the_run_it_is_shown(qtbot, controller, circle):
    """Re-entrancy: a snapshot handler that resets must not have its state overwritten afterwards."""
    exp, ds = circle
    controller.snapshot_ready.connect(lambda _snap: controller.reset())
    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "idle", timeout=WAIT):
        controller.start(exp, ds)
    assert controller.state == "idle" and controller.latest is None and not controller.is_active


def test_frames_alternate_new_snapshots_and_their_followup(qtbot, controller, circle):
    """A tick delivers a new snapshot or hands the last one to the secondary views, never both."""
    exp, ds = circle
    events: list[tuple[str, Snapshot]] = []
    controller.snapshot_ready.connect(lambda s: events.append(("ready", s)))
    controller.snapshot_followup.connect(lambda s: events.append(("followup", s)))
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: len(events) >= 12, timeout=WAIT)
    controller.stop()
    qtbot.waitUntil(lambda: controller.state == "stopped", timeout=WAIT)
    kinds = [k for k, _ in events]
    assert kinds[::2] == ["ready"] * len(kinds[::2]) and kinds[1::2] == ["followup"] * len(kinds[1::2])
    for (_, ready), (_, followup) in zip(events[::2], events[1::2], strict=False):
        assert followup is ready  # the same snapshot, one frame later
    assert events[-1] == ("followup", controller.latest)  # the final one reached every view at once


def test_a_trainer_process_that_dies_is_reported_and_replaced(qtbot, controller, circle):
    exp, ds = circle
    controller.start(exp, ds)
    qtbot.waitUntil(lambda: controller.latest is not None, timeout=WAIT)
    with qtbot.waitSignal(controller.error, timeout=WAIT) as blocker:
        controller._proc.proc.kill()
    assert "stopped unexpectedly" in blocker.args[0]
    assert controller.state == "error" and not controller.is_active
    with qtbot.waitSignal(controller.state_changed, check_params_cb=lambda s: s == "finished", timeout=30000):
        controller.start(exp, ds, RunOptions(epochs=2))  # a fresh process takes the next run
    assert controller.latest.epoch == 2
