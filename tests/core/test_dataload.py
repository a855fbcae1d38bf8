"""Loading a data set in a child process gives the core's own data set, or the core's own sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from playground.core import dataload, wire
from playground.core.datasets import load_dataset
from playground.core.errors import DataError
from playground.core.experiment import DataSpec


def _csv(path: Path, rows: list[str]) -> DataSpec:
    path.write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
    return DataSpec(dataset="csv", samples=1000, params={"path": str(path), "target": "", "task": "auto"})


def _ask_child(spec: DataSpec, seed: int) -> list[dict]:
    proc = dataload.start_child()
    dataload.write_message(proc.stdin, dataload.spec_message(spec, seed))
    proc.stdin.close()
    messages = []
    while (m := dataload.read_message(proc.stdout, 1 << 30)) is not None:
        messages.append(m)
    proc.stdout.close()
    assert proc.wait(30) == 0
    return messages


def test_the_child_loads_the_same_data_set_as_the_core(tmp_path):
    rows = [f"{i % 7},{(i * 3) % 5},{i * 0.25},{i % 3}" for i in range(300)]
    spec = _csv(tmp_path / "t.csv", rows)
    messages = _ask_child(spec, 4)
    assert [m["op"] for m in messages] == ["rows", "done"]
    assert messages[0]["rows"] == 300
    got, want = dataload.dataset_from_message(messages[1]["dataset"]), load_dataset(spec, 4)
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
        assert getattr(got, name).flags.writeable
    assert (got.task, got.num_classes, got.class_names, got.feature_names) == (
        want.task, want.num_classes, want.class_names, want.feature_names)
    raw = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(got.transform(raw), want.transform(raw))


def test_the_child_answers_a_bad_file_with_the_cores_sentence(tmp_path):
    spec = _csv(tmp_path / "bad.csv", ["1,2,3,0", "4,x5,6,1", "7,8,9,0"])
    with pytest.raises(DataError) as core:
        load_dataset(spec, 0)
    messages = _ask_child(spec, 0)
    assert messages[-1] == {"op": "error", "message": str(core.value)}
    assert "row 3" in messages[-1]["message"] and "x5" in messages[-1]["message"]


def test_only_numbers_travel(tmp_path):
    generated = load_dataset(DataSpec(dataset="circle", samples=20), 0)  # its transform is a function
    with pytest.raises(wire.WireError):
        dataload.dataset_message(generated)


def test_row_count(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4")  # no newline after the last row
    assert dataload.count_rows(path) == 2
    assert dataload.count_rows(tmp_path) is None  # not a regular file


def test_an_oversized_frame_is_refused():
    import io

    stream = io.BytesIO(dataload._FRAME.pack(1 << 40))
    with pytest.raises(wire.WireError):
        dataload.read_message(stream, 1 << 20)
