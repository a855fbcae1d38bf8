"""Downloading data files from a local HTTP mirror: resume, checksums, mirrors in turn, cancel.

Every server here is http.server on 127.0.0.1 (tests/fake_mnist.py); nothing touches the network.
"""

from __future__ import annotations

import hashlib
import threading

import pytest

from playground.core.download import DownloadCancelled, DownloadError, RemoteFile, fetch, part_path
from tests.fake_mnist import Mirror, serve

DATA = bytes(range(256)) * 1024  # 256 KiB: several chunks
FILE = RemoteFile("blob.gz", len(DATA), hashlib.sha256(DATA).hexdigest())


def test_a_file_arrives_checked_under_its_name_with_progress(tmp_path):
    seen = []
    with serve(Mirror({"blob.gz": DATA})) as mirror:
        path = fetch(FILE, [mirror.url], tmp_path, progress=lambda *a: seen.append(a))
    assert path == tmp_path / "blob.gz" and path.read_bytes() == DATA
    assert not part_path(tmp_path, "blob.gz").exists()
    assert seen[0] == ("blob.gz", 0, len(DATA)) and seen[-1] == ("blob.gz", len(DATA), len(DATA))
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)


def test_a_download_cut_off_mid_file_resumes_with_a_range_request(tmp_path):
    cut = 100_000
    with serve(Mirror({"blob.gz": DATA}, cut_after={"blob.gz": cut})) as mirror:
        with pytest.raises(DownloadError, match=r"blob\.gz: could not download it .*closed after"):
            fetch(FILE, [mirror.url], tmp_path)
        part = part_path(tmp_path, "blob.gz")
        assert part.read_bytes() == DATA[:cut]  # kept for the next try
        assert not (tmp_path / "blob.gz").exists()  # never an unchecked file under the real name
        path = fetch(FILE, [mirror.url], tmp_path)
    assert path.read_bytes() == DATA and not part.exists()
    assert mirror.requests == [("blob.gz", None), ("blob.gz", f"bytes={cut}-")]
    assert mirror.sent["blob.gz"] == len(DATA)  # the first 100,000 bytes were not sent twice


def test_a_server_that_ignores_range_sends_the_whole_file_and_the_part_starts_over(tmp_path):
    part_path(tmp_path, "blob.gz").write_bytes(DATA[:5000])
    with serve(Mirror({"blob.gz": DATA}, ignore_range=True)) as mirror:
        path = fetch(FILE, [mirror.url], tmp_path)
    assert mirror.requests == [("blob.gz", "bytes=5000-")]
    assert path.read_bytes() == DATA


def test_a_checksum_mismatch_is_named_and_the_bad_file_removed(tmp_path):
    wrong = RemoteFile("blob.gz", len(DATA), "0" * 64)
    with serve(Mirror({"blob.gz": DATA})) as mirror, pytest.raises(DownloadError) as info:
        fetch(wrong, [mirror.url], tmp_path)
    message = str(info.value)
    assert message.startswith("blob.gz: could not download it")
    assert hashlib.sha256(DATA).hexdigest() in message and "0" * 64 in message and "deleted" in message
    assert list(tmp_path.iterdir()) == []  # neither the file nor a part to resume from


def test_the_next_mirror_is_tried_when_one_fails(tmp_path):
    with serve(Mirror({})) as empty, serve(Mirror({"blob.gz": DATA})) as good:
        path = fetch(FILE, [empty.url, good.url], tmp_path)
    assert path.read_bytes() == DATA and empty.requests == [("blob.gz", None)]


def test_every_mirror_failing_is_one_error_naming_each(tmp_path):
    with serve(Mirror({})) as a, serve(Mirror({})) as b, pytest.raises(DownloadError) as info:
        fetch(FILE, [a.url, b.url], tmp_path)
    assert str(info.value).count("HTTP 404") == 2 and a.url in str(info.value) and b.url in str(info.value)


def test_cancel_stops_between_chunks_and_keeps_the_part_for_a_resume(tmp_path):
    cancel = threading.Event()

    def progress(name, done, total):
        if done >= 64 << 10:
            cancel.set()

    with serve(Mirror({"blob.gz": DATA})) as mirror:
        with pytest.raises(DownloadCancelled, match="blob.gz: download cancelled"):
            fetch(FILE, [mirror.url], tmp_path, progress=progress, cancel=cancel)
        kept = part_path(tmp_path, "blob.gz").stat().st_size
        assert 0 < kept < len(DATA) and not (tmp_path / "blob.gz").exists()
        path = fetch(FILE, [mirror.url], tmp_path)
    assert path.read_bytes() == DATA
    assert mirror.requests[-1] == ("blob.gz", f"bytes={kept}-")


def test_a_checked_file_already_there_is_not_downloaded_again(tmp_path):
    (tmp_path / "blob.gz").write_bytes(DATA)
    with serve(Mirror({"blob.gz": DATA})) as mirror:
        fetch(FILE, [mirror.url], tmp_path)
    assert mirror.requests == []


def test_a_complete_part_is_checked_without_asking_the_server(tmp_path):
    part_path(tmp_path, "blob.gz").write_bytes(DATA)  # cut off between the last byte and the rename
    with serve(Mirror({"blob.gz": DATA})) as mirror:
        fetch(FILE, [mirror.url], tmp_path)
    assert mirror.requests == [] and (tmp_path / "blob.gz").read_bytes() == DATA
