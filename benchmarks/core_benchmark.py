"""Core trainer speed: steps/s, epochs/s, boundary-grid cost and epoch time vs data size.

Run: `python benchmarks/core_benchmark.py [--seconds S]`. Prints a table and writes
benchmarks/results/core.json. Numbers are wall-clock on this machine, single torch thread (as the
app and CLI run); compare ratios measured in one run, not absolute numbers across machines.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

from playground.core.presets import load_preset, resolve_preset
from playground.core.probes import plane_maps
from playground.core.trainer import RunOptions, TrainingRun

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import spiral_8x6  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "core.json"




def measure_training(exp, seconds: float) -> dict:
    """Steps/s and epochs/s (each epoch includes the train/test evaluation) over `seconds`."""
    run = TrainingRun(exp, RunOptions(slice_seconds=seconds, epochs=0, grid_resolution=2))
    gen = run.snapshots()
    next(gen)  # warm-up slice
    t0, s0, e0 = time.perf_counter(), run.step, run.epoch
    next(gen)
    dt = time.perf_counter() - t0
    run.stop()
    for _ in gen:
        pass
    return {"steps_per_s": (run.step - s0) / dt, "epochs_per_s": (run.epoch - e0) / dt,
            "us_per_step": 1e6 * dt / max(1, run.step - s0)}


def measure_grid(exp, res: int = 100, repeats: int = 50) -> float:
    """Milliseconds for one res x res decision-boundary grid through the whole network."""
    run = TrainingRun(exp)
    plane_maps(run.model, run.dataset, run.to_value, res)
    t0 = time.perf_counter()
    for _ in range(repeats):
        plane_maps(run.model, run.dataset, run.to_value, res)
    return 1e3 * (time.perf_counter() - t0) / repeats


def measure_epoch_vs_size(exp, sizes=(500, 5_000, 50_000)) -> dict:
    """Seconds per epoch (batch 10 as in the preset) for growing training sets."""
    out = {}
    for n in sizes:
        d = exp.data.__class__(**{**exp.data.__dict__, "samples": int(n / exp.data.train_fraction)})
        e = exp.__class__(**{**exp.__dict__, "data": d})
        run = TrainingRun(e, RunOptions(epochs=2, slice_seconds=3600, grid_resolution=2))
        t0 = time.perf_counter()
        for _ in run.snapshots():
            pass
        out[str(n)] = (time.perf_counter() - t0) / 2
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per case")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = {"circle (2-4-2-1, batch 10)": load_preset(resolve_preset("circle")),
             "spiral (2-8x6-1, batch 10)": spiral_8x6()}
    results: dict = {"machine": platform.platform(), "python": sys.version.split()[0],
                     "torch": torch.__version__, "threads": torch.get_num_threads(), "cases": {}}
    for name, exp in cases.items():
        r = measure_training(exp, args.seconds)
        r["grid_100x100_ms"] = measure_grid(exp)
        results["cases"][name] = r
        print(f"{name:30s} {r['steps_per_s']:9.0f} steps/s {r['us_per_step']:7.1f} us/step "
              f"{r['epochs_per_s']:8.1f} epochs/s  grid 100x100 {r['grid_100x100_ms']:.2f} ms")
    sizes = measure_epoch_vs_size(cases["circle (2-4-2-1, batch 10)"])
    results["circle_epoch_seconds_by_train_size"] = sizes
    for n, s in sizes.items():
        print(f"circle, {int(n):6d} training points: {1e3 * s:9.1f} ms/epoch")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
