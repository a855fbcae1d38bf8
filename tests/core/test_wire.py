"""The trainer process's message format: everything a snapshot holds survives; nothing else gets in."""

import dataclasses
import json
import struct

import numpy as np
import pytest

from playground.core import wire
from playground.core.explain import StepDetail
from playground.core.snapshot import Snapshot


def full_snapshot() -> Snapshot:
    detail = StepDetail("adam", {"lr": 0.01, "beta1": 0.9}, "0.linear.weight", 3, grad=-0.25, old=0.5,
                        new=0.51, state_before={"step": 1.0, "exp_avg": 0.1}, state_after={"step": 2.0})
    return Snapshot(
        epoch=7, step=70, state="paused", message="Stopped · ünïcode", elapsed=1.5, lr=0.03,
        history={"epoch": np.arange(1.0, 8.0),
                 "test_loss": np.array([np.nan, 0.5, np.inf, 0.2, 0.1, 0.1, 0.0])},
        metrics={"train_loss": 0.1, "test_accuracy": float("nan")}, grad_norms={"0": 0.5},
        confusion=np.arange(9, dtype=np.int64).reshape(3, 3),
        boundary=np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4), extent=(-6.0, 6.0, -6.0, 6.0),
        neuron_grids=(np.zeros((2, 3, 3), np.float32), np.ones((1, 3, 3), np.float32)),
        curve=(np.arange(3.0), np.arange(3.0) * 2),
        weights=((np.ones((2, 2), np.float32), None), (np.ones((1, 2), np.float32), np.zeros(1, np.float32))),
        sample_predictions=np.array([1, 2, 3], dtype=np.int64), activity={"0": ("dead", 0.25)},
        step_detail=detail, point_values=(np.array([[0.1]], np.float32), np.empty((0, 1), np.float32)),
        feature_maps=((0, np.zeros((2, 4, 4), np.float32)),), conv_filters=np.zeros((2, 1, 3, 3), np.float32),
        lr_changes=((3, 30, 10.0), (5, 52, 0.5)))


def assert_same(a, b) -> None:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, dict) or hasattr(a, "items"):
        assert dict(a).keys() == dict(b).keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b and type(a) is type(b)


def test_a_snapshot_with_every_field_survives_the_round_trip():
    snap = full_snapshot()
    back = wire.decode(wire.encode({"op": "snapshot", "run": 3, "snap": snap}))
    assert back["op"] == "snapshot" and back["run"] == 3
    assert_same(snap, back["snap"])


def test_decoded_arrays_are_read_only():
    back = wire.decode(wire.encode({"a": np.arange(4.0)}))
    with pytest.raises(ValueError):
        back["a"][0] = 1.0


@pytest.mark.parametrize("value", [
    {1, 2}, object(), np.array(["text"]), np.array([object()], dtype=object), {"f": print},
    dataclasses.make_dataclass("Snapshot", [("epoch", int)])(1),  # same name, not the registered class
])
def test_values_outside_the_format_are_refused(value):
    with pytest.raises(wire.WireError):
        wire.encode({"x": value})


def raw(header: object, payload: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<I", len(text)) + text + payload


@pytest.mark.parametrize("message, problem", [
    (b"\x01", "too short"),
    (struct.pack("<I", 99) + b"{}", "runs past"),
    (raw(["c", "Popen", [["args", "ls"]]]), "unknown class"),
    (raw(["a", 0, "<f8", [4]], b"\0" * 16), "past the end"),
    (raw(["a", 0, "|O", [1]], b"\0" * 8), "cannot be received"),
    (raw(["x", 1]), "unknown tag"),
    (struct.pack("<I", 3) + b"{{{", "not JSON"),
])
def test_malformed_messages_are_refused_with_a_reason(message, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.decode(message)
