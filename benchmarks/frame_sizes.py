"""The largest trainer-process frame of each shipped preset, with every view the app can show on.

Run: `python benchmarks/frame_sizes.py [--snapshots N]`. Prints a table and writes
benchmarks/results/frames.json. A frame is what the trainer process sends per snapshot (the history
increment, the boundary and neuron maps, weights, conv feature maps), encoded as on the pipe; the
first N snapshots of each run are measured. `messages.MAX_FRAME` is chosen against these numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
from pathlib import Path

from playground.core import messages, wire
from playground.core.presets import load_preset, shipped_presets
from playground.core.run.loop import RunOptions, TrainingRun

RESULTS = Path(__file__).resolve().parent / "results" / "frames.json"
APP_OPTIONS = RunOptions(neuron_grids=True, weights=True, conv_maps=True, epochs=0)  # as the window asks


def largest_frame(path: Path, snapshots: int) -> int:
    """Bytes of the largest of the first `snapshots` frames the child would send for this preset."""
    run = TrainingRun(load_preset(path), APP_OPTIONS)
    biggest = sent = 0
    for i, snap in enumerate(run.snapshots()):
        n = len(next(iter(snap.history.values()))) if snap.history else 0
        part = {k: v[sent:n] for k, v in snap.history.items()}
        message = {"op": "snapshot", "run": 1, "start": sent, "snap": dataclasses.replace(snap, history=part)}
        biggest, sent = max(biggest, len(wire.encode(message))), n
        if i + 1 >= snapshots:
            run.stop()
        if snap.done:
            return biggest
    return biggest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshots", type=int, default=4)
    args = parser.parse_args()
    sizes = {}
    for info in shipped_presets():
        sizes[info.name] = largest_frame(info.path, args.snapshots)
        print(f"{info.name:28s} {sizes[info.name] / 1e6:7.3f} MB", flush=True)
    name = max(sizes, key=sizes.get)
    print(f"largest: {name}, {sizes[name] / 1e6:.3f} MB; MAX_FRAME = {messages.MAX_FRAME / 1e6:.0f} MB "
          f"({messages.MAX_FRAME / sizes[name]:.0f}x)")
    RESULTS.write_text(json.dumps({"machine": platform.platform(), "python": sys.version.split()[0],
                                   "snapshots_per_preset": args.snapshots, "max_frame": messages.MAX_FRAME,
                                   "largest_frame_bytes": sizes}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
