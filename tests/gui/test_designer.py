"""The network designer driven like a person would: drops, clicks, keys, the inspector, undo."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QApplication, QComboBox  # noqa: E402

from playground.core.errors import PlaygroundError  # noqa: E402
from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.layers import LAYERS, OUTPUT_PARAMS  # noqa: E402
from playground.gui.designer import NetworkDesigner, edits  # noqa: E402
from playground.gui.designer.mime import block_mime, layer_mime, layer_type  # noqa: E402
from playground.gui.session import Session  # noqa: E402
from playground.gui.widgets.number_field import NumberField  # noqa: E402
from tests.gui.keyboard import type_into  # noqa: E402

Copy, Move = Qt.DropAction.CopyAction, Qt.DropAction.MoveAction


@pytest.fixture
def session():
    return Session(default_experiment())


@pytest.fixture
def designer(qtbot, session):
    d = NetworkDesigner(session)
    qtbot.addWidget(d)
    d.resize(560, 620)
    d.show()
    qtbot.waitExposed(d)
    return d


def types(session):
    return [layer.type for layer in session.experiment.network.layers]


def drag(canvas, mime: QMimeData, pos: QPoint, action=Copy, drop=True) -> None:
    """What a real QDrag delivers to the canvas: enter, move and (optionally) drop at `pos`."""
    args = (action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, QDragEnterEvent(pos, *args))
    QApplication.sendEvent(canvas, QDragMoveEvent(pos, *args))
    if drop:
        QApplication.sendEvent(canvas, QDropEvent(QPointF(pos), *args))


def palette_mime(designer, type_name: str) -> QMimeData:
    palette = designer.layer_palette
    return palette.mimeData([palette.item_for(type_name)])


def test_palette_lists_every_layer_with_help_and_mime(designer):
    palette = designer.layer_palette
    for name, entry in LAYERS.items():
        item = palette.item_for(name)
        assert item is not None and item.text() == entry.label
        assert entry.help in item.toolTip()
        assert layer_type(palette_mime(designer, name)) == name


def test_gaps_map_to_insertion_indices(designer):
    canvas = designer.canvas
    for gap in range(3):
        assert canvas.index_at(canvas.gap_center(gap)) == gap
    assert canvas.index_at(canvas.input_rect().center()) == 0
    assert canvas.index_at(canvas.output_rect().center()) == 2


@pytest.mark.parametrize("gap", [0, 1, 2])
def test_drop_from_palette_inserts_at_the_gap(designer, session, gap):
    canvas = designer.canvas
    before = session.experiment
    drag(canvas, palette_mime(designer, "dropout"), canvas.gap_center(gap))
    assert types(session)[gap] == "dropout" and len(types(session)) == 3
    assert designer.selected == gap
    assert session.undo_stack.undoText() == f"Insert {LAYERS['dropout'].label}"
    session.undo_stack.undo()
    assert session.experiment == before
    assert designer.selected <= 1


def test_insertion_marker_shows_during_drag_move(designer):
    canvas = designer.canvas
    assert canvas.marker == -1
    mime = layer_mime("dense")
    enter = QDragEnterEvent(canvas.gap_center(1), Copy, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, enter)
    assert enter.isAccepted() and enter.dropAction() == Copy
    assert canvas.marker == 1
    drag(canvas, layer_mime("dense"), canvas.gap_center(2), drop=False)
    assert canvas.marker == 2
    QApplication.sendEvent(canvas, QDragLeaveEvent())
    assert canvas.marker == -1


def test_pressing_and_moving_a_block_starts_a_move_drag(qtbot, designer, monkeypatch):
    canvas = designer.canvas
    started = []
    monkeypatch.setattr(type(canvas), "_start_drag", lambda self, index: started.append(index))
    start = canvas.block_rect(1).center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(0, 4 * QApplication.startDragDistance()))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start)
    assert started == [1] and designer.selected == 1


def test_foreign_payload_is_refused(designer, session):
    mime = QMimeData()
    mime.setText("dense")
    before = session.experiment
    drag(designer.canvas, mime, designer.canvas.gap_center(0))
    assert session.experiment == before and designer.canvas.marker == -1
    drag(designer.canvas, block_mime(0, owner=12345), designer.canvas.gap_center(2), Move)
    assert session.experiment == before


def test_block_drop_reorders_and_undo_restores(designer, session):
    canvas = designer.canvas
    before = session.experiment
    drag(canvas, block_mime(0, id(canvas)), canvas.gap_center(2), Move)
    assert [layer.params["units"] for layer in session.experiment.network.layers] == [2, 4]
    assert designer.selected == 1
    session.undo_stack.undo()
    assert session.experiment == before
    session.undo_stack.redo()
    assert [layer.params["units"] for layer in session.experiment.network.layers] == [2, 4]


def test_drop_next_to_itself_is_no_edit(designer, session):
    canvas = designer.canvas
    drag(canvas, block_mime(1, id(canvas)), canvas.gap_center(1), Move)
    drag(canvas, block_mime(1, id(canvas)), canvas.gap_center(2), Move)
    assert session.undo_stack.count() == 0


def test_click_selects_and_delete_removes(qtbot, designer, session):
    canvas = designer.canvas
    with qtbot.waitSignal(designer.selection_changed) as sel:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.block_rect(1).center())
    assert sel.args == [1] and designer.inspector.title.text().startswith("Layer 2 ·")
    before = session.experiment
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert [layer.params["units"] for layer in session.experiment.network.layers] == [4]
    assert designer.selected == 0
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    assert types(session) == [] and designer.selected == -1
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.experiment == before
    session.undo_stack.redo()
    assert len(types(session)) == 1


def test_click_on_empty_space_clears_selection(qtbot, designer):
    canvas = designer.canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.block_rect(0).center())
    assert designer.selected == 0
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.output_rect().center())
    assert designer.selected == -1
    assert designer.inspector.title.text().startswith("Output head")


def test_ctrl_z_through_the_undo_action(qtbot, designer, session):
    undo = session.undo_stack.createUndoAction(designer)
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    designer.addAction(undo)
    before = session.experiment
    designer.canvas.insert(0, "dense")
    assert len(types(session)) == 3
    designer.canvas.setFocus()
    qtbot.keyClick(designer.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.experiment == before


def test_inspector_edits_units_as_one_undo_step(qtbot, designer, session):
    designer.select(0)
    spin = designer.inspector.findChild(NumberField, "units")
    assert spin is not None and spin.value() == 4
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert session.experiment.network.layers[0].params["units"] == 6
    assert session.undo_stack.count() == 1  # a stepped field is one step
    type_into(qtbot, spin, "9", Qt.Key.Key_Enter)
    assert session.experiment.network.layers[0].params["units"] == 9
    type_into(qtbot, spin, "2.5")  # not a whole number: refused, nothing changes
    assert spin.property("invalid") and session.experiment.network.layers[0].params["units"] == 9
    session.undo_stack.undo()
    assert session.experiment.network.layers[0].params["units"] == 4
    assert spin.value() == 4  # the form mirrors the session


def test_inspector_follows_undo_of_another_layer_type(designer, session):
    designer.canvas.insert(0, "dropout")
    assert designer.inspector.title.text().endswith(LAYERS["dropout"].label)
    session.undo_stack.undo()
    assert designer.selected == 0
    assert designer.inspector.findChild(NumberField, "units") is not None


def test_nothing_selected_edits_the_output_head(designer, session):
    designer.select(-1)
    choice = next(p for p in OUTPUT_PARAMS if p.choices)
    box = designer.inspector.findChild(QComboBox, choice.name)
    other = next(c for c in choice.choices if c != session.experiment.network.output[choice.name])
    box.setCurrentText(other)
    assert session.experiment.network.output[choice.name] == other


def test_conv2d_on_points_reports_the_broken_layer(qtbot, designer, session):
    canvas = designer.canvas
    assert designer.report.ok and designer.problem == ""
    with qtbot.waitSignal(designer.problem_changed) as problem:
        drag(canvas, palette_mime(designer, "conv2d"), canvas.gap_center(1))
    label = LAYERS["conv2d"].label
    assert problem.args[0].startswith(f"Layer 2 ({label}): ")
    assert designer.report.ok is False
    assert designer.message.isVisible() and designer.message.text() == problem.args[0]
    assert designer.canvas.views[2].error  # the block itself is drawn as broken
    with qtbot.waitSignal(designer.problem_changed) as fixed:
        session.undo_stack.undo()
    assert fixed.args == [""] and designer.report.ok


def test_double_click_palette_appends_before_output(qtbot, designer, session):
    palette = designer.layer_palette
    pos = palette.visualItemRect(palette.item_for("dropout")).center()
    # a real double-click is press, release, double-click: the view needs the first press
    qtbot.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert types(session)[-1] == "dropout" and designer.selected == 2
    assert session.undo_stack.count() == 1
    qtbot.keyClick(palette, Qt.Key.Key_Return)
    assert types(session) == ["dense", "dense", "dropout", "dropout"]


def test_double_click_block_selects_and_focuses_inspector(qtbot, designer):
    designer.activateWindow()
    qtbot.mouseDClick(designer.canvas, Qt.MouseButton.LeftButton, pos=designer.canvas.block_rect(1).center())
    assert designer.selected == 1 and designer.inspector.index == 1
    qtbot.waitUntil(lambda: designer.inspector.isAncestorOf(QApplication.focusWidget()))


def test_loading_an_experiment_replays_and_clamps_selection(designer, session):
    designer.select(1)
    session.load(edits.remove_layer(default_experiment(), 1))
    assert designer.selected == 0
    assert designer.canvas.block_rect(0).isValid()
    session.load(edits.insert_layer(edits.remove_layer(default_experiment(), 0), 0, "dense"))
    assert len(designer.canvas.views) == 4


def test_data_that_fails_to_load_still_shows_the_designer(qtbot, monkeypatch):
    def broken(*_):
        raise PlaygroundError("cannot read data.csv")

    monkeypatch.setattr("playground.gui.data_loader.load_dataset", broken)
    d = NetworkDesigner(Session(default_experiment()))
    qtbot.addWidget(d)
    assert d.report is None
    assert "cannot read data.csv" in d.canvas.views[0].error
    assert "cannot read data.csv" in d.message.text()
    d.select(0)
    assert d.inspector.findChild(NumberField, "units") is not None


def test_total_parameters_are_shown(designer):
    assert str(designer.report.total_params) in designer.total_label.text().replace("\u2009", "")


def test_arrow_keys_select_and_alt_arrows_reorder(qtbot, designer, session):
    canvas = designer.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert designer.selected == 0
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert designer.selected == 1
    qtbot.keyClick(canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [layer.params["units"] for layer in session.experiment.network.layers] == [2, 4]
    assert designer.selected == 0
    qtbot.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert [layer.params["units"] for layer in session.experiment.network.layers] == [4, 2]
    assert designer.selected == 1


def test_image_data_blocks_read_as_images():
    import numpy as np

    from playground.core.datasets.base import IMAGE, MULTICLASS, Dataset
    from playground.core.model import inspect_network
    from playground.gui.designer.blocks import describe

    x, y = np.zeros((4, 1, 8, 8), np.float32), np.zeros(4, np.int64)
    ds = Dataset("digits", IMAGE, MULTICLASS, 10, (1, 8, 8), x, y, x[:0], y[:0], x, y)
    exp = default_experiment()
    for k, name in enumerate(["conv2d", "flatten"]):
        exp = edits.insert_layer(exp, k, name)
    report = inspect_network(exp.network, ds.input_shape, ds.output_units)
    views = describe(exp, ds, "", report)
    assert views[0].title == "Inputs: image 1×8×8"
    assert views[-1].title == "Output · 10 units (multiclass)" and views[-1].shape == "10"
    assert views[1].shape.endswith("×6×6") and not any(v.error for v in views)  # 3×3 valid conv


def test_a_broken_output_head_is_named_as_such():
    import numpy as np

    from playground.core.datasets.base import IMAGE, MULTICLASS, Dataset
    from playground.core.model import inspect_network
    from playground.gui.designer.blocks import describe
    from playground.gui.designer.designer import problem_text

    x, y = np.zeros((4, 1, 8, 8), np.float32), np.zeros(4, np.int64)
    ds = Dataset("digits", IMAGE, MULTICLASS, 10, (1, 8, 8), x, y, x[:0], y[:0], x, y)
    exp = edits.insert_layer(edits.remove_layer(edits.remove_layer(default_experiment(), 0), 0), 0, "conv2d")
    report = inspect_network(exp.network, ds.input_shape, ds.output_units)
    views = describe(exp, ds, "", report)
    assert views[-1].error and not views[1].error
    assert problem_text(report).startswith("Output head: ")


def test_a_softmax_head_into_cross_entropy_is_flagged_before_train(qtbot):
    """The head offers softmax; with cross-entropy (which applies log-softmax to the logits itself)
    the designer names the double softmax on the head block and in its message line, and the
    problem goes once the loss takes probabilities."""
    from dataclasses import replace

    from playground.core.experiment import experiment_from_dict

    session = Session(experiment_from_dict({
        "data": {"dataset": "blobs", "samples": 200},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]},
    }))
    designer = NetworkDesigner(session)
    qtbot.addWidget(designer)
    designer.select(-1)
    box = designer.inspector.findChild(QComboBox, "activation")
    assert box.findText("softmax") >= 0 and "log-softmax" in box.toolTip()
    with qtbot.waitSignal(designer.problem_changed) as problem:
        box.setCurrentText("softmax")
    assert session.experiment.network.output["activation"] == "softmax"
    text = problem.args[0]
    assert text.startswith("Output head: cross_entropy (chosen by 'auto') applies log-softmax to the logits")
    assert "double softmax" in text and designer.message.text() == text
    assert "double softmax" in designer.canvas.views[-1].error  # the head block itself turns red
    exp = session.experiment
    with qtbot.waitSignal(designer.problem_changed) as fixed:
        session.edit(replace(exp, training=replace(exp.training, loss="cross_entropy_probs")), "loss")
    assert fixed.args == [""] and not designer.canvas.views[-1].error
    with qtbot.waitSignal(designer.problem_changed) as again:
        box.setCurrentText("linear")
    assert "takes class probabilities, so the output activation must be softmax" in again.args[0]
