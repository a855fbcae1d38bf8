"""The app's look in one place: colours, the stylesheet, the palette and the icon.

Kept apart from app.py (which starts the app and imports the main window) so that any panel's
`__main__` preview can take the theme without importing the whole window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

BACKGROUND = "#f6f7f9"
SURFACE = "#ffffff"
TEXT = "#25303b"
MUTED = "#6b7785"
BORDER = "#d3d8e0"
ACCENT = "#0877bd"  # TensorFlow Playground blue
ACCENT_DARK = "#183d4e"  # TensorFlow Playground header / play button
WARM = "#f59322"  # TensorFlow Playground orange
GREEN = "#4a9d6f"  # the third class, the validation curve
ERROR = "#d64545"  # a wrong prediction, a broken block, a worse number
ERROR_FILL = "#fdeeee"
WARNING_FILL = "#fff4e5"
DISABLED = "#a9b4bf"
BUTTON = "#eceff3"
# Orange = negative class / low values, blue = positive / high (TensorFlow Playground's reading);
# k classes: a calm qualitative palette that starts with the same two.
NEGATIVE, POSITIVE = WARM, ACCENT
CLASS_COLOURS = (WARM, ACCENT, GREEN, "#c9556f", "#8c6bb8", "#3fa3a8", "#d4a72c", "#8a8f98", "#5b6bd6",
                 "#a0522d")
CURVE_COLOURS = {"train": ACCENT, "test": WARM, "val": GREEN}

STYLESHEET = f"""
QMainWindow, QWidget#central {{ background: {BACKGROUND}; }}
QToolTip {{ background: {SURFACE}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QLabel#sectionTitle {{ color: {TEXT}; font-size: 10pt; letter-spacing: 1px; }}
QLabel#caption {{ color: {MUTED}; font-size: 8pt; }}
QLabel#warningCaption {{ color: #b35c00; font-size: 8pt; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#bigNumber {{ color: {TEXT}; font-size: 18pt; }}
QLabel#counter {{ color: {TEXT}; }}
QWidget#runBar {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QToolButton#trainButton {{ background: {ACCENT_DARK}; border: none; border-radius: 24px; }}
QToolButton#trainButton:hover {{ background: #25546a; }}
QToolButton#trainButton:disabled {{ background: {DISABLED}; }}
QToolButton#roundButton {{ background: transparent; border: 1px solid transparent; border-radius: 17px; }}
QToolButton#roundButton:hover {{ background: #e8ecf1; border-color: {BORDER}; }}
QToolButton#roundButton:disabled {{ background: transparent; }}
QFrame#notice {{ background: {WARNING_FILL}; border: 1px solid #f3c98b; border-radius: 6px; }}
QFrame#notice[severity="error"] {{ background: {ERROR_FILL}; border-color: #eab0b0; }}
QTabWidget::pane {{ border: none; background: {BACKGROUND}; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 6px 14px; border: none;
               border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QScrollArea {{ background: transparent; border: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QToolButton#datasetButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px;
                             padding: 2px; }}
QToolButton#datasetButton:hover {{ border-color: {MUTED}; }}
QToolButton#datasetButton:checked {{ border: 2px solid {TEXT}; padding: 1px; }}
QToolButton#featureButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px;
                             padding: 3px 8px; color: {MUTED}; }}
QToolButton#featureButton:checked {{ background: #fdebd5; border-color: {WARM}; color: {TEXT}; }}
QPushButton {{ background: {BUTTON}; border: 1px solid {BORDER}; border-radius: 4px; padding: 4px 12px;
              color: {TEXT}; }}
QPushButton:hover {{ background: #e2e6eb; }}
QPushButton:disabled {{ color: {DISABLED}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: #c5ccd6; border-radius: 3px; min-height: 28px; }}
QScrollBar::handle:vertical:hover {{ background: {MUTED}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 2px; }}
QScrollBar::handle:horizontal {{ background: #c5ccd6; border-radius: 3px; min-width: 28px; }}
QSplitter::handle {{ background: {BACKGROUND}; }}
QSplitter::handle:hover {{ background: {BORDER}; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion with a light palette plus a small stylesheet: the same look on every platform.

    Fusion (not the platform style) because the stylesheet above only restyles a few objects and
    must sit on predictable metrics; a dark desktop theme must not turn half the window dark.
    """
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, BACKGROUND), (roles.Base, SURFACE), (roles.AlternateBase, "#f0f2f5"),
                         (roles.Text, TEXT), (roles.WindowText, TEXT), (roles.ButtonText, TEXT),
                         (roles.Button, BUTTON), (roles.Highlight, ACCENT),
                         (roles.HighlightedText, SURFACE), (roles.ToolTipBase, SURFACE),
                         (roles.ToolTipText, TEXT), (roles.PlaceholderText, MUTED), (roles.Mid, BORDER),
                         (roles.Link, ACCENT)):
        pal.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED))
    app.setPalette(pal)
    app.setStyleSheet(STYLESHEET)


def app_icon() -> QIcon:
    """The application icon (a tiny network over a decision boundary), from the shipped SVG."""
    from playground.resources import icon

    return icon("icon")
