"""Core trainer speed: the numpy fast path against plain torch, per-epoch cost breakdown, grid cost.

Run: `python benchmarks/core_benchmark.py [--seconds S] [--repeats R]`. Prints a table and writes
benchmarks/results/core.json. Numbers are wall-clock on this machine, single torch thread (as the
app and CLI run). The host is usually shared and its speed drifts, so every case is measured
`repeats` times, fast and torch interleaved, and the best and median are kept; `host_timeit_us`
(`python -m timeit "sum(range(1000))"`, best of 5) says how fast the host was at the time. Compare
ratios measured in one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import timeit
from pathlib import Path

import numpy as np
import torch

from playground.core import torch_setup
from playground.core.datasets import load_dataset
from playground.core.experiment import DataSpec
from playground.core.history import History
from playground.core.presets import load_preset, resolve_preset
from playground.core.probes import plane_maps
from playground.core.run.loop import RunOptions, TrainingRun

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import spiral_8x6  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "core.json"
PATHS = {"fast": True, "torch": False}


def host_timeit_us() -> float:
    """`python -m timeit "sum(range(1000))"`: microseconds per loop, best of 5."""
    timer = timeit.Timer("sum(range(1000))")
    number, _ = timer.autorange()
    return 1e6 * min(timer.repeat(5, number)) / number


def measure_training(exp, seconds: float, fast: bool) -> dict:
    """Steps/s and epochs/s over `seconds` of free running (each epoch includes the train/test
    evaluation, gradient norms, activity and the history row, as in the app)."""
    run = TrainingRun(exp, RunOptions(slice_seconds=seconds, epochs=0, grid_resolution=2, fast=fast))
    assert (run.fast is not None) == fast, run.fast_reason
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


def _best_us(fn, number: int = 200) -> float:
    return 1e6 * min(timeit.repeat(fn, number=number, repeat=5)) / number


def epoch_breakdown(exp, fast: bool) -> dict:
    """Microseconds per epoch for each part of it: where the time goes once steps are cheap."""
    run = TrainingRun(exp, RunOptions(epochs=0, fast=fast))
    gen = run.snapshots()
    next(gen)  # trains one slice: buffers, programs and optimizer state exist
    run.steppers.shuffle()
    b = run.batch_size
    xb, yb = run.steppers.x[:b], run.steppers.y[:b]
    steps = -(-len(run.train) // b)
    with np.errstate(all="ignore"):
        if fast:
            xn, yn = run.steppers.xn[:b], run.steppers.yn[:b]
            step = _best_us(lambda: run.fast.step(xn, yn, 1e-6), 500)
            norms = _best_us(run.fast.grad_norms)
        else:
            step = _best_us(lambda: run.steppers.torch.step(xb, yb), 100)
            from playground.core.evaluation import grad_norms
            norms = _best_us(lambda: grad_norms(run.model))
        evaluate = _best_us(run.evaluator.evaluate, 50)
        row = run.evaluator.evaluate()
        row.update(epoch=1, lr=0.1, seconds=1.0)
        history = History()
        append = _best_us(lambda: history.append(row), 500)
        shuffle = _best_us(run.steppers.shuffle, 100)
    run.stop()
    for _ in gen:
        pass
    parts = {"steps": steps * step, "evaluation (train/test loss, metrics, activity)": evaluate,
             "grad_norms": norms, "shuffle (start_epoch)": shuffle, "history_append": append}
    parts["total"] = sum(parts.values())
    return {"steps_per_epoch": steps, "us_per_step": step, "us_per_epoch": parts}


def measure_grid(exp, res: int = 100, repeats: int = 50) -> float:
    """Milliseconds for one res x res decision-boundary grid through the whole network."""
    run = TrainingRun(exp)
    plane_maps(run.model, run.dataset, run.to_value, res)
    t0 = time.perf_counter()
    for _ in range(repeats):
        plane_maps(run.model, run.dataset, run.to_value, res)
    return 1e3 * (time.perf_counter() - t0) / repeats


def measure_epoch_vs_size(exp, fast: bool, sizes=(500, 5_000, 50_000)) -> dict:
    """Seconds per epoch (batch 10 as in the preset) for growing training sets."""
    out = {}
    for n in sizes:
        d = exp.data.__class__(**{**exp.data.__dict__, "samples": int(n / exp.data.train_fraction)})
        e = exp.__class__(**{**exp.__dict__, "data": d})
        run = TrainingRun(e, RunOptions(epochs=2, slice_seconds=3600, grid_resolution=2, fast=fast))
        t0 = time.perf_counter()
        for _ in run.snapshots():
            pass
        out[str(n)] = (time.perf_counter() - t0) / 2
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per case and repeat")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats per case")
    args = parser.parse_args()
    torch_setup.set_threads()  # as the app and `nn-playground train` do
    cases = {"circle (2-4-2-1, batch 10)": load_preset(resolve_preset("circle")),
             "spiral (2-8x6-1, batch 10)": spiral_8x6()}
    results: dict = {"machine": platform.platform(), "python": sys.version.split()[0],
                     "torch": torch.__version__, "numpy": np.__version__,
                     "threads": torch.get_num_threads(), "host_timeit_us": {"before": host_timeit_us()},
                     "reference": {"tensorflow_playground_epochs_per_s": {"circle": 57.6, "spiral": 11.9}},
                     "cases": {}}
    print(f"host: timeit sum(range(1000)) = {results['host_timeit_us']['before']:.1f} us "
          "(7-28 us is this host's usual range)")
    for name, exp in cases.items():
        runs: dict[str, list[dict]] = {path: [] for path in PATHS}
        for _ in range(args.repeats):
            for path, fast in PATHS.items():
                runs[path].append(measure_training(exp, args.seconds, fast))
        case: dict = {}
        for path, measured in runs.items():
            eps = [r["epochs_per_s"] for r in measured]
            best = max(measured, key=lambda r: r["epochs_per_s"])
            case[path] = {**best, "epochs_per_s_median": statistics.median(eps), "epochs_per_s_all": eps,
                          "epoch_breakdown": epoch_breakdown(exp, PATHS[path])}
            print(f"{name:28s} {path:5s} {best['steps_per_s']:8.0f} steps/s "
                  f"{best['us_per_step']:7.1f} us/step {best['epochs_per_s']:7.1f} epochs/s "
                  f"(median {statistics.median(eps):.1f})")
        case["speedup_epochs"] = case["fast"]["epochs_per_s"] / case["torch"]["epochs_per_s"]
        case["grid_100x100_ms"] = measure_grid(exp)
        results["cases"][name] = case
        print(f"{'':28s} speed-up {case['speedup_epochs']:.1f}x, "
              f"grid 100x100 {case['grid_100x100_ms']:.2f} ms")
        for path in PATHS:
            parts = case[path]["epoch_breakdown"]["us_per_epoch"]
            print(f"{'':28s} {path:5s} us/epoch: "
                  + ", ".join(f"{k.split(' ')[0]} {v:.0f}" for k, v in parts.items()))
    circle = cases["circle (2-4-2-1, batch 10)"]
    results["circle_epoch_seconds_by_train_size"] = {path: measure_epoch_vs_size(circle, fast)
                                                     for path, fast in PATHS.items()}
    for n in results["circle_epoch_seconds_by_train_size"]["fast"]:
        f, t = (results["circle_epoch_seconds_by_train_size"][p][n] for p in PATHS)
        print(f"circle, {int(n):6d} training points: fast {1e3 * f:8.1f} ms/epoch, "
              f"torch {1e3 * t:8.1f} ms/epoch")
    results["circle_50k_points_ms"] = 1e3 * min(timeit.repeat(
        lambda: load_dataset(DataSpec(dataset="circle", samples=50_000, noise=0.3), 0), number=1, repeat=3))
    print(f"circle, 50,000 points generated in {results['circle_50k_points_ms']:.1f} ms (best of 3)")
    results["host_timeit_us"]["after"] = host_timeit_us()
    print(f"host: timeit sum(range(1000)) = {results['host_timeit_us']['after']:.1f} us at the end")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
