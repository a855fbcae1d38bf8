"""The inspector: the parameters of the selected layer (or of the output head), as a ParamForm.

The form is generated from the registry schema, so it needs no per-layer code. It is rebuilt only
when the *kind* of thing shown changes (another layer type or index); a value change from the
session (undo, another view) is written into the existing controls without echo, so typing in a
spin box keeps its focus. Edits go to the session as undoable commands that merge per field.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from playground.core.errors import PlaygroundError
from playground.core.layers import LAYERS, OUTPUT_PARAMS
from playground.gui import theme
from playground.gui.designer import edits
from playground.gui.session import Session
from playground.gui.widgets.param_form import ParamForm

HEAD = -1


class LayerInspector(QFrame):
    """Shows and edits layer `index` (HEAD = -1: the output head's settings)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerInspector")
        self.setStyleSheet(f"#layerInspector {{ background: {theme.SURFACE}; "
                           f"border: 1px solid {theme.BORDER}; border-radius: 8px; }}")
        self._session = session
        self._index = HEAD
        self._key: tuple[int, str] | None = None
        self.form: ParamForm | None = None
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {theme.MUTED};")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 8, 10, 10)
        self._layout.setSpacing(4)
        self.empty = QLabel(self.tr("This layer has no settings."))
        self.empty.setStyleSheet(f"color: {theme.MUTED}; font-style: italic;")
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.hint)
        self._layout.addWidget(self.empty)
        session.changed.connect(self.refresh)
        session.dataset_changed.connect(self.refresh)  # the output head's size follows the data
        self.refresh()

    @property
    def index(self) -> int:
        return self._index

    def set_index(self, index: int) -> None:
        """Show layer `index`, or the output head for -1."""
        self._index = index
        self.refresh()

    def focus_form(self) -> None:
        """Put the keyboard in the first control (double-click on a block)."""
        if self.form is not None and self.form.controls:
            first = next(iter(self.form.controls.values()))
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh(self, *_: object) -> None:
        """Mirror the session: rebuild the form if the target changed, else update its values."""
        layers = self._session.experiment.network.layers
        if not 0 <= self._index < len(layers):
            self._index = HEAD
        if self._index == HEAD:
            key, schema, values = (HEAD, "output"), OUTPUT_PARAMS, self._session.experiment.network.output
            self._show_head()
        else:
            layer = layers[self._index]
            entry = LAYERS[layer.type]
            key, schema, values = (self._index, layer.type), entry.params, layer.params
            self.title.setText(self.tr("Layer {0} · {1}").format(self._index + 1, entry.label))
            self.hint.setText(entry.help)
        if key != self._key:
            self._key = key
            self._rebuild(schema, values)
        elif self.form is not None:
            self.form.set_values(values)

    def _show_head(self) -> None:
        ds = self._session.dataset
        if ds is None:
            self.title.setText(self.tr("Output head"))
        elif ds.output_units == 1:
            self.title.setText(self.tr("Output head · {0} unit ({1})").format(ds.output_units, ds.task))
        else:
            self.title.setText(self.tr("Output head · {0} units ({1})").format(ds.output_units, ds.task))
        self.hint.setText(self.tr("Select a layer to edit it. The output head's size follows the task; "
                                  "these are its settings."))


    def _rebuild(self, schema: Any, values: Any) -> None:
        if self.form is not None:
            self._layout.removeWidget(self.form)
            self.form.hide()  # deleteLater runs on the next loop turn; don't draw both meanwhile
            self.form.deleteLater()
        self.form = ParamForm(schema, values, self)
        self.form.value_changed.connect(self._on_value)
        self._layout.addWidget(self.form)
        self.hint.setVisible(bool(self.hint.text()))
        self.empty.setVisible(not schema)

    def _on_value(self, name: str, value: Any) -> None:
        exp = self._session.experiment
        try:
            if self._index == HEAD:
                new = edits.set_output_param(exp, name, value)
                self._session.edit(new, self.tr("Set output {0}").format(name), merge_key=f"output.{name}")
            else:
                label = LAYERS[exp.network.layers[self._index].type].label
                new = edits.set_layer_param(exp, self._index, name, value)
                self._session.edit(new, self.tr("Set {0} {1}").format(label, name),
                                   merge_key=f"layer{self._index}.{name}")
        except PlaygroundError as exc:  # a value the schema rejects: show it, put the old one back
            self.refresh()
            self.hint.setText(f"⚠ {exc}")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    inspector = LayerInspector(Session())
    inspector.set_index(0)
    inspector.show()
    app.exec()
