"""Reading a named file without trusting it: regular files only, never past the cap."""

from __future__ import annotations

import os

import pytest

from playground.core.readfile import FileRefused, open_regular, read_regular, size_text


def test_a_regular_file_under_the_cap_is_read_whole(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_bytes(b"x" * 1000)
    assert read_regular(path, 1000, "a test file") == b"x" * 1000


def test_a_file_that_reports_size_0_but_holds_more_stops_at_the_cap():
    """/proc files say size 0 and then deliver text: the reader itself must count."""
    path = f"/proc/{os.getpid()}/status"
    with pytest.raises(FileRefused, match="grew past 100 bytes while being read"):
        read_regular(path, 100, "a test file")


def test_a_fifo_opens_without_blocking_and_is_refused(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(FileRefused, match="is a named pipe"):
        open_regular(path, 100, "a test file")


def test_a_missing_file_is_the_usual_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "gone", 100, "a test file")


@pytest.mark.parametrize("n, text", [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KiB"),
                                     (1536, "1.5 KiB"), (16 * 2**20, "16 MiB"), (300 * 2**30, "300 GiB")])
def test_sizes_read_as_people_write_them(n, text):
    assert size_text(n) == text
