"""The data panel: which data set, how much and how noisy, the input features, and a preview.

The left column of the instrument, as in TensorFlow Playground: a grid of data-set thumbnails,
the sample / noise / split controls (generated from DATA_PARAMS), the data set's own parameters,
the input-feature toggles for 2-D point sets, and a preview of the current train (dots) and test
(rings) points. Every edit is an undoable session edit; a data edit waits for its data
(`Session.change_data`): the controls show what was asked for, the preview what is loaded, and a
file that cannot be used leaves everything as it was and says why in a message box.
"""

from __future__ import annotations

import csv
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QSettings, QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core import edits as _edits
from playground.core.datasets import DATASETS, data_defaults
from playground.core.datasets.base import IMAGE, POINTS2D, TABLE
from playground.core.experiment import DATA_PARAMS, Experiment
from playground.core.features import FEATURES
from playground.core.params import defaults
from playground.gui.panels.augment_box import AugmentBox
from playground.gui.panels.thumbnails import PREVIEW_POINTS, dataset_pixmap, task_text, thumbnail
from playground.gui.panels.training_panel import section
from playground.gui.session import Session
from playground.gui.widgets.param_form import ParamForm

_COLUMNS = 4
_THUMB = 48
_PREVIEW = 200
_LAST_CSV_DIR = "files/last_csv_dir"
DEFAULT_FEATURES = ("x1", "x2")
CSV_FILTER = QT_TRANSLATE_NOOP("DataPanel", "CSV files (*.csv);;All files (*)")
# A CSV's file, target and task are chosen through Open CSV…; its switches sit in the form.
_TABLE_SWITCHES = tuple(p for p in DATASETS["csv"].params if p.kind is bool)


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


HEADER_BYTES = 1 << 20  # the header row is read on the GUI thread: a bounded read


def read_csv_header(path: Path) -> list[str]:
    """Column names from the first row of a CSV file ([] if it has none).

    Reads at most HEADER_BYTES of a regular file: a FIFO or /dev/zero must not hang the window
    (the whole file is read and checked later, off the GUI thread). OSError for anything else.
    """
    if not path.is_file():
        raise OSError(QCoreApplication.translate("DataPanel", "{0} is not a regular file").format(path.name))
    with open(path, newline="", encoding="utf-8-sig") as f:
        first = f.readline(HEADER_BYTES)
    return [c.strip() for c in next(csv.reader([first]), [])]


def with_dataset(exp: Experiment, name: str, params: dict[str, Any] | None = None) -> Experiment:
    """Switch data set, with its default parameters; 2-D features survive between 2-D sets only.

    A set with its own train and test parts (full MNIST) brings its standard train share; leaving
    one goes back to the usual share.
    """
    entry = DATASETS[name]
    features = exp.data.features
    if entry.kind != POINTS2D or DATASETS[exp.data.dataset].kind != POINTS2D:
        features = DEFAULT_FEATURES
    data = data_defaults(name)
    if "train_fraction" not in data and DATASETS[exp.data.dataset].train_fraction is not None:
        data["train_fraction"] = defaults(DATA_PARAMS)["train_fraction"]
    augment = exp.data.augment if entry.kind == IMAGE else {}  # images only (core.augment)
    return _edits.with_data(exp, dataset=name, params={**defaults(entry.params), **(params or {})},
                            features=features, augment=augment, **data)


class DataPanel(QScrollArea):
    """Data-set picker with thumbnails, data settings, feature toggles and a preview."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(14, 10, 14, 10)
        self._layout.setSpacing(6)
        self.setWidget(body)
        self.dataset_buttons: dict[str, QToolButton] = {}
        self.feature_buttons: dict[str, QToolButton] = {}
        self._build()
        session.changed.connect(self._on_changed)
        session.pending_changed.connect(self._on_pending_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        session.data_failed.connect(self._on_data_failed)
        self._sync(session.experiment)
        self._show_dataset(session.experiment)
        # Never narrower than the thumbnail grid: horizontal scrolling would hide half the picker.
        self.setMinimumWidth(body.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width())

    # ------------------------------------------------------------------ building ----------
    def _build(self) -> None:
        lay = self._layout
        lay.addWidget(section(self.tr("Data")))
        lay.addWidget(_hint(self.tr("Which data set do you want to use?")))
        lay.addLayout(self._dataset_grid())
        self.dataset_label = QLabel()
        self.dataset_label.setWordWrap(True)
        lay.addWidget(self.dataset_label)
        buttons = QHBoxLayout()
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.setToolTip(self.tr(
            "Draw a new sample of the data (a new data seed; undo brings it back)."))
        self.csv_button = QPushButton(self.tr("Open CSV…"))
        self.csv_button.setToolTip(self.tr("Train on your own table: "
                                           "pick a CSV file and the column to predict."))
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.csv_button)
        lay.addLayout(buttons)
        self.params_form = ParamForm(())
        self._params_slot = QVBoxLayout()
        self._params_slot.addWidget(self.params_form)
        lay.addLayout(self._params_slot)
        self.data_form = ParamForm(DATA_PARAMS)
        for name in ("noise", "train_fraction", "validation_fraction"):  # shares: arrows step by 5 %
            self.data_form.controls[name].step = 0.05
        lay.addWidget(self.data_form)

        lay.addSpacing(10)
        lay.addWidget(section(self.tr("Features")))
        self.features_hint = _hint(self.tr("Which properties do you want to feed in?"))
        lay.addWidget(self.features_hint)
        lay.addLayout(self._feature_grid())

        lay.addSpacing(10)
        lay.addWidget(section(self.tr("Preview")))
        self.preview = QLabel()
        self.preview.setFixedSize(_PREVIEW, _PREVIEW)
        self.preview.setToolTip(self.tr("Training points as dots, test points as rings."))
        lay.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        self.counts_label = _hint("")
        self.counts_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.counts_label)
        lay.addWidget(AugmentBox(self.session))  # image sets only: shift, rotate, noise and a preview
        lay.addStretch(1)

        self.regenerate_button.clicked.connect(self.regenerate)
        self.csv_button.clicked.connect(self.open_csv)
        self.data_form.value_changed.connect(self._data_edited)

    def _dataset_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(6)
        self.dataset_group = QButtonGroup(self)
        self.dataset_group.setExclusive(True)
        for i, (name, entry) in enumerate(DATASETS.items()):
            b = QToolButton()
            b.setObjectName("datasetButton")
            b.setCheckable(True)
            b.setIcon(thumbnail(name, _THUMB))
            b.setIconSize(QSize(_THUMB, _THUMB))
            b.setToolTip(f"<b>{entry.label}</b><br>{entry.help}")
            b.setAccessibleName(entry.label)
            b.clicked.connect(lambda _=False, n=name: self._dataset_clicked(n))
            self.dataset_group.addButton(b)
            self.dataset_buttons[name] = b
            grid.addWidget(b, i // _COLUMNS, i % _COLUMNS)
        return grid

    def _feature_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, (name, entry) in enumerate(FEATURES.items()):
            b = QToolButton()
            b.setObjectName("featureButton")
            b.setCheckable(True)
            b.setText(entry.label)
            b.setToolTip(entry.help or entry.label)
            b.setMinimumWidth(52)
            b.toggled.connect(lambda on, n=name: self._feature_toggled(n, on))
            self.feature_buttons[name] = b
            grid.addWidget(b, i // _COLUMNS, i % _COLUMNS)
        return grid

    # ------------------------------------------------------------------ edits -------------
    @property
    def _exp(self) -> Experiment:
        """What edits start from: the experiment with the data change still loading, if any."""
        return self.session.target

    def _change(self, new: Experiment, text: str, merge_key: str | None = None) -> None:
        self.session.change_data(new.data, new.data_seed, text, merge_key)

    def _dataset_clicked(self, name: str) -> None:
        if DATASETS[name].kind == TABLE:
            if not self.open_csv():
                self._sync(self._exp)  # cancelled: put the check back on the current set
            return
        self._change(with_dataset(self._exp, name), self.tr("Use {0} data").format(DATASETS[name].label))

    def _data_edited(self, name: str, value: Any) -> None:
        self._change(_edits.with_data(self._exp, **{name: value}),
                     self.tr("Change {0}").format(name.replace("_", " ")), f"data.{name}")

    def _params_edited(self, name: str, value: Any) -> None:
        params = {**self._exp.data.params, name: value}
        self._change(_edits.with_data(self._exp, params=params),
                     self.tr("Change {0}").format(name.replace("_", " ")), f"data.params.{name}")

    def _feature_toggled(self, name: str, on: bool) -> None:
        current = self._exp.data.features
        features = tuple(f for f in FEATURES if f in current or (on and f == name))
        if not on:
            features = tuple(f for f in features if f != name)
        if not features:  # at least one input must stay: put the check back
            self._sync(self._exp)
            return
        label = FEATURES[name].label
        self._change(_edits.with_data(self._exp, features=features),
                     (self.tr("Use feature {0}") if on else self.tr("Drop feature {0}")).format(label))

    def regenerate(self) -> None:
        """A new random sample of the same data set (new seed), as one undoable step."""
        self._change(replace(self._exp, data_seed=random.randint(0, 2**31 - 1)), self.tr("Regenerate data"))

    def open_csv(self) -> bool:
        """Ask for a CSV file and its target column, then load it (off the GUI thread) and switch
        to it once it has loaded and passed every check. False when the person cancelled a dialog."""
        settings = QSettings()
        start = str(settings.value(_LAST_CSV_DIR, str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open CSV data"), start, self.tr(CSV_FILTER))
        if not path:
            return False
        settings.setValue(_LAST_CSV_DIR, str(Path(path).parent))
        try:
            header = read_csv_header(Path(path))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            QMessageBox.warning(self, self.tr("Cannot read CSV"),
                                f"{path}: {getattr(exc, 'strerror', None) or exc}")
            return False
        if len(header) < 2:
            QMessageBox.warning(self, self.tr("Cannot use CSV"), self.tr(
                "{0}: needs a header row with at least two columns (inputs and the column to predict)."
            ).format(path))
            return False
        target, ok = QInputDialog.getItem(self, self.tr("Column to predict"), self.tr("Target column:"),
                                          header, len(header) - 1, False)
        if not ok:
            return False
        params = self._csv_params(path, target)
        if params is None:
            return False
        self._change(with_dataset(self._exp, "csv", params), self.tr("Use {0}").format(Path(path).name))
        return True

    def _csv_params(self, path: str, target: str) -> dict[str, Any] | None:
        """path/target plus the task, asked only when the schema offers a choice."""
        schema = {p.name: p for p in DATASETS["csv"].params}
        params: dict[str, Any] = {k: v for k, v in (("path", path), ("target", target)) if k in schema}
        task = schema.get("task")
        if task is not None and task.choices:
            choices = list(task.choices)
            choice, ok = QInputDialog.getItem(self, self.tr("Task"),
                                              self.tr("What should the network learn?"), choices,
                                              choices.index(task.default) if task.default in choices else 0,
                                              False)
            if not ok:
                return None
            params["task"] = choice
        return params

    def _on_data_failed(self, message: str) -> None:
        """A data change could not load (nothing changed): say why, in the core's own sentence."""
        QMessageBox.warning(self, self.tr("Cannot use the data"), message)

    # ------------------------------------------------------------------ mirroring ---------
    def _on_changed(self, new: Experiment, old: Experiment) -> None:
        if new.data != old.data or new.data_seed != old.data_seed:
            self._sync(self.session.target)
            self._show_dataset(new)

    def _on_pending_changed(self) -> None:
        self._sync(self.session.target)  # what was asked for, or back to what is current

    def _on_dataset_changed(self) -> None:
        self._show_dataset(self.session.experiment)

    def _sync(self, exp: Experiment) -> None:
        """Show `exp`'s data settings (what was asked for) and rebuild the data-set form."""
        data = exp.data
        entry = DATASETS[data.dataset]
        kind = entry.kind
        for name, b in self.dataset_buttons.items():
            b.setChecked(name == data.dataset)
        self.data_form.set_values({p.name: getattr(data, p.name) for p in DATA_PARAMS})
        self._rebuild_params(entry.params if kind != TABLE else _TABLE_SWITCHES)
        self.params_form.set_values({**defaults(entry.params), **data.params})  # an unset one: its default
        is_2d = kind == POINTS2D
        for name, b in self.feature_buttons.items():
            b.blockSignals(True)
            b.setChecked(name in data.features)
            b.setVisible(is_2d)
            b.blockSignals(False)
        self.features_hint.setText(self.tr("Which properties do you want to feed in?") if is_2d else
                                   self.tr("Input features apply to 2-D point sets; "
                                           "this one feeds its own inputs."))
        self.regenerate_button.setEnabled(kind != TABLE)

    def _rebuild_params(self, schema: tuple) -> None:
        if self.params_form.schema == tuple(schema):
            return
        new = ParamForm(schema)
        self._params_slot.replaceWidget(self.params_form, new)
        self.params_form.deleteLater()
        self.params_form = new
        new.value_changed.connect(self._params_edited)
        new.setVisible(bool(schema))

    def _show_dataset(self, exp: Experiment) -> None:
        entry = DATASETS[exp.data.dataset]
        ds = self.session.dataset
        if ds is None:
            self.dataset_label.setText(f"<b>{entry.label}</b>")
            self.preview.clear()
            self.preview.setText(self.session.dataset_error or self.tr("No data"))
            self.preview.setWordWrap(True)
            self.counts_label.setText("")
            return
        source = Path(str(exp.data.params.get("path", ""))).name if entry.kind == TABLE else ""
        self.dataset_label.setText(f"<b>{source or entry.label}</b> · {task_text(ds.task)}")
        self.preview.setPixmap(dataset_pixmap(ds, _PREVIEW, radius=2.4))
        counts = self.tr("{train:,} train · {test:,} test").format(train=len(ds.y_train), test=len(ds.y_test))
        if len(ds.y_val):
            counts += " · " + self.tr("{n:,} validation").format(n=len(ds.y_val))
        if ds.short and ds.used >= ds.available:  # asked for more than there is: never a silent cap
            counts += "\n" + self.tr("samples asks for {requested:,} examples, but this set holds "
                                     "{available:,}: all of them are in use").format(
                requested=ds.requested, available=ds.available)
        elif ds.short:
            counts += "\n" + self.tr("samples asks for {requested:,} examples, but only {used:,} fit this "
                                     "set's own training and test parts at this train share").format(
                requested=ds.requested, used=ds.used)
        elif ds.capped:  # never a silent cap: say how much of the set or file is in use
            counts += "\n" + self.tr("{used:,} of the {available:,} examples in use (samples)").format(
                used=ds.used, available=ds.available)
        self.counts_label.setText(counts)
        n = QLocale().toString
        shown = min(len(ds.y_train), PREVIEW_POINTS) + min(len(ds.y_test), PREVIEW_POINTS)
        total = len(ds.y_train) + len(ds.y_test)
        tip = self.tr("Training points as dots, test points as rings.")
        if shown < total:
            tip = self.tr("Training points as dots, test points as rings: a sample of {shown} of the "
                          "{total} points.").format(shown=n(shown), total=n(total))
        self.preview.setToolTip(tip)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.gui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    panel = DataPanel(Session())
    panel.show()
    app.exec()
