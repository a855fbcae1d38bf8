"""Sweep speed-up: a 6-trial learning-rate grid on 1 worker, then on 2, in one run.

The issue's target: on 2 cores, `--workers 2` at least 1.6x faster than `--workers 1` (wall time of
the whole sweep, worker start-up included). Prints both times, the ratio and the load average
(the build machine is shared: a loaded machine cannot show the full speed-up), and writes
benchmarks/results/sweep.json.

    python benchmarks/sweep_benchmark.py [--epochs 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.presets import load_preset  # noqa: E402
from playground.core.search.paths import parse_set  # noqa: E402
from playground.core.search.sweep import Sweep, SweepPlan  # noqa: E402

GRID = "training.optimizer.lr=0.003,0.01,0.03,0.1,0.3,1"


def timed(workers: int, epochs: int) -> tuple[float, list[float]]:
    exp = load_preset(ROOT / "presets" / "circle.json")
    sweep = Sweep(exp, SweepPlan((parse_set(GRID),), workers=workers, epochs=epochs))
    started = time.perf_counter()
    results = list(sweep.results())
    wall = time.perf_counter() - started
    assert len(results) == 6 and all(r["state"] == "complete" for r in results)
    return wall, [r["seconds"] for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000, help="epochs per trial (3000)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    serial, serial_trials = timed(1, args.epochs)
    parallel, parallel_trials = timed(2, args.epochs)
    load_after = os.getloadavg()
    ratio = serial / parallel
    print(f"6-trial grid, circle, {args.epochs} epochs a trial")
    print(f"  --workers 1: {serial:.2f} s (trials' own training {sum(serial_trials):.2f} s)")
    print(f"  --workers 2: {parallel:.2f} s (trials' own training {sum(parallel_trials):.2f} s)")
    print(f"  speed-up {ratio:.2f}x (target >= 1.6x on 2 cores); load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f} on {os.cpu_count()} CPUs")
    out = {"benchmark": "sweep", "grid": GRID, "epochs": args.epochs, "workers_1_s": serial,
           "workers_2_s": parallel, "speedup": ratio, "target": 1.6, "trial_seconds_1": serial_trials,
           "trial_seconds_2": parallel_trials, "load_average_before": load_before,
           "load_average_after": load_after, "cpus": os.cpu_count(), "machine": platform.platform(),
           "python": platform.python_version()}
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "sweep.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
