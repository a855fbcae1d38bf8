"""Memory of a run with no epoch limit: does it level off? History size and RSS per 10k epochs.

Four parts, each printing one line per 10,000 epochs (the memory of the processes involved, and
the rows and bytes of the history each side keeps):

* `simulated`: a History fed rows like the circle preset's (20 columns) in chunks, as the window's
  copy is fed, for a very long run (2 million epochs by default) in seconds: the history's size.
* `core`: the real trainer, headless (as `nn-playground train circle --epochs 0`), for `--epochs`
  epochs; and, with `--baseline`, the same with thinning turned off (`history_rows` huge: what
  every run did before), to show the growth the bound removes.
* `link`: the trainer process and the window's side of the link (`RunAssembler`), without a window.
* `window`: the real main window offscreen, Train pressed (its RSS and the trainer process's), and
  what the window holds per run: the controller's snapshot, the runs list, the curves.

Growth is reported per 10k epochs, measured from the second sample on (the first 10k epochs fill
the budget and the allocator's pools). Run: `python benchmarks/memory_benchmark.py [--epochs N]
[--parts core,link,window,simulated] [--baseline]`; writes benchmarks/results/memory.json.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import queue  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402  (imported on the main thread before any training thread)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import warm_trainer_process  # noqa: E402

from playground.core import remote, torch_setup  # noqa: E402
from playground.core.experiment import default_experiment, experiment_to_dict  # noqa: E402
from playground.core.history import MAX_ROWS, History  # noqa: E402
from playground.core.run.loop import RunOptions, TrainingRun  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "memory.json"
EVERY = 10_000
CLI_OPTIONS = RunOptions(epochs=0, grid_resolution=8, slice_seconds=0.1)  # as `nn-playground train`


def mem_mb(pid: int | str = "self") -> float:
    """The process's anonymous memory (RssAnon + VmSwap): what it allocated itself, resident or
    swapped out. Plain RSS also counts shared-library pages, which a busy machine drops and reloads
    (RSS fell by 60 MB in the middle of a run here), so it is no measure of growth."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "VmSwap"):
                fields[name] = int(value.split()[0])
    return sum(fields.values()) / 1e3


def circle() -> object:
    exp = default_experiment()
    return dataclasses.replace(exp, training=dataclasses.replace(exp.training, epochs=0))


def growth(samples: list[dict], key: str, first: int = 1) -> float | None:
    """Change of `key` per 10k epochs from sample `first` to the last (None if too few)."""
    if len(samples) < first + 2:
        return None
    a, b = samples[first], samples[-1]
    return (b[key] - a[key]) * EVERY / (b["epoch"] - a["epoch"])


def show(part: str, sample: dict) -> None:
    cells = "  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in sample.items())
    print(f"{part:10} {cells}", flush=True)


def summary(samples: list[dict], seconds: float, keys: tuple[str, ...]) -> dict:
    epochs = samples[-1]["epoch"] if samples else 0
    out = {"epochs": epochs, "seconds": seconds, "epochs_per_s": epochs / seconds if seconds else 0.0,
           "samples": samples}
    for key in keys:
        per_10k = growth(samples, key)
        out[f"{key}_growth_per_10k_epochs"] = per_10k
        out[f"{key}_growth_per_10k_epochs_second_half"] = growth(samples, key, len(samples) // 2)
        if per_10k is not None:
            out[f"{key}_growth_per_minute"] = per_10k / EVERY * out["epochs_per_s"] * 60
    return out


# ------------------------------------------------------------------ parts -------------------------
def simulated(epochs: int, chunk: int = 25) -> dict:
    """A History fed circle-like rows (falling losses with noise, 20 columns) in snapshot-sized chunks."""
    rng = np.random.default_rng(0)
    names = ["train_loss", "train_accuracy", "train_precision", "train_recall", "train_f1", "train_roc_auc",
             "test_loss", "test_accuracy", "test_precision", "test_recall", "test_f1", "test_roc_auc",
             "saturated.0", "saturated.1", "epoch", "lr", "seconds", "grad_norm.0", "grad_norm.1",
             "grad_norm.2"]
    history, samples, t0 = History(), [], time.perf_counter()
    marks = sorted({*range(EVERY, min(epochs, 100_000) + 1, EVERY), *range(100_000, epochs + 1, 100_000)})
    done = 0
    for mark in marks:
        while done < mark:
            e = np.arange(done + 1, done + chunk + 1, dtype=float)
            cols = {n: 1 / np.sqrt(e) + 0.02 * rng.random(chunk) for n in names}
            cols.update(epoch=e, lr=np.full(chunk, 0.03), seconds=e / 600)
            history.extend(cols)
            done += chunk
        sample = {"epoch": done, "rows": len(history), "history_mb": history.nbytes / 1e6,
                  "level": history.level}
        samples.append(sample)
        show("simulated", sample)
    out = summary(samples, time.perf_counter() - t0, ("history_mb",))
    out["unthinned_history_mb"] = done * (len(names) + 1) * 8 / 1e6  # what it would hold without thinning
    return out


def core(epochs: int, history_rows: int = MAX_ROWS, label: str = "core") -> dict:
    """The trainer headless, as the command line runs it."""
    run = TrainingRun(circle(), dataclasses.replace(CLI_OPTIONS, history_rows=history_rows))
    samples, mark, t0 = [], EVERY, time.perf_counter()
    for snap in run.snapshots():
        if snap.epoch >= mark:
            gc.collect()
            sample = {"epoch": snap.epoch, "mem_mb": mem_mb(), "rows": len(run.history),
                      "history_mb": run.history.nbytes / 1e6}
            samples.append(sample)
            show(label, sample)
            mark += EVERY
            if snap.epoch >= epochs:
                run.stop()
    return summary(samples, time.perf_counter() - t0, ("mem_mb", "history_mb"))


def link(epochs: int) -> dict:
    """The trainer process and the window's side of the link, with no window."""
    warm_trainer_process()
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    proc = remote.acquire(inbox.put)
    run_id = remote.new_run_id()
    proc.start_run(run_id, experiment_to_dict(circle()),
                   dataclasses.asdict(RunOptions(epochs=0, neuron_grids=True, weights=True)))
    assembler, samples, mark, t0 = remote.RunAssembler(), [], EVERY, time.perf_counter()
    while True:
        msg = inbox.get(timeout=60)
        if msg.get("run") != run_id:
            continue
        if msg["op"] == "ended":
            break
        snap = assembler.add(msg)
        if snap.epoch >= mark:
            sample = {"epoch": snap.epoch, "mem_mb": mem_mb(), "trainer_mem_mb": mem_mb(proc.proc.pid),
                      "rows": len(assembler.history), "history_mb": assembler.history.nbytes / 1e6}
            samples.append(sample)
            show("link", sample)
            mark += EVERY
            if snap.epoch >= epochs:
                proc.command(run_id, "stop")
    remote.release(proc)
    return summary(samples, time.perf_counter() - t0, ("mem_mb", "trainer_mem_mb", "history_mb"))


def window(epochs: int) -> dict:
    """The real main window offscreen, training the default experiment with no epoch limit."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from playground.core.torch_setup import warm_up
    from playground.gui.main_window import MainWindow
    from playground.gui.session import Session

    warm_up()
    app = QApplication.instance() or QApplication(sys.argv)
    warm_trainer_process()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "memory.ini"), QSettings.Format.IniFormat)
        win = MainWindow(Session(circle()), settings=settings)
        win.resize(1440, 900)
        win.show()
        controller = win.controller
        samples: list[dict] = []
        state = {"mark": EVERY}

        def on_snapshot(snap) -> None:
            if snap.epoch < state["mark"]:
                return
            state["mark"] += EVERY
            entry = win.runs.current
            trainer = controller._proc.proc.pid
            sample = {"epoch": snap.epoch, "mem_mb": mem_mb(), "trainer_mem_mb": mem_mb(trainer),
                      "rows": len(snap.history["epoch"]),
                      "runs_rows": len(entry.history["epoch"]) if entry is not None else -1,
                      "curve_points": win.output.curves.point_count}
            samples.append(sample)
            show("window", sample)
            if snap.epoch >= epochs:
                controller.stop()

        controller.snapshot_followup.connect(on_snapshot)
        t0 = time.perf_counter()
        win.toggle_training()
        wait_until(app, lambda: controller.state not in ("running", "paused"))
        seconds = time.perf_counter() - t0
        assert controller.shutdown()
        win.hide()
        win.deleteLater()
        app.processEvents()
    return summary(samples, seconds, ("mem_mb", "trainer_mem_mb"))


def wait_until(app, done: Callable[[], bool]) -> None:
    while not done():
        app.processEvents()
        time.sleep(0.002)


PARTS = {"simulated": simulated, "core": core, "link": link, "window": window}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50_000, help="epochs of each real run")
    parser.add_argument("--simulated-epochs", type=int, default=2_000_000)
    parser.add_argument("--parts", default="simulated,core,link,window")
    parser.add_argument("--baseline", action="store_true", help="also run `core` without thinning")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch_setup.set_threads()  # as the app and `nn-playground train` do
    results: dict = {}
    for part in args.parts.split(","):
        results[part] = PARTS[part](args.simulated_epochs if part == "simulated" else args.epochs)
        if part == "core" and args.baseline:
            results["core_unthinned"] = core(args.epochs, history_rows=10**9, label="unthinned")
    meta = {"python": platform.python_version(), "torch": torch.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "history_rows": MAX_ROWS, "exact_rows": MAX_ROWS // 4, "every": EVERY}
    print()
    for part, r in results.items():
        rates = [f"{k.removesuffix('_growth_per_10k_epochs')} {v:+.3f} MB"
                 for k, v in r.items() if k.endswith("_growth_per_10k_epochs") and v is not None]
        print(f"{part:15} {r['epochs']:>9} epochs  {r['epochs_per_s']:8.0f} epochs/s  per 10k epochs: "
              + ", ".join(rates))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
