"""Registries are tables: one Entry per layer type, loss, optimizer, schedule, dataset, initialiser.

Adding an optimizer is adding one Entry; validation, the CLI and the GUI all read the same table,
so there are no `if name == "adam"` chains spread over the code. A registry whose entries carry
more (a loss's tasks, a layer's shape inference) subclasses Entry with typed fields beside its table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from playground.core.errors import SpecError
from playground.core.params import Param, validate_params


@dataclass(frozen=True)
class Entry:
    """A named, documented factory with a parameter schema.

    `factory` is entry-specific (builds a torch module, optimizer, data set, ...).
    """

    name: str
    label: str
    help: str
    params: tuple[Param, ...] = ()
    factory: Callable[..., Any] | None = None

    def validate(self, values: Mapping[str, Any] | None, path: str) -> dict[str, Any]:
        return validate_params(self.params, values, path)


E = TypeVar("E", bound=Entry)


class Registry(Mapping[str, E], Generic[E]):
    """An ordered, read-only name -> Entry table whose lookups fail with a helpful SpecError."""

    def __init__(self, kind: str, entries: list[E] | tuple[E, ...] = ()):
        self.kind = kind
        self._entries: dict[str, E] = {}
        for e in entries:
            self.add(e)

    def add(self, entry: E) -> E:
        if entry.name in self._entries:
            raise ValueError(f"duplicate {self.kind} {entry.name!r}")
        self._entries[entry.name] = entry
        return entry

    def lookup(self, name: Any, path: str) -> E:
        """The entry called `name`, or a SpecError at `path` listing what exists."""
        if not isinstance(name, str) or name not in self._entries:
            raise SpecError(path, f"unknown {self.kind} (known: {', '.join(self._entries)})", name)
        return self._entries[name]

    def __getitem__(self, name: str) -> E:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
