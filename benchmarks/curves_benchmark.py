"""What the Metrics tab's curves cost the trainer: epochs/s with `RunOptions(curves=True)` against
without, the time of one `classification_curves` call by test-set size, and the bytes they add
to a snapshot on the wire.

Run: `python benchmarks/curves_benchmark.py [--seconds S] [--repeats R]`. Prints a table and
writes benchmarks/results/curves.json. The two settings are measured interleaved, `repeats`
times each, best and median kept: this host is shared and its speed drifts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from playground.core import torch_setup, wire
from playground.core.curves import classification_curves
from playground.core.presets import load_preset, resolve_preset
from playground.core.run.loop import RunOptions, TrainingRun
from playground.core.snapshot import Snapshot

RESULTS = Path(__file__).resolve().parent / "results" / "curves.json"
PRESETS = ("circle", "blobs", "digits-mlp")


def epochs_per_second(name: str, curves: bool, seconds: float) -> float:
    """Epochs a run trains in `seconds` of snapshots (the app's slice length), per second."""
    run = TrainingRun(load_preset(resolve_preset(name)), RunOptions(epochs=0, grid_resolution=8,
                                                                    curves=curves))
    start = time.perf_counter()
    for snap in run.snapshots():
        if time.perf_counter() - start >= seconds:
            run.stop()
            return snap.epoch / (time.perf_counter() - start)
    return float("nan")


def curve_cost(n: int, k: int, repeats: int = 20) -> tuple[float, int]:
    """(milliseconds per `classification_curves` call, bytes on the wire) for n test rows, k classes."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, k, n)
    logits = rng.normal(size=(n, max(k, 1))).astype(np.float32) + 2 * np.eye(max(k, 1))[labels]
    if k == 2:
        value, task = 1 / (1 + np.exp(-(logits[:, 1:] - logits[:, :1]))), "binary"
    else:
        value, task = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), "multiclass"
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        curves = classification_curves(value, labels, task)
        best = min(best, time.perf_counter() - t)
    size = len(wire.encode(Snapshot(epoch=1, step=1, curves=curves))) - len(wire.encode(Snapshot(1, 1)))
    return best * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch_setup.set_threads()  # as the app and `nn-playground train` do
    results: dict = {"trainer": {}, "curves": {}}
    for name in PRESETS:
        runs: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.repeats):
            for on in (False, True):
                runs[on].append(epochs_per_second(name, on, args.seconds))
        row = {("on" if on else "off"): {"best": max(v), "median": statistics.median(v)}
               for on, v in runs.items()}
        results["trainer"][name] = row
        off, on = row["off"], row["on"]
        print(f"{name:12s} epochs/s  curves off best {off['best']:7.1f} median {off['median']:7.1f}"
              f"   on best {on['best']:7.1f} median {on['median']:7.1f}")
    for n, k in ((150, 2), (250, 2), (540, 10), (10_000, 2), (10_000, 10)):
        ms, size = curve_cost(n, k)
        results["curves"][f"{n}x{k}"] = {"ms": ms, "bytes": size}
        print(f"curves of {n:6d} test rows, {k:2d} classes: {ms:7.3f} ms, {size:6d} bytes on the wire")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
