"""The `nn-playground` command: train/validate/presets headless, opening the app, exit statuses."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from playground import cli, cli_train
from playground.core.export import load_weights
from playground.core.presets import SHIPPED_DIR, load_preset, shipped_presets
from playground.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[1]


def preset(path: Path, **training) -> Path:
    """A 1-D linear-regression preset: one linear neuron (no hidden layer) fits y = 3x + 2."""
    d = {"format": "nn-playground.experiment", "version": 1, "name": "Line fit",
         "data": {"dataset": "line", "samples": 200, "validation_fraction": 0.2},
         "network": {"layers": []},
         "training": {"optimizer": {"name": "sgd", "lr": 0.05}, "batch_size": 10, "epochs": 60, **training}}
    path.write_text(json.dumps(d))
    return path


def bad_lr_preset(path: Path) -> Path:
    d = json.loads((SHIPPED_DIR / "circle.json").read_text())
    d["training"]["optimizer"]["lr"] = -1
    path.write_text(json.dumps(d))
    return path


def run_json(capsys, *args: str) -> tuple[int, dict, str]:
    code = cli.main(["train", *args, "--json"])
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 1, f"stdout must hold exactly one JSON object: {out!r}"
    return code, json.loads(out), err


# ---------------------------------------------------------------- train ---------------------

def test_train_json_reports_the_run(capsys):
    code, r, err = run_json(capsys, "circle", "--epochs", "3")
    assert code == ExitCode.OK and err == ""
    assert r["epochs"] == 3 and r["state"] == "finished" and r["message"]
    assert r["diverged"] is False and r["stopped_early"] is False
    assert 0 < r["train_loss"] < 2 and 0 < r["test_loss"] < 2
    assert 0 <= r["train_accuracy"] <= 1 and 0 <= r["test_accuracy"] <= 1
    assert r["seconds"] > 0 and r["task"] == "binary" and r["val_loss"] is None
    assert "weights" not in r and "r2" not in r
    assert r["lr_changes"] == []  # nothing changes a headless run's rate
    history = r["history"]
    assert history["epoch"] == [1, 2, 3] and len(history["train_loss"]) == 3
    assert len(history["batch_loss_mean"]) == 3 and history["batch_loss_mean"] != history["train_loss"]
    assert r["metrics"]["batch_loss_mean"] == history["batch_loss_mean"][-1]


def test_train_without_json_prints_a_summary_and_nothing_on_stderr_off_a_terminal(capsys):
    assert cli.main(["train", "circle", "--epochs", "2"]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("Circle: finished after 2 epochs in ")
    assert "accuracy  train" in out and "Reached the epoch limit (2)." in out


def test_the_seed_override_is_applied_and_reproducible(capsys):
    runs = [run_json(capsys, "circle", "--epochs", "2", "--seed", s)[1] for s in ("5", "5", "6")]
    assert runs[0]["seed"] == 5 and runs[0]["train_loss"] == runs[1]["train_loss"]
    assert runs[2]["train_loss"] != runs[0]["train_loss"]


def test_the_data_seed_and_training_seed_are_overridden_apart(tmp_path, capsys):
    """--seed and --data-seed each set their own seed (what each one draws: tests/core/test_seeds.py)."""
    base = run_json(capsys, "moons", "--epochs", "1")[1]
    weights = run_json(capsys, "moons", "--epochs", "1", "--seed", "9", "--out", str(tmp_path / "b"))[1]
    data = run_json(capsys, "moons", "--epochs", "1", "--data-seed", "9", "--out", str(tmp_path / "c"))[1]
    assert (weights["seed"], weights["data_seed"]) == (9, base["data_seed"])
    assert (data["seed"], data["data_seed"]) == (base["seed"], 9)
    assert len({base["train_loss"], weights["train_loss"], data["train_loss"]}) == 3
    saved = [load_preset(tmp_path / k / "preset.json") for k in "bc"]
    assert [(e.seed, e.data_seed) for e in saved] == [(9, base["data_seed"]), (base["seed"], 9)]


def test_linear_regression_reports_the_fitted_weight_and_bias(tmp_path, capsys):
    code, r, _ = run_json(capsys, str(preset(tmp_path / "line.json")))
    assert code == ExitCode.OK and r["task"] == "regression"
    assert r["train_accuracy"] is None and r["test_accuracy"] is None
    assert r["weights"] == [pytest.approx(3.0, abs=1e-3)] and r["bias"] == pytest.approx(2.0, abs=1e-3)
    assert r["r2"] == pytest.approx(1.0, abs=1e-6)
    assert r["coefficients"] == {"x": r["weights"][0], "intercept": r["bias"]}  # no scaling: the weights


def test_a_standardised_csv_line_reports_its_coefficients_in_the_files_units(tmp_path, capsys):
    """The course's y = 3x + 2 from a CSV: the weights are in standardised units, the coefficients not."""
    xs = [i / 99 for i in range(100)]
    (tmp_path / "line.csv").write_text("x,y\n" + "\n".join(f"{x},{3 * x + 2}" for x in xs))
    d = json.loads(preset(tmp_path / "p.json").read_text())
    d["data"] = {"dataset": "csv", "samples": 1000000, "params": {"path": str(tmp_path / "line.csv")}}
    d["training"].update(batch_size=0, epochs=300, optimizer={"name": "sgd", "lr": 0.5})
    (tmp_path / "p.json").write_text(json.dumps(d))
    code, r, _ = run_json(capsys, str(tmp_path / "p.json"))
    assert code == ExitCode.OK and r["weights"][0] == pytest.approx(0.87, abs=0.03)  # 3·σ of x
    assert r["coefficients"] == {"x": pytest.approx(3.0, abs=1e-3), "intercept": pytest.approx(2.0, abs=1e-3)}


def test_divergence_exits_3_with_nulls_not_nan(tmp_path, capsys):
    path = preset(tmp_path / "hot.json", optimizer={"name": "sgd", "lr": 5.0})
    code, r, _ = run_json(capsys, str(path))
    assert code == ExitCode.DIVERGED and r["diverged"] is True and r["state"] == "diverged"
    assert r["train_loss"] is None and "learning rate" in r["message"]
    assert cli.main(["train", str(path)]) == ExitCode.DIVERGED
    out, _ = capsys.readouterr()
    assert "diverged after" in out and "probably too high" in out


def test_a_blow_up_without_nan_exits_3_with_the_advice(tmp_path, capsys):
    """The issue's case: lr 100 on the circle never reaches NaN, yet it is a divergence."""
    d = json.loads((SHIPPED_DIR / "circle.json").read_text())
    d["training"]["optimizer"]["lr"] = 100
    path = tmp_path / "circle-lr100.json"
    path.write_text(json.dumps(d))
    code, r, _ = run_json(capsys, str(path))
    assert code == ExitCode.DIVERGED and r["diverged"] is True and r["state"] == "diverged"
    assert r["epochs"] < 10 and r["train_loss"] > 5 * 0.69  # a number: it blew up, it is not NaN
    assert r["message"].startswith("Loss blew up at epoch")
    assert "learning rate (100) is probably too high. Try 0.1, or turn on gradient clipping." in r["message"]
    assert cli.main(["train", str(path)]) == ExitCode.DIVERGED
    out, _ = capsys.readouterr()
    assert "diverged after" in out and r["message"] in out


@pytest.mark.parametrize("pace, saved", [("1000", 1000), ("1000/update", {"updates_per_second": 1000})])
def test_the_pace_override_trains_every_epoch_and_is_saved_with_the_preset_run(tmp_path, capsys, pace, saved):
    code = cli.main(["train", "circle", "--epochs", "2", "--pace", pace, "--out", str(tmp_path), "--quiet"])
    assert code == ExitCode.OK
    with open(tmp_path / "history.csv", newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [1, 2]
    assert json.loads((tmp_path / "preset.json").read_text())["training"]["pace"] == saved


def test_out_writes_history_weights_and_the_preset_actually_run(tmp_path, capsys):
    out_dir = tmp_path / "results" / "run1"
    code = cli.main(["train", "circle", "--epochs", "4", "--seed", "3", "--out", str(out_dir), "--quiet"])
    assert code == ExitCode.OK and capsys.readouterr() == ("", "")
    with open(out_dir / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert all(float(r["train_loss"]) > 0 for r in rows)
    ran = load_preset(out_dir / "preset.json")
    shipped = load_preset(SHIPPED_DIR / "circle.json")
    assert ran.seed == 3 and ran.training.epochs == 4
    assert ran.network == shipped.network and ran.data == shipped.data
    weights = load_weights(out_dir / "weights.pt")
    assert weights and all(isinstance(v, torch.Tensor) for v in weights.values())


def _test_predictions(out_dir: Path):
    """The test labels and the predictions of the weights a run wrote, recomputed with torch."""
    from playground.core.run.loop import TrainingRun

    run = TrainingRun(load_preset(out_dir / "preset.json"))
    run.model.load_state_dict(load_weights(out_dir / "weights.pt"))
    with torch.no_grad():
        value = run.to_value(run.model.eval()(run.test.x)).numpy()
    pred = value.argmax(axis=1) if value.shape[1] > 1 else (value[:, 0] >= 0.5).astype(int)
    return run.test.labels, pred


@pytest.mark.parametrize("name,k", [("blobs", 4), ("circle", 2)])
def test_train_json_reports_every_class_and_the_test_confusion_matrix_as_sklearn(tmp_path, capsys, name, k):
    from sklearn import metrics as skm

    code, r, _ = run_json(capsys, name, "--epochs", "2", "--out", str(tmp_path))
    labels, pred = _test_predictions(tmp_path)
    assert code == ExitCode.OK
    assert r["confusion_matrix"] == skm.confusion_matrix(labels, pred, labels=range(k)).tolist()
    want = skm.classification_report(labels, pred, labels=range(k), output_dict=True, zero_division=0)
    assert [row["class"] for row in r["per_class"]] == [str(i) for i in range(k)]
    for i, row in enumerate(r["per_class"]):
        assert row["support"] == want[str(i)]["support"]
        assert [row["precision"], row["recall"], row["f1"]] == pytest.approx(
            [want[str(i)]["precision"], want[str(i)]["recall"], want[str(i)]["f1-score"]])
    for key, sk_key in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
        assert [r[key]["precision"], r[key]["recall"], r[key]["f1"]] == pytest.approx(
            [want[sk_key]["precision"], want[sk_key]["recall"], want[sk_key]["f1-score"]])
    # the figures beside the curves: macro averages for k classes, class 1's own for two
    assert (r["macro_avg"] if k > 2 else r["per_class"][1])["f1"] == pytest.approx(r["metrics"]["test_f1"])


def test_the_summary_lists_each_class_and_the_averages(capsys):
    assert cli.main(["train", "blobs", "--epochs", "2"]) == ExitCode.OK
    lines = capsys.readouterr().out.splitlines()
    head = next(i for i, line in enumerate(lines) if "precision  recall     F1  support" in line)
    assert [line.split()[:2] for line in lines[head + 1:head + 7]] == [
        ["class", "0"], ["class", "1"], ["class", "2"], ["class", "3"], ["macro", "avg"], ["weighted", "avg"]]


def test_regression_reports_no_classes(tmp_path, capsys):
    _, r, _ = run_json(capsys, str(preset(tmp_path / "line.json")), "--epochs", "2")
    assert not {"confusion_matrix", "per_class", "macro_avg", "weighted_avg"} & r.keys()


def test_out_keeps_every_epoch_of_a_run_whose_history_is_thinned(tmp_path, capsys, monkeypatch):
    """history.csv streams every epoch to disk; the run's memory keeps a bounded, thinned history."""
    from playground.core.history import History
    from playground.core.run import loop

    made: list[History] = []
    monkeypatch.setattr(loop, "History", lambda rows: made.append(History(32)) or made[-1])
    code = cli.main(["train", "circle", "--epochs", "300", "--out", str(tmp_path), "--quiet"])
    assert code == ExitCode.OK and len(made) == 1 and len(made[0]) <= 32 and made[0].level > 0
    with open(tmp_path / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 301))
    kept = made[0].views()
    for epoch, loss in zip(kept["epoch"], kept["train_loss"], strict=True):  # the same rows, not rounded
        assert float(rows[int(epoch) - 1]["train_loss"]) == loss
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "preset.json", "weights.pt"]


def test_out_that_cannot_be_a_folder_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file")
    code = cli.main(["train", "circle", "--epochs", "100000", "--out", str(tmp_path / "taken")])
    _, err = capsys.readouterr()
    assert code == ExitCode.BAD_INPUT and err.count("\n") == 1 and "taken: cannot write" in err
    assert "Traceback" not in err


def test_epochs_override_of_zero_would_run_forever_until_stopped(capsys, monkeypatch):
    """--epochs 0 means no limit; a stop (as from Ctrl-C) ends it with exit status 130."""
    from contextlib import contextmanager

    @contextmanager
    def stop_at_once(run):
        run.stop()
        yield

    monkeypatch.setattr(cli_train, "stop_on_interrupt", stop_at_once)
    code, r, _ = run_json(capsys, "circle", "--epochs", "0")
    assert code == ExitCode.INTERRUPTED and r["state"] == "stopped" and r["epoch_limit"] is None


def test_the_first_ctrl_c_stops_the_run_the_second_interrupts():
    stops = []
    run = types.SimpleNamespace(stop=lambda: stops.append(True))
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), cli_train.stop_on_interrupt(run):
        signal.raise_signal(signal.SIGINT)
        assert stops == [True]
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_progress_goes_to_stderr_on_a_terminal_only(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, r, err = run_json(capsys, "circle", "--epochs", "3")
    assert code == ExitCode.OK and r["epochs"] == 3
    assert "\r" in err and "epoch 3/3" in err and "loss train" in err


def test_progress_line_shows_epoch_limit_losses_and_speed():
    stream = io.StringIO()
    snap = types.SimpleNamespace(epoch=5, done=False, epochs_per_second=123.4,
                                 latest=lambda k: {"train_loss": 0.25, "test_loss": float("nan")}[k])
    progress = cli_train.Progress(stream, limit=10)
    progress.update(snap)
    text = stream.getvalue()
    assert text.startswith("\r[######......] epoch 5/10  loss train 0.25  test -  123 epochs/s")
    progress.update(snap)  # within the redraw interval: nothing new
    assert stream.getvalue() == text


@pytest.mark.parametrize("args", [["train", "nosuchpreset"], ["train", "circle", "--epochs", "-1"],
                                  ["train", "circle", "--seed", "x"], ["frobnicate.json"],
                                  ["train", "circle", "--pace", "fast"], ["train", "circle", "--pace", "0"],
                                  ["train", "circle", "--pace", "-2/update"]])
def test_bad_input_exits_2_with_one_line_and_no_traceback(args, capsys):
    assert cli.main(args) == ExitCode.BAD_INPUT
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err and err.strip()


def test_a_bad_preset_to_train_names_file_and_field(tmp_path, capsys):
    assert cli.main(["train", str(bad_lr_preset(tmp_path / "spiral.json"))]) == ExitCode.BAD_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        "nn-playground: spiral.json: training.optimizer.lr: must be > 0, got -1.0"]


def test_a_seed_override_out_of_range_is_reported(capsys):
    assert cli.main(["train", "circle", "--seed", str(2**31)]) == ExitCode.BAD_INPUT
    assert "seed: must be <=" in capsys.readouterr().err


def test_python_dash_m_playground_train_json_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "playground", "train", "circle", "--epochs", "3", "--json"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stderr == ""
    r = json.loads(proc.stdout)
    assert r["epochs"] == 3 and r["state"] == "finished"


# ---------------------------------------------------------------- validate / presets --------

def test_validate_reports_every_file_and_exits_2_if_any_is_bad(tmp_path, capsys):
    good = SHIPPED_DIR / "circle.json"
    bad = bad_lr_preset(tmp_path / "spiral.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    assert cli.main(["validate", str(good)]) == ExitCode.OK
    assert capsys.readouterr().out == f"{good}: ok\n"
    code = cli.main(["validate", str(bad), str(good), str(broken), str(tmp_path / "gone.json")])
    assert code == ExitCode.BAD_INPUT
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{bad}: training.optimizer.lr: must be > 0, got -1.0", f"{good}: ok",
                     f"{broken}: invalid JSON at line 1, column 12: Expecting value",
                     f"{tmp_path / 'gone.json'}: no such file"]


def test_presets_lists_the_shipped_presets_with_title_and_description(capsys):
    assert cli.main(["presets"]) == ExitCode.OK
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names == sorted(names) == [i.name for i in shipped_presets()]
    circle = next(line for line in out.splitlines() if line.startswith("circle "))
    assert circle.split(maxsplit=1)[1] == "Circle"
    assert "TensorFlow Playground" in out


def test_help_and_version_exit_0(capsys):
    assert cli.main(["--help"]) == ExitCode.OK
    assert "train" in capsys.readouterr().out
    assert cli.main(["--version"]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("nn-playground 0.")


def test_exit_statuses_keep_their_published_numbers_and_help_lists_them(capsys):
    """Scripts test these numbers (README, `--help`): the enum may not renumber them."""
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0, "NO_APP": 1, "BAD_INPUT": 2, "DIVERGED": 3, "DOWNLOAD_FAILED": 4, "INTERRUPTED": 130}
    cli.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert ("Exit status: 0 ok, 1 app unavailable, 2 bad input, 3 training diverged, 4 download failed, "
            "130 interrupted.") in help_text


# ---------------------------------------------------------------- opening the app -----------

@pytest.fixture
def fake_app(monkeypatch):
    """Stands in for playground.gui.app so these tests never start Qt."""
    calls = []
    module = types.ModuleType("playground.gui.app")
    module.run_app = lambda preset_path=None: calls.append(preset_path) or 0
    monkeypatch.setitem(sys.modules, "playground.gui.app", module)
    return calls


def test_no_arguments_opens_the_app_with_the_default_experiment(fake_app):
    assert cli.main([]) == ExitCode.OK
    assert fake_app == [None]


def test_a_preset_file_or_name_opens_the_app_with_it(fake_app):
    assert cli.main([str(SHIPPED_DIR / "circle.json")]) == ExitCode.OK
    assert cli.main(["circle"]) == ExitCode.OK
    assert fake_app == [str(SHIPPED_DIR / "circle.json")] * 2


def test_a_bad_preset_is_reported_before_any_window_opens(fake_app, tmp_path, capsys):
    assert cli.main([str(bad_lr_preset(tmp_path / "spiral.json"))]) == ExitCode.BAD_INPUT
    assert fake_app == []
    assert "spiral.json: training.optimizer.lr" in capsys.readouterr().err


def test_a_missing_gui_gives_a_clear_message(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "playground.gui.app", None)  # makes the import fail
    assert cli.main([]) == ExitCode.NO_APP
    assert "The desktop app is not available yet" in capsys.readouterr().err


# ---------------------------------------------------------------- files that are not what they claim

def _circle_dict() -> dict:
    return json.loads((SHIPPED_DIR / "circle.json").read_text())


def _broken_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each broken preset input and the sentence it must get (after `nn-playground: ` on stderr)."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    random_ = tmp_path / "random.json"
    random_.symlink_to("/dev/urandom")
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(17 * 2**20)
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "nn-playground.experiment", "version": 1, "seed": '
                    + "[" * 5000 + "]" * 5000 + "}")
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps(_circle_dict()).replace('"lr": 0.03', '"lr": NaN'))
    d = _circle_dict()
    d["network"]["layers"] = [{"type": "dense", "units": 4096}] * 200
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps(d))
    not_file = "not a regular file; a preset must be a regular file"
    return {
        "fifo": (fifo, f"pipe.json: is a named pipe (FIFO), {not_file}"),
        "zero": (zero, f"zero.json: is a character device, {not_file}"),
        "urandom": (random_, f"random.json: is a character device, {not_file}"),
        "big": (big, "big.json: is 17 MiB, more than a preset may be (16 MiB)"),
        "deep": (deep, "deep.json: invalid JSON: nested more than 32 levels deep; a preset is not that deep"),
        "nan": (nan, "nan.json: training.optimizer.lr: NaN is not valid JSON (write a number)"),
        "huge": (huge, "huge.json: network: needs about 175 GiB of memory (3,339,497,473 parameters "
                       "take 174 GiB"),
    }


@pytest.mark.parametrize("case", ["fifo", "zero", "urandom", "big", "deep", "nan", "huge"])
@pytest.mark.parametrize("command", ["train", "validate"])
def test_broken_preset_files_exit_2_with_one_sentence(tmp_path, capsys, monkeypatch, command, case):
    path, sentence = _broken_inputs(tmp_path)[case]
    monkeypatch.setattr(torch.nn.Linear, "__init__", lambda *a, **k: pytest.fail("a layer was built"))
    assert cli.main([command, str(path)]) == ExitCode.BAD_INPUT
    out, err = capsys.readouterr()
    line = (err if command == "train" else out).strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in err
    # train names the file as the preset's name; validate as given on the command line
    expected = (f"nn-playground: {sentence}" if command == "train"
                else sentence.replace(path.name, str(path), 1))
    assert line.startswith(expected)


def test_a_fifo_preset_does_not_hang_a_fresh_process(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "playground", "validate", str(fifo)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.BAD_INPUT and proc.stderr == ""
    assert proc.stdout == (f"{fifo}: is a named pipe (FIFO), not a regular file; "
                           "a preset must be a regular file\n")


def _csv_preset(tmp_path: Path, csv_text: str | None, name: str = "table.json") -> Path:
    data = tmp_path / "data.csv"
    if csv_text is not None:
        data.write_text(csv_text)
    d = _circle_dict()
    d["data"] = {"dataset": "csv", "samples": 100, "params": {"path": str(data)}}
    (tmp_path / name).write_text(json.dumps(d))
    return tmp_path / name


@pytest.mark.parametrize("csv_text, problem", [
    ("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n", None),
    ("a,b,y\n1,2,0\n3,1e39,1\n5,6,0\n", 'data.csv: row 3, column "b": \'1e39\' is too large'),
    ("a;b;y\n1;2;0\n3;4;1\n", "data.csv: one column found; is the separator ';'?"),
    ("a,b,y\n1,2,0\n3,4\n", "data.csv: row 3: 2 cells, but the header names 3 columns"),
    (None, "data.csv: file not found"),
])
def test_validate_reads_the_csv_a_preset_refers_to(tmp_path, capsys, csv_text, problem):
    path = _csv_preset(tmp_path, csv_text)
    code = cli.main(["validate", str(path)])
    out = capsys.readouterr().out
    if problem is None:
        assert code == ExitCode.OK and out == f"{path}: ok\n"
    else:
        assert code == ExitCode.BAD_INPUT
        assert out.startswith(f"{path}: ") and problem in out and len(out.splitlines()) == 1


def test_train_on_a_csv_with_an_out_of_range_cell_exits_2_before_training(tmp_path, capsys):
    path = _csv_preset(tmp_path, "a,b,y\n1,2,0\n3,1e39,1\n5,6,0\n")
    assert cli.main(["train", str(path), "--json"]) == ExitCode.BAD_INPUT
    out, err = capsys.readouterr()
    assert out == "" and err.startswith('nn-playground: data.csv: row 3, column "b": \'1e39\' is too large')


LIGHT_PROBE = """
import contextlib, io, json, sys
from playground import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    codes = [cli.main(["presets"]), cli.main(["--help"]), cli.main(["train"])]
print(json.dumps([codes, sorted(m for m in ("torch", "PySide6") if m in sys.modules)]))
"""


def test_listing_presets_help_and_a_usage_error_never_load_torch():
    """They answer at once: torch (1-2 s to import) is left to the commands that train or validate."""
    out = subprocess.run([sys.executable, "-c", LIGHT_PROBE], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    codes, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert codes == [ExitCode.OK, ExitCode.OK, ExitCode.BAD_INPUT] and heavy == []
