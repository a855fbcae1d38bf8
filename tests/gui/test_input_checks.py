"""Files that are not what they claim, opened in the app: the same sentence as the command line in a
message box, the current experiment kept, the window usable; and a network too large for this
machine stopped in the designer before Train."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from playground.core import edits as _edits
from playground.core.experiment import (
    LayerSpec,
    default_experiment,
    experiment_from_dict,
    experiment_to_dict,
)
from playground.gui.main_window import MainWindow


@pytest.fixture
def window(new_window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = new_window()
    yield w
    w.close()
    assert not w.controller.is_active


def _open(window: MainWindow, monkeypatch, path: Path) -> None:
    """File ▸ Open, choosing `path` in the dialog."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.files.open_action.trigger()


def _huge_network_dict() -> dict:
    d = experiment_to_dict(default_experiment())
    d["network"]["layers"] = [{"type": "dense", "units": 4096, "activation": "tanh"}] * 200
    return d


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def _deep(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "nn-playground.experiment", "version": 1, "seed": '
                    + "[" * 5000 + "]" * 5000 + "}")
    return path


def _huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(_huge_network_dict()))
    return path


@pytest.mark.parametrize("make, sentence", [
    (_fifo, "pipe.json: is a named pipe (FIFO), not a regular file; a preset must be a regular file"),
    (_deep, "deep.json: invalid JSON: nested more than 32 levels deep; a preset is not that deep"),
    (_huge, "huge.json: network: needs about 175 GiB of memory (3,339,497,473 parameters take 174 GiB"),
])
def test_opening_a_file_that_is_not_a_preset_shows_why_and_keeps_the_experiment(
        qtbot, window, warnings, monkeypatch, tmp_path, make, sentence):
    window.session.edit(_edits.with_training(window.session.experiment, batch_size=17), "batch")
    before = window.session.experiment
    _open(window, monkeypatch, make(tmp_path))
    assert len(warnings) == 1 and warnings[0].startswith(sentence)
    assert window.session.experiment is before and window.session.dirty  # nothing lost
    assert window.run_bar.train_action.isEnabled()  # still usable: the kept experiment can train


def _csv_experiment(tmp_path: Path):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40))
    (tmp_path / "table.csv").write_text("a,b,label\n" + rows + "\n")
    d = experiment_to_dict(default_experiment())
    d["data"] = {"dataset": "csv", "samples": 40, "params": {"path": str(tmp_path / "table.csv")}}
    return experiment_from_dict(d)


def test_a_network_too_large_for_this_machine_is_stopped_in_the_designer(qtbot, window, tmp_path):
    """A CSV's input size is only known once it is read, so this is the check that catches it in the
    app; the sentence is the one `nn-playground train` prints."""
    with qtbot.waitSignal(window.session.dataset_changed, timeout=30_000):  # read off the GUI thread
        window.session.load(_csv_experiment(tmp_path), None)
    assert window.designer.problem == "" and window.run_bar.train_action.isEnabled()
    exp = window.session.experiment
    layers = tuple(LayerSpec("dense", {"units": 4096, "activation": "tanh"}) for _ in range(200))
    window.session.edit(dataclasses.replace(exp, network=dataclasses.replace(exp.network, layers=layers)),
                        "Add layers")
    problem = window.designer.problem
    assert problem.startswith("network: needs about 175 GiB of memory (3,339,497,473 parameters")
    assert problem.endswith("use fewer or smaller layers")
    assert window.designer.message.isVisible() and window.designer.message.text() == problem
    assert not window.run_bar.train_action.isEnabled()
    assert window.run_bar.train_action.toolTip() == f"Cannot train: {problem}"
    window.session.undo_stack.undo()
    assert window.designer.problem == "" and window.run_bar.train_action.isEnabled()
