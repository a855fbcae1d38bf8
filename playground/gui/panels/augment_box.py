"""The data panel's Augmentation section: shift, rotation and noise for image sets, and a preview.

Shown only for image data sets. The three fields are NumberFields over `core.augment`'s Params;
an edit is an undoable session edit of `data.augment` (all zeros turns it off). The preview is a
grid of training images, each row one image: the original, then augmented draws of it, made by
the same `core.augment.augment` that training applies to its batches ("New draw" draws again).
"""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from playground.core import edits as _edits
from playground.core.augment import AUGMENT_PARAMS, active, augment
from playground.core.datasets import DATASETS, IMAGE
from playground.core.experiment import Experiment
from playground.gui.session import Session
from playground.gui.widgets.number_field import NumberField

ROWS, COLUMNS = 4, 5  # images shown, and per image: the original and COLUMNS - 1 augmented draws
WIDTH = 200  # the preview's width in pixels (the data panel's preview is as wide)
GAP_SHADE = 0.8  # the lines between images: light grey, so white margins of the digits stay apart


def preview_grid(images: np.ndarray, spec: dict, seed: int, rows: int = ROWS,
                 columns: int = COLUMNS) -> np.ndarray:
    """A uint8 mosaic (ink dark on white): row r holds image r as it is, then augmented draws of it."""
    pick = torch.from_numpy(np.ascontiguousarray(images[:rows], dtype=np.float32))
    n, _, h, w = pick.shape
    generator = torch.Generator().manual_seed(seed)
    tiles = [pick] + [augment(pick, spec, generator) for _ in range(columns - 1)]
    grid = np.full((n * (h + 1) - 1, columns * (w + 1) - 1), GAP_SHADE, dtype=np.float32)
    for c, batch in enumerate(tiles):
        for r in range(n):
            grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = 1.0 - batch[r, 0].numpy()
    return (np.clip(grid, 0, 1) * 255).astype(np.uint8)


class AugmentBox(QWidget):
    """The Augmentation section of the data panel (hidden unless the data set holds images)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.draw = 0  # "New draw" presses: the preview's seed
        title = QLabel(self.tr("AUGMENTATION"))
        title.setObjectName("sectionTitle")
        hint = QLabel(self.tr("Each training batch is shifted, turned and noised at random; evaluation "
                              "sees the images as they are. All zeros turns it off."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        labels = {"shift": self.tr("Shift (pixels)"), "rotate": self.tr("Rotate (degrees)"),
                  "noise": self.tr("Noise (std)")}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, NumberField] = {}
        for p in AUGMENT_PARAMS:
            field = NumberField(p)
            field.setObjectName(f"augment_{p.name}")
            field.valueChanged.connect(lambda value, name=p.name: self._edited(name, value))
            self.fields[p.name] = field
            form.addRow(labels[p.name], field)
        self.preview = QLabel()
        self.preview.setObjectName("augmentPreview")
        self.preview.setToolTip(self.tr("Each row: a training image as it is, then augmented draws of it."))
        self.redraw_button = QPushButton(self.tr("New draw"))
        self.redraw_button.setToolTip(self.tr("Draw other random shifts, turns and noise for the preview."))
        self.redraw_button.clicked.connect(self.new_draw)
        row = QHBoxLayout()
        row.addWidget(self.preview, 1, Qt.AlignmentFlag.AlignHCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 10, 0, 0)
        lay.addWidget(title)
        lay.addWidget(hint)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.redraw_button, 0, Qt.AlignmentFlag.AlignHCenter)
        session.changed.connect(self._refresh)
        session.dataset_changed.connect(self._refresh)
        self._refresh()

    def _edited(self, name: str, value: float | int) -> None:
        exp = self.session.experiment
        spec = {p.name: p.default for p in AUGMENT_PARAMS} | dict(exp.data.augment) | {name: value}
        self.session.edit(_edits.with_data(exp, augment=spec if active(spec) else {}),
                          self.tr("Change augmentation"), merge_key=f"augment.{name}")

    def new_draw(self) -> None:
        self.draw += 1
        self._refresh()

    def _refresh(self, *_: object) -> None:
        exp: Experiment = self.session.experiment
        images = DATASETS[exp.data.dataset].kind == IMAGE
        self.setVisible(images)
        for p in AUGMENT_PARAMS:
            self.fields[p.name].setValue(exp.data.augment.get(p.name, p.default))
        ds = self.session.dataset
        if not images or ds is None or ds.x_train.ndim != 4:
            self.preview.clear()
            return
        grid = preview_grid(ds.x_train, dict(exp.data.augment), exp.seed + self.draw)
        image = QImage(grid.data, grid.shape[1], grid.shape[0], grid.strides[0],
                       QImage.Format.Format_Grayscale8)
        pixmap = QPixmap.fromImage(image.copy())
        self.preview.setPixmap(pixmap.scaledToWidth(WIDTH, Qt.TransformationMode.FastTransformation))
