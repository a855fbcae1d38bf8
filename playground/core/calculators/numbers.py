"""Reading the numbers a learner types: "1, 2" is a vector, "0.7,0.3; 0.2,0.8" a matrix (rows by ';')."""

from __future__ import annotations

import math

from playground.core.errors import PlaygroundError


class CalcError(PlaygroundError, ValueError):
    """A calculator input is not usable; the message names the field and the value."""


def parse_vector(text: str, field: str) -> tuple[float, ...]:
    """The comma-separated numbers in `text`, or a CalcError naming `field`."""
    rows = parse_matrix(text, field)
    if len(rows) != 1:
        raise CalcError(f"{field}: give one row of numbers separated by commas, got {text!r}")
    return rows[0]


def parse_matrix(text: str, field: str) -> tuple[tuple[float, ...], ...]:
    """Rows separated by ';' (or new lines), numbers by commas or spaces; all rows the same length."""
    rows = [r for r in text.replace("\n", ";").split(";") if r.strip()]
    if not rows:
        raise CalcError(f"{field}: give at least one number, got {text!r}")
    out = []
    for row in rows:
        cells = [c for c in row.replace(",", " ").split() if c]
        try:
            values = tuple(float(c) for c in cells)
        except ValueError:
            raise CalcError(f"{field}: every entry must be a number, got {text!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise CalcError(f"{field}: every entry must be a finite number, got {text!r}")
        out.append(values)
    if len({len(r) for r in out}) != 1:
        raise CalcError(f"{field}: every row needs the same number of values, got {text!r}")
    return tuple(out)


def same_length(values: tuple[float, ...], field: str, n: int, reference: str) -> None:
    """Raise a CalcError unless `values` holds one number per weight (`n`, the length of `reference`)."""
    if len(values) != n:
        raise CalcError(f"{field} has {len(values)} value(s) but {reference} has {n}: give one per weight")


def vector_text(values: tuple[float, ...] | list[float]) -> str:
    """(1.545, 2.28): a vector as the calculators print it."""
    return "(" + ", ".join(f"{float(v):.6g}" for v in values) + ")"
