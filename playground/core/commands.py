"""The commands a window may send a training run: one type for the run's queue, its control, the
process link and the window.

Each command is a small frozen dataclass. The run queues them as they are (`TrainingRun.send`);
`RunControl` takes the control ones (pause, resume, step, stop) and the run applies the others
through an explicit table. Across the process link a command travels as its wire name and a list
of arguments (`encode`/`decode`): no pickle, the name must be one of `COMMANDS` and the arguments
must fit that command, or it is refused with a sentence saying why. (The trainer process used to
call ``getattr(run, name)(*args)`` with whatever name came off the pipe.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

_INT, _FLOAT, _TEXT, _NONE = "an integer", "a number", "a text", "nothing"


@dataclass(frozen=True)
class Pause:
    """Pause within one slice, dropping any queued steps."""

    name: ClassVar[str] = "pause"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ()


@dataclass(frozen=True)
class Resume:
    """Train freely again (drops queued steps)."""

    name: ClassVar[str] = "resume"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ()


@dataclass(frozen=True)
class StepEpoch:
    """Train exactly one more epoch, then stay paused (presses add up)."""

    name: ClassVar[str] = "step_epoch"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ()


@dataclass(frozen=True)
class StepBatch:
    """Do exactly one more optimizer step, then stay paused (presses add up)."""

    name: ClassVar[str] = "step_batch"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ()


@dataclass(frozen=True)
class Stop:
    """End the run within one slice (drops queued steps)."""

    name: ClassVar[str] = "stop"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ()


@dataclass(frozen=True)
class SetLearningRate:
    """The base learning rate from now on (the schedule keeps scaling it)."""

    lr: float
    name: ClassVar[str] = "set_learning_rate"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ((_FLOAT,),)


@dataclass(frozen=True)
class SetParameter:
    """Overwrite one weight (state-dict `key`, flat `index`) between steps."""

    key: str
    index: int
    value: float
    name: ClassVar[str] = "set_parameter"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ((_TEXT,), (_INT,), (_FLOAT,))


@dataclass(frozen=True)
class WatchParameter:
    """Record the optimizer's arithmetic for this weight (`key` None: watch none)."""

    key: str | None
    index: int = 0
    name: ClassVar[str] = "watch_parameter"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ((_TEXT, _NONE), (_INT,))


@dataclass(frozen=True)
class SetFeatureSample:
    """Which test image the feature maps are shown for."""

    index: int
    name: ClassVar[str] = "set_feature_sample"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ((_INT,),)


@dataclass(frozen=True)
class SetPace:
    """How fast to train from now on: `per_second` epochs or updates (`unit`) a second, 0 = max."""

    per_second: float
    unit: str = "epoch"
    name: ClassVar[str] = "set_pace"
    kinds: ClassVar[tuple[tuple[str, ...], ...]] = ((_FLOAT,), (_TEXT,))

    def __post_init__(self) -> None:
        if self.unit not in ("epoch", "update") or not 0 <= self.per_second <= 10_000:
            raise CommandError(f"command 'set_pace' takes a rate from 0 (max) to 10000 and the unit "
                               f"'epoch' or 'update', not {self.per_second!r} {self.unit!r}")


Command = (Pause | Resume | StepEpoch | StepBatch | Stop | SetLearningRate | SetParameter | WatchParameter
           | SetFeatureSample | SetPace)
CONTROLS = (Pause, Resume, StepEpoch, StepBatch, Stop)  # what `RunControl` takes; the run applies the rest
# The wire name of every command: the only names the trainer process accepts.
COMMANDS: dict[str, type[Command]] = {cls.name: cls for cls in (
    Pause, Resume, StepEpoch, StepBatch, Stop, SetLearningRate, SetParameter, WatchParameter,
    SetFeatureSample, SetPace)}
_CLASSES = frozenset(COMMANDS.values())


class CommandError(ValueError):
    """A command that is not in the table, or arguments that do not fit it."""


def _kind(value: Any) -> str:
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return "a truth value"
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _FLOAT
    return _TEXT if isinstance(value, str) else type(value).__name__


def _checked(cls: type[Command], args: Any) -> tuple[Any, ...]:
    """`args` if they fit `cls`, numbers made the kind it takes (1 is fine for 1.0); else CommandError."""
    if not isinstance(args, Sequence) or isinstance(args, str) or len(args) != len(cls.kinds):
        raise CommandError(f"command {cls.name!r} takes {len(cls.kinds)} arguments, got {args!r}")
    out = []
    for i, (value, kinds) in enumerate(zip(args, cls.kinds, strict=True)):
        kind = _kind(value)
        if kind == _INT and _FLOAT in kinds:
            value, kind = float(value), _FLOAT
        if kind not in kinds:
            raise CommandError(f"argument {i + 1} of command {cls.name!r} must be "
                               f"{' or '.join(kinds)}, not {value!r}")
        out.append(value)
    return tuple(out)


def decode(name: Any, args: Any) -> Command:
    """The command called `name` with `args` (off the wire), checked; else CommandError with a sentence."""
    cls = COMMANDS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise CommandError(f"unknown command {name!r}: the trainer accepts only {', '.join(COMMANDS)}")
    return cls(*_checked(cls, args))


def encode(command: Command) -> tuple[str, list[Any]]:
    """`command` as its wire name and arguments; CommandError, before anything is sent, if it is not
    a command or its arguments do not fit."""
    cls = type(command)
    if cls not in _CLASSES:
        raise CommandError(f"unknown command {command!r}: the trainer accepts only {', '.join(COMMANDS)}")
    return cls.name, list(_checked(cls, dataclasses.astuple(command)))
