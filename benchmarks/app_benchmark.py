"""The live app loop: the real main window, Train pressed, the trainer process at full speed, offscreen.

For each case the window trains for a few seconds (as the app does: boundary, neuron maps and
weights, curves, dynamics) while the controller's 60 Hz frame clock is timed: the interval
between its ticks is the frame interval (a GUI held up by drawing or anything else shows up as
long intervals), and each rendered snapshot is counted with the time its two frame phases took.
A headless run of the same experiment, with the same snapshot contents, for the same time gives
the epochs/s the GUI costs us. Run: `python benchmarks/app_benchmark.py [--seconds S]`; prints a
table and writes benchmarks/results/app.json. Compare numbers taken on one machine in one sitting.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402  (imported on the main thread before any training thread)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import headless_epochs_per_s, spiral_8x6, warm_trainer_process  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickRecorder, run_for  # noqa: E402

from playground.core.experiment import Experiment, default_experiment  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "app.json"


APP_OPTIONS = RunOptions(epochs=0, neuron_grids=True, weights=True, conv_maps=True)  # as the window asks


def unlimited(exp: Experiment) -> Experiment:
    return dataclasses.replace(exp, training=dataclasses.replace(exp.training, epochs=0))


def gui_run(app: QApplication, exp: Experiment, seconds: float, settings_dir: Path) -> dict:
    """Press Train in the real main window; returns rates, per-phase render times and frame intervals."""
    render_ms: dict[str, list[float]] = {"ready": [], "followup": []}
    originals = {"ready": MainWindow._on_snapshot, "followup": MainWindow._on_snapshot_followup}

    def timed(phase: str):
        def slot(window: MainWindow, snap) -> None:
            t = time.perf_counter()
            originals[phase](window, snap)
            render_ms[phase].append(1e3 * (time.perf_counter() - t))
        return slot

    MainWindow._on_snapshot, MainWindow._on_snapshot_followup = timed("ready"), timed("followup")
    try:
        settings = QSettings(str(settings_dir / f"{exp.name}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Session(exp), settings=settings)
    finally:
        MainWindow._on_snapshot, MainWindow._on_snapshot_followup = originals["ready"], originals["followup"]
    window.resize(1440, 900)
    window.show()
    controller = window.controller
    frames_clock = TickRecorder(timer=controller.frames.clock)  # the app's frames: its render clock
    first = []
    controller.snapshot_ready.connect(lambda _snap: first or first.append(time.perf_counter()))
    for _ in range(20):
        app.processEvents()
    t0 = time.perf_counter()
    window.toggle_training()
    start_ms = 1e3 * (time.perf_counter() - t0)
    frames_clock.start()
    run_for(app, seconds)
    elapsed = time.perf_counter() - t0
    frames_clock.stop()
    epoch = controller.latest.epoch if controller.latest is not None else 0
    assert controller.shutdown()
    window.hide()
    window.deleteLater()
    app.processEvents()
    iv, work = np.asarray(frames_clock.intervals), np.asarray(frames_clock.work[1:])
    steady = iv[np.cumsum(iv) > 1000.0]  # after the first second: the click, tab switch and first draws
    ready, followup = np.asarray(render_ms["ready"]), np.asarray(render_ms["followup"])
    return {"epochs_per_s": epoch / elapsed, "frames_per_s": len(ready) / elapsed,
            "start_ms": start_ms, "first_frame_ms": 1e3 * (first[0] - t0) if first else float("nan"),
            "ready_ms_p50": float(np.percentile(ready, 50)), "ready_ms_p95": float(np.percentile(ready, 95)),
            "followup_ms_p50": float(np.percentile(followup, 50)),
            "followup_ms_p95": float(np.percentile(followup, 95)),
            "frame_interval_ms_p50": float(np.percentile(iv, 50)),
            "frame_interval_ms_p95": float(np.percentile(iv, 95)),
            "frame_interval_ms_p99": float(np.percentile(iv, 99)),
            "frame_interval_ms_max": float(iv.max()),
            "steady_frame_interval_ms_p99": float(np.percentile(steady, 99)),
            "frame_work_ms_p50": float(np.percentile(work, 50)),
            "frame_work_ms_p95": float(np.percentile(work, 95)),
            "frame_work_ms_p99": float(np.percentile(work, 99))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    t = time.perf_counter()
    warm_up()
    prepare_ms = 1e3 * (time.perf_counter() - t)
    app = QApplication.instance() or QApplication(sys.argv)
    warm_trainer_process()
    cases = {"circle (default)": unlimited(default_experiment()), "spiral 2-8x6-1 tanh b10": spiral_8x6()}
    results = {}
    for name, exp in cases.items():
        with tempfile.TemporaryDirectory() as settings_dir:
            results[name] = gui_run(app, exp, args.seconds, Path(settings_dir))
        results[name]["headless_epochs_per_s"] = headless_epochs_per_s(exp, args.seconds, APP_OPTIONS)
    head = (f"{'case':26} {'epochs/s':>9} {'headless':>9} {'frames/s':>9} {'phase 1 / 2 p95 ms':>19} "
            f"{'frame interval p50/p95/p99/max ms':>34} {'p99 after 1 s':>13} {'frame work p50/p95/p99':>24}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:26} {r['epochs_per_s']:9.1f} {r['headless_epochs_per_s']:9.1f} "
              f"{r['frames_per_s']:9.1f} {r['ready_ms_p95']:9.2f} / {r['followup_ms_p95']:6.2f}  "
              f"{r['frame_interval_ms_p50']:6.1f} / {r['frame_interval_ms_p95']:5.1f} / "
              f"{r['frame_interval_ms_p99']:5.1f} / {r['frame_interval_ms_max']:5.1f}  "
              f"{r['steady_frame_interval_ms_p99']:12.1f}   "
              f"{r['frame_work_ms_p50']:5.1f} / {r['frame_work_ms_p95']:5.1f} / "
              f"{r['frame_work_ms_p99']:5.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
            "load_average": os.getloadavg(), "seconds": args.seconds,
            "prepare_torch_ms": prepare_ms, "qpa": os.environ["QT_QPA_PLATFORM"]}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    for name, r in results.items():
        print(f"{name}: start() took {r['start_ms']:.1f} ms on the GUI thread, first frame after "
              f"{r['first_frame_ms']:.0f} ms")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
