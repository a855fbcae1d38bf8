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
import math
import re
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from playground.core.curves import Curves
from playground.core.explain import StepDetail
from playground.core.snapshot import Snapshot

# Dataclasses allowed on the wire, by name: decoding can build nothing else.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (Snapshot, StepDetail, Curves)}
_LENGTH = struct.Struct("<I")
_ALIGN = 8
MAX_DEPTH = 64  # a snapshot nests ~6 levels; a deeper header is damage, not data
MAX_DIMS = 32  # numpy's own limit is 64
_DTYPE_TEXT = re.compile(r"[<>|=][biuf][1248]")  # numpy's dtype.str of the arrays we send


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
    """The value `encode` was given (tuples, dicts, read-only arrays, registered dataclasses).

    Any bytes at all give either a value or a WireError: the pipe is a trust boundary, and a
    reader that dies of a KeyError on a damaged message leaves its window waiting forever.
    """
    view = memoryview(message)
    if len(view) < _LENGTH.size:
        raise WireError("message too short")
    (n,) = _LENGTH.unpack_from(view)
    body = _LENGTH.size + n
    if body > len(view):
        raise WireError("message header runs past its end")
    try:
        tree = json.loads(bytes(view[_LENGTH.size:body]))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON; nesting deeper than json's stack
        raise WireError(f"message header is not JSON: {exc}") from None
    try:
        return _Builder(view[body:]).build(tree, 0)
    except WireError:
        raise
    except Exception as exc:  # noqa: BLE001 - a check above missed a case: still a bad message, not a crash
        raise WireError(f"malformed message ({type(exc).__name__}: {exc})") from None


class _Builder:
    """Turns a decoded JSON tree back into values, checking every node's shape before using it."""

    def __init__(self, data: memoryview):
        self.data = data

    def build(self, node: Any, depth: int) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, list) or not node or not isinstance(node[0], str):
            raise WireError("malformed node")
        if depth >= MAX_DEPTH:
            raise WireError(f"message nested deeper than {MAX_DEPTH} levels")
        tag, depth = node[0], depth + 1
        if tag in ("l", "t"):
            items = [self.build(x, depth) for x in _items(node, 2)]
            return items if tag == "l" else tuple(items)
        if tag == "d":
            return dict(self.entry(pair, depth) for pair in _items(node, 2))
        if tag == "a":
            return self.array(node)
        if tag == "c":
            return self.instance(node, depth)
        raise WireError(f"unknown tag {tag!r}")

    def entry(self, pair: Any, depth: int) -> tuple[Any, Any]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise WireError("malformed mapping entry")
        key = self.build(pair[0], depth)
        try:
            hash(key)
        except TypeError:
            raise WireError("unhashable mapping key") from None
        return key, self.build(pair[1], depth)

    def array(self, node: list) -> np.ndarray:
        if len(node) != 4:
            raise WireError("malformed array node")
        _, start, dtype, shape = node
        if not isinstance(dtype, str) or not _is_count(start) or not isinstance(shape, list) \
                or len(shape) > MAX_DIMS or not all(_is_count(d) for d in shape):
            raise WireError("malformed array node")
        if not _DTYPE_TEXT.fullmatch(dtype):  # only what the encoder writes: byte order, kind, size
            raise WireError(f"arrays of dtype {dtype!r} cannot be received")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise WireError(f"unknown dtype {dtype!r}") from None
        if dt.kind not in "biuf" or dt.subdtype is not None:
            raise WireError(f"arrays of dtype {dt} cannot be received")
        count = math.prod(shape)
        if start + count * dt.itemsize > len(self.data):
            raise WireError("array runs past the end of the message")
        return np.frombuffer(self.data, dtype=dt, count=count, offset=start).reshape(shape)

    def instance(self, node: list, depth: int) -> Any:
        if len(node) != 3 or not isinstance(node[2], list):
            raise WireError("malformed object node")
        cls = CLASSES.get(node[1]) if isinstance(node[1], str) else None
        if cls is None:
            raise WireError(f"unknown class {node[1]!r}")
        kwargs = dict(self.entry(pair, depth) for pair in node[2])
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = {name for name, f in fields.items()
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        if not kwargs.keys() <= fields.keys() or not required <= kwargs.keys():
            raise WireError(f"fields of {cls.__name__} do not match")
        return cls(**kwargs)


def _items(node: list, size: int) -> list:
    if len(node) != size or not isinstance(node[1], list):
        raise WireError(f"malformed {node[0]!r} node")
    return node[1]


def _is_count(value: Any) -> bool:
    """A non-negative JSON integer (not a bool, which JSON's parser never makes, but a tree might)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
