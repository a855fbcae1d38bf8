"""Loading a data set in a child process, so a big CSV file never holds the window's interpreter.

Why a process and not a thread: the CSV reader is Python (the csv module, then numpy over a list
of rows). Run on a thread of the window's process, it held the GIL for up to 1.6 s at a time
(numpy converting 10^6 rows of strings) and the garbage collector paused every thread for
0.1-0.3 s at a time over its millions of row lists: the window's frame p99 was ~300 ms. In a
child the window only waits on a pipe, and Cancel kills the child, which gives back the CPU and
the memory a huge file takes at once, instead of leaving a thread parsing on for a minute.

The child (``python -m playground.core.dataload``) reads one request on stdin, a `wire` message
``{"data": DataSpec fields, "seed": int}``, and writes `wire` messages on stdout:
``{"op": "rows", "rows": n}`` once it has counted the lines of a CSV file (for the progress text),
then ``{"op": "done", "dataset": ...}`` or ``{"op": "error", "message": sentence}``; then it exits.
Every check is the core's own (`load_dataset`), so the sentence is the one the command line prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import struct
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from playground.core import wire
from playground.core.datasets import load_dataset
from playground.core.datasets.base import Dataset
from playground.core.datasets.csv_data import Standardise
from playground.core.errors import PlaygroundError
from playground.core.spec import DataSpec

_FRAME = struct.Struct("<Q")
NICE = 10  # a background job's courtesy on a small machine: the window's frames come first
_COUNT_CHUNK = 1 << 20
Message = dict[str, Any]


# ---------------------------------------------------------------------------- the value ------
def dataset_message(ds: Dataset) -> dict[str, Any]:
    """`ds` as plain values `wire` can carry; raises WireError for a transform it cannot describe.

    Only the CSV loader's `Standardise` (numbers only) and no transform travel: the generated sets'
    transforms are functions, and those sets are quick to build where they are needed.
    """
    fields = {f.name: getattr(ds, f.name) for f in dataclasses.fields(ds) if f.name != "transform"}
    t = ds.transform
    if t is None:
        fields["transform"] = None
    elif isinstance(t, Standardise):
        fields["transform"] = {"mean": t.mean, "std": t.std, "features": t.features}
    else:
        raise wire.WireError(f"a data set with a {type(t).__name__} transform cannot be sent")
    return fields


def dataset_from_message(fields: Mapping[str, Any]) -> Dataset:
    """The Dataset `dataset_message` described, with writable arrays (copied only if they are not:
    arrays decoded from a bytearray already are, and copying 10^6 rows would hold the GIL)."""
    values = {k: np.require(v, requirements="W") if isinstance(v, np.ndarray) else v
              for k, v in fields.items()}
    t = values.pop("transform")
    transform = None if t is None else Standardise(np.require(t["mean"], requirements="W"),
                                                   np.require(t["std"], requirements="W"), t["features"])
    return Dataset(**values, transform=transform)


def spec_message(spec: DataSpec, seed: int) -> Message:
    return {"data": {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}, "seed": int(seed)}


def count_rows(path: Path) -> int | None:
    """Lines below the header of a regular file (a quick byte count, for progress), else None."""
    try:
        if not path.is_file():
            return None
        lines, last = 0, b"\n"
        with open(path, "rb") as f:
            while chunk := f.read(_COUNT_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    return max(0, lines + (last != b"\n") - 1)


# ---------------------------------------------------------------------------- framing --------
def write_message(stream: IO[bytes], message: Message) -> None:
    data = wire.encode(message)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def read_message(stream: IO[bytes], limit: int) -> Message | None:
    """The next message (None at the end of the stream); a frame over `limit` bytes is an error."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (n,) = _FRAME.unpack(head)
    if n > limit:
        raise wire.WireError(f"a message of {n} bytes is over the limit of {limit}")
    body = bytearray(n)
    view, got = memoryview(body), 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            return None
        got += k
    return wire.decode(body)


# ---------------------------------------------------------------------------- child ----------
def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """Answer one request (see the module docstring)."""
    request = read_message(inp, 1 << 20)
    if request is None:
        return
    spec, seed = DataSpec(**request["data"]), int(request["seed"])
    path = str(spec.params.get("path", "")).strip()
    if spec.dataset == "csv" and path:
        rows = count_rows(Path(path).expanduser())
        if rows is not None:
            write_message(out, {"op": "rows", "rows": rows})
    try:
        ds = load_dataset(spec, seed)
    except PlaygroundError as exc:
        write_message(out, {"op": "error", "message": " ".join(str(exc).split())})
        return
    except MemoryError:
        write_message(out, {"op": "error", "message": "Out of memory while loading the data: use a "
                            "smaller file or fewer samples."})
        return
    write_message(out, {"op": "done", "dataset": dataset_message(ds)})


def child_main() -> None:
    """Entry point of the child: messages on stdin/stdout; stray prints go to stderr."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICE)
    try:
        serve(sys.stdin.buffer, out)
        out.close()
    except BrokenPipeError:
        pass  # the window cancelled or went away: nobody is waiting for the answer


# ---------------------------------------------------------------------------- parent ---------
def start_child() -> subprocess.Popen:
    """A child ready for one request on its stdin; it imports this package from this file's tree."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen([sys.executable, "-m", "playground.core.dataload"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)


if __name__ == "__main__":
    child_main()
