"""Step mode's text: the names of the optimizer's settings and state, and the read-out's style sheet.

The names are marked for translators here (QT_TRANSLATE_NOOP) and StepExplainer translates them
when it shows them; symbols such as "ε" stay as they are.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP as _N

from playground.gui import theme

HYPER_NAMES = {
    "lr": _N("StepExplainer", "learning rate"), "momentum": _N("StepExplainer", "momentum μ"),
    "alpha": _N("StepExplainer", "decay α"), "eps": "ε", "beta1": "β₁", "beta2": "β₂",
    "weight_decay": _N("StepExplainer", "weight decay λ"),
}
STATE_NAMES = {
    "momentum_buffer": _N("StepExplainer", "velocity v"), "sum": _N("StepExplainer", "sum of g² s"),
    "square_avg": _N("StepExplainer", "avg of g² s"), "exp_avg": _N("StepExplainer", "1st moment m"),
    "exp_avg_sq": _N("StepExplainer", "2nd moment v"), "step": _N("StepExplainer", "step t"),
}
CSS = f"""
body {{ color: {theme.TEXT}; }}
h3 {{ font-size: 10pt; margin: 0; }}
.section {{ color: {theme.MUTED}; font-size: 8pt; letter-spacing: 1px; margin-top: 8px; }}
.muted {{ color: {theme.MUTED}; }} .ok {{ color: #2e7d4f; }} .bad {{ color: {theme.ERROR}; }}
td {{ padding-right: 8px; }}
.arrow {{ font-family: sans-serif; }}
"""
