"""The window while a sweep runs, and how long Stop takes: the Sweep panel in the real main window.

A 6-learning-rate grid of lr-search-grid runs on 2 worker processes (long epochs, so it is still
running when we stop it) while a 60 Hz timer on the GUI thread records the intervals between its
ticks (the issue's target: frame p99 < 20 ms while a sweep runs). Then Stop is clicked and the
time until the panel reports the sweep ended is measured (target: under 2 s), and whether any
worker process is left. Offscreen. Prints a table and writes benchmarks/results/sweep_app.json.

    python benchmarks/sweep_app_benchmark.py [--seconds 8]
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
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402, F401  (imported on the main thread first, as the app does)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickRecorder, run_for  # noqa: E402

from playground.core.presets import load_preset, resolve_preset  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sweep_app.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stats(ms: np.ndarray) -> dict:
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)), "max": float(ms.max()),
            "ticks": int(ms.size)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of sweep to time the GUI over")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Session(load_preset(resolve_preset("lr-search-grid"))), settings=settings)
    window.resize(1440, 900)
    window.show()
    window.search.show_panel()
    panel = window.search.panel
    panel.form.set_values("training.optimizer.lr", "0.003, 0.01, 0.03, 0.1, 0.3, 1")
    panel.form.epochs.setValue(100_000)
    panel.form.workers.setValue(args.workers)
    idle = TickRecorder()  # the same window with no sweep: what this machine's load alone costs
    idle.start()
    run_for(app, args.seconds)
    idle.stop()
    started: list[dict] = []
    results: list[dict] = []
    panel.runner.started.connect(started.append)
    panel.runner.result.connect(results.append)
    assert panel.run()
    loop = QEventLoop()
    panel.runner.progress.connect(lambda _e: loop.quit())
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()  # until the workers train (torch loaded in both)
    ticks = TickRecorder()
    ticks.start()
    run_for(app, args.seconds)
    ticks.stop()
    intervals = np.array(ticks.intervals)
    pids = [e["pid"] for e in started]
    ended = QEventLoop()
    panel.finished.connect(ended.quit)
    t = time.perf_counter()
    panel.stop_button.click()
    ended.exec()
    stop_s = time.perf_counter() - t
    left = [pid for pid in pids if _alive(pid)]
    out = {"frame_ms": _stats(intervals), "idle_frame_ms": _stats(np.array(idle.intervals)),
           "stop_seconds": stop_s, "workers": len(set(pids)), "worker_processes_left": len(left),
           "trials_started": len(started), "load_average": os.getloadavg(), "cpus": os.cpu_count(),
           "python": platform.python_version()}
    for key, what in (("idle_frame_ms", "no sweep"), ("frame_ms", f"a sweep on {args.workers} workers")):
        f = out[key]
        print(f"GUI tick interval, {what} ({f['ticks']} ticks): p50 {f['p50']:.1f} ms, "
              f"p99 {f['p99']:.1f} ms, max {f['max']:.1f} ms")
    print(f"Stop -> sweep ended: {stop_s:.2f} s; {len(set(pids))} workers, {len(left)} left running; "
          f"load average {out['load_average'][0]:.1f} on {out['cpus']} CPUs")
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    window.search.shutdown()
    window.session.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
