"""The numpy twin's speed in two source trees, alternated: did a change slow the fast path down?

Run: `python benchmarks/twin_ab.py OLD_TREE NEW_TREE [--seconds S] [--rounds R]`. Each round runs
each tree in a fresh interpreter (old, new, old, new, ...) that trains every case on the fast path
(`core_benchmark.measure_training`: free running, each epoch with its evaluation, as in the app)
and reports steps/s, then times the twin's step alone (`FastNet.step` on one batch, best of 5 x
2000 calls: the number least disturbed by a busy host). The host is shared and drifts, so compare
ratios measured in one run, never absolute numbers across runs. Writes
benchmarks/results/twin_ab.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "twin_ab.json"
# Small dense presets on the fast path; Adam and momentum because their update rules differ most.
CASES = {
    "circle (2-4-2-1, sgd, batch 10)": ("circle", None),
    "spiral (2-8x6-1, sgd, batch 10)": ("spiral_8x6", None),
    "circle (2-4-2-1, adam, batch 10)": ("circle", {"name": "adam", "lr": 0.01}),
    "xor (momentum, batch 10)": ("xor", {"name": "momentum", "lr": 0.01, "momentum": 0.9}),
}
_CHILD = """
import json, sys
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
import torch
torch.set_num_threads(1)
from cases import spiral_8x6
import timeit
from core_benchmark import measure_training
try:  # where the tree keeps its trainer (core/run/ since issue 10)
    from playground.core.run.loop import RunOptions, TrainingRun
except ImportError:
    from playground.core.trainer import RunOptions, TrainingRun
from playground.core.experiment import experiment_from_dict, experiment_to_dict
from playground.core.presets import load_preset, resolve_preset
out = {{}}
for name, (preset, optimizer) in {cases!r}.items():
    exp = spiral_8x6() if preset == "spiral_8x6" else load_preset(resolve_preset(preset))
    d = experiment_to_dict(exp)
    d["training"]["epochs"] = 0
    if optimizer is not None:
        d["training"]["optimizer"] = dict(optimizer)
    exp = experiment_from_dict(d)
    run = TrainingRun(exp, RunOptions(epochs=0, grid_resolution=2))
    gen = run.snapshots()
    next(gen)  # one slice: the twin's programs and state exist
    epoch = run.steppers if hasattr(run, "steppers") else None
    xn, yn = (epoch.xn, epoch.yn) if epoch is not None else (run._xn, run._yn)
    xb, yb, fast = xn[:run.batch_size], yn[:run.batch_size], run.fast
    best = min(timeit.repeat(lambda: fast.step(xb, yb, 0.01), number=2000, repeat=5)) / 2000
    run.stop()
    for _ in gen:
        pass
    out[name] = [measure_training(exp, {seconds}, fast=True)["steps_per_s"], 1e6 * best]
print(json.dumps(out))
"""


def run_tree(root: str, seconds: float) -> dict[str, list[float]]:
    code = _CHILD.format(root=str(Path(root).resolve()), cases=CASES, seconds=seconds)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per case and run")
    parser.add_argument("--rounds", type=int, default=3, help="old/new pairs")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, list[float]]]] = {"old": [], "new": []}
    for r in range(args.rounds):
        for side in ("old", "new"):
            runs[side].append(run_tree(getattr(args, side), args.seconds))
            print(f"round {r + 1} {side}: " + ", ".join(f"{v:,.0f} steps/s {us:.2f} µs/step"
                                                           for v, us in runs[side][-1].values()), flush=True)
    results = {"old": args.old, "new": args.new, "seconds": args.seconds, "rounds": args.rounds, "cases": {}}
    print(f"\n{'case':36} {'old steps/s':>12} {'new steps/s':>12} {'new/old':>8}"
          f" {'old µs/step':>12} {'new µs/step':>12} {'old/new':>8}")
    for name in CASES:
        old, new = ([run[name][0] for run in runs[side]] for side in ("old", "new"))
        old_us, new_us = ([run[name][1] for run in runs[side]] for side in ("old", "new"))
        ratio, step_ratio = statistics.median(new) / statistics.median(old), min(old_us) / min(new_us)
        results["cases"][name] = {"old_steps_per_s": old, "new_steps_per_s": new, "median_ratio": ratio,
                                  "old_us_per_step": old_us, "new_us_per_step": new_us,
                                  "best_step_speed_ratio": step_ratio}
        print(f"{name:36} {statistics.median(old):12,.0f} {statistics.median(new):12,.0f} {ratio:8.3f}"
              f" {min(old_us):12.2f} {min(new_us):12.2f} {step_ratio:8.3f}")
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
