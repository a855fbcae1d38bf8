"""The window while data loads: frame intervals while a 10^6-row CSV is read and 10^6 points are made.

The real main window, offscreen, asks for the data the way the data panel does (`change_data`,
which the samples box and the CSV dialog call) and keeps running its event loop while the loader
works; a 60 Hz timer on the GUI thread (`ticks.TickRecorder`) records the interval between its
ticks, from the request until one second after the data has landed and every view has drawn it.
A responsive window ticks every ~16.7 ms; anything that holds the GUI thread (building the data,
drawing a million points) shows as long intervals. Before this loader the same two requests froze
the window for ~38 s and ~26 s. Run: `python benchmarks/dataload_benchmark.py [--rows N]`; prints
a table and writes benchmarks/results/dataload.json.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402  (imported on the main thread, as the app does)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import warm_trainer_process  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickRecorder  # noqa: E402

from playground.core import edits as _edits  # noqa: E402
from playground.core.experiment import default_experiment  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.panels.data_panel import with_dataset  # noqa: E402
from playground.gui.session import Session  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "dataload.json"
AFTER_S = 1.0  # keep timing this long after the data landed: the views draw it meanwhile


def write_csv(path: Path, rows: int) -> None:
    """`rows` rows of a 2-input circle table (a, b, label), written in blocks."""
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write("a,b,label\n")
        for start in range(0, rows, 100_000):
            x = rng.uniform(-5, 5, (min(100_000, rows - start), 2)).round(4)
            y = (np.hypot(x[:, 0], x[:, 1]) < 3).astype(int)
            f.write("".join(f"{a},{b},{c}\n" for (a, b), c in zip(x, y, strict=True)))


def type_samples(window: MainWindow, n: int) -> None:
    """Type `n` into the data panel's samples field and commit it, as Enter does."""
    field = window.data_panel.data_form.controls["samples"]
    field.setText(str(n))
    field.commit()


def run_until(done: Callable[[], bool], timeout_s: float) -> float:
    """Run the event loop until `done()` (polled every 10 ms) or the timeout; seconds it took.

    A QEventLoop, not the application's: QApplication.quit() would also close the window, which
    asks about its unsaved changes.
    """
    t0 = time.perf_counter()
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: (done() or time.perf_counter() - t0 > timeout_s) and loop.quit())
    poll.start(10)
    loop.exec()
    poll.stop()
    return time.perf_counter() - t0


def measure(window: MainWindow, ask: Callable[[], None], landed: Callable[[], bool],
            timeout_s: float) -> dict:
    """Frame intervals from `ask()` until AFTER_S after `landed()`; and how long the load took."""
    ticks = TickRecorder()
    shown = []  # did the status bar's progress strip show while loading?
    probe = QTimer()
    probe.timeout.connect(lambda: window.data_progress.isVisible() and not shown and shown.append(
        window.data_progress.text))
    probe.start(100)
    ticks.start()
    ask()
    load_s = run_until(landed, timeout_s)
    after = time.perf_counter() + AFTER_S
    run_until(lambda: time.perf_counter() > after, AFTER_S + 1)
    ticks.stop()
    probe.stop()
    iv = np.asarray(ticks.intervals)
    return {"landed": bool(landed()), "load_seconds": load_s, "ticks": int(len(iv)),
            "frame_interval_ms_p50": float(np.percentile(iv, 50)),
            "frame_interval_ms_p95": float(np.percentile(iv, 95)),
            "frame_interval_ms_p99": float(np.percentile(iv, 99)),
            "frame_interval_ms_max": float(iv.max()),
            "progress_text": shown[0] if shown else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="CSV rows and generated samples")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    warm_up()
    app = QApplication.instance() or QApplication(sys.argv)
    warm_trainer_process()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "big.csv"
        t = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(f"wrote {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Session(default_experiment()), settings=settings)
        window.resize(1440, 900)
        window.show()
        settle = time.perf_counter() + 1.0
        run_until(lambda: time.perf_counter() > settle, 2.0)
        session = window.session
        exp = session.experiment
        generated = _edits.with_data(exp, samples=args.rows)
        results[f"generate {args.rows:,} samples (circle)"] = measure(
            window, lambda: type_samples(window, args.rows),
            lambda: session.experiment.data == generated.data and session.dataset is not None, 300)
        every_row = _edits.with_data(session.experiment, samples=args.rows)  # all of them land, too
        table = with_dataset(every_row, "csv", {"path": str(csv_path), "target": "label"})
        results[f"read a {args.rows:,}-row CSV"] = measure(
            window, lambda: session.change_data(table.data, table.seed, "Use big.csv"),
            lambda: session.experiment.data == table.data and session.dataset is not None, 600)
        session.undo_stack.setClean()  # nothing to save: closing must not ask
        assert window.isVisible(), "the window closed during the measurement"
        window.close()
        window.deleteLater()
        app.processEvents()
    head = f"{'case':34} {'landed':>6} {'load s':>7} {'frame interval p50 / p95 / p99 / max ms':>40}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:34} {'yes' if r['landed'] else 'NO':>6} {r['load_seconds']:7.1f}  "
              f"{r['frame_interval_ms_p50']:9.1f} / {r['frame_interval_ms_p95']:5.1f} / "
              f"{r['frame_interval_ms_p99']:5.1f} / {r['frame_interval_ms_max']:6.1f}")
        print(f"{'':34} progress shown: {r['progress_text']!r}")
    meta = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "platform": platform.platform(), "load_average": os.getloadavg(), "rows": args.rows,
            "after_landing_s": AFTER_S, "qpa": os.environ["QT_QPA_PLATFORM"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
