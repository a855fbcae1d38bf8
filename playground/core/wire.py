"""A small, safe binary format for snapshots and commands crossing the trainer-process pipe.

Why not pickle: unpickling runs whatever the bytes ask for. The trainer process is our own child,
but the rule of the house is that data is data (presets, weights, messages alike), and a format
that can only ever produce numbers, strings, containers, numpy arrays and a short allow-list of
frozen dataclasses is easy to trust and easy to test. It is also fast: arrays travel as raw
bytes after one JSON header, so a snapshot costs one ``json`` call and a ``frombuffer`` per array.

Layout of one message: 4-byte little-endian header length, the UTF-8 JSON header, then the array
buffers back to back. JSON values are scalars as themselves (NaN/inf allowed) and everything else as
a tagged list: ``["l", items]`` list, ``["t", items]`` tuple, ``["d", [[k, v], ...]]`` mapping,
``["a", offset, dtype, shape]`` array, ``["c", name, [[field, v], ...]]`` registered dataclass.
Decoded arrays are read-only views of the message (a snapshot is immutable by contract).
"""

from __future__ import annotations

import dataclasses
import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from playground.core.explain import StepDetail
from playground.core.snapshot import Snapshot

# Dataclasses allowed on the wire, by name: decoding can build nothing else.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (Snapshot, StepDetail)}
_LENGTH = struct.Struct("<I")
_ALIGN = 8


class WireError(ValueError):
    """A value cannot be encoded, or bytes are not a valid message."""


def encode(value: Any) -> bytes:
    """`value` as one message; raises WireError for anything outside the format."""
    buffers: list[bytes] = []
    offset = 0

    def walk(v: Any) -> Any:
        nonlocal offset
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "biuf":
                raise WireError(f"arrays of dtype {v.dtype} cannot be sent")
            data = np.ascontiguousarray(v).tobytes()
            start = offset
            pad = -len(data) % _ALIGN
            buffers.append(data + b"\0" * pad)
            offset += len(data) + pad
            return ["a", start, v.dtype.str, list(v.shape)]
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, tuple):
            return ["t", [walk(x) for x in v]]
        if isinstance(v, list):
            return ["l", [walk(x) for x in v]]
        if isinstance(v, Mapping):
            return ["d", [[walk(k), walk(x)] for k, x in v.items()]]
        name = type(v).__name__
        if dataclasses.is_dataclass(v) and CLASSES.get(name) is type(v):
            return ["c", name, [[f.name, walk(getattr(v, f.name))] for f in dataclasses.fields(v)]]
        raise WireError(f"values of type {type(v).__name__} cannot be sent")

    header = json.dumps(walk(value), separators=(",", ":")).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *buffers])


def decode(message: bytes | bytearray | memoryview) -> Any:
    """The value `encode` was given (tuples, dicts, read-only arrays, registered dataclasses)."""
    view = memoryview(message)
    if len(view) < _LENGTH.size:
        raise WireError("message too short")
    (n,) = _LENGTH.unpack_from(view)
    body = _LENGTH.size + n
    if body > len(view):
        raise WireError("message header runs past its end")
    try:
        tree = json.loads(bytes(view[_LENGTH.size:body]))
    except ValueError as exc:
        raise WireError(f"message header is not JSON: {exc}") from None
    data = view[body:]

    def build(node: Any) -> Any:
        if not isinstance(node, list):
            return node
        if not node or not isinstance(node[0], str):
            raise WireError("malformed node")
        tag = node[0]
        if tag == "l":
            return [build(x) for x in node[1]]
        if tag == "t":
            return tuple(build(x) for x in node[1])
        if tag == "d":
            return {build(k): build(v) for k, v in node[1]}
        if tag == "a":
            _, start, dtype, shape = node
            dt = np.dtype(dtype)
            if dt.kind not in "biuf":
                raise WireError(f"arrays of dtype {dt} cannot be received")
            count = int(np.prod(shape, dtype=np.int64))
            if start < 0 or start + count * dt.itemsize > len(data):
                raise WireError("array runs past the end of the message")
            return np.frombuffer(data, dtype=dt, count=count, offset=start).reshape(shape)
        if tag == "c":
            cls = CLASSES.get(node[1])
            if cls is None:
                raise WireError(f"unknown class {node[1]!r}")
            return cls(**{k: build(v) for k, v in node[2]})
        raise WireError(f"unknown tag {tag!r}")

    return build(tree)
