"""Image data sets: a grid of test images labelled with the model's guess, and the confusion matrix.

Both are one ImageItem each plus text items created once per data set; a snapshot only changes
the texts whose value changed and, for the grid, the red frames of wrong guesses (a small numpy
edit of a prebuilt RGB composite), so rendering stays cheap at 30 frames a second.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from playground.core.datasets.base import IMAGE, Dataset
from playground.core.snapshot import Snapshot
from playground.gui.plots import _style as st

COLUMNS = 8
ROWS = 8
SCALE = 4  # composite pixels per image pixel, so that a wrong guess gets a thin frame
MARGIN = 2  # composite pixels around each image (where the red frame goes)
LABEL = 14  # composite pixels under each image for its label


def _small_font(points: float = 8, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _image_plot(widget: pg.PlotWidget) -> pg.PlotItem:
    plot = widget.getPlotItem()
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.setAspectLocked(True)
    plot.invertY(True)  # image row 0 at the top
    return plot


def class_label(ds: Dataset, index: int) -> str:
    names = ds.class_names
    return names[index] if 0 <= index < len(names) else str(index)


class SampleGridView(st.PlotView):
    """The first test images with the predicted class under each; wrong guesses in red."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        plot = _image_plot(self)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.labels: list[pg.TextItem] = []
        self.dataset: Dataset | None = None
        self._composite: np.ndarray | None = None
        self._cells: list[tuple[int, int]] = []  # top-left corner (row, col) of each image, in pixels
        self._shown: np.ndarray | None = None  # predictions currently drawn

    def set_dataset(self, ds: Dataset | None) -> None:
        """Lay out the first test images of an image set (anything else clears the view)."""
        for item in self.labels:
            self.getPlotItem().removeItem(item)
        self.labels, self._cells, self._shown, self._composite = [], [], None, None
        self.image.clear()
        self.dataset = ds if ds is not None and ds.kind == IMAGE and len(ds.x_test) else None
        if self.dataset is None:
            return
        images = self._images(self.dataset)
        h, w = images.shape[1:]
        px, py = w * SCALE + 2 * MARGIN, h * SCALE + 2 * MARGIN + LABEL
        rows = -(-len(images) // COLUMNS)
        self._composite = np.full((rows * py, COLUMNS * px, 3), 255, dtype=np.ubyte)
        ink = np.asarray(st.rgb(st.TEXT))
        for i, img in enumerate(images):
            r, c = (i // COLUMNS) * py + MARGIN, (i % COLUMNS) * px + MARGIN
            big = np.kron(img, np.ones((SCALE, SCALE)))[..., None]
            self._composite[r:r + h * SCALE, c:c + w * SCALE] = (255 + (ink - 255) * big).astype(np.ubyte)
            self._cells.append((r, c))
            label = pg.TextItem("", color=st.MUTED, anchor=(0.5, 0.0))
            label.setFont(_small_font())
            label.setPos(c + w * SCALE / 2, r + h * SCALE + MARGIN - 2)
            self.getPlotItem().addItem(label)
            self.labels.append(label)
        self.image.setImage(self._composite, levels=(0, 255), autoLevels=False)

    def update_snapshot(self, snap: Snapshot) -> None:
        """Label each image with its predicted class; frame the wrong ones in red."""
        pred = snap.sample_predictions
        if pred is None or self.dataset is None:
            return
        pred = np.asarray(pred)[: len(self.labels)]
        if self._shown is not None and np.array_equal(pred, self._shown):
            return
        truth = np.asarray(self.dataset.y_test).reshape(-1)
        changed = False
        for i, p in enumerate(pred):
            if self._shown is not None and i < len(self._shown) and self._shown[i] == p:
                continue
            wrong = int(p) != int(truth[i])
            self.labels[i].setText(class_label(self.dataset, int(p)))
            self.labels[i].setColor(st.WRONG if wrong else st.TEXT)
            changed |= self._frame(i, st.WRONG if wrong else st.PAPER)
        self._shown = pred.copy()
        if changed:
            self.image.setImage(self._composite, levels=(0, 255), autoLevels=False)

    def wrong_count(self) -> int:
        """How many shown guesses are wrong (for tests and summaries)."""
        if self._shown is None or self.dataset is None:
            return 0
        truth = np.asarray(self.dataset.y_test).reshape(-1)[: len(self._shown)]
        return int(np.sum(self._shown != truth))

    def clear(self) -> None:
        """Forget the run's guesses; the images stay."""
        self.set_dataset(self.dataset)

    # ------------------------------------------------------------------ internals ---------
    @staticmethod
    def _images(ds: Dataset) -> np.ndarray:
        """(n, h, w) of the first test images, scaled to 0..1 (1 = ink)."""
        h, w = ds.input_shape[-2:]
        n = min(COLUMNS * ROWS, len(ds.x_test))
        x = np.asarray(ds.x_test[:n], dtype=np.float64).reshape(n, -1, h, w)[:, 0]
        lo, hi = float(x.min()), float(x.max())
        return (x - lo) / ((hi - lo) or 1.0)

    def _frame(self, i: int, colour: str) -> bool:
        r, c = self._cells[i]
        h, w = self.dataset.input_shape[-2:]
        r0, r1, c0, c1 = r - MARGIN, r + h * SCALE + MARGIN, c - MARGIN, c + w * SCALE + MARGIN
        value = st.rgb(colour).astype(np.ubyte)
        block = self._composite[r0:r1, c0:c1]
        if np.array_equal(block[0, 0], value):
            return False
        for edge in (block[:MARGIN], block[-MARGIN:], block[:, :MARGIN], block[:, -MARGIN:]):
            edge[...] = value
        return True


class ConfusionView(st.PlotView):
    """k×k counts of (true class, predicted class) on the test set, darker = more."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        plot = _image_plot(self)
        st.style_plot(plot, self.tr("predicted"), self.tr("true"))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(st.sequential_lut())
        plot.addItem(self.image)
        self.texts: list[list[pg.TextItem]] = []
        self.counts: np.ndarray | None = None
        self.dataset: Dataset | None = None

    def set_dataset(self, ds: Dataset | None) -> None:
        """Prepare a k×k grid with class names on the axes (classification sets only)."""
        plot = self.getPlotItem()
        for row in self.texts:
            for item in row:
                plot.removeItem(item)
        self.texts, self.counts = [], None
        self.image.clear()
        self.dataset = ds if ds is not None and ds.num_classes >= 2 else None
        if self.dataset is None:
            return
        k = ds.num_classes
        ticks = [[(i + 0.5, class_label(ds, i)) for i in range(k)]]
        plot.getAxis("bottom").setTicks(ticks)
        plot.getAxis("left").setTicks(ticks)
        for r in range(k):
            row = []
            for c in range(k):
                item = pg.TextItem("", color=st.TEXT, anchor=(0.5, 0.5))
                item.setFont(_small_font(7 if k > 6 else 9))
                item.setPos(c + 0.5, r + 0.5)
                plot.addItem(item)
                row.append(item)
            self.texts.append(row)
        plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)

    def update_snapshot(self, snap: Snapshot) -> None:
        self.show_counts(snap.confusion)

    def show_counts(self, counts: np.ndarray | None) -> None:
        """Draw a k×k matrix of counts (anything else, such as a damaged one, is ignored)."""
        if counts is None or self.dataset is None or np.shape(counts) != (len(self.texts),) * 2:
            return
        counts = np.asarray(counts)
        if not np.isfinite(counts).all():
            return
        if self.counts is not None and np.array_equal(counts, self.counts):
            return
        top = float(counts.max()) or 1.0
        self.image.setImage(counts.astype(np.float32), levels=(0, top), autoLevels=False)
        for (r, c), n in np.ndenumerate(counts):
            if self.counts is None or self.counts[r, c] != n:
                self.texts[r][c].setText(str(int(n)) if n else "")
            self.texts[r][c].setColor(st.PAPER if n > 0.55 * top else st.TEXT)
        self.counts = counts.copy()

    def clear(self) -> None:
        self.set_dataset(self.dataset)


if __name__ == "__main__":
    from playground.gui.plots._preview import preview

    preview(SampleGridView, dataset="digits")
