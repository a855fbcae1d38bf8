"""ConvView: what a convolutional network sees in one test image.

The first Conv2D's filters (the patterns it looks for), the chosen test image, and the feature maps
each Conv2D layer makes of it, as grids of small images in the same orange–white–blue colours as
every other map (levels symmetric around 0). A plain MLP on images gets its first Dense layer's
weights drawn as images instead: each unit's "template". The sample is picked with a spin box;
`sample_changed` asks the trainer for that image's maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QSpinBox, QToolTip, QVBoxLayout, QWidget

from playground.core.datasets.base import Dataset
from playground.core.experiment import Experiment
from playground.core.model import NetworkReport, inspect_network
from playground.core.snapshot import Snapshot
from playground.gui.inside import _images as im
from playground.gui.inside.class_probs import ClassProbabilities
from playground.gui.plots import _style as st

MAX_CELLS = 64  # maps drawn per grid


@dataclass
class Section:
    """One titled grid of maps: cell rects are set by `_Canvas.arrange`."""

    title: str
    stack: np.ndarray  # (n, h, w)
    names: list[str]
    lut: np.ndarray = field(default_factory=lambda: im.DIVERGING)
    levels: tuple[float, float] | None = None  # None: each map ±its own max |value|
    cell: int = 32
    rects: list[QRectF] = field(default_factory=list)
    images: list[QImage] = field(default_factory=list)
    title_y: float = 0.0


def _cell(h: int) -> int:
    """Cell size for an h×h map: big enough to read, small enough for 32 maps in a row or two."""
    return int(min(64, max(28, 5 * h)))


class _Canvas(QWidget):
    """Paints the sections top to bottom; its minimum height follows its width (inside a scroll area)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.sections: list[Section] = []
        self.message = ""
        self.setMouseTracking(True)

    def set_sections(self, sections: list[Section], message: str = "") -> None:
        self.sections, self.message = sections, message
        self.arrange()

    def arrange(self) -> None:
        """Cell rects and images for the current width; sets the height the sections need.

        Cells grow (up to 1.6×) while everything still fits the visible height: a small network's
        maps should fill the panel, a big one's scroll at the base size.
        """
        viewport = self.parentWidget().height() if self.parentWidget() is not None else self.height()
        scale = next((f for f in (1.6, 1.4, 1.2, 1.1) if self._place(f, dry=True) <= viewport), 1.0)
        height = self._place(scale)
        for sec in self.sections:
            sec.images = self._images(sec, len(sec.rects)) if sec.rects else []
        self.setMinimumHeight(int(height))
        self.update()

    def _place(self, scale: float, dry: bool = False) -> float:
        """Lay the sections out with cells `scale` times their base size; returns the height used."""
        fm_h, gap = self.fontMetrics().height(), 4
        y, width = 8.0, max(100, self.width() - 24)
        for sec in self.sections:
            cell = int(sec.cell * scale)
            cols = max(1, int((width + gap) // (cell + gap)))
            n = min(len(sec.stack), MAX_CELLS)
            if not dry:
                sec.title_y = y
                sec.rects = [QRectF(12 + (i % cols) * (cell + gap), y + fm_h + 6 + (i // cols) * (cell + gap),
                                    cell, cell) for i in range(n)]
            y += fm_h + 6 + -(-n // cols) * (cell + gap) + 14
        return y + 8

    @staticmethod
    def _images(sec: Section, n: int) -> list[QImage]:
        """Nearest-neighbour cells (an 8×8 map is 64 honest squares), each map scaled to its own
        range by default: a layer's maps differ in strength by orders of magnitude, and on a
        shared scale most would be blank; the tooltip gives each map's real range."""
        stack = sec.stack[:n]
        if sec.levels is not None:
            lo, hi = sec.levels
        else:
            hi = np.array([im.symmetric_level(m) for m in stack])
            lo = -hi
        size = int(sec.rects[0].width()) if sec.rects else sec.cell
        return im.to_images(im.resample(stack, size, nearest=True), lo, hi, lut=sec.lut)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, self.minimumHeight())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self.arrange()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        p.fillRect(self.rect(), QColor(st.PAPER))
        if not self.sections:
            p.setPen(QColor(st.MUTED))
            p.drawText(QRectF(self.rect()).adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        title = QFont(self.font())
        title.setBold(True)
        fm_h = self.fontMetrics().height()
        border = QPen(QColor(st.BORDER), 1.0)
        for sec in self.sections:
            p.setFont(title)
            p.setPen(QColor(st.TEXT))
            line = QRectF(12, sec.title_y, self.width() - 24, fm_h)
            p.drawText(line, Qt.AlignmentFlag.AlignLeft, sec.title)
            p.setPen(border)
            for rect, img in zip(sec.rects, sec.images, strict=False):
                p.drawImage(rect.topLeft(), img)
                p.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.text_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def text_at(self, pos: QPointF) -> str:
        """What the map under `pos` is, and its value range."""
        for sec in self.sections:
            for i, rect in enumerate(sec.rects):
                if rect.contains(pos):
                    m = sec.stack[i]
                    return f"{sec.names[i]}: {float(m.min()):.3g} … {float(m.max()):.3g}"
        return ""


class ConvView(QWidget):
    """Filters, the chosen test image and its feature maps, for image data."""

    sample_changed = Signal(int)  # index into the test split

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("convView")
        self.dataset: Dataset | None = None
        self._labels: dict[int, str] = {}  # block index -> "Layer 1 · Conv2D 32 3×3 relu"
        self._snap: Snapshot | None = None
        self.canvas = _Canvas()
        self.spin = QSpinBox()
        self.spin.setToolTip(self.tr("Which test image the feature maps are computed for (arrow keys step)."))
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._on_sample)
        self.info = QLabel()
        self.info.setObjectName("hint")
        self.probabilities = ClassProbabilities()
        self._softmax_head = False
        scroll = QScrollArea()
        scroll.setWidget(self.canvas)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Test image")))
        row.addWidget(self.spin)
        row.addWidget(self.info, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.probabilities)
        lay.addWidget(scroll, 1)
        self._refresh()

    # ------------------------------------------------------------------ API ---------------
    @property
    def sample(self) -> int:
        return self.spin.value()

    @property
    def sections(self) -> list[Section]:
        return self.canvas.sections

    def set_network(self, experiment: Experiment, dataset: Dataset | None,
                    report: NetworkReport | None = None) -> None:
        """The data (for the test images) and the layer names (from `report`, if at hand); clears the run."""
        self.dataset = dataset
        self._labels = {}
        self._softmax_head = experiment.network.output.get("activation") == "softmax"
        if dataset is not None:
            if report is None:
                report = inspect_network(experiment.network, dataset.input_shape, dataset.output_units)
            self._labels = {i.index: f"Layer {i.index + 1} · {i.label}" for i in report.hidden}
        n = len(dataset.x_test) if dataset is not None else 1
        self.spin.blockSignals(True)
        self.spin.setRange(0, max(0, n - 1))
        self.spin.blockSignals(False)
        self.clear()

    def update_snapshot(self, snap: Snapshot) -> None:
        self._snap = snap
        self._refresh()

    def clear(self) -> None:
        self._snap = None
        self._refresh()

    # ------------------------------------------------------------------ internals ---------
    def _on_sample(self, index: int) -> None:
        self._refresh()
        self.sample_changed.emit(index)

    def _refresh(self) -> None:
        ds, snap, i = self.dataset, self._snap, self.spin.value()
        if ds is None or len(ds.input_shape) != 3:
            self.info.setText("")
            self.probabilities.hide()
            return self.canvas.set_sections([], self.tr("No image data."))
        self._show_probabilities(snap, ds, i)
        image = np.asarray(ds.x_test[i], dtype=np.float32)
        sections = [Section(self.tr("Test image {0}").format(i), image[:1], [self.tr("pixel values")],
                            lut=im.GREY,
                            levels=st.finite_range(image) or (0.0, 1.0), cell=112)]
        sections += self._filter_sections(snap, ds)
        for block, maps in (snap.feature_maps or ()) if snap is not None else ():
            label = self._labels[block] if block in self._labels else self.tr("Layer {0}").format(block + 1)
            c, h, w = maps.shape
            sections.append(Section(self.tr("{0}: {1} feature maps of {2}×{3}").format(label, c, h, w), maps,
                                    [self.tr("map {0}").format(k + 1) for k in range(c)], cell=_cell(h)))
        self.info.setText(self._caption(snap, ds, i))
        message = "" if snap is not None else self.tr("Press Train to watch the filters learn.")
        return self.canvas.set_sections(sections, message)

    def _show_probabilities(self, snap: Snapshot | None, ds: Dataset, i: int) -> None:
        probs = snap.sample_probabilities if snap is not None else None
        truth = int(ds.y_test[i]) if ds.y_test.ndim == 1 else None
        self.probabilities.set_values(probs, ds.class_names or (), truth, self._softmax_head)
        self.probabilities.setVisible(probs is not None)

    def _filter_sections(self, snap: Snapshot | None, ds: Dataset) -> list[Section]:
        if snap is None:
            return []
        if snap.conv_filters is not None:
            f = snap.conv_filters  # (filters, in, k, k); several input channels are averaged
            title = self.tr("First Conv2D's filters: {0} of {1}×{2}").format(f.shape[0], *f.shape[2:4])
            names = [self.tr("filter {0}").format(k + 1) for k in range(len(f))]
            return [Section(title, f.mean(axis=1), names,
                            cell=_cell(f.shape[2]))]
        c, h, w = ds.input_shape
        if snap.weights and c == 1 and snap.weights[0][0].shape[1] == h * w:
            weights = snap.weights[0][0]
            stack = weights.reshape(-1, h, w)
            title = self.tr("First Dense layer's weights as images: what each of its {0} units "
                            "looks for").format(len(stack))
            return [Section(title, stack, [self.tr("unit {0}").format(k + 1) for k in range(len(stack))],
                            cell=_cell(h))]
        return []

    def _caption(self, snap: Snapshot | None, ds: Dataset, i: int) -> str:
        names = ds.class_names
        truth = int(ds.y_test[i]) if ds.y_test.ndim == 1 else None
        text = f"true {names[truth] if names and truth is not None else truth}"
        preds = snap.sample_predictions if snap is not None else None
        if preds is not None and i < len(preds):
            guess = int(preds[i])
            text += f" · predicted {names[guess] if names else guess}" + ("" if guess == truth else "  ✗")
        return text


# Shown on its own inside its panel: python -m playground.gui.inside.inside_panel digits-cnn
