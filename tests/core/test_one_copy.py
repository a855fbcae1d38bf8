"""No copy of an optimizer's or loss's math outside its registry entry: nothing branches on their names.

The twin, the Step explainer and the views look rules up on the entry (`core.update_rules`,
`core.loss_rules`); a comparison with an optimizer or loss name (`if name == "adam"`) anywhere else
would be a second copy of what the entry says, which an added optimizer or loss would silently miss.
"""

from __future__ import annotations

import ast
from pathlib import Path

from playground.core.losses import LOSSES
from playground.core.optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[2] / "playground"
# where the rules are defined (update_rules also reads the "momentum" hyper-parameter by its name)
OWNERS = {"core/optimizers.py", "core/losses.py", "core/update_rules.py", "core/loss_rules.py"}
NAMES = set(OPTIMIZERS) | set(LOSSES)


def name_comparisons(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each comparison of something with an optimizer or loss name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                items = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                found += [(node.lineno, i.value) for i in items
                          if isinstance(i, ast.Constant) and i.value in NAMES]
    return found


def test_nothing_outside_the_registries_branches_on_an_optimizer_or_loss_name():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in OWNERS:
            offenders += [f"{rel}:{line} compares with {name!r}"
                          for line, name in name_comparisons(ast.parse(path.read_text()))]
    assert offenders == [], "\n".join(offenders)


def test_the_check_finds_a_name_chain():
    assert name_comparisons(ast.parse('if kind in ("adam", "adamw"):\n    pass\nx = name == "mse"')) == [
        (1, "adam"), (1, "adamw"), (3, "mse")]
