"""The house rules of playground/ read from the source (no import runs): the import graph and its
cycles, Qt in the core, file lengths. tests/test_architecture.py applies them to playground/ and
proves on small made-up packages that each check can fail.

An import counts wherever it is written (module level or inside a function: a lazy import still
ties two modules together), except under ``if TYPE_CHECKING:``, which never runs. Importing
``a.b.c`` counts as a dependency on ``a.b.c`` only, not on the packages ``a`` and ``a.b`` around it
(their ``__init__`` re-exports would make every module depend on its parents).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

QT_PACKAGES = frozenset({"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "qtpy"})


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package at `root` (a folder with __init__.py): dotted name -> file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, however deeply nested, outside `if TYPE_CHECKING:` bodies."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _import_nodes(node.orelse)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node))


def imported(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """Each import of `module` (at `path`) as (dotted name, names taken from it): relative imports
    made absolute; ``import a.b`` gives ``("a.b", [])``, ``from a import b, c`` gives
    ``("a", ["a.b", "a.c"])`` (each a module, or a name defined in ``a``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")[:len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        found.append((base, [f"{base}.{alias.name}" for alias in node.names]))
    return found


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The module of the package that `name` lives in (its longest known prefix), or None."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (``from pkg import mod`` needs
    ``pkg.mod``, not ``pkg``'s ``__init__``)."""
    known = modules(root)
    graph = {}
    for module, path in known.items():
        deps = set()
        for base, taken in imported(module, path):
            submodules = [name for name in taken if name in known]
            deps.update(submodules or [_owner(base, known)])
        graph[module] = {d for d in deps if d is not None and d != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected group of two or more modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def qt_imports(root: Path, layer: str) -> list[str]:
    """``module: imported name`` for each Qt import in `layer` (a dotted package) and below."""
    found = []
    for module, path in modules(root).items():
        if module == layer or module.startswith(layer + "."):
            found += [f"{module}: {base}" for base, _ in imported(module, path)
                      if base.split(".")[0] in QT_PACKAGES]
    return found


def long_files(root: Path, limit: int = 400) -> list[str]:
    """``path (lines)`` for each Python file under `root` longer than `limit` lines (the path as
    from `root`'s parent: ``playground/gui/x.py``)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        with path.open(encoding="utf-8") as f:
            count = sum(1 for _ in f)
        if count > limit:
            found.append(f"{path.relative_to(root.parent).as_posix()} ({count})")
    return found
