"""Every user-visible GUI string goes through Qt's translation (a Simplified Chinese UI is coming).

An AST walk over playground/gui, no Qt needed: a string literal (or an f-string, a "+" join, a
"...".format(...) or "..." % ...) passed straight to a user-visible Qt call is flagged. A literal is
fine inside self.tr(...), tr(...), QCoreApplication.translate(...) or a module's `_tr` helper that
calls translate, or when it has no letters ("×", "…", "%"), or when it is allowlisted below with
a reason. f-strings inside tr are flagged too: translators need whole sentences with {name} holes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import playground.gui

GUI_ROOT = Path(playground.gui.__file__).parent

# method name -> positions of the text arguments ("*" = every positional argument).
METHODS: dict[str, tuple[int, ...] | str] = {
    "setText": (0,), "setWindowTitle": (0,), "setToolTip": (0,), "setStatusTip": (0,),
    "setWhatsThis": (0,), "setPlaceholderText": (0,), "setTitle": (0,), "setLabelText": (0,),
    "setTabText": (1,), "setTabToolTip": (1,), "setItemText": (1,), "showMessage": (0,),
    "setSpecialValueText": (0,), "setPrefix": (0,), "setSuffix": (0,), "setFormat": (0,),
    "setInformativeText": (0,), "setDetailedText": (0,), "setButtonText": (1,),
    "addAction": "*", "addMenu": "*", "addTab": (1,), "insertTab": (2,), "addButton": (0,),
    "setHorizontalHeaderLabels": (0,), "setVerticalHeaderLabels": (0,), "setHeaderLabels": (0,),
    "addRow": (0,), "setHtml": (0,), "addItem": (0,),
    "setLabel": (1,),  # pyqtgraph AxisItem / PlotItem.setLabel(axis, text, units=...)
    "createUndoAction": (1,), "createRedoAction": (1,),
    # the project's own helpers that show their text or name an undo step ("Undo Regenerate data")
    "_action": (0, 3), "_own_action": (0,), "_edit": (1,), "edit": (1,), "_change": (1,),
    "_change_seed": (1,), "style_plot": (1, 2), "change_data": (2,), "_ask_for_change": (2,),
    "_tell": (0, 1), "_show_error": (0,), "_add_header": (0,),
}
# plain functions of the GUI that show their text (a label, an action, a dialog's title)
HELPERS = {"section": (0,), "_hint": (0,), "_action": (1, 3), "_column": (0,), "ask_save_path": (2,),
           "_checkbox": (0, 1)}
# Qt class -> positions of its text arguments when constructed ("*" = every positional argument).
CONSTRUCTORS: dict[str, tuple[int, ...] | str] = {
    "QLabel": (0,), "QPushButton": "*", "QToolButton": (), "QCheckBox": (0,), "QRadioButton": (0,),
    "QGroupBox": (0,), "QAction": "*", "QMenu": (0,), "QMessageBox": "*", "QProgressDialog": (0, 1),
    "QDockWidget": (0,), "QCommandLinkButton": "*", "LegendItem": (), "TextItem": (0,),
}
# static dialogs: QMessageBox.warning(parent, title, text),
# QFileDialog.getOpenFileName(parent, caption, dir, filter)
STATICS: dict[tuple[str, str], tuple[int, ...]] = {
    **{("QMessageBox", m): (1, 2) for m in ("warning", "information", "critical", "question", "about")},
    **{("QInputDialog", m): (1, 2)
       for m in ("getText", "getInt", "getDouble", "getItem", "getMultiLineText")},
    **{("QFileDialog", m): (1, 3) for m in ("getOpenFileName", "getSaveFileName", "getOpenFileNames")},
    ("QFileDialog", "getExistingDirectory"): (1,),
}
KEYWORDS = {"text", "title", "caption", "filter", "toolTip", "statusTip", "label", "labelText", "units",
            "windowTitle", "placeholderText"}
TRANSLATORS = {"tr", "_tr", "translate", "_translate"}

# Strings a translator would leave alone: names and units, with the reason.
ALLOWED = {
    "NN Playground": "the product's name",
    "MNIST": "a data set's proper name",
    "Adam": "an optimizer's proper name",
    "SGD": "an optimizer's acronym",
    "ReLU": "an activation's name",
    "Tanh": "an activation's name",
    "Sigmoid": "an activation's name",
    "s": "the seconds unit (pyqtgraph adds SI prefixes to it)",
    "Ctrl+K": "a key sequence",
    "x": "a mathematical variable (an axis of the data)",
    "y": "a mathematical variable (the value to predict)",
    "x₁": "a mathematical variable (the first input)",
    "x₂": "a mathematical variable (the second input)",
    "R²": "the coefficient of determination's symbol",
}


def _has_letters(text: str) -> bool:
    """Letters outside HTML tags and entities ("<b>", "&nbsp;") and format fields ("{n:,}")."""
    return any(ch.isalpha() for ch in re.sub(r"<[^>]*>|&\w+;|\{[^}]*\}", "", text))


def _bare(node: ast.AST) -> str | None:
    """The first untranslated text in an argument expression, or None if it is translated or not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _has_letters(node.value) and node.value not in ALLOWED else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return ast.unparse(node) if _has_letters(text) else None
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    if isinstance(node, ast.IfExp):
        return _bare(node.body) or _bare(node.orelse)
    if isinstance(node, ast.BoolOp):
        return next((b for b in map(_bare, node.values) if b), None)
    if isinstance(node, (ast.List, ast.Tuple)):
        return next((b for b in map(_bare, node.elts) if b), None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _bare(node.func.value) if node.func.attr in ("format", "join") else None
    return None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _owner(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return _name(func.value)
    return ""


def _text_args(call: ast.Call) -> list[ast.AST]:
    name, owner = _name(call.func), _owner(call.func)
    spec: tuple[int, ...] | str | None = STATICS.get((owner, name))
    if spec is None and isinstance(call.func, ast.Attribute):
        spec = METHODS.get(name)
    if spec is None and isinstance(call.func, ast.Name):
        spec = HELPERS.get(name)
    constructed = isinstance(call.func, ast.Name) or owner in ("QtWidgets", "pg")
    if spec is None and name in CONSTRUCTORS and constructed:
        spec = CONSTRUCTORS[name]
    if spec is None:
        return []
    args = list(call.args) if spec == "*" else [call.args[i] for i in spec if i < len(call.args)]
    return args + [k.value for k in call.keywords if k.arg in KEYWORDS]


def _is_main_block(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` or a `_demo()` it runs: a developer's demo, never the app."""
    if isinstance(node, ast.FunctionDef):
        return node.name == "_demo"
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def untranslated(source: str, filename: str = "<source>") -> list[str]:
    """'file:line: text' for each untranslated user-visible string in this module's source."""
    found = []
    tree = ast.parse(source, filename)
    tree.body = [n for n in tree.body if not _is_main_block(n)]  # a developer's demo, never the app
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _name(node.func) in TRANSLATORS:  # a whole sentence, never an f-string, for the translator
            bad = [ast.unparse(a) for a in node.args if isinstance(a, ast.JoinedStr)]
        else:
            bad = [b for b in map(_bare, _text_args(node)) if b]
        found += [f"{filename}:{node.lineno}: {text!r}" for text in bad]
    return found


def test_the_checker_flags_a_bare_literal_and_passes_a_wrapped_one() -> None:
    assert untranslated('label.setText("Hello")')
    assert untranslated('QMessageBox.warning(self, "Oops", self.tr("Bad"))')
    assert untranslated('button.setToolTip(f"{n} epochs")')
    assert untranslated('self.setWindowTitle(self.tr(f"{n} epochs"))')
    assert untranslated('menu.addAction("&Quit", self.close)')
    assert untranslated('plot.setLabel("bottom", "epoch")')
    assert untranslated('QLabel("Rate: " + str(x))')
    assert not untranslated('label.setText(self.tr("Hello"))')
    assert not untranslated('label.setText(_tr("{n} epochs").format(n=n))')
    assert not untranslated('label.setText(QCoreApplication.translate("Ctx", "Hello"))')
    assert not untranslated('label.setText("×")')
    assert not untranslated('label.setText(f"{n:.3g}")')
    assert not untranslated('label.setText(f"<table>{rows}</table>&nbsp;")')
    assert not untranslated('plot.setLabel("bottom", self.tr("epoch"))')


def test_every_gui_string_is_translatable() -> None:
    found = []
    for path in sorted(GUI_ROOT.rglob("*.py")):
        found += untranslated(path.read_text(encoding="utf-8"), str(path.relative_to(GUI_ROOT)))
    assert not found, f"{len(found)} untranslated GUI strings:\n" + "\n".join(found)
