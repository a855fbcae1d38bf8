"""`nn-playground lr-find` and `nn-playground sweep`: searching for settings without a window.

stdout carries only results (a line per finished trial and the summary, or exactly one JSON object
with --json); bad input exits 2 with one line naming the path and value. The first Ctrl-C stops
the sweep (no new trials; the running ones end, the summary and --out files are still written),
a second one quits.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground.core.errors import SpecError
from playground.exit_codes import ExitCode

SWEEP_EPILOG = """examples:
  nn-playground sweep circle --set training.optimizer.lr=0.001,0.01,0.1,1 --epochs 100
  nn-playground sweep circle --set training.optimizer.lr=1e-4..1 --set training.batch_size=10,25 --random 8
  nn-playground sweep lr-search-grid --json --out runs/lr-grid
  nn-playground sweep circle --set training.l2=1e-5..1e-1 --tpe 20 --storage sweep.journal --study l2
PATH is a setting's path in the preset's JSON (training.optimizer.lr, network.layers.0.units).
Values: a grid (or the choices of a random/TPE draw); LO..HI: a range (random or TPE; log-uniform
when positive and spanning more than 10x). The objective is the validation loss, never the test loss."""


def add_parsers(sub: Any, non_negative_int: Callable[[str], int]) -> None:
    p = sub.add_parser("lr-find", help="the learning-rate range test: a suggested learning rate",
                       description="Train a copy of the preset for a short run while the learning rate "
                       "rises from 1e-7 to 10, and suggest a learning rate from the loss curve.")
    p.add_argument("preset", metavar="PRESET", help="preset file, or a shipped preset name such as circle")
    p.add_argument("--steps", type=non_negative_int, default=100, help="minibatch steps at most (100)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the curve")
    p.set_defaults(handler=run_lr_find)

    p = sub.add_parser("sweep", help="train the preset with settings varied; best chosen on validation",
                       description="Run a grid, random or TPE search over settings of a preset, trials "
                       "in parallel worker processes; the best trial is the one with the lowest "
                       "validation loss.", epilog=SWEEP_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("preset", metavar="PRESET", help="preset file, or a shipped preset name")
    p.add_argument("--set", dest="sets", action="append", metavar="PATH=VALUES", default=[],
                   help="a setting to vary: PATH=V1,V2,... or PATH=LO..HI (repeat for more)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--random", type=non_negative_int, metavar="N", help="N random draws")
    how.add_argument("--tpe", type=non_negative_int, metavar="N", help="N trials chosen by TPE")
    p.add_argument("--folds", type=non_negative_int, metavar="K", help="k-fold cross-validation per trial")
    p.add_argument("--workers", type=non_negative_int, metavar="W",
                   help="worker processes (default: one per CPU core; 0: in this process)")
    p.add_argument("--epochs", type=non_negative_int, metavar="E", help="epoch limit of every trial")
    p.add_argument("--prune", choices=("none", "median", "halving"), help="stop hopeless trials early")
    p.add_argument("--storage", metavar="URL", help="Optuna storage: a journal file, or an RDB URL")
    p.add_argument("--study", metavar="NAME", help="the study's name in --storage (processes share it)")
    p.add_argument("--json", action="store_true", help="print one JSON object with every trial")
    p.add_argument("--out", type=Path, metavar="DIR", help="a folder per trial, summary.json and .csv")
    p.set_defaults(handler=run_sweep)


def _load(name: str) -> Any:
    from playground.core.presets import load_preset, resolve_preset

    return load_preset(resolve_preset(name))


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# ---------------------------------------------------------------- lr-find -------------------

def run_lr_find(args: argparse.Namespace) -> int:
    from playground.core import torch_setup
    from playground.core.search.lr_find import lr_find

    torch_setup.set_threads()
    exp = _load(args.preset)
    if args.steps < 5:
        raise SpecError("--steps", "must be at least 5", args.steps)
    finding = lr_find(exp, steps=args.steps)
    if args.json:
        print(json.dumps(_clean(finding.to_json()), allow_nan=False))
        return ExitCode.OK
    every = max(1, len(finding.lrs) // 12)
    print(f"{exp.name}: learning-rate range test, {len(finding.lrs)} steps")
    print("  lr          smoothed loss")
    for lr, loss in list(zip(finding.lrs, finding.smoothed, strict=True))[::every]:
        print(f"  {lr:<10.3g}  {loss:.4g}")
    shown = "-" if finding.suggested_lr is None else f"{finding.suggested_lr:.3g}"
    print(f"suggested lr {shown}: {finding.reason}")
    return ExitCode.OK


# ---------------------------------------------------------------- sweep ---------------------

def _plan(args: argparse.Namespace, exp: Any) -> Any:
    from playground.core.search.paths import parse_set
    from playground.core.search.sweep import plan_from_preset

    if args.storage and not args.study:
        raise SpecError("--study", "is needed with --storage: the name every process of the study gives")
    changes: dict[str, Any] = {"folds": args.folds, "workers": args.workers, "epochs": args.epochs,
                               "pruner": args.prune, "storage": args.storage, "study": args.study}
    if args.sets:
        changes["params"] = tuple(parse_set(s) for s in args.sets)
    for sampler in ("random", "tpe"):
        count = getattr(args, sampler)
        if count is not None:
            if count < 1:
                raise SpecError(f"--{sampler}", "must be at least 1", count)
            changes.update(sampler=sampler, trials=count)
    if args.sets and args.random is None and args.tpe is None:
        changes["sampler"] = "grid"  # --set without --random/--tpe: a grid, whatever the preset says
    return plan_from_preset(exp, **changes)


def _line(t: dict[str, Any]) -> str:
    params = "  ".join(f"{k}={v}" for k, v in t["params"].items())

    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.4g}"

    head = f"trial {t['number']:>3}  {t['state']:<8}  {params}"
    if t["state"] == "failed":
        return f"{head}  {t.get('message', '')}"
    spread = f" ± {fmt(t['val_loss_std'])}" if t.get("val_loss_std") is not None else ""
    acc = f"  test acc {100 * t['test_accuracy']:.1f}%" if t.get("test_accuracy") is not None else ""
    return (f"{head}  val loss {fmt(t.get('val_loss'))}{spread}  test loss {fmt(t.get('test_loss'))}{acc}"
            f"  {t.get('epochs', 0)} epochs  {t.get('seconds', 0):.2f} s")


def run_sweep(args: argparse.Namespace) -> int:
    from playground.core.presets import resolve_preset
    from playground.core.search.results import public, write_summary, write_trial
    from playground.core.search.sweep import Sweep

    exp = _load(args.preset)
    try:
        sweep = Sweep(exp, _plan(args, exp))
    except SpecError as e:  # a value that does not fit the preset: name the preset too
        named = e.path.startswith("-") or e.file
        raise (e if named else e.with_file(f"{resolve_preset(args.preset).name} (with the sweep's values)")) \
            from None
    if args.out is not None:
        from playground.core.presets import check_save_target

        check_save_target(args.out / "summary.json")
    if sweep.note and not args.json:
        print(sweep.note)
    stopped = _stop_on_interrupt(sweep)
    for event in sweep.events():
        if event["type"] != "result":
            continue
        trial = {k: v for k, v in event.items() if k != "type"}
        if args.out is not None and trial["state"] != "failed":
            write_trial(args.out, trial, sweep.preset)
        if not args.json:
            print(_line(trial), flush=True)
    summary = sweep.summary()
    if args.out is not None:
        write_summary(args.out, _clean(summary))
    if args.json:
        out = {**summary, "trials": [public(t) for t in summary["trials"]],
               "best": public(summary["best"]) if summary["best"] else None}
        print(json.dumps(_clean(out), allow_nan=False))
    else:
        print(_ending(summary, args.out))
    if stopped.is_set():
        return ExitCode.INTERRUPTED
    if summary["best"] is None:
        first = next((t.get("message") for t in summary["trials"] if t.get("message")), "")
        print(f"nn-playground: no trial completed; {first}".rstrip("; "), file=sys.stderr)
        return ExitCode.BAD_INPUT
    return ExitCode.OK


def _ending(summary: dict[str, Any], out: Path | None) -> str:
    best = summary["best"]
    n = len(summary["trials"])
    lines = [f"{n} trials in {summary['seconds']:.1f} s on {summary['workers']} workers; objective: "
             f"{summary['objective_text']}"]
    lines.append(f"best: {_line(best)}" if best else "no trial completed")
    if out is not None:
        lines.append(f"wrote a folder per trial, summary.json and summary.csv to {out}")
    return "\n".join(lines)


def _stop_on_interrupt(sweep: Any) -> threading.Event:
    """First Ctrl-C: stop the sweep cleanly. Second: the usual KeyboardInterrupt."""
    stopped = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return stopped

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stopped.set()
        sweep.stop()
        print("Stopping the sweep: no new trials.", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    return stopped
