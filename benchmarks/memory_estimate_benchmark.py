"""How close core/budget.py's memory estimate comes to what a run really takes.

Each case runs in a fresh Python: it records the peak resident memory (ru_maxrss) before the
TrainingRun is built, trains to the end of the first epoch (one evaluation included) with the
app's run options (boundary grid, neuron maps, conv maps), and reports the growth beside
`budget.estimate`. The estimate should be at or above the measured growth (the check refuses
networks, so erring high is the safe side) without being far above it. Run:
`python benchmarks/memory_estimate_benchmark.py`; prints a table and writes
benchmarks/results/memory_estimate.json.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "memory_estimate.json"


def _dense(dataset: str, units: int, layers: int, optimizer: str, batch: int, samples: int = 200) -> dict:
    stack = [{"type": "dense", "units": units, "activation": "tanh"}] * layers
    if dataset in ("digits", "mnist"):
        stack = [{"type": "flatten"}, *stack]
    return {"format": "nn-playground.experiment", "version": 1, "name": f"{dataset} {layers}x{units}",
            "data": {"dataset": dataset, "samples": samples}, "network": {"layers": stack},
            "training": {"optimizer": {"name": optimizer, "lr": 0.001}, "batch_size": batch, "epochs": 1}}


CASES = {
    "circle 6x2048 adam batch 10": _dense("circle", 2048, 6, "adam", 10),
    "circle 6x2048 sgd batch 10": _dense("circle", 2048, 6, "sgd", 10),
    "circle 6x2048 adam whole set": _dense("circle", 2048, 6, "adam", 0, 2000),
    "mnist 4x1024 adam whole set": _dense("mnist", 1024, 4, "adam", 0, 2000),
    "mnist-cnn preset": str(ROOT / "presets" / "mnist-cnn.json"),
}

CHILD = r"""
import json, resource, sys
from playground.core.torch_setup import set_threads
set_threads()
from playground.core.budget import estimate, train_rows
from playground.core.experiment import experiment_from_dict
from playground.core.model import inspect_network
from playground.core.presets import load_preset
from playground.core.run.loop import RunOptions, TrainingRun
arg = sys.argv[1]
exp = load_preset(arg) if arg.endswith(".json") else experiment_from_dict(json.loads(arg))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
run = TrainingRun(exp, RunOptions(neuron_grids=True, weights=True, conv_maps=True, slice_seconds=0.5))
for snap in run.snapshots():
    if snap.epoch >= 1 or snap.done:
        break
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
ds = run.dataset
report = inspect_network(exp.network, ds.input_shape, ds.output_units)
need = estimate(report, train_rows(exp, len(ds.x_train)))
print(json.dumps({"measured_bytes": grown, "estimated_bytes": need.total, "parameters": need.parameters}))
"""


def measure(case: dict | str) -> dict:
    arg = case if isinstance(case, str) else json.dumps(case)
    proc = subprocess.run([sys.executable, "-c", CHILD, arg], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=600)
    r = json.loads(proc.stdout)
    r["ratio"] = r["estimated_bytes"] / r["measured_bytes"]
    return r


def main() -> None:
    results = {}
    print(f"{'case':32} {'parameters':>12} {'measured MiB':>13} {'estimated MiB':>14} {'ratio':>6}")
    for name, case in CASES.items():
        r = results[name] = measure(case)
        print(f"{name:32} {r['parameters']:>12,} {r['measured_bytes'] / 2**20:>13.0f} "
              f"{r['estimated_bytes'] / 2**20:>14.0f} {r['ratio']:>6.2f}")
    meta = {"python": platform.python_version(), "machine": platform.machine()}
    RESULTS.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
