"""`nn-playground lr-find` and `nn-playground sweep`: JSON shapes, --out files, bad input (exit 2
naming the path and value), and one study shared by two processes on one journal file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from playground import cli
from playground.core.presets import SHIPPED_DIR, load_preset
from playground.core.run.loop import RunOptions, run_to_end
from playground.core.search.results import read_summary
from playground.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[1]


def small(path: Path, epochs: int = 4) -> Path:
    """The circle on 120 points with a validation split, a few epochs."""
    d = json.loads((SHIPPED_DIR / "circle.json").read_text())
    d["data"].update(samples=120, validation_fraction=0.25)
    d["training"]["epochs"] = epochs
    path.write_text(json.dumps(d))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lr_find_json_has_the_curve_and_the_suggestion(capsys):
    code, out, err = run(capsys, "lr-find", "linear-regression", "--json")
    assert code == ExitCode.OK and err == ""
    data = json.loads(out)
    assert len(data["lrs"]) == len(data["losses"]) > 10 and 0.01 <= data["suggested_lr"] < 1
    assert data["reason"]


def test_sweep_json_and_out_files(capsys, tmp_path):
    path = small(tmp_path / "small.json")
    out_dir = tmp_path / "runs"
    code, out, err = run(capsys, "sweep", str(path), "--set", "training.optimizer.lr=0.1,1", "--workers", "0",
                         "--json", "--out", str(out_dir))
    assert code == ExitCode.OK, err
    data = json.loads(out)
    assert data["objective"] == "val_loss" and data["workers"] == 0 and data["note"] == ""
    assert sorted(t["params"]["training.optimizer.lr"] for t in data["trials"]) == [0.1, 1]
    for t in data["trials"]:
        assert set(t) >= {"params", "val_loss", "test_loss", "test_accuracy", "epochs", "seconds", "state"}
        assert "history" not in t and t["epochs"] == 4 and t["state"] == "complete"
    assert data["best"]["val_loss"] == min(t["val_loss"] for t in data["trials"])
    assert json.loads((out_dir / "summary.json").read_text())["trials"] == data["trials"]
    assert read_summary(out_dir)["best"] == data["best"]
    rows = list(csv.DictReader((out_dir / "summary.csv").open()))
    assert [r["best"] for r in rows].count("yes") == 1 and rows[0]["training.optimizer.lr"]
    best = out_dir / f"trial-{data['best']['number']:03d}"
    history = list(csv.DictReader((best / "history.csv").open()))
    assert len(history) == 4
    # the trial's preset.json trains alone to the same numbers
    snap = run_to_end(load_preset(best / "preset.json"), RunOptions(grid_resolution=8))
    assert snap.latest("val_loss") == data["best"]["val_loss"]
    assert float(history[-1]["val_loss"]) == data["best"]["val_loss"]


def test_the_human_summary_names_the_best_trial_and_the_held_out_split(capsys):
    code, out, err = run(capsys, "sweep", "circle", "--set", "training.optimizer.lr=0.3", "--epochs", "2",
                         "--workers", "0")
    assert code == ExitCode.OK, err
    assert "no validation split" in out and "best: trial   0  complete" in out


@pytest.mark.parametrize("args, message", [
    (["--set", "training.optimizer.lrr=0.1,1"], "training.optimizer.lrr: unknown parameter"),
    (["--set", "training.optimizer.lr=0.1,-1"], "training.optimizer.lr: must be > 0, got -1"),
    (["--set", "network.layers.9.units=3"], "network.layers.9.units: has no item 9"),
    (["--set", "training.optimizer.lr=1e-3..1"], "training.optimizer.lr: a range needs --random N"),
    (["--set", "training.optimizer.lr"], "--set: must be PATH=V1,V2"),
    (["--set", "training.l2=0.1", "--storage", "x.journal"], "--study: is needed with --storage"),
    (["--set", "training.l2=0.1", "--folds", "1"], "--folds: must be 0 or from 2"),
    (["--set", "training.l2=0.1", "--epochs", "0"], "--epochs: a sweep needs an epoch limit"),
    ([], "--set: the preset has no search section")])
def test_bad_input_exits_2_with_one_line_naming_the_path(capsys, args, message):
    code, out, err = run(capsys, "sweep", "circle", *args)
    assert code == ExitCode.BAD_INPUT and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_two_processes_share_one_study_on_a_journal_file(tmp_path):
    path = small(tmp_path / "small.json", epochs=2)
    journal = tmp_path / "study.journal"
    command = [sys.executable, "-m", "playground", "sweep", str(path),
               "--set", "training.optimizer.lr=1e-3..1", "--random", "2", "--workers", "0",
               "--storage", str(journal), "--study", "shared", "--json"]
    procs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=110) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == ExitCode.OK, err
    mine = [json.loads(out)["trials"] for out, _ in outputs]
    assert [len(t) for t in mine] == [2, 2]
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="shared", storage=JournalStorage(JournalFileBackend(str(journal))))
    trials = study.get_trials()
    assert len(trials) == 4 and all(t.state.name == "COMPLETE" for t in trials)
    assert sorted(t.number for t in trials) == sorted(t["number"] for ts in mine for t in ts) == [0, 1, 2, 3]
    assert sorted(t.value for t in trials) == sorted(t["val_loss"] for ts in mine for t in ts)


def test_a_sweep_where_no_trial_completes_says_why_and_exits_2(capsys, tmp_path):
    path = small(tmp_path / "small.json")  # the data set and its file checked together, the file read later
    missing = tmp_path / "missing.csv"
    code, out, err = run(capsys, "sweep", str(path), "--set", "data.dataset=csv",
                         "--set", f"data.params.path={missing}", "--workers", "0")
    assert code == ExitCode.BAD_INPUT and "trial   0  failed" in out
    assert err == f"nn-playground: no trial completed; {missing}: file not found\n"


def test_folds_in_the_json_and_one_history_per_fold_in_out(capsys, tmp_path):
    path = small(tmp_path / "small.json", epochs=2)
    code, out, err = run(capsys, "sweep", str(path), "--set", "training.optimizer.lr=0.3", "--folds", "3",
                         "--workers", "0", "--json", "--out", str(tmp_path / "cv"))
    assert code == ExitCode.OK, err
    (trial,) = json.loads(out)["trials"]
    assert len(trial["folds"]) == 3 and trial["val_loss_std"] is not None
    folder = tmp_path / "cv" / "trial-000"
    assert sorted(p.name for p in folder.iterdir()) == ["history-fold1.csv", "history-fold2.csv",
                                                        "history-fold3.csv", "preset.json"]


def test_ctrl_c_stops_the_sweep_and_leaves_no_worker_behind(tmp_path):
    import os
    import signal
    import time

    path = small(tmp_path / "small.json", epochs=1_000_000)
    proc = subprocess.Popen([sys.executable, "-m", "playground", "sweep", str(path), "--set",
                             "training.optimizer.lr=0.1,0.2", "--workers", "1", "--json"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 90
    workers: list[int] = []
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        workers = [int(p) for p in children.read_text().split()]
        time.sleep(0.05)  # polling for the worker to exist, not waiting for an effect
    assert workers, "no worker process started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert "Stopping the sweep" in err
    assert all(t["state"] == "failed" for t in json.loads(out)["trials"])
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
