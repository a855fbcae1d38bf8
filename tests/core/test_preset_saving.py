"""Saving presets: the shipped ones are read-only (to the app and the command line alike), and a
save keeps what the person set up around their file (symlink, permission bits)."""

from __future__ import annotations

import dataclasses
import os
import stat

import pytest

from playground import cli
from playground.core.errors import SaveError
from playground.core.experiment import default_experiment
from playground.core.presets import (
    PACKAGE_DIR,
    SHIPPED_DIR,
    in_install_folder,
    load_preset,
    save_preset,
    user_presets_dir,
)
from playground.exit_codes import ExitCode


def shipped_listing() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SHIPPED_DIR.iterdir()}


def test_saving_into_the_shipped_presets_is_refused_with_a_sentence():
    before = shipped_listing()
    for path in (SHIPPED_DIR / "circle.json", SHIPPED_DIR / "brand-new.json",
                 PACKAGE_DIR / "mine.json", SHIPPED_DIR / "sub" / "x.json"):
        with pytest.raises(SaveError) as info:
            save_preset(default_experiment(), path)
        message = str(info.value)
        assert message.startswith(f"{path}: ") and "read-only" in message
        assert str(user_presets_dir()) in message  # says where to save instead
    assert shipped_listing() == before


def test_a_symlink_into_the_shipped_folder_is_refused_too(tmp_path):
    link = tmp_path / "circle.json"
    link.symlink_to(SHIPPED_DIR / "circle.json")
    assert in_install_folder(link) and not in_install_folder(tmp_path / "mine.json")
    before = shipped_listing()
    with pytest.raises(SaveError):
        save_preset(default_experiment(), link)
    assert shipped_listing() == before


def test_a_preset_saved_through_a_symlink_keeps_the_link_and_the_mode(tmp_path):
    real = tmp_path / "store" / "exp.json"
    real.parent.mkdir()
    save_preset(default_experiment(), real)
    real.chmod(0o600)
    link = tmp_path / "exp.json"
    link.symlink_to(real)
    changed = dataclasses.replace(default_experiment(), name="Changed")
    save_preset(changed, link)
    assert link.is_symlink() and load_preset(real) == changed
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_train_out_into_the_install_folder_exits_2_and_writes_nothing(capsys):
    before = shipped_listing()
    out = SHIPPED_DIR / "run"
    code = cli.main(["train", "circle", "--epochs", "1", "--quiet", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == ExitCode.BAD_INPUT and "read-only" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and shipped_listing() == before


def test_train_out_that_cannot_be_written_exits_2_naming_the_file(tmp_path, capsys):
    taken = tmp_path / "out"
    taken.write_text("a file where the folder should go")
    code = cli.main(["train", "circle", "--epochs", "1", "--quiet", "--out", str(taken)])
    _, err = capsys.readouterr()
    assert code == ExitCode.BAD_INPUT and str(taken) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == ["out"]
