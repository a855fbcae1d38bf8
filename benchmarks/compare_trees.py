"""Training speed of two checkouts, measured alternately: did a change make the trainer slower?

Run: `python benchmarks/compare_trees.py OLD_TREE [NEW_TREE] [--rounds R]` (NEW_TREE defaults to
this checkout). Each measurement is a fresh process importing `playground` from one tree
(PYTHONPATH) that trains a preset for a fixed number of epochs in one slice (one torch thread, as
the app's trainer process; each epoch's evaluation included) and reports the CPU time per
optimizer step, best of three runs. CPU time, not wall-clock: on a shared host the wall-clock
rate moved 20% between neighbouring runs of the same tree, the CPU time a few percent. The trees
take turns, old first in even rounds and new first in odd ones; the medians and their ratio
(new / old; above 1 is slower) are printed and written to benchmarks/results/compare_trees.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "compare_trees.json"
# (preset, numpy twin or torch, epochs): small dense nets on each path, and the digits CNN
CASES = (("circle", True, 200), ("spiral", True, 100), ("circle", False, 30), ("digits-cnn", False, 2))

# Runs in the measured tree; imports the trainer from where that tree keeps it.
CHILD = """
import json, sys, time
import torch
torch.set_num_threads(1)
try:
    from playground.core.run.loop import RunOptions, TrainingRun
except ImportError:
    from playground.core.trainer import RunOptions, TrainingRun
import playground
from playground.core.presets import load_preset, resolve_preset
preset, fast, epochs = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
exp = load_preset(resolve_preset(preset))
best = float("inf")
for _ in range(3):
    run = TrainingRun(exp, RunOptions(slice_seconds=1e9, epochs=epochs, grid_resolution=2, fast=fast))
    assert (run.fast is not None) == fast, run.fast_reason
    started = time.process_time()
    for _snap in run.snapshots():
        pass
    best = min(best, (time.process_time() - started) / run.step)
print(json.dumps({"file": playground.__file__, "us_per_step": 1e6 * best}))
"""


def measure(tree: Path, preset: str, fast: bool, epochs: int) -> float:
    """CPU microseconds per step of `preset` trained by the `playground` in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", CHILD, preset, "1" if fast else "0", str(epochs)],
                         cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert Path(result["file"]).resolve().is_relative_to(tree), f"imported {result['file']}, not {tree}"
    return result["us_per_step"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path, help="the checkout to compare against (e.g. main's)")
    parser.add_argument("new", type=Path, nargs="?", default=Path(__file__).resolve().parents[1])
    parser.add_argument("--rounds", type=int, default=4, help="alternating measurements per tree and case")
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    results: dict = {"trees": {k: str(v) for k, v in trees.items()}, "rounds": args.rounds, "cases": {}}
    for preset, fast, epochs in CASES:
        runs: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            for which in ("old", "new") if r % 2 == 0 else ("new", "old"):
                runs[which].append(measure(trees[which], preset, fast, epochs))
        old, new = statistics.median(runs["old"]), statistics.median(runs["new"])
        name = f"{preset} ({'numpy twin' if fast else 'torch'})"
        results["cases"][name] = {"epochs": epochs, "old_us_per_step": runs["old"],
                                  "new_us_per_step": runs["new"], "old_median": old, "new_median": new,
                                  "ratio": new / old}
        print(f"{name:24s} old {old:8.1f} us/step   new {new:8.1f} us/step   new/old {new / old:.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
