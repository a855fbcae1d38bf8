"""The live app loop: the real OutputPanel fed by the real TrainingController, offscreen.

For each case the trainer runs at full speed for a few seconds while a 60 Hz timer on the GUI
thread records the intervals between its ticks (a stalled GUI shows up as long intervals) and
every rendered snapshot is counted. A headless run of the same experiment for the same time gives
the epochs/s the GUI costs us. Run: `python benchmarks/app_benchmark.py [--seconds S]`; prints a
table and writes benchmarks/results/app.json. Compare numbers taken on one machine in one sitting.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402  (imported on the main thread before any training thread)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import headless_epochs_per_s, spiral_8x6  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickRecorder  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import Experiment, default_experiment  # noqa: E402
from playground.core.trainer import RunOptions  # noqa: E402
from playground.gui.plots.output_panel import OutputPanel  # noqa: E402
from playground.gui.worker import TrainingController, prepare_torch  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "app.json"






def gui_run(app: QApplication, exp: Experiment, seconds: float) -> dict:
    """Train in the controller's thread while the panel renders; returns rates and frame intervals."""
    ds = load_dataset(exp.data, exp.seed)
    panel = OutputPanel()
    panel.resize(620, 760)
    panel.set_dataset(ds)
    panel.show()
    controller = TrainingController()
    frames, render_ms = [0], []

    def render(snap) -> None:
        t = time.perf_counter()
        panel.update_snapshot(snap)
        render_ms.append(1e3 * (time.perf_counter() - t))
        frames[0] += 1

    ticks = TickRecorder()
    controller.snapshot_ready.connect(render)
    first = []
    controller.snapshot_ready.connect(lambda _snap: first or first.append(time.perf_counter()))
    app.processEvents()
    t0 = time.perf_counter()
    controller.start(exp, ds, RunOptions(epochs=0, slice_seconds=1 / 30))
    start_ms = 1e3 * (time.perf_counter() - t0)
    ticks.start()
    done = QTimer()
    done.setSingleShot(True)
    done.timeout.connect(app.quit)
    done.start(int(seconds * 1000))
    app.exec()
    elapsed = time.perf_counter() - t0
    ticks.stop()
    epoch = controller.latest.epoch if controller.latest is not None else 0
    assert controller.shutdown(3000)
    panel.close()
    panel.deleteLater()
    iv = np.asarray(ticks.intervals)
    return {"epochs_per_s": epoch / elapsed, "frames_per_s": frames[0] / elapsed,
            "start_ms": start_ms, "first_frame_ms": 1e3 * (first[0] - t0) if first else float("nan"),
            "update_ms_p50": float(np.percentile(render_ms, 50)),
            "update_ms_p95": float(np.percentile(render_ms, 95)),
            "frame_interval_ms_p50": float(np.percentile(iv, 50)),
            "frame_interval_ms_p95": float(np.percentile(iv, 95)),
            "frame_interval_ms_p99": float(np.percentile(iv, 99)),
            "frame_interval_ms_max": float(iv.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="Python GIL switch interval in ms for this run (default: leave as is)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)
    t = time.perf_counter()
    prepare_torch()
    prepare_ms = 1e3 * (time.perf_counter() - t)
    app = QApplication.instance() or QApplication(sys.argv)
    cases = {"circle (default)": default_experiment(), "spiral 2-8x6-1 tanh b10": spiral_8x6()}
    results = {}
    for name, exp in cases.items():
        results[name] = gui_run(app, exp, args.seconds)
        results[name]["headless_epochs_per_s"] = headless_epochs_per_s(exp, args.seconds)
    head = (f"{'case':26} {'epochs/s':>9} {'headless':>9} {'frames/s':>9} {'update p50/p95 ms':>18} "
            f"{'GUI tick p50/p95/p99/max ms':>28}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:26} {r['epochs_per_s']:9.1f} {r['headless_epochs_per_s']:9.1f} "
              f"{r['frames_per_s']:9.1f} {r['update_ms_p50']:8.2f} / {r['update_ms_p95']:6.2f}   "
              f"{r['frame_interval_ms_p50']:6.1f} / {r['frame_interval_ms_p95']:5.1f} / "
              f"{r['frame_interval_ms_p99']:5.1f} / {r['frame_interval_ms_max']:5.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
            "load_average": os.getloadavg(), "seconds": args.seconds,
            "switch_interval_ms": sys.getswitchinterval() * 1000,
            "prepare_torch_ms": prepare_ms, "qpa": os.environ["QT_QPA_PLATFORM"]}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    for name, r in results.items():
        print(f"{name}: start() took {r['start_ms']:.1f} ms on the GUI thread, first frame after "
              f"{r['first_frame_ms']:.0f} ms")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
