"""The Inside view under load: the whole main window training spiral 2-8x6-1 with neuron maps shown.

TensorFlow Playground slows to ~12 epochs/s on this network because drawing its neuron maps costs
~41 ms a frame. Here the trainer computes the maps in its own process and the window only paints
them; this measures what that costs. For each case the real MainWindow (offscreen, 1600x1000)
trains for a few seconds while the intervals between the ticks of its 60 Hz frame clock are
recorded (a stalled GUI shows as long intervals), and every NetworkView frame's paint time is read.
Cases: the Inside tab showing, the Design tab showing (same run options: what the maps cost the
trainer alone), and a headless run. Run: `python benchmarks/inside_benchmark.py [--seconds S]`;
prints a table and writes benchmarks/results/inside.json. Compare numbers from one sitting.
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
import torch  # noqa: E402  (imported on the main thread before any training thread)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import headless_epochs_per_s, spiral_8x6, warm_trainer_process  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import TickRecorder, run_for  # noqa: E402

from playground.core.experiment import Experiment  # noqa: E402
from playground.core.run.loop import RunOptions  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "inside.json"
VIEW_OPTIONS = {"neuron_grids": True, "weights": True, "conv_maps": True}


def _percentiles(values: list[float], prefix: str) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    if not v.size:
        return {f"{prefix}_p50": float("nan"), f"{prefix}_p95": float("nan"), f"{prefix}_p99": float("nan")}
    return {f"{prefix}_p50": float(np.percentile(v, 50)), f"{prefix}_p95": float(np.percentile(v, 95)),
            f"{prefix}_p99": float(np.percentile(v, 99)), f"{prefix}_max": float(v.max())}


def _median(runs: list[dict]) -> dict[str, float]:
    out = {}
    for key in runs[0]:
        values = np.array([r[key] for r in runs], dtype=np.float64)
        values = values[np.isfinite(values)]
        out[key] = float(np.median(values)) if values.size else float("nan")
    return out


def gui_run(app: QApplication, exp: Experiment, seconds: float, inside: bool) -> dict:
    """Train from the window's own Train action; returns rates, tick intervals and paint times."""
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Session(exp), settings=settings)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    view = window.inside.network
    paints: list[float] = []
    paints_cpu: list[float] = []
    seen = [view.frames_rendered]

    def sample_paint() -> None:
        if view.frames_rendered != seen[0]:
            seen[0] = view.frames_rendered
            paints.append(view.frame_ms)
            paints_cpu.append(view.frame_cpu_ms)

    ticks = TickRecorder(also=sample_paint, timer=window.controller.frames.clock)  # the app's frames
    t0 = time.perf_counter()
    window.toggle_training()  # shows the Inside tab, as a person pressing Space would see it
    if not inside:
        window.centre.setCurrentWidget(window.designer)
    frames0 = view.frames_rendered
    ticks.start()
    run_for(app, seconds)
    elapsed = time.perf_counter() - t0
    ticks.stop()
    latest = window.controller.latest
    epoch = latest.epoch if latest is not None else 0
    assert window.controller.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    strips = view.strips.hits + view.strips.misses
    return {"epochs_per_s": epoch / elapsed, "network_frames": view.frames_rendered - frames0,
            "line_strip_reuse": view.strips.hits / strips if strips else float("nan"),
            "network_frames_per_s": (view.frames_rendered - frames0) / elapsed,
            **_percentiles(ticks.intervals, "frame_interval_ms"), **_percentiles(paints, "network_frame_ms"),
            **_percentiles(paints_cpu, "network_frame_cpu_ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per case (medians reported)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    warm_up()
    app = QApplication.instance() or QApplication(sys.argv)
    warm_trainer_process()
    exp = spiral_8x6()
    cases = {"inside tab shown": True, "design tab shown": False}
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved, so a burst of load elsewhere hits both cases alike
        for name, inside in cases.items():
            runs[name].append(gui_run(app, exp, args.seconds, inside))
    results = {name: _median(rs) for name, rs in runs.items()}
    headless_options = RunOptions(epochs=0, **VIEW_OPTIONS)
    headless = float(np.median([headless_epochs_per_s(exp, args.seconds, headless_options)
                                for _ in range(args.repeat)]))
    head = (f"{'spiral 2-8x6-1, b10':20} {'epochs/s':>9} {'frames':>7} {'frame p50/p95/p99 ms':>22} "
            f"{'frame CPU p50/p95':>18} {'GUI tick p50/p95/p99 ms':>25}")
    print(f"medians of {args.repeat} interleaved runs of {args.seconds:g} s")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:20} {r['epochs_per_s']:9.1f} {r['network_frames']:7.0f} "
              f"{r['network_frame_ms_p50']:6.2f} / {r['network_frame_ms_p95']:5.2f} / "
              f"{r['network_frame_ms_p99']:5.2f}   {r['network_frame_cpu_ms_p50']:6.2f} / "
              f"{r['network_frame_cpu_ms_p95']:5.2f}   {r['frame_interval_ms_p50']:6.1f} / "
              f"{r['frame_interval_ms_p95']:5.1f} / {r['frame_interval_ms_p99']:5.1f}")
    print(f"{'headless':20} {headless:9.1f}")
    meta = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
            "load_average": os.getloadavg(), "seconds": args.seconds, "repeat": args.repeat,
            "qpa": os.environ["QT_QPA_PLATFORM"], "window": "1600x1000", "run_options": VIEW_OPTIONS}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "results": results, "headless_epochs_per_s": headless, "runs": runs}
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
