"""The one atomic-write helper: no temp file outlives a failed or killed save, symlinks and permission
bits survive, and errors name the person's file."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.core.atomic import STALE_AFTER_S, atomic_write, remove_stale_temps, temp_name
from playground.core.experiment import default_experiment
from playground.core.presets import load_preset, preset_to_text, save_preset

REPO = Path(__file__).resolve().parents[2]


def temps(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------- failure paths -------------

def test_ctrl_c_inside_the_block_keeps_the_old_file_and_removes_the_temp(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as f:
        f.write("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and temps(tmp_path) == []


@pytest.mark.parametrize("failure", [OSError(5, "Input/output error"), KeyboardInterrupt()])
def test_a_failing_fsync_removes_the_temp_and_names_the_file(tmp_path, monkeypatch, failure):
    target = tmp_path / "a.json"
    target.write_text("old")

    def fsync(fd):
        raise failure

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(type(failure)) as info, atomic_write(target) as f:
        f.write("new")
    monkeypatch.undo()
    assert target.read_text() == "old" and temps(tmp_path) == []
    if isinstance(failure, OSError):
        assert info.value.filename == str(target) and ".tmp" not in str(info.value)


def test_a_failing_replace_removes_the_temp_and_names_the_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(IsADirectoryError) as info, atomic_write(target) as f:
        f.write("new")
    assert info.value.filename == str(target) and info.value.filename2 is None
    assert ".tmp" not in str(info.value)
    assert temps(tmp_path) == []


def test_a_missing_folder_is_named_not_the_temp_file(tmp_path):
    target = tmp_path / "nope" / "a.json"
    with pytest.raises(FileNotFoundError) as info, atomic_write(target) as f:
        f.write("x")
    assert info.value.filename == str(target) and ".tmp" not in str(info.value)


def test_an_error_about_another_file_inside_the_block_is_left_alone(tmp_path):
    with pytest.raises(FileNotFoundError) as info, atomic_write(tmp_path / "a.json") as f:
        f.write((tmp_path / "elsewhere.txt").read_text())
    assert info.value.filename == str(tmp_path / "elsewhere.txt")
    assert temps(tmp_path) == []


# ---------------------------------------------------------------- leftovers of killed saves ---

def test_a_save_removes_the_temps_of_dead_processes_in_its_folder(tmp_path):
    gone, stale = dead_pid(), time.time() - STALE_AFTER_S - 60
    files = {
        "dead": temp_name("a.json", gone),
        "dead_other_file": temp_name("b.csv", gone),
        "ours": temp_name("a.json"),  # this process may be saving it right now
        "alive": temp_name("a.json", os.getppid()),
        "old_alive": temp_name("c.json", os.getppid()),
        "legacy_stale": ".a.json.0badf00d.tmp",  # before pids were in the name
        "legacy_fresh": ".b.json.0badf00d.tmp",
        "unrelated": ".notes.tmp",
    }
    for name in files.values():
        (tmp_path / name).write_text("x")
    for key in ("old_alive", "legacy_stale"):
        os.utime(tmp_path / files[key], (stale, stale))

    with atomic_write(tmp_path / "a.json") as f:
        f.write("new")

    kept = {files[k] for k in ("ours", "alive", "legacy_fresh", "unrelated")}
    assert set(temps(tmp_path)) == kept
    assert remove_stale_temps(tmp_path) == []


# ---------------------------------------------------------------- symlinks and permissions ----

def test_saving_over_a_symlink_writes_the_file_it_points_to(tmp_path):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    real = real_dir / "exp.json"
    real.write_text("old")
    real.chmod(0o640)
    link = link_dir / "exp.json"
    link.symlink_to(os.path.relpath(real, link_dir))
    with atomic_write(link) as f:
        f.write("new")
    assert link.is_symlink() and Path(os.path.realpath(link)) == real
    assert real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert temps(real_dir, link_dir) == []


def test_a_dangling_symlink_creates_the_file_it_points_to(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    with atomic_write(link) as f:
        f.write("new")
    assert link.is_symlink() and (tmp_path / "later.json").read_text() == "new"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o444])
def test_an_existing_file_keeps_its_permission_bits_from_the_first_byte(tmp_path, mode):
    target = tmp_path / "p.json"
    target.write_text("old")
    target.chmod(mode)
    with atomic_write(target) as f:
        assert stat.S_IMODE(os.fstat(f.fileno()).st_mode) == mode  # never wider, not even half-written
        f.write("new")
    assert stat.S_IMODE(target.stat().st_mode) == mode and target.read_text() == "new"


# ---------------------------------------------------------------- a real kill -----------------

CHILD = """
import sys
from playground.core.atomic import atomic_write
target, texts = sys.argv[1], sys.argv[2:]
n = 0
while True:  # what save_preset does with a preset's text, without building an Experiment first
    with atomic_write(target) as f:
        f.write(texts[n % len(texts)])
    n += 1
    print(n, flush=True)
"""


def test_saves_killed_with_sigkill_leave_a_valid_file_and_no_temp_behind_the_next_save(tmp_path):
    """Start a process saving in a loop, SIGKILL it at a random moment, and again, and again."""
    target = tmp_path / "exp.json"
    save_preset(dataclasses.replace(default_experiment(), name="first"), target)
    versions = [dataclasses.replace(default_experiment(), name=f"v{i}") for i in range(2)]
    pick = random.Random(9)
    rounds = orphans = 0
    while (rounds < 20 or orphans < 5) and rounds < 200:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), *map(preset_to_text, versions)],
                                 cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline(), "the saving child ended by itself"
        time.sleep(pick.uniform(0, 0.01))  # a random moment of the loop: saves take a few ms
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        rounds += 1
        left = temps(tmp_path)
        assert len(left) <= 1, f"round {rounds}: earlier killed saves left {left}"  # cleaned by this child
        orphans += len(left)
        assert load_preset(target) in versions  # the old file or the new one, whole
    assert orphans >= 5, f"only {orphans} of {rounds} kills landed inside a save"
    save_preset(default_experiment(), target)
    assert temps(tmp_path) == []
    assert load_preset(target) == default_experiment()
