"""The commands a window may send a training run in the trainer process: one table for both ends.

Why a table: the trainer process used to call ``getattr(run, name)(*args)`` with whatever name came
off the pipe, so a damaged message could call any method of the run. Now a name must be one of
`Command`, its arguments must match that command's signature, and only the function `DISPATCH`
holds for it runs; anything else is refused with a sentence saying why.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.core.trainer import TrainingRun


class Command(enum.StrEnum):
    """A control method of `TrainingRun` the window may call while the run trains."""

    PAUSE = "pause"
    RESUME = "resume"
    STEP_EPOCH = "step_epoch"
    STEP_BATCH = "step_batch"
    STOP = "stop"
    SET_LEARNING_RATE = "set_learning_rate"
    SET_PARAMETER = "set_parameter"
    WATCH_PARAMETER = "watch_parameter"
    SET_FEATURE_SAMPLE = "set_feature_sample"


class CommandError(ValueError):
    """A command that is not in the table, or arguments that do not fit it."""


_INT, _FLOAT, _TEXT, _NONE = "an integer", "a number", "a text", "nothing"

# Per command: the kinds each argument may be, and what runs it.
DISPATCH: dict[Command, tuple[tuple[tuple[str, ...], ...], Callable[..., None]]] = {
    Command.PAUSE: ((), lambda run: run.pause()),
    Command.RESUME: ((), lambda run: run.resume()),
    Command.STEP_EPOCH: ((), lambda run: run.step_epoch()),
    Command.STEP_BATCH: ((), lambda run: run.step_batch()),
    Command.STOP: ((), lambda run: run.stop()),
    Command.SET_LEARNING_RATE: (((_FLOAT,),), lambda run, lr: run.set_learning_rate(lr)),
    Command.SET_PARAMETER: (((_TEXT,), (_INT,), (_FLOAT,)),
                            lambda run, key, index, value: run.set_parameter(key, index, value)),
    Command.WATCH_PARAMETER: (((_TEXT, _NONE), (_INT,)),
                              lambda run, key, index: run.watch_parameter(key, index)),
    Command.SET_FEATURE_SAMPLE: (((_INT,),), lambda run, index: run.set_feature_sample(index)),
}


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


def parse(name: Any, args: Any) -> tuple[Command, tuple[Any, ...]]:
    """The command called `name` and its arguments, checked; CommandError with a sentence otherwise."""
    try:
        command = Command(name)
    except ValueError:
        raise CommandError(f"unknown command {name!r}: the trainer accepts only "
                           f"{', '.join(c.value for c in Command)}") from None
    signature, _ = DISPATCH[command]
    if not isinstance(args, Sequence) or isinstance(args, str) or len(args) != len(signature):
        raise CommandError(f"command {command.value!r} takes {len(signature)} arguments, got {args!r}")
    for i, (value, kinds) in enumerate(zip(args, signature, strict=True)):
        kind = _kind(value)
        if kind not in kinds and not (kind == _INT and _FLOAT in kinds):  # 1 is fine for 1.0
            raise CommandError(f"argument {i + 1} of command {command.value!r} must be "
                               f"{' or '.join(kinds)}, not {value!r}")
    return command, tuple(args)


def apply(run: TrainingRun, command: Command, args: Sequence[Any]) -> None:
    """Call what the table holds for `command` (arguments already checked by `parse`)."""
    DISPATCH[command][1](run, *args)
