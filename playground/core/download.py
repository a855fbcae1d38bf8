"""Downloading a data file: mirrors in turn, resume with HTTP Range, SHA-256 check, progress, cancel.

No GUI and no printing: `fetch` reports progress through a callback and stops between chunks when
its `cancel` event is set (or on Ctrl-C), so the command line and the app drive the same code.

A file arrives in ``NAME.part`` beside its final place. A download that is cancelled or cut off
keeps the part, and the next one asks the server only for the rest (``Range: bytes=N-``); a server
that ignores Range sends the whole file again and the part is started over. Only a complete file
whose SHA-256 matches is renamed into place, so a file under its final name is always a checked
one. A complete file with the wrong checksum is deleted, part and all: resuming from it could
never give the right bytes.
"""

from __future__ import annotations

import hashlib
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from playground import __version__
from playground.core.errors import PlaygroundError

CHUNK = 64 << 10
TIMEOUT_S = 30.0
USER_AGENT = f"nn-playground/{__version__}"

Progress = Callable[[str, int, int], None]  # (file name, bytes so far, bytes in all or 0 if unknown)


@dataclass(frozen=True)
class RemoteFile:
    """One file to download: its name on the mirrors and on disk, its size and its SHA-256."""

    name: str
    size: int  # bytes; 0 = not known in advance
    sha256: str


class DownloadError(PlaygroundError):
    """A file could not be downloaded (network, server, checksum); the message names the file."""


class DownloadCancelled(PlaygroundError):
    """The person cancelled; what was downloaded so far is kept for the next try."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks (data files can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def part_path(folder: Path, name: str) -> Path:
    """Where the unfinished download of `name` is kept."""
    return folder / f"{name}.part"


def fetch(file: RemoteFile, mirrors: Sequence[str], folder: Path, progress: Progress | None = None,
          cancel: threading.Event | None = None, timeout: float = TIMEOUT_S) -> Path:
    """Download `file` into `folder` from the first mirror that works; returns its path.

    A file already there with the right checksum is not downloaded again. Each mirror is a base
    URL that the file name is appended to. Raises DownloadCancelled when `cancel` is set, and
    DownloadError (naming the file, and the last mirror's problem) when no mirror gives the file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file.name
    if target.is_file() and sha256_of(target) == file.sha256:
        return target
    problems: list[str] = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file.name
        try:
            part = _download(url, file, folder, progress, cancel, timeout)
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            problems.append(f"{url}: {_reason(exc)}")
            continue
        found = sha256_of(part)
        if found != file.sha256:
            part.unlink()
            problems.append(f"{url}: the file's SHA-256 is {found}, not the expected {file.sha256}; "
                            "the damaged download was deleted")
            continue
        os.replace(part, target)
        return target
    raise DownloadError(f"{file.name}: could not download it ({'; '.join(problems) or 'no mirror given'})")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _download(url: str, file: RemoteFile, folder: Path, progress: Progress | None,
              cancel: threading.Event | None, timeout: float) -> Path:
    """Bring ``NAME.part`` to the server's full file, resuming from what is there; returns it."""
    part = part_path(folder, file.name)
    have = part.stat().st_size if part.is_file() else 0
    if file.size and have > file.size:  # longer than the real file: nothing in it can be trusted
        part.unlink()
        have = 0
    if file.size and have == file.size:
        return part  # complete already (cut off just before the rename); the checksum decides
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - https/http mirrors only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing after byte `have`: the part is the whole file
            return part
        raise
    with response:
        resumed = have > 0 and response.status == 206 and _starts_at(response, have)
        if not resumed:
            have = 0  # a plain 200: the whole file comes again, from its first byte
        length = int(response.headers.get("Content-Length") or 0)
        total = have + length if length else file.size
        with open(part, "ab" if resumed else "wb") as out:
            _copy(response, out, file.name, have, total, progress, cancel)
    if total and part.stat().st_size < total:
        raise OSError(f"the connection closed after {part.stat().st_size} of {total} bytes")
    return part


def _starts_at(response, offset: int) -> bool:
    """Whether a 206 answer's Content-Range starts where the part ends (anything else is restarted)."""
    content_range = response.headers.get("Content-Range", "")
    return content_range.startswith(f"bytes {offset}-")


def _copy(response, out, name: str, have: int, total: int, progress: Progress | None,
          cancel: threading.Event | None) -> None:
    if progress is not None:
        progress(name, have, total)
    while True:
        if cancel is not None and cancel.is_set():
            raise DownloadCancelled(f"{name}: download cancelled; {have:,} bytes are kept for the next try")
        chunk = response.read(CHUNK)
        if not chunk:
            return
        out.write(chunk)
        have += len(chunk)
        if progress is not None:
            progress(name, have, total)
