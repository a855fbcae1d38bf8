"""A preset's optional `search` section: how the lesson's own sweep is set up, checked strictly.

    "search": {"sampler": "grid", "params": {"training.optimizer.lr": [0.001, 0.01, 0.1]}}
    "search": {"sampler": "random", "trials": 8,
               "params": {"training.optimizer.lr": {"low": 0.0001, "high": 1.0}}}

A list gives the values (a grid, or the choices of a random/TPE draw); an object with `low` and
`high` gives a range (random and TPE only; log-uniform when a positive range spans more than 10×).
A leaf (errors only): validation reads it without importing torch or Optuna. Whether each path
exists in the preset and each value is allowed there is checked when a sweep builds its trials,
with the error naming the path and the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from playground.core.errors import SpecError

SAMPLERS = ("grid", "random", "tpe")
PRUNERS = ("none", "median", "halving")
MAX_FOLDS = 20
MAX_TRIALS = 10_000
DEFAULTS: dict[str, Any] = {"sampler": "grid", "trials": 10, "folds": 0, "pruner": "none"}
_KEYS = ("sampler", "trials", "folds", "pruner", "params")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SpecError(path, f"must be a whole number from {low} to {high}", value)
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SpecError(path, f"must be one of {', '.join(choices)}", value)
    return value


def check_values(values: Any, path: str) -> list[Any]:
    """A non-empty list of numbers, strings or booleans, none twice."""
    if not isinstance(values, list) or not values:
        raise SpecError(path, "must be a non-empty list of values or an object with low and high", values)
    for i, v in enumerate(values):
        if not (_number(v) or isinstance(v, (str, bool))):
            raise SpecError(f"{path}[{i}]", "must be a number, a name or true/false", v)
    if len({repr(v) for v in values}) != len(values):
        raise SpecError(path, "lists a value twice", values)
    return list(values)


def check_range(low: Any, high: Any, path: str) -> tuple[float, float]:
    """Two finite numbers with low < high."""
    for key, v in (("low", low), ("high", high)):
        if not _number(v):
            raise SpecError(f"{path}.{key}", "must be a finite number", v)
    if not low < high:
        raise SpecError(path, f"low must be below high, got low {low} and high {high}")
    return low, high


def _param(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"low", "high"})
        if extra:
            raise SpecError(f"{path}.{extra[0]}", "unknown field (allowed: high, low)")
        low, high = check_range(value.get("low"), value.get("high"), path)
        return {"low": low, "high": high}
    return check_values(value, path)


def check_section(d: Any, path: str = "search") -> dict[str, Any]:
    """The section, complete and checked ({} stays {}: a preset without a sweep)."""
    if not isinstance(d, Mapping):
        raise SpecError(path, "must be an object", d)
    if not d:
        return {}
    for key in d:
        if key not in _KEYS:
            raise SpecError(f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(_KEYS))})")
    out = {**DEFAULTS, **{k: v for k, v in d.items() if k != "params"}}
    out["sampler"] = _choice(out["sampler"], f"{path}.sampler", SAMPLERS)
    out["pruner"] = _choice(out["pruner"], f"{path}.pruner", PRUNERS)
    out["trials"] = _whole(out["trials"], f"{path}.trials", 1, MAX_TRIALS)
    folds = _whole(out["folds"], f"{path}.folds", 0, MAX_FOLDS)
    if folds == 1:
        raise SpecError(f"{path}.folds", "must be 0 (no cross-validation) or at least 2", folds)
    params = d.get("params")
    if not isinstance(params, Mapping) or not params:
        raise SpecError(f"{path}.params", "must name at least one setting, e.g. "
                        "{\"training.optimizer.lr\": [0.001, 0.01, 0.1]}", params)
    out["params"] = {}
    for key, value in params.items():
        where = f"{path}.params.{key}"
        if not isinstance(key, str) or not key.strip():
            raise SpecError(where, "must be a setting's path such as training.optimizer.lr")
        checked = _param(value, where)
        if isinstance(checked, dict) and out["sampler"] == "grid":
            raise SpecError(where, "a range needs the random or tpe sampler (a grid takes a list of values)")
        out["params"][key] = checked
    return out


__all__ = ["DEFAULTS", "MAX_FOLDS", "PRUNERS", "SAMPLERS", "check_range", "check_section", "check_values"]
