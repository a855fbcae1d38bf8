"""The session computes what several views derive from the experiment once per edit (issue 10, knot 5):
the network's inspection for the designer, the Inside and Step views, and Train's validation."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from playground.core import model as core_model
from playground.core import preflight
from playground.core.errors import PlaygroundError
from playground.core.experiment import LayerSpec, default_experiment
from playground.core.layers import LAYERS
from playground.core.params import defaults
from playground.core.run.loop import TrainingRun
from playground.gui.main_window import MainWindow
from playground.gui.session import Session

TIMEOUT = 8000


class Calls:
    """Counts calls of one real function, wherever a module took it by name."""

    def __init__(self, monkeypatch, module, name: str):
        original, self.count = getattr(module, name), 0

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        for mod in list(sys.modules.values()):
            ours = mod is not None and mod.__name__.startswith("playground")
            if ours and getattr(mod, name, None) is original:
                monkeypatch.setattr(mod, name, counted)


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", _no_question)
    w = MainWindow(Session(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.session.dataset is not None, timeout=TIMEOUT)
    yield w
    w.close()
    assert not w.controller.is_active


def _no_question(*args, **kwargs) -> QMessageBox.StandardButton:
    return QMessageBox.StandardButton.Discard  # a failed test's edits must not block its teardown


def _wider_first_layer(exp):
    first = exp.network.layers[0]
    wider = dataclasses.replace(first, params={**first.params, "units": first.params["units"] + 1})
    layers = (wider,) + exp.network.layers[1:]
    return dataclasses.replace(exp, network=dataclasses.replace(exp.network, layers=layers))


def _conv_on_points():
    exp = default_experiment()
    conv = LayerSpec("conv2d", defaults(LAYERS["conv2d"].params))
    return dataclasses.replace(exp, network=dataclasses.replace(exp.network, layers=(conv,)))


def test_an_edit_inspects_the_network_once_for_every_view(window, monkeypatch):
    inspect = Calls(monkeypatch, core_model, "inspect_network")
    static = Calls(monkeypatch, sys.modules["playground.core.compat"], "check_experiment")
    window.session.edit(_wider_first_layer(window.session.experiment), "wider")
    # the designer, the Inside panel (network and conv views), step mode, dynamics and the run bar
    # all redrew: one inspection on the data for all of them, and one inside the core's static
    # combination rules (Train's blocker), each once (on main: 8 inspections per edit)
    assert static.count == 1
    assert inspect.count == 2
    report = window.session.report
    assert window.designer.report is report
    assert report.hidden[0].label == window.designer.report.hidden[0].label
    units = window.session.experiment.network.layers[0].params["units"]
    assert report.layers[0].out_shape == (units,)  # the new network, not the old one
    assert window.train_blocker() == ""
    assert inspect.count == 2 and static.count == 1  # reading them again costs nothing
    window.session.undo_stack.undo()
    assert inspect.count == 4 and static.count == 2  # an undo is an edit too: once again
    assert window.session.report.layers[0].out_shape == (units - 1,)


def test_train_validates_with_the_cached_checks_and_builds_no_run(qtbot, window, monkeypatch):
    inspect = Calls(monkeypatch, core_model, "inspect_network")
    checks = Calls(monkeypatch, preflight, "check_run")
    built = Calls(monkeypatch, core_model, "build_model")
    window.toggle_training()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT)
    window.reset()
    window.toggle_training()
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT)
    assert checks.count == 1  # two presses, one check: the second read the session's outcome
    assert inspect.count == 0  # the report the views had already asked for
    assert built.count == 0  # no model built on the GUI thread (the trainer process builds it)
    window.reset()


def test_train_with_a_bad_experiment_shows_the_cores_sentence_at_once(qtbot, controller):
    bad = _conv_on_points()
    session = Session(bad)
    qtbot.waitUntil(lambda: session.dataset is not None, timeout=TIMEOUT)
    with pytest.raises(PlaygroundError) as core:
        TrainingRun(bad)
    controller.checks = session.check
    with qtbot.waitSignal(controller.error) as blocker:
        assert not controller.start(session.experiment, session.dataset)
    assert blocker.args == [str(core.value)]  # the same sentence, synchronously
    assert controller.state == "error" and not controller.is_active
    assert isinstance(controller.last_exception, PlaygroundError)
    assert isinstance(session.run_error, PlaygroundError)
    session.edit(default_experiment(), "fix")  # an edit drops the cached outcome
    assert session.run_error is None
    assert controller.start(session.experiment, session.dataset)
    controller.reset()


def test_the_window_says_why_a_bad_network_cannot_train(qtbot, window):
    window.session.load(_conv_on_points())
    qtbot.waitUntil(lambda: window.train_blocker() != "", timeout=TIMEOUT)
    problem = window.train_blocker()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.controller.is_active
    assert problem in window.statusBar().currentMessage() or problem in window.status_label.text()
