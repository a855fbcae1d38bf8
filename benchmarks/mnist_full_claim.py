"""The mnist-cnn-full preset on the real full MNIST: test accuracy per epoch, time per epoch, memory.

The test suite cannot check this preset's claim (it never downloads; it trains on generated
stand-in files), so this script does, on a machine that has the data:

    nn-playground data get mnist          # once (or: nn-playground data import mnist PATH)
    python benchmarks/mnist_full_claim.py [--epochs N] [--threads T]

It prints one line per epoch and writes benchmarks/results/mnist_full_claim.json. It stops with a
clear message (exit 2) when full MNIST is not there.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLAIM = 0.985  # the preset's description: test accuracy passes 98.5 % within its epochs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: the preset's)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    args = parser.parse_args()

    import torch

    from playground.core.datasets import load_dataset, mnist_full
    from playground.core.errors import PlaygroundError
    from playground.core.presets import SHIPPED_DIR, load_preset
    from playground.core.run.loop import RunOptions, TrainingRun

    if args.threads:
        torch.set_num_threads(args.threads)
    exp = load_preset(SHIPPED_DIR / "mnist-cnn-full.json")
    started = time.perf_counter()
    try:
        data = load_dataset(exp.data, exp.seed)
    except PlaygroundError as exc:
        print(f"mnist_full_claim: {exc}", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - started
    print(f"data: {len(data.y_train):,} train, {len(data.y_test):,} test, loaded in {load_s:.1f} s "
          f"from {mnist_full.folder()}")
    run = TrainingRun(exp, RunOptions(epochs=args.epochs, grid_resolution=8, slice_seconds=1.0), data)
    epochs: list[dict[str, float]] = []
    last_epoch, last_time = 0, time.perf_counter()
    for snap in run.snapshots():
        if snap.epoch > last_epoch:
            now = time.perf_counter()
            row = {"epoch": snap.epoch, "seconds": now - last_time,
                   "train_accuracy": float(snap.latest("train_accuracy")),
                   "test_accuracy": float(snap.latest("test_accuracy"))}
            epochs.append(row)
            print(f"epoch {row['epoch']}: test {100 * row['test_accuracy']:.2f} %  train "
                  f"{100 * row['train_accuracy']:.2f} %  ({row['seconds']:.0f} s)", flush=True)
            last_epoch, last_time = snap.epoch, now
    best = max((e["test_accuracy"] for e in epochs), default=0.0)
    result = {"preset": "mnist-cnn-full", "epochs": epochs, "best_test_accuracy": best, "claim": CLAIM,
              "claim_holds": best >= CLAIM, "data_load_seconds": load_s,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "torch_threads": torch.get_num_threads(), "machine": platform.platform(),
              "python": platform.python_version(), "torch": torch.__version__}
    out = ROOT / "benchmarks" / "results" / "mnist_full_claim.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"best test accuracy {100 * best:.2f} % (claim: {100 * CLAIM:.1f} %); wrote {out}")
    return 0 if result["claim_holds"] else 1


if __name__ == "__main__":
    sys.exit(main())
