"""Weights and history files: round trips, safe loading, and writes that never leave half a file."""

from __future__ import annotations

import csv
import os
import pickle

import numpy as np
import pytest
import torch

from playground.core.errors import DataError
from playground.core.export import (
    HistoryCsvStream,
    atomic_write,
    load_weights,
    save_weights,
    write_history_csv,
)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------- atomic_write --------------

def test_atomic_write_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("half of the new")
        raise RuntimeError("serialiser failed")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []
    with atomic_write(target) as f:
        f.write("new\n")
    assert target.read_bytes() == b"new\n"
    assert leftovers(tmp_path) == []


def test_atomic_write_creates_files_with_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    with atomic_write(tmp_path / "p.txt") as f:
        f.write("x")
    assert (tmp_path / "p.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_into_a_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "nope" / "a.txt") as f:
        f.write("x")
    assert not (tmp_path / "nope").exists()


# ---------------------------------------------------------------- weights -------------------

def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))


def test_weights_round_trip_into_a_fresh_model(tmp_path):
    model = small_model()
    save_weights(model.state_dict(), tmp_path / "w.pt")
    loaded = load_weights(tmp_path / "w.pt")
    assert loaded.keys() == model.state_dict().keys()
    other = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    other.load_state_dict(loaded)
    x = torch.randn(5, 2)
    assert torch.equal(other(x), model(x))
    assert leftovers(tmp_path) == []


def test_saved_weights_are_copies_not_live_tensors(tmp_path):
    model = small_model()
    before = model[0].weight.detach().clone()
    save_weights(model.state_dict(), tmp_path / "w.pt")
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert torch.equal(load_weights(tmp_path / "w.pt")["0.weight"], before)


def test_a_failing_save_keeps_the_previous_weights(tmp_path):
    path = tmp_path / "w.pt"
    save_weights({"a": torch.ones(2)}, path)
    with pytest.raises(TypeError, match="'b' is a str"):
        save_weights({"a": torch.zeros(2), "b": "not a tensor"}, path)
    assert torch.equal(load_weights(path)["a"], torch.ones(2))
    assert leftovers(tmp_path) == []


class Payload:
    """Something a malicious or foreign pickle could carry."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_load_weights_refuses_arbitrary_pickled_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(1), "x": Payload()}, path)
    with pytest.raises(DataError, match="evil.pt"):
        load_weights(path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_load_weights_reports_damaged_missing_and_foreign_files_by_name(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"\x00not a torch file")
    with pytest.raises(DataError, match="junk.pt: not a weights file"):
        load_weights(tmp_path / "junk.pt")
    with pytest.raises(DataError, match="gone.pt: no such file"):
        load_weights(tmp_path / "gone.pt")
    torch.save([torch.ones(1)], tmp_path / "list.pt")
    with pytest.raises(DataError, match="list.pt.*mapping of names to tensors"):
        load_weights(tmp_path / "list.pt")
    with open(tmp_path / "plain.pt", "wb") as f:
        pickle.dump({"w": 1}, f)
    with pytest.raises(DataError, match="plain.pt"):
        load_weights(tmp_path / "plain.pt")


# ---------------------------------------------------------------- history -------------------

def test_history_csv_has_a_header_of_keys_and_one_row_per_epoch(tmp_path):
    history = {"epoch": np.array([1.0, 2.0, 3.0]), "train_loss": np.array([0.5, 0.25, 0.125]),
               "test_accuracy": np.array([np.nan, 0.75, 1.0])}
    path = tmp_path / "history.csv"
    write_history_csv(history, path)
    text = path.read_text()
    assert text.splitlines()[0] == "epoch,train_loss,test_accuracy"
    assert text.endswith("\n") and "\r" not in text
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1:] == [["1", "0.5", ""], ["2", "0.25", "0.75"], ["3", "0.125", "1"]]


def test_history_csv_values_read_back_exactly(tmp_path):
    rng = np.random.default_rng(0)
    history = {"train_loss": rng.random(50), "lr": np.full(50, 0.03), "r2": np.append(rng.random(49), np.inf)}
    path = tmp_path / "h.csv"
    write_history_csv(history, path)
    back = np.genfromtxt(path, delimiter=",", names=True)
    for key, values in history.items():
        np.testing.assert_array_equal(back[key], values)


def test_history_csv_with_no_epochs_is_just_the_header(tmp_path):
    write_history_csv({"epoch": np.array([]), "train_loss": np.array([])}, tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text() == "epoch,train_loss\n"


def test_history_csv_refuses_ragged_columns_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("old\n")
    with pytest.raises(ValueError, match="a=2, b=3"):
        write_history_csv({"a": np.zeros(2), "b": np.zeros(3)}, path)
    assert path.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_history_stream_writes_what_write_history_csv_writes(tmp_path):
    rng = np.random.default_rng(2)
    history = {"epoch": np.arange(1.0, 301.0), "train_loss": rng.random(300),
               "r2": np.append(rng.random(299), np.inf)}
    history["train_loss"][7] = np.nan
    write_history_csv(history, tmp_path / "whole.csv")
    stream = HistoryCsvStream(tmp_path / "streamed.csv")
    for i in range(300):
        stream.add({k: float(v[i]) for k, v in history.items()})
    assert not (tmp_path / "streamed.csv").exists()  # nothing there until the run ends
    stream.commit()
    assert (tmp_path / "streamed.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed.csv", "whole.csv"]


def test_history_stream_pads_rows_from_before_a_column_appeared(tmp_path):
    stream = HistoryCsvStream(tmp_path / "h.csv")
    stream.add({"epoch": 1, "loss": 0.5})
    stream.add({"epoch": 2, "loss": 0.25, "late": 7.0})
    stream.add({"loss": 0.125, "epoch": 3})
    stream.commit()
    with open(tmp_path / "h.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["epoch", "loss", "late"], ["1", "0.5", ""], ["2", "0.25", "7"], ["3", "0.125", ""]]


def test_history_stream_that_is_not_committed_leaves_nothing_and_keeps_the_old_file(tmp_path):
    (tmp_path / "h.csv").write_text("old\n")
    with HistoryCsvStream(tmp_path / "h.csv") as stream:
        stream.add({"epoch": 1})
    assert (tmp_path / "h.csv").read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["h.csv"]
