"""Settings addressed by their path in the preset (`training.optimizer.lr`, `network.layers.0.units`),
what the command line's `--set` says about them, and applying values to a preset dict.

A trial is the preset with some values replaced: `apply` writes them into a copy of the preset's
JSON form and `trial_experiment` reads that back through the one strict reader, so a value that
does not fit gives the usual one-line error naming the path and the value.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from playground.core.errors import SpecError
from playground.core.search.section import check_range, check_values

_INDEX = re.compile(r"\[(\d+)\]")
LOG_SPAN = 10.0  # a positive range spanning more than this factor is drawn log-uniformly


@dataclass(frozen=True)
class SearchParam:
    """One swept setting: its path and either its values (a grid, or choices) or a range."""

    path: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def integer(self) -> bool:
        """A range of whole numbers (batch size, units) is drawn as whole numbers."""
        return self.is_range and all(isinstance(v, int) for v in (self.low, self.high))

    @property
    def log(self) -> bool:
        """Log-uniform: a positive range spanning more than LOG_SPAN (learning rates, penalties)."""
        return self.is_range and self.low > 0 and self.high / self.low > LOG_SPAN

    def to_json(self) -> Any:
        return {"low": self.low, "high": self.high} if self.is_range else list(self.values)


def parse_value(text: str) -> Any:
    """A command-line value as JSON would read it: whole number, number, true/false, else a name."""
    t = text.strip()
    if t in ("true", "false"):
        return t == "true"
    for kind in (int, float):
        try:
            value = kind(t)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError(t, "is not a finite number")
        return value
    return t


def parse_set(text: str) -> SearchParam:
    """`PATH=V1,V2,...` (values) or `PATH=LO..HI` (a range); SpecError naming what is wrong."""
    path, sep, rest = text.partition("=")
    path = normal_path(path.strip())
    if not sep or not path or not rest.strip():
        raise SpecError("--set", "must be PATH=V1,V2,... or PATH=LO..HI, e.g. "
                        "training.optimizer.lr=0.001,0.01", text)
    if ".." in rest:
        lo, _, hi = rest.partition("..")
        low, high = parse_value(lo), parse_value(hi)
        low, high = check_range(low, high, path)
        return SearchParam(path, low=low, high=high)
    values = [parse_value(v) for v in rest.split(",")]
    return SearchParam(path, values=tuple(check_values(values, path)))


def from_section(params: dict[str, Any]) -> list[SearchParam]:
    """A preset's `search.params` (already checked) as SearchParams."""
    out = []
    for path, spec in params.items():
        if isinstance(spec, dict):
            out.append(SearchParam(normal_path(path), low=spec["low"], high=spec["high"]))
        else:
            out.append(SearchParam(normal_path(path), values=tuple(spec)))
    return out


def normal_path(path: str) -> str:
    """`network.layers[0].units` and `network.layers.0.units` are the same path (the latter kept)."""
    return _INDEX.sub(r".\1", path)


def _parts(path: str) -> list[str]:
    return normal_path(path).split(".")


def get(d: dict[str, Any], path: str) -> Any:
    """The value at `path` in a preset dict; SpecError if the preset has no such setting."""
    node: Any = d
    for part in _parts(path):
        node = _child(node, part, path)
    return node


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    if isinstance(node, list):
        raise SpecError(path, f"has no item {part} (the list has {len(node)})")
    raise SpecError(path, "is not a setting of this preset (see its JSON for the paths)")


def apply(d: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of preset dict `d` with each path set to its value.

    Switching a named choice (`training.optimizer.name`, `.schedule.name`, a layer's `type`) keeps
    only the parameters the new choice takes, so `adam` → `sgd` keeps `lr` and drops `beta1`.
    """
    out = copy.deepcopy(d)
    for path, value in values.items():
        parts = _parts(path)
        parent = out
        for part in parts[:-1]:
            parent = _child(parent, part, path)
        last = parts[-1]
        if isinstance(parent, list):
            _child(parent, last, path)
            parent[int(last)] = value
        elif isinstance(parent, dict):
            if last not in parent and not _optional(parts):
                raise SpecError(path, "is not a setting of this preset (see its JSON for the paths)")
            parent[last] = value
            _keep_what_the_choice_takes(parts, parent)
        else:
            raise SpecError(path, "is not a setting of this preset (see its JSON for the paths)")
    return out


def _optional(parts: list[str]) -> bool:
    """Settings that a preset may leave out (their default applies): the reader names bad ones."""
    return len(parts) >= 2 and parts[0] in ("training", "data", "network")


def _keep_what_the_choice_takes(parts: list[str], parent: dict[str, Any]) -> None:
    key = parts[-1]
    registry = None
    if parts[:-1] == ["training", "optimizer"] and key == "name":
        from playground.core.optimizers import OPTIMIZERS as registry
    elif parts[:-1] == ["training", "schedule"] and key == "name":
        from playground.core.schedules import SCHEDULES as registry
    elif parts[:2] == ["network", "layers"] and len(parts) == 4 and key == "type":
        from playground.core.layers import LAYERS as registry
    if registry is None or parent[key] not in registry:
        return  # an unknown name: the reader's error lists the names there are
    taken = {p.name for p in registry[parent[key]].params}
    for name in [k for k in parent if k != key and k not in taken]:
        del parent[name]


def trial_experiment(preset: dict[str, Any], values: dict[str, Any]) -> Any:
    """The Experiment of one trial: `preset` with `values` applied, read strictly (SpecError)."""
    from playground.core.experiment import experiment_from_dict

    return experiment_from_dict(apply(preset, values))


__all__ = ["LOG_SPAN", "SearchParam", "apply", "from_section", "get", "normal_path", "parse_set",
           "parse_value", "trial_experiment"]
