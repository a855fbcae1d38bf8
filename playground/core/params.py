"""Parameter schemas: the one description of a setting that validation, docs and GUI controls share.

A registry entry (layer, optimizer, dataset, ...) lists its Params; `validate_params` turns a
loosely typed mapping from JSON into a complete, checked dict, and the GUI builds widgets from the
same Params, so a new option needs no hand-written control.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playground.core.errors import SpecError


@dataclass(frozen=True)
class Param:
    """One setting: its type, default, allowed range or choices, and a help text for tooltips."""

    name: str
    kind: type  # int, float, bool or str
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    log_scale: bool = False  # GUI hint: values span decades (learning rates, penalties)
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def check(self, value: Any, path: str) -> Any:
        """Return `value` coerced to this param's kind, or raise SpecError naming `path`."""
        value = self._coerce(value, path)
        if self.choices is not None and value not in self.choices:
            raise SpecError(path, f"must be one of {', '.join(self.choices)}", value)
        if self.kind in (int, float):
            if isinstance(value, float) and not math.isfinite(value):
                raise SpecError(path, "must be a finite number", value)
            if self.minimum is not None:
                if self.min_exclusive and not value > self.minimum:
                    raise SpecError(path, f"must be > {_fmt(self.minimum)}", value)
                if not self.min_exclusive and value < self.minimum:
                    raise SpecError(path, f"must be >= {_fmt(self.minimum)}", value)
            if self.maximum is not None and value > self.maximum:
                raise SpecError(path, f"must be <= {_fmt(self.maximum)}", value)
        return value

    def _coerce(self, value: Any, path: str) -> Any:
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise SpecError(path, "must be true or false", value)
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    return int(value)
                raise SpecError(path, "must be a whole number", value)
            return value
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(path, "must be a number", value)
            return float(value)
        if self.kind is str:
            if not isinstance(value, str):
                raise SpecError(path, "must be a string", value)
            return value
        raise TypeError(f"unsupported Param kind {self.kind!r}")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def validate_params(schema: Sequence[Param], values: Mapping[str, Any] | None, path: str) -> dict[str, Any]:
    """Check `values` against `schema`; fill defaults; reject unknown keys. Returns a new dict."""
    values = {} if values is None else values
    if not isinstance(values, Mapping):
        raise SpecError(path, "must be an object", values)
    known = {p.name: p for p in schema}
    for key in values:
        if key not in known:
            allowed = ", ".join(known) or "none"
            raise SpecError(f"{path}.{key}" if path else key, f"unknown parameter (allowed: {allowed})")
    out: dict[str, Any] = {}
    for p in schema:
        sub = f"{path}.{p.name}" if path else p.name
        out[p.name] = p.check(values[p.name], sub) if p.name in values else p.default
    return out


def defaults(schema: Sequence[Param]) -> dict[str, Any]:
    """The default value of every param in `schema`."""
    return {p.name: p.default for p in schema}
