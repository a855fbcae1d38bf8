"""Sweep speed-up: a 6-trial learning-rate grid on 1 worker, then on 2, in one run.

The issue's target: on 2 cores, `--workers 2` at least 1.6x faster than `--workers 1` (wall time of
the whole sweep, worker start-up included). Prints both times, the ratio and the load average
(the build machine is shared: a loaded machine cannot show the full speed-up), and writes
benchmarks/results/sweep.json.

It also measures how many cores this session can get at all: two busy processes for 2 s, their CPU
time over the wall time. With Linux's autogroup scheduling every terminal session gets a fair share
of the machine however many processes it runs, so on a machine shared with other sessions two
workers may get no more CPU than one; "cores in use" per sweep shows it.

    python benchmarks/sweep_benchmark.py [--epochs 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.presets import load_preset  # noqa: E402
from playground.core.search.paths import parse_set  # noqa: E402
from playground.core.search.sweep import Sweep, SweepPlan  # noqa: E402

GRID = "training.optimizer.lr=0.003,0.01,0.03,0.1,0.3,1"


BUSY = "import time\nt = time.time()\nwhile time.time() - t < 2: pass"


def cores_available() -> float:
    """CPU seconds two busy child processes get per second of wall time (2.0 on an idle 2-core machine)."""
    import subprocess

    cpu, started = _children_cpu(), time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    for p in procs:
        p.wait()
    return (_children_cpu() - cpu) / (time.perf_counter() - started)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers count once they are waited for
    return usage.ru_utime + usage.ru_stime


def timed(workers: int, epochs: int) -> tuple[float, float, list[float]]:
    """Wall time of the whole sweep (worker start-up included), its workers' CPU time, trial times."""
    exp = load_preset(ROOT / "presets" / "circle.json")
    sweep = Sweep(exp, SweepPlan((parse_set(GRID),), workers=workers, epochs=epochs))
    cpu, started = _children_cpu(), time.perf_counter()
    results = list(sweep.results())
    wall = time.perf_counter() - started
    assert len(results) == 6 and all(r["state"] == "complete" for r in results)
    return wall, _children_cpu() - cpu, [r["seconds"] for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000, help="epochs per trial (3000)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    cores = cores_available()
    serial, serial_cpu, serial_trials = timed(1, args.epochs)
    parallel, parallel_cpu, parallel_trials = timed(2, args.epochs)
    load_after = os.getloadavg()
    ratio = serial / parallel
    print(f"6-trial grid, circle, {args.epochs} epochs a trial")
    # cores in use = the workers' CPU time / wall time: below 2 with 2 workers, the machine had no
    # second core free for them (other processes), whatever the sweep does
    print(f"  --workers 1: {serial:.2f} s (trials' own training {sum(serial_trials):.2f} s, "
          f"{serial_cpu / serial:.2f} cores in use)")
    print(f"  --workers 2: {parallel:.2f} s (trials' own training {sum(parallel_trials):.2f} s, "
          f"{parallel_cpu / parallel:.2f} cores in use)")
    print(f"  cores this session could get (two busy processes): {cores:.2f}")
    print(f"  speed-up {ratio:.2f}x (target >= 1.6x on 2 cores); load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f} on {os.cpu_count()} CPUs")
    out = {"benchmark": "sweep", "grid": GRID, "epochs": args.epochs, "workers_1_s": serial,
           "workers_2_s": parallel, "speedup": ratio, "workers_1_cores_in_use": serial_cpu / serial,
           "workers_2_cores_in_use": parallel_cpu / parallel,
           "cores_available": cores, "target": 1.6, "trial_seconds_1": serial_trials,
           "trial_seconds_2": parallel_trials, "load_average_before": load_before,
           "load_average_after": load_after, "cpus": os.cpu_count(), "machine": platform.platform(),
           "python": platform.python_version()}
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "sweep.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
