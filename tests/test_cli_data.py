"""`nn-playground data get/import mnist`, what train and validate say without it, and samples reports.

Downloads come from a local HTTP mirror serving generated files (tests/fake_mnist.py); the
published mirrors are removed from the list, so nothing here touches the network.
"""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest

from playground import cli, cli_data
from playground.core.datasets import mnist_full
from playground.core.datasets.idx import TEST
from playground.core.download import part_path
from playground.core.presets import SHIPPED_DIR
from playground.exit_codes import ExitCode
from tests.fake_mnist import Mirror, fake_files, idx, remote_files, serve, write_folder, write_npz

FILES = fake_files()


@pytest.fixture
def offline(monkeypatch):
    """No published mirror, the generated files' checksums, and an empty data folder afterwards."""
    monkeypatch.setattr(mnist_full, "MIRRORS", ())
    monkeypatch.setattr(mnist_full, "FILES", remote_files(FILES))
    yield mnist_full.folder()
    shutil.rmtree(mnist_full.folder(), ignore_errors=True)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- data get ------------------

def test_get_downloads_checks_and_says_where(offline, capsys):
    with serve(Mirror(dict(FILES))) as mirror:
        code, out, err = run(capsys, "data", "get", "mnist", "--mirror", mirror.url)
    assert (code, err) == (0, "")  # no progress bar off a terminal
    assert out == f"Full MNIST is ready in {offline} (60,000 training and 10,000 test images, checked).\n"
    assert sorted(p.name for p in offline.iterdir()) == sorted(FILES)
    code, out, _ = run(capsys, "data", "get", "mnist")
    assert code == ExitCode.OK and out == f"Full MNIST is already in {offline}.\n"


def test_ctrl_c_cancels_keeps_the_part_and_the_next_get_resumes(offline, capsys, monkeypatch):
    def interrupt_after_first_chunk(self, name, done, total):
        if done:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_data.Bar, "update", interrupt_after_first_chunk)
    monkeypatch.setattr(cli_data.sys.stderr, "isatty", lambda: True)
    first = mnist_full.FILES[0].name
    with serve(Mirror(dict(FILES))) as mirror:
        code, out, err = run(capsys, "data", "get", "mnist", "--mirror", mirror.url)
        assert code == ExitCode.INTERRUPTED and out == ""
        kept = part_path(offline, first).stat().st_size
        assert kept == 64 << 10
        assert err.strip().endswith(f"nn-playground: download cancelled: the {kept:,} bytes received so far "
                                    f"are kept in {offline}, and the next `nn-playground data get mnist` "
                                    "resumes from them")
        monkeypatch.undo()
        monkeypatch.setattr(mnist_full, "MIRRORS", ())
        monkeypatch.setattr(mnist_full, "FILES", remote_files(FILES))
        code, _, _ = run(capsys, "data", "get", "mnist", "--mirror", mirror.url)
    assert code == ExitCode.OK and (first, f"bytes={kept}-") in mirror.requests


def test_a_checksum_mismatch_exits_4_naming_the_file(offline, capsys, monkeypatch):
    files = dict(FILES)
    files[mnist_full.FILES[1].name] = b"not the labels"
    with serve(Mirror(files)) as mirror:
        code, out, err = run(capsys, "data", "get", "mnist", "--mirror", mirror.url)
    assert code == ExitCode.DOWNLOAD_FAILED and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith(f"nn-playground: {mnist_full.FILES[1].name}: could not download it (")
    assert "SHA-256" in err and "deleted" in err and "nn-playground data import mnist PATH" in err
    assert not (offline / mnist_full.FILES[1].name).exists()
    assert not part_path(offline, mnist_full.FILES[1].name).exists()


def test_no_mirror_answering_exits_4(offline, capsys):
    with serve(Mirror({})) as mirror:
        code, _, err = run(capsys, "data", "get", "mnist", "--mirror", mirror.url)
    assert code == ExitCode.DOWNLOAD_FAILED and "HTTP 404" in err and "Traceback" not in err


def test_the_progress_bar_shows_file_and_megabytes():
    stream = io.StringIO()
    bar = cli_data.Bar(stream)
    bar.update("train-images-idx3-ubyte.gz", 4_956_211, 9_912_422)
    assert stream.getvalue().startswith(
        "\r[##########..........] train-images-idx3-ubyte.gz  5.0 / 9.9 MB")
    bar.update("train-images-idx3-ubyte.gz", 5_000_000, 9_912_422)  # within the redraw interval
    assert stream.getvalue().count("\r") == 1


# ---------------------------------------------------------------- data import ---------------

@pytest.mark.parametrize("form", ["gzipped", "plain", "npz"])
def test_import_takes_idx_folders_and_keras_npz(offline, tmp_path, capsys, form):
    source = (write_npz(tmp_path / "mnist.npz") if form == "npz"
              else write_folder(tmp_path / "files", compress=form == "gzipped"))
    code, out, err = run(capsys, "data", "import", "mnist", str(source))
    assert (code, err) == (0, "")
    assert out == f"Full MNIST is ready in {offline} (imported from {source}, checked).\n"
    assert mnist_full.missing() == []


def test_import_of_a_bad_file_exits_2_with_one_sentence_naming_it(offline, tmp_path, capsys):
    source = write_folder(tmp_path / "files", compress=False)
    (source / TEST.labels).write_bytes(idx(np.zeros(9_000, np.uint8)))
    code, out, err = run(capsys, "data", "import", "mnist", str(source))
    assert (code, out) == (ExitCode.BAD_INPUT, "")
    assert err == (f"nn-playground: {source / TEST.labels}: holds 9,000 examples, but MNIST's test part "
                   "has 10,000\n")
    assert not offline.exists()


# ---------------------------------------------------------------- presets that need it ------

def test_train_and_validate_without_full_mnist_say_how_to_get_it(capsys):
    assert mnist_full.missing()  # the sandboxed data folder is empty
    code, out, err = run(capsys, "train", "mnist-cnn-full")
    assert (code, out) == (ExitCode.BAD_INPUT, "") and len(err.strip().splitlines()) == 1
    assert err.startswith("nn-playground: full MNIST is not on this computer yet")
    assert "`nn-playground data get mnist`" in err
    path = SHIPPED_DIR / "mnist-cnn-full.json"
    code, out, _ = run(capsys, "validate", str(path), str(SHIPPED_DIR / "mnist-cnn.json"))
    assert code == ExitCode.BAD_INPUT
    assert out.splitlines() == [f"{path}: {mnist_full.missing_message()}",
                                f"{SHIPPED_DIR / 'mnist-cnn.json'}: ok"]


def test_validate_is_content_once_the_data_is_there(full_mnist, capsys):
    path = SHIPPED_DIR / "mnist-cnn-full.json"
    assert run(capsys, "validate", str(path)) == (0, f"{path}: ok\n", "")


# ---------------------------------------------------------------- samples reports -----------

def _digits(tmp_path, samples):
    d = json.loads((SHIPPED_DIR / "digits-mlp.json").read_text())
    d["data"]["samples"], d["training"]["epochs"] = samples, 1
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(d))
    return str(path)


def test_samples_above_what_the_set_holds_are_reported_not_hidden(tmp_path, capsys):
    code, out, _ = run(capsys, "train", _digits(tmp_path, 70_000), "--json")
    r = json.loads(out)
    assert code == ExitCode.OK
    assert (r["samples"], r["samples_requested"], r["samples_available"]) == (1797, 70_000, 1797)
    assert r["train_samples"] + r["val_samples"] + r["test_samples"] == 1797
    code, out, _ = run(capsys, "train", _digits(tmp_path, 70_000))
    note = "samples asks for 70,000 examples, but digits holds 1,797: all of them are in use"
    assert f"  note      {note}" in out
    assert f"  data      digits: {r['train_samples']:,} train, {r['test_samples']:,} test" in out


def test_samples_the_set_can_give_have_no_note(tmp_path, capsys):
    code, out, _ = run(capsys, "train", _digits(tmp_path, 1000), "--json")
    r = json.loads(out)
    assert (r["samples"], r["samples_requested"], r["samples_available"]) == (1000, 1000, 1797)
    _, out, _ = run(capsys, "train", _digits(tmp_path, 1000))
    assert "note" not in out


def test_generated_data_has_no_available_count(capsys):
    _, out, _ = run(capsys, "train", "circle", "--epochs", "1", "--json")
    r = json.loads(out)
    assert (r["samples"], r["samples_requested"], r["samples_available"]) == (500, 500, None)
