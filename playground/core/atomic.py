"""Atomic file writes: the one way NN Playground replaces a file (presets, history, weights, plots).

The data goes to a temp file beside the target, is flushed and fsynced, and `os.replace` puts it
in place, so a crash leaves the old file or the new one, never half of one. Around that:

- Temp files are named ``.<name>.<pid>.<token>.tmp``. Any failure in the process (an exception,
  Ctrl-C) removes its own; a process killed outright cannot, so every save first removes the
  temp files in its folder whose process is gone (and any older than a day: pid reuse, other
  machines on a shared folder, systems where a pid cannot be asked about).
- A symlink is followed: the file it points to is replaced and the link stays a link.
- An existing file keeps its permission bits (the temp file has them from the start, so a private
  file is never readable by others, not even half-written); a new file gets the umask's default.
- Errors name the person's file, never the temp file.

A hard link to the file is not kept: the new file is a new inode (the price of atomicity).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

STALE_AFTER_S = 24 * 3600
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")
_OLD_TEMP = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # written before the pid was in the name


def temp_name(target_name: str, pid: int | None = None) -> str:
    """A fresh temp file name for `target_name`, recognisable as ours and as `pid`'s."""
    return f".{target_name}.{os.getpid() if pid is None else pid}.{secrets.token_hex(4)}.tmp"


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` may still be writing. Unknown counts as alive (nothing is removed)."""
    if os.name != "posix":  # on Windows os.kill(pid, 0) would end that process, not ask about it
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists and belongs to someone else
        return True
    return True


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temp files that killed saves left in `folder`; returns what was removed.

    Best effort and silent: a folder that cannot be listed or a file that cannot be removed is
    left alone, since cleaning up must never stop the save that does it.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        ours = _TEMP.match(entry.name)
        if ours is None and _OLD_TEMP.match(entry.name) is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime > STALE_AFTER_S or (ours and not _pid_alive(int(ours["pid"]))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the file being replaced, or None for a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def _open_temp(target: Path, mode: int | None) -> tuple[int, Path]:
    """Create the empty temp file beside `target`, with `target`'s permission bits when it has some."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = target.with_name(temp_name(target.name))
        try:
            fd = os.open(tmp, flags, 0o666 if mode is None else 0o600)
            break
        except FileExistsError:
            continue
    if mode is not None and os.name == "posix":
        try:
            os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            with suppress(OSError):
                os.unlink(tmp)
            raise
    return fd, tmp


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); not possible (nor needed) on Windows."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _naming(error: OSError, shown: str, target: Path) -> OSError:
    """`error` naming the person's file where it named the temp file, the resolved target or nothing."""
    names = [os.fspath(n) for n in (error.filename, error.filename2) if n is not None]
    ours = [n for n in names if n == str(target) or _TEMP.match(os.path.basename(n))]
    if error.errno is None or (names and not ours):
        return error
    return OSError(error.errno, error.strerror, shown)  # OSError picks the subclass from errno


@contextmanager
def atomic_write(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temp file for writing that replaces `path` only if the block finishes without error.

    Text mode writes UTF-8 with ``\\n`` line ends on every platform (files are shared between people).
    """
    shown = os.fspath(path)
    target = Path(os.path.realpath(path))  # through symlinks: replace what the link points to
    try:
        remove_stale_temps(target.parent)
        fd, tmp = _open_temp(target, _existing_mode(target))
        try:
            mode = "wb" if binary else "w"
            kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
            with os.fdopen(fd, mode, **kwargs) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise _naming(e, shown, target) from None
    _fsync_dir(target.parent)


__all__ = ["STALE_AFTER_S", "atomic_write", "remove_stale_temps", "temp_name"]
