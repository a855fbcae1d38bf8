"""Errors the core raises for bad input: each names where the problem is and what was found.

They are the only exceptions a person should ever see as a message; everything else is a bug.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


class PlaygroundError(Exception):
    """Base for expected, user-facing errors."""


class SpecError(PlaygroundError, ValueError):
    """A field of an experiment (or preset file) is invalid.

    `path` is the dotted field path (``training.optimizer.lr``), `file` the preset file if any.
    str() gives ``file: path: message, got value`` so a person can find and fix it.
    """

    def __init__(self, path: str, message: str, value: Any = _MISSING, file: str | None = None):
        self.path = path
        self.message = message
        self.value = value
        self.file = file
        super().__init__(str(self))

    def with_file(self, file: str) -> SpecError:
        return SpecError(self.path, self.message, self.value, file)

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        text = ": ".join(parts + [self.message])
        if self.value is not _MISSING:
            text += f", got {self.value!r}"
        return text


class ShapeError(PlaygroundError):
    """A layer cannot accept the shape its predecessor produces."""

    def __init__(self, layer_index: int, message: str):
        self.layer_index = layer_index
        self.message = message
        super().__init__(f"layer {layer_index + 1}: {message}")


class DataError(PlaygroundError):
    """A data file (CSV, image archive) cannot be read; the message says file, row and column."""


class SaveError(PlaygroundError):
    """A file cannot be written where it was asked to go; the message names the file and why."""


class MissingDataError(DataError):
    """A data set's files are not on this computer yet; the message says how to get them.

    `download` names what to get (``mnist``: `nn-playground data get mnist`).
    """

    def __init__(self, message: str, download: str):
        self.download = download
        super().__init__(message)


def failure_text(exc: BaseException) -> str:
    """One line for a person: the core's own message for expected errors, the type for bugs."""
    if isinstance(exc, PlaygroundError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "Out of memory: try a smaller network, fewer samples or a smaller batch."
    else:
        text = f"Training failed ({type(exc).__name__}: {exc})"
    return " ".join(text.split())
