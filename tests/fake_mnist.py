"""Stand-ins for full MNIST in tests: generated IDX files of the real sizes, and a local HTTP mirror.

Nothing here touches the network: the mirror is `http.server` on 127.0.0.1 in a thread. The
generated images draw each digit's label as a bar at its own height (plus a little noise), so the
files compress to well under a megabyte and a network can tell the classes apart.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from playground.core.datasets.idx import IDX_NAMES, IMAGES_MAGIC, LABELS_MAGIC, TEST, TRAIN
from playground.core.download import RemoteFile


def idx(array: np.ndarray, magic: int | None = None) -> bytes:
    """Plain IDX bytes of a uint8 array (magic chosen by dimension unless given)."""
    magic = (IMAGES_MAGIC if array.ndim == 3 else LABELS_MAGIC) if magic is None else magic
    head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return head + array.astype(np.uint8).tobytes()


@functools.cache
def fake_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """MNIST-shaped uint8 arrays under the IDX names: 60,000 + 10,000 images (28x28), labels 0-9."""
    rng = np.random.default_rng(seed)
    out = {}
    for part in (TRAIN, TEST):
        labels = rng.integers(0, 10, part.count).astype(np.uint8)
        images = np.zeros((part.count, 28, 28), np.uint8)
        for digit in range(10):
            images[labels == digit, 3 + 2 * digit: 6 + 2 * digit, 4:24] = 220
        speckle = rng.integers(0, part.count * 784, part.count * 8)
        images.reshape(-1)[speckle] = 90
        for a in (images, labels):
            a.setflags(write=False)
        out[part.images], out[part.labels] = images, labels
    return out


@functools.cache
def fake_files(compress: bool = True) -> dict[str, bytes]:
    """The four files' contents under their published names (NAME.gz, or NAME when not compressed)."""
    files = {}
    for name, array in fake_arrays().items():
        data = idx(array)
        files[f"{name}.gz" if compress else name] = gzip.compress(data, 1, mtime=0) if compress else data
    return files


def write_folder(folder: Path, compress: bool = True) -> Path:
    """A folder holding the four fake IDX files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in fake_files(compress).items():
        (folder / name).write_bytes(data)
    return folder


def write_npz(path: Path, **replace: np.ndarray) -> Path:
    """Keras's mnist.npz layout (x_train, y_train, x_test, y_test) from the fake arrays."""
    a = fake_arrays()
    arrays = {"x_train": a[TRAIN.images], "y_train": a[TRAIN.labels], "x_test": a[TEST.images],
              "y_test": a[TEST.labels], **replace}
    np.savez(path, **arrays)
    return path


def remote_files(files: dict[str, bytes]) -> tuple[RemoteFile, ...]:
    """RemoteFile entries (true sizes and SHA-256) for served contents."""
    return tuple(RemoteFile(name, len(data), hashlib.sha256(data).hexdigest())
                 for name, data in files.items())


assert sorted(n.removesuffix(".gz") for n in fake_files()) == sorted(IDX_NAMES)


@dataclass
class Mirror:
    """What the local server serves and how it misbehaves; `requests` records (path, Range header)."""

    files: dict[str, bytes]
    url: str = ""
    cut_after: dict[str, int] = field(default_factory=dict)  # first answer for a file stops after N bytes
    ignore_range: bool = False
    hold: threading.Event | None = None  # set: each answer stops after `hold_after` bytes until it is set
    hold_after: int = 0
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # body bytes sent per file


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            name = self.path.rsplit("/", 1)[-1]
            wanted = self.headers.get("Range")
            mirror.requests.append((name, wanted))
            data = mirror.files.get(name)
            if data is None:
                self.send_error(404)
                return
            start = 0
            if wanted and not mirror.ignore_range:
                start = int(wanted.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            cut = mirror.cut_after.pop(name, None)
            if cut is not None:  # promise the whole body, send part of it, hang up
                body = body[:cut]
                self.close_connection = True
            if mirror.hold is not None:
                self.wfile.write(body[:mirror.hold_after])
                self.wfile.flush()
                mirror.hold.wait(30)
                body = body[mirror.hold_after:]
            self.wfile.write(body)
            self.wfile.flush()
            mirror.sent[name] = mirror.sent.get(name, 0) + len(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server API
            pass

    return Handler


@contextmanager
def serve(mirror: Mirror) -> Iterator[Mirror]:
    """Run a local HTTP mirror for the duration of the block; `mirror.url` is its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/mnist/"
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
