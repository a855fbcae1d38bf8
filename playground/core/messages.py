"""What crosses the trainer-process pipe: length-capped frames, and the messages they may hold.

A frame is an 8-byte little-endian length and one `wire` message. `wire` guarantees that bytes
decode to plain values or a WireError; this module says which values are a message: an op both
ends know, with fields of the right types, and for snapshots the fields the controller itself
reads. A message that fails here is treated like one that fails to decode, so the code that
routes messages never meets a KeyError or a string where a number belongs. (Views guard their own
data against non-finite values; a flipped bit inside an array of floats is still a float.)
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from playground.core import wire
from playground.core.history import MAX_ROWS, History
from playground.core.run.state import SNAPSHOT_STATES, RunState
from playground.core.snapshot import Snapshot
from playground.core.wire import WireError

Message = dict[str, Any]
_NUMBER = (int, float)

# Child -> parent. "alive" is the heartbeat: sent every HEARTBEAT_SECONDS whatever the run is doing.
TO_PARENT: dict[str, dict[str, type | tuple[type, ...]]] = {
    "ready": {},
    "alive": {},
    "snapshot": {"run": int, "start": int, "snap": Snapshot},
    "ended": {"run": int, "error": str, "expected": bool},
    "refused": {"run": int, "error": str},  # a message from the parent the child would not act on
}
# Parent -> child.
TO_CHILD: dict[str, dict[str, type | tuple[type, ...]]] = {
    "start": {"run": int, "experiment": dict, "options": dict},
    "cmd": {"run": int, "name": str, "args": list},
    "quit": {},
}
HEARTBEAT_SECONDS = 0.5
# A child silent this long (8 missed beats) is not responding: stopped (SIGSTOP, a debugger) or
# starved of CPU. Long enough that a busy machine does not trip it, short enough to be "a few seconds".
NOT_RESPONDING_SECONDS = 4.0
_FRAME = struct.Struct("<Q")
_SCALARS = {"epoch": int, "step": int, "state": str, "message": str, "elapsed": _NUMBER,
            "steps_per_second": _NUMBER, "epochs_per_second": _NUMBER, "lr": _NUMBER,
            "controls": int, "queued_epochs": int, "queued_batches": int}


# The longest frame either end sends or accepts. The largest snapshot of a shipped preset with every
# view on is 1.3 MB ("Overfitting cured: dropout"; MNIST CNN feature maps 0.95 MB, measured by
# benchmarks/frame_sizes.py); weights of a 4096x4096 dense layer are 64 MiB. 256 MiB leaves room for
# far bigger networks, and a damaged length can never make the reader allocate more than this.
MAX_FRAME = 256 << 20


def write_message(stream: IO[bytes], message: Message) -> None:
    """Send one frame; WireError if `message` is outside the format or longer than MAX_FRAME."""
    data = wire.encode(message)
    if len(data) > MAX_FRAME:
        raise WireError(f"a message of {len(data) / 2**20:.0f} MiB is over the {MAX_FRAME >> 20} MiB "
                        "a frame may carry; try a smaller network")
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], n: int) -> bytearray | None:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            return None
        got += k
    return buf


def read_message(stream: IO[bytes]) -> Message | None:
    """The next message, or None at end of stream; WireError for a frame that is not one."""
    head = _read_exact(stream, _FRAME.size)
    if head is None:
        return None
    (n,) = _FRAME.unpack(head)
    if n > MAX_FRAME:  # checked before allocating: the length is as untrusted as the rest
        raise WireError(f"frame of {n} bytes is over the {MAX_FRAME} byte limit")
    body = _read_exact(stream, n)
    return None if body is None else wire.decode(body)


def check(message: Any, allowed: Mapping[str, Mapping[str, type | tuple[type, ...]]]) -> str:
    """The op of `message` if it is one of `allowed` with every field of its type; else WireError."""
    op = message.get("op") if isinstance(message, dict) else None
    if not isinstance(op, str) or op not in allowed:
        raise WireError(f"not a message this end knows: {_short(message)}")
    for name, kind in allowed[op].items():
        value = message.get(name)
        if not _is(value, kind):
            raise WireError(f"{op!r} message with field {name!r} = {_short(value)}")
    if op == "snapshot":
        check_snapshot(message["snap"])
    return op


def check_snapshot(snap: Snapshot) -> None:
    """The fields the controller routes by: scalars of their types, a known state, a table of history."""
    for name, kind in _SCALARS.items():
        if not _is(getattr(snap, name), kind):
            raise WireError(f"snapshot field {name!r} = {_short(getattr(snap, name))}")
    if snap.state not in SNAPSHOT_STATES:
        raise WireError(f"snapshot with unknown state {_short(snap.state)}")
    history = snap.history
    if not isinstance(history, Mapping):
        raise WireError("snapshot history is not a table")
    lengths = set()
    for key, column in history.items():
        if not isinstance(key, str) or not isinstance(column, np.ndarray) or column.ndim != 1:
            raise WireError(f"snapshot history column {_short(key)} is not a column of numbers")
        lengths.add(len(column))
    if len(lengths) > 1:
        raise WireError(f"snapshot history columns of different lengths {sorted(lengths)}")
    changes = snap.lr_changes  # the run history reads these: (epoch, step, lr) rows only
    if not isinstance(changes, tuple) or not all(
            isinstance(c, tuple) and len(c) == 3 and _is(c[0], int) and _is(c[1], int) and _is(c[2], _NUMBER)
            for c in changes):
        raise WireError(f"snapshot lr_changes = {_short(changes)}")


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    """isinstance, except that a bool is not a number here (JSON true is not a run id)."""
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class RunAssembler:
    """Rebuilds whole snapshots of one run from the child's increments (every epoch; History thins them)."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.history = History(max_rows)

    def add(self, message: Message) -> Snapshot:
        snap: Snapshot = message["snap"]
        part: Mapping[str, np.ndarray] = snap.history
        if message["start"] != self.history.appended:
            raise ValueError(f"history rows {message['start']}.. arrived after {self.history.appended} rows")
        self.history.extend(part)
        # the state arrives as its string: made the enum member again (it compares equal either way)
        return dataclasses.replace(snap, history=self.history.views(), state=RunState(snap.state))
