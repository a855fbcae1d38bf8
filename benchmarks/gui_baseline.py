"""GUI responsiveness with the trainer running but nothing rendered (the floor for app_benchmark).

Comparing this with `app_benchmark.py` in one sitting separates the cost of rendering from the
cost of sharing the process (and its GIL) with the training thread: here the 60 Hz tick measured
p99 16.8 ms while the circle trained at ~50 epochs/s; with the OutputPanel rendering, p99 rose to
~35 ms and epochs/s halved. Run: `python benchmarks/gui_baseline.py`; writes
benchmarks/results/gui_baseline.json.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402, F401  (imported on the main thread before any training thread)
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import spiral_8x6  # noqa: E402
from ticks import TickRecorder  # noqa: E402

from playground.core.datasets import load_dataset  # noqa: E402
from playground.core.experiment import Experiment, default_experiment  # noqa: E402
from playground.core.trainer import RunOptions  # noqa: E402
from playground.gui.worker import TrainingController  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "gui_baseline.json"
SECONDS = 5


def measure(app: QApplication, exp: Experiment, options: RunOptions) -> dict:
    """Epochs/s and 60 Hz tick intervals while training with no view attached."""
    controller = TrainingController()
    ticks = TickRecorder()
    controller.start(exp, load_dataset(exp.data, exp.seed), options)
    ticks.start()
    QTimer.singleShot(SECONDS * 1000, app.quit)
    app.exec()
    ticks.stop()
    epochs = controller.latest.epoch if controller.latest is not None else 0
    controller.shutdown()
    p50, p95, p99 = np.percentile(np.asarray(ticks.intervals), [50, 95, 99])
    return {"epochs_per_s": epochs / SECONDS, "tick_ms_p50": p50, "tick_ms_p95": p95, "tick_ms_p99": p99}


def main() -> None:
    app = QApplication([])
    options = RunOptions(epochs=0, neuron_grids=True, weights=True)
    results = {name: measure(app, exp, options)
               for name, exp in (("circle", default_experiment()), ("spiral 8x6", spiral_8x6()))}
    for name, r in results.items():
        print(f"{name:12} {r['epochs_per_s']:7.1f} epochs/s   tick p50/p95/p99 "
              f"{r['tick_ms_p50']:.1f} / {r['tick_ms_p95']:.1f} / {r['tick_ms_p99']:.1f} ms")
    results["load_average"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
