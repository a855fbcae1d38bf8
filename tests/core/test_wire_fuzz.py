"""Damaged messages: whatever arrives on the trainer-process pipe, decoding ends in a WireError or a value.

A seeded loop (no hypothesis in the environment): random bytes, bit flips, truncations and byte
splices of real messages, and hand-made headers that are valid JSON but not a valid tree.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct

import numpy as np
import pytest

from playground.core import messages, wire
from tests.core.test_wire import full_snapshot

CASES = 3000


def real_messages() -> list[bytes]:
    snap = full_snapshot()
    return [wire.encode({"op": "snapshot", "run": 3, "start": 0, "snap": snap}),
            wire.encode({"op": "ended", "run": 3, "error": "", "expected": True}),
            wire.encode({"op": "cmd", "run": 2, "name": "set_parameter", "args": ["0.weight", 1, 0.5]})]


def damaged(rng: np.random.Generator, message: bytes) -> bytes:
    """`message` with one kind of damage: flipped bits, a cut, a splice or a random overwrite."""
    data = bytearray(message)
    kind = rng.integers(5)
    if kind == 0:  # flipped bits anywhere
        for _ in range(rng.integers(1, 8)):
            i = rng.integers(len(data))
            data[i] ^= 1 << rng.integers(8)
    elif kind == 1:  # flipped bits in the header, where the structure lives
        end = min(len(data), 4 + struct.unpack_from("<I", data)[0])
        for _ in range(rng.integers(1, 4)):
            i = rng.integers(end)
            data[i] ^= 1 << rng.integers(8)
    elif kind == 2:  # truncated
        data = data[: rng.integers(len(data))]
    elif kind == 3:  # a run of random bytes pasted over
        i = rng.integers(len(data))
        n = rng.integers(1, 64)
        data[i:i + n] = rng.bytes(n)
    else:  # bytes of the header swapped
        end = min(len(data), 4 + struct.unpack_from("<I", data)[0])
        i, j = rng.integers(4, end, size=2)
        data[i], data[j] = data[j], data[i]
    return bytes(data)


def decodes_or_refuses(message: bytes) -> None:
    with contextlib.suppress(wire.WireError):  # anything else escapes and fails the test
        wire.decode(message)


def test_damaged_real_messages_decode_or_raise_wire_error():
    rng = np.random.default_rng(20240609)
    messages = real_messages()
    for _ in range(CASES):
        decodes_or_refuses(damaged(rng, messages[rng.integers(len(messages))]))


def test_random_bytes_decode_or_raise_wire_error():
    rng = np.random.default_rng(7)
    for _ in range(CASES):
        decodes_or_refuses(rng.bytes(rng.integers(0, 64)))
        header = rng.bytes(rng.integers(0, 32))
        decodes_or_refuses(struct.pack("<I", len(header)) + header)


def raw(header: object, payload: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<I", len(text)) + text + payload


@pytest.mark.parametrize("tree", [
    ["l"], ["l", 5], ["t", None], ["d", [[1]]], ["d", [[["l", []], 1]]], ["d", 7],
    ["a"], ["a", "0", "<f4", [1]], ["a", 0, 5, [1]], ["a", 0, "<f4", "x"], ["a", 0, "<f4", [-1]],
    ["a", 0, "<f4", [2**62, 2**62]], ["a", -8, "<f4", [1]], ["a", 0, "nonsense", [1]], ["a", 0.5, "<f4", [1]],
    ["a", 0, "<f4", [1.5]], ["a", 0, "<f4", [True]], ["a", 0, "<f4", [1], "extra"],
    ["c", "Snapshot"], ["c", "Snapshot", [["epoch", 1]]], ["c", "Snapshot", [["nope", 1]]],
    ["c", 5, []], ["c", "Snapshot", 3], [["l", []]], [], {"op": "ready"}, ["l", [{"op": "ready"}]],
    ["d", [[{"x": 1}, 1]]], ["d", [["a", 1, 2]]], ["t", [1], 2],
])
def test_valid_json_that_is_not_a_valid_tree_is_a_wire_error(tree):
    with pytest.raises(wire.WireError):
        wire.decode(raw(tree, b"\0" * 16))


def test_deep_nesting_is_a_wire_error():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(wire.WireError):
        wire.decode(struct.pack("<I", len(deep)) + deep)
    tree = json.dumps(["l", [None]]).encode()
    for _ in range(5000):
        tree = b'["l",[' + tree + b"]]"
    with pytest.raises(wire.WireError):
        wire.decode(struct.pack("<I", len(tree)) + tree)


class CountingStream(io.BytesIO):
    """A pipe whose frame says a huge length: it records how much was asked for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.asked = 0

    def readinto(self, buffer) -> int:  # type: ignore[override]
        self.asked = max(self.asked, len(buffer))
        return super().readinto(buffer)


def test_a_frame_longer_than_the_cap_is_refused_before_any_allocation():
    stream = CountingStream(struct.pack("<Q", 2**62) + b"x" * 16)
    with pytest.raises(wire.WireError, match="frame of"):
        messages.read_message(stream)
    assert stream.asked <= 8  # only the length was read; no buffer of the claimed size


def test_the_cap_holds_for_reading_and_writing(monkeypatch):
    monkeypatch.setattr(messages, "MAX_FRAME", 4096)  # the real cap, 256 MiB, is too big to fill in a test
    stream = io.BytesIO()
    messages.write_message(stream, {"pad": np.zeros(3000, np.uint8)})
    assert messages.read_message(io.BytesIO(stream.getvalue()))["pad"].size == 3000
    with pytest.raises(wire.WireError, match="over the"):
        messages.write_message(io.BytesIO(), {"pad": np.zeros(5000, np.uint8)})
    monkeypatch.setattr(messages, "MAX_FRAME", 2048)
    with pytest.raises(wire.WireError, match="frame of"):
        messages.read_message(io.BytesIO(stream.getvalue()))
