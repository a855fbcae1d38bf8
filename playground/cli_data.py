"""`nn-playground data`: get or import the data sets that are too large to ship (full MNIST).

    nn-playground data get mnist [--mirror URL]   download the four IDX files (about 11 MB)
    nn-playground data import mnist PATH           take them from a folder, or Keras's mnist.npz

Files go to the user data folder (see playground.core.datasets.mnist_full). The progress bar goes
to stderr, and only on a terminal; stdout says where the files are. Ctrl-C cancels a download and
keeps what arrived, so the next `data get` resumes from there. Exit statuses: 0 done, 2 bad input
(a file that is not MNIST, named in one sentence), 4 the download failed, 130 cancelled.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import IO, Any

from playground.exit_codes import ExitCode

SETS = ("mnist",)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="get or import data sets too large to ship (full MNIST)",
                       description="Get or import data sets that are not shipped with NN Playground.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = actions.add_parser("get", help="download a data set into your user data folder",
                             description="Download full MNIST (60,000 training and 10,000 test images, "
                                         "about 11 MB) and check every file's SHA-256.")
    get.add_argument("name", choices=SETS, help="the data set: mnist")
    get.add_argument("--mirror", action="append", metavar="URL",
                     help="a base URL holding the four files, tried before the usual mirrors (repeatable)")
    get.set_defaults(handler=run_get)
    imp = actions.add_parser("import", help="take a data set from files you already have",
                             description="Check and copy full MNIST from a folder with the four IDX files "
                                         "(gzipped or not) or from Keras's mnist.npz.")
    imp.add_argument("name", choices=SETS, help="the data set: mnist")
    imp.add_argument("path", type=Path, metavar="PATH", help="a folder of IDX files, or mnist.npz")
    imp.set_defaults(handler=run_import)


def run_get(args: argparse.Namespace) -> int:
    """Download what is missing, resuming; say where the files are."""
    from playground.core.datasets import mnist_full
    from playground.core.download import DownloadError, part_path
    from playground.core.errors import DataError

    where = mnist_full.folder()
    if not mnist_full.missing():
        try:
            mnist_full.arrays()
        except DataError:
            pass  # a broken import: download the published files over it
        else:
            print(f"Full MNIST is already in {where}.")
            return ExitCode.OK
    bar = Bar(sys.stderr) if sys.stderr.isatty() else None
    try:
        mnist_full.get(mirrors=[*(args.mirror or ()), *mnist_full.MIRRORS],
                       progress=bar.update if bar is not None else None)
    except KeyboardInterrupt:
        kept = sum(p.stat().st_size for f in mnist_full.FILES if (p := part_path(where, f.name)).is_file())
        _clear(bar)
        _say(f"download cancelled: the {kept:,} bytes received so far are kept in {where}, and the next "
             "`nn-playground data get mnist` resumes from them")
        return ExitCode.INTERRUPTED
    except DownloadError as exc:
        _clear(bar)
        _say(str(exc))
        return ExitCode.DOWNLOAD_FAILED
    except DataError:
        _clear(bar)
        raise
    _clear(bar)
    print(f"Full MNIST is ready in {where} (60,000 training and 10,000 test images, checked).")
    return ExitCode.OK


def run_import(args: argparse.Namespace) -> int:
    """Check the files at PATH and copy them into the user data folder; DataError names a bad one."""
    from playground.core.datasets import mnist_full

    where = mnist_full.import_from(args.path)
    print(f"Full MNIST is ready in {where} (imported from {args.path}, checked).")
    return ExitCode.OK


def _say(message: str) -> None:
    print(f"nn-playground: {message}", file=sys.stderr)


def _clear(bar: Bar | None) -> None:
    if bar is not None:
        bar.clear()


class Bar:
    """One self-rewriting stderr line per download: file, bar, megabytes, redrawn ~10 times a second."""

    def __init__(self, stream: IO[str], interval: float = 0.1):
        self.stream, self.interval = stream, interval
        self._last_draw = 0.0

    def update(self, name: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_draw < self.interval and done != total:
            return
        self._last_draw = now
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + self.line(name, done, total)[:width] + "\x1b[K")
        self.stream.flush()

    @staticmethod
    def line(name: str, done: int, total: int) -> str:
        if total:
            filled = int(20 * min(done / total, 1.0))
            return f"[{'#' * filled}{'.' * (20 - filled)}] {name}  {done / 1e6:.1f} / {total / 1e6:.1f} MB"
        return f"{name}  {done / 1e6:.1f} MB"

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
