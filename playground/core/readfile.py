"""Reading a file a person names without trusting it to be one: regular files only, up to a cap.

A path can be a FIFO (the open would wait for a writer forever), a device or a symlink to
``/dev/zero`` (a read that never ends), or a multi-gigabyte file by mistake. `open_regular` looks
at the path before opening it, opens it with O_NONBLOCK so that a FIFO swapped in meanwhile still
cannot block, checks the opened descriptor again, and hands back a reader that refuses to go past
the cap even if the file grows while it is read. Problems raise FileRefused with a reason that the
caller prefixes with the file's name (its own error type: SpecError for presets, DataError for data).
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO

from playground.core.errors import PlaygroundError

MiB = 2**20

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class FileRefused(PlaygroundError):
    """A path that is not a regular file, or is larger than its cap; `reason` omits the file name."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def size_text(n: float) -> str:
    """A byte count for people: 512 bytes, 3.2 KiB, 16 MiB, 1.5 GiB."""
    if n < 1024:
        return f"{int(n)} bytes"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if n >= 100 or float(n).is_integer() else f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def _check(st: os.stat_result, limit: int, what: str) -> None:
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise FileRefused(f"is {kind}, not a regular file; {what} must be a regular file")
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"is not a regular file; {what} must be a regular file")
    if st.st_size > limit:
        raise FileRefused(f"is {size_text(st.st_size)}, more than {what} may be ({size_text(limit)})")


class _Capped(io.RawIOBase):
    """A raw reader over a file descriptor that raises FileRefused once more than `limit` bytes came."""

    def __init__(self, fd: int, limit: int, what: str):
        self._file = io.FileIO(fd, "rb", closefd=True)
        self._left = limit
        self._limit, self._what = limit, what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer)[: self._left + 1]  # one byte more than allowed tells "too big"
        n = self._file.readinto(view) or 0
        self._left -= n
        if self._left < 0:
            raise FileRefused(f"grew past {size_text(self._limit)} while being read, more than "
                              f"{self._what} may be")
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def open_regular(path: str | os.PathLike[str], limit: int, what: str) -> BinaryIO:
    """A buffered binary reader over `path`, which must be a regular file of at most `limit` bytes.

    `what` names the kind of file in messages ("a preset", "a CSV file"). Raises FileRefused for
    anything else and OSError (FileNotFoundError, PermissionError, ...) when it cannot be opened.
    """
    _check(os.stat(path), limit, what)  # refuse a FIFO or device before opening it at all
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _check(os.fstat(fd), limit, what)  # the path may have been swapped since the stat
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Capped(fd, limit, what))  # type: ignore[return-value]


def read_regular(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The whole content of `path` (see `open_regular`)."""
    with open_regular(path, limit, what) as f:
        return f.read()


__all__ = ["FileRefused", "MiB", "open_regular", "read_regular", "size_text"]
