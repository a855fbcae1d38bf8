"""The data panel's Augmentation section: image sets only, undoable edits, a preview of what training sees."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.gui.panels.augment_box import AugmentBox, preview_grid
from playground.gui.panels.data_panel import DataPanel
from playground.gui.session import Session
from tests.gui.keyboard import type_into


@pytest.fixture
def digits_panel(qtbot):
    session = Session()
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    box = panel.findChild(AugmentBox)
    assert box.isHidden()  # circle: points, nothing to augment
    with qtbot.waitSignal(session.changed, timeout=30_000):  # image sets load off the GUI thread
        qtbot.mouseClick(panel.dataset_buttons["digits"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.dataset is not None, timeout=30_000)
    return session, panel, box


def test_the_fields_edit_the_experiment_undoably_and_the_preview_follows(qtbot, digits_panel):
    session, panel, box = digits_panel
    assert not box.isHidden()
    plain = box.preview.pixmap().toImage()
    type_into(qtbot, box.fields["shift"], "2")
    assert dict(session.experiment.data.augment) == {"shift": 2, "rotate": 0.0, "noise": 0.0}
    qtbot.waitUntil(lambda: session.dataset is not None, timeout=30_000)
    assert box.preview.pixmap().toImage() != plain  # the draws now move
    type_into(qtbot, box.fields["shift"], "-1")  # refused visibly, nothing changes
    assert box.fields["shift"].property("invalid") and session.experiment.data.augment["shift"] == 2
    session.undo_stack.undo()
    assert session.experiment.data.augment == {} and box.fields["shift"].value() == 0


def test_leaving_for_a_point_set_drops_augmentation_and_hides_the_section(qtbot, digits_panel):
    session, panel, box = digits_panel
    type_into(qtbot, box.fields["noise"], "0.1")
    assert session.experiment.data.augment["noise"] == 0.1
    qtbot.mouseClick(panel.dataset_buttons["circle"], Qt.MouseButton.LeftButton)
    assert session.experiment.data.augment == {} and box.isHidden()


def test_the_preview_grid_keeps_originals_in_the_first_column():
    images = np.random.default_rng(0).random((6, 1, 8, 8)).astype(np.float32)
    grid = preview_grid(images, {"shift": 1, "rotate": 10.0, "noise": 0.1}, seed=3, rows=2, columns=3)
    assert grid.shape == (2 * 9 - 1, 3 * 9 - 1) and grid.dtype == np.uint8
    expected = ((1 - images[0, 0]) * 255).astype(np.uint8)
    assert np.all(grid[8, :] == int(0.8 * 255))  # the line between two images
    assert np.array_equal(grid[:8, :8], expected)
    assert not np.array_equal(grid[:8, 9:17], expected)  # an augmented draw
    assert np.array_equal(grid, preview_grid(images, {"shift": 1, "rotate": 10.0, "noise": 0.1}, 3, 2, 3))
