"""`nn-playground train`: run a preset headless, with a progress line, a summary or JSON, and files.

stdout carries only results (the summary, or exactly one JSON object with --json); the progress
line goes to stderr and only when stderr is a terminal, so pipes and CI logs stay clean. The first
Ctrl-C asks the trainer to stop (the summary and --out files are still written), a second one quits.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from playground.core.errors import SpecError
from playground.core.keys import BATCH_LOSS_MEAN, is_grad_norm_key
from playground.core.run.state import RunState
from playground.exit_codes import ExitCode

if TYPE_CHECKING:
    from playground.core.experiment import Experiment
    from playground.core.export import HistoryCsvStream
    from playground.core.run.loop import TrainingRun
    from playground.core.snapshot import Snapshot



def add_parser(sub: Any, non_negative_int: Callable[[str], int]) -> None:
    p = sub.add_parser("train", help="train a preset without a window",
                       description="Train a preset headless and report the result.")
    p.add_argument("preset", metavar="PRESET", help="preset file, or a shipped preset name such as circle")
    p.add_argument("--epochs", type=non_negative_int, help="epoch limit (overrides the preset; 0 = none)")
    p.add_argument("--seed", type=non_negative_int,
                   help="training seed: initial weights, shuffling, dropout (overrides the preset)")
    p.add_argument("--data-seed", type=non_negative_int,
                   help="data seed: points, noise, train/test split (overrides the preset)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the results")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write history.csv, weights.pt and the preset.json actually run into DIR")
    p.add_argument("--quiet", action="store_true", help="no progress line and no summary")
    p.add_argument("--pace", type=pace_arg, metavar="PACE",
                   help="how fast to train, to watch it: max (default), N epochs a second, or N/update for "
                        "N single updates a second (overrides the preset)")
    p.set_defaults(handler=run_train)


# ---------------------------------------------------------------- the command ---------------

def run_train(args: argparse.Namespace) -> int:
    """Load, override, train to the end, report; exit 3 if it diverged, 130 if interrupted."""
    from playground.core import torch_setup
    from playground.core.presets import load_preset, resolve_preset
    from playground.core.run.loop import RunOptions, TrainingRun

    torch_setup.set_threads()

    path = resolve_preset(args.preset)
    exp = with_overrides(load_preset(path), args.epochs, args.seed, path.name, args.data_seed)
    if args.pace is not None:
        exp = dataclasses.replace(exp, training=dataclasses.replace(exp.training, pace=args.pace))
    try:
        # The boundary grid is only drawn by the app; a tiny one keeps snapshots cheap here.
        run = TrainingRun(exp, RunOptions(grid_resolution=8, slice_seconds=0.1))
    except SpecError as e:
        raise (e if e.file else e.with_file(path.name)) from None
    show_progress = not args.quiet and sys.stderr.isatty()
    if run.epoch_limit is None and show_progress:
        print("No epoch limit: press Ctrl-C to stop.", file=sys.stderr)
    progress = Progress(sys.stderr, run.epoch_limit) if show_progress else None
    last = None
    with stop_on_interrupt(run), history_stream(args.out, run) as rows:
        for last in run.snapshots():
            if progress is not None:
                progress.update(last)
        if progress is not None:
            progress.clear()
        assert last is not None and last.done
        if args.out is not None:
            write_outputs(args.out, run, rows)
    result = result_dict(exp, run, last)
    if args.json:
        print(json.dumps(result, allow_nan=False))
    elif not args.quiet:
        print(summary(result, args.out))
    return {RunState.DIVERGED: ExitCode.DIVERGED, RunState.STOPPED: ExitCode.INTERRUPTED}.get(last.state,
                                                                                        ExitCode.OK)


def with_overrides(exp: Experiment, epochs: int | None, seed: int | None, file_name: str,
                   data_seed: int | None = None) -> Experiment:
    """The experiment with --epochs/--seed/--data-seed applied, validated again as a whole."""
    from playground.core.experiment import experiment_from_dict, experiment_to_dict

    if epochs is not None:
        exp = dataclasses.replace(exp, training=dataclasses.replace(exp.training, epochs=epochs))
    if seed is not None:
        exp = dataclasses.replace(exp, seed=seed)
    if data_seed is not None:
        exp = dataclasses.replace(exp, data_seed=data_seed)
    try:
        return experiment_from_dict(experiment_to_dict(exp))
    except SpecError as e:
        raise e.with_file(f"{file_name} (with command-line overrides)") from None


def pace_arg(text: str) -> Any:
    """--pace: "max", a number of epochs a second, or "N/update"; argparse's error (exit 2) if not one."""
    from playground.core.speed import pace_from_json

    rate, per_update = text.strip().removesuffix("/update"), text.strip().endswith("/update")
    try:
        value = rate if rate == "max" else float(rate)
        return pace_from_json({"updates_per_second": value} if per_update else value, "--pace")
    except (ValueError, SpecError):
        raise argparse.ArgumentTypeError(f"must be max, a number of epochs a second above 0 (at most "
                                         f"10000) or N/update, not {text!r}") from None


@contextmanager
def stop_on_interrupt(run: TrainingRun) -> Iterator[None]:
    """First Ctrl-C: stop the run cleanly. Second: the usual KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        run.stop()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def history_stream(out: Path | None, run: TrainingRun) -> Iterator[HistoryCsvStream | None]:
    """With --out: every epoch's row of `run` spooled to disk from the start, for history.csv.

    The run's own history keeps older epochs thinned (bounded memory, however long it runs);
    history.csv keeps every epoch, because its rows stream to disk instead. The folder is checked
    and made now, so a bad --out is refused before training, not after it.
    """
    if out is None:
        yield None
        return
    from playground.core.export import HistoryCsvStream
    from playground.core.presets import check_save_target

    check_save_target(out / "preset.json")
    with _naming_failures(out):
        out.mkdir(parents=True, exist_ok=True)
        stream = HistoryCsvStream(out / "history.csv")
    run.history.add_listener(stream.add)
    with stream:
        yield stream


def write_outputs(out: Path, run: TrainingRun, rows: HistoryCsvStream) -> None:
    """history.csv (every epoch, from the spooled rows), weights.pt and the preset.json actually run.

    Nothing is written into the install folder; a write that fails is a SaveError naming the file.
    """
    from playground.core.export import save_weights
    from playground.core.presets import save_preset

    with _naming_failures(out):
        rows.commit()
        save_weights(run.state_dict(), out / "weights.pt")
        save_preset(run.experiment, out / "preset.json")


@contextmanager
def _naming_failures(out: Path) -> Iterator[None]:
    """An OSError becomes a SaveError naming the file (or the --out folder) and why."""
    from playground.core.errors import SaveError

    try:
        yield
    except OSError as e:
        raise SaveError(f"{e.filename or out}: cannot write: {e.strerror or e}") from None


# ---------------------------------------------------------------- reporting -----------------

def _num(value: Any) -> float | None:
    """JSON has no NaN: undefined numbers become null."""
    v = float(value)
    return v if math.isfinite(v) else None


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj


def result_dict(exp: Experiment, run: TrainingRun, last: Snapshot) -> dict[str, Any]:
    """Everything --json prints; NaN is null. Linear regression (no hidden layer) adds the fit, and
    a linear model its coefficients in the data's own units (un-standardised)."""
    from playground.core.coefficients import coefficients
    from playground.core.datasets.base import REGRESSION
    from playground.core.probes import dense_weights

    task = run.dataset.task
    result: dict[str, Any] = {
        "preset": exp.name, "dataset": exp.data.dataset, "task": task, "seed": exp.seed,
        "data_seed": exp.data_seed,
        "epochs": last.epoch, "epoch_limit": run.epoch_limit, "steps": last.step,
        "train_loss": last.latest("train_loss"), "test_loss": last.latest("test_loss"),
        "val_loss": last.latest("val_loss"),
        "train_accuracy": last.latest("train_accuracy"), "test_accuracy": last.latest("test_accuracy"),
        "seconds": last.elapsed,
        "epochs_per_second": last.epoch / last.elapsed if last.elapsed > 0 else float("nan"),
        "diverged": last.state == RunState.DIVERGED, "stopped_early": last.state == RunState.STOPPED_EARLY,
        "state": last.state, "message": last.message,
        "lr_changes": [{"epoch": e, "step": s, "lr": lr} for e, s, lr in last.lr_changes],
    }
    if task == REGRESSION:
        result["r2"] = last.latest("test_r2")
        result["train_r2"] = last.latest("train_r2")
        layers = dense_weights(run.model)
        if not exp.network.layers and len(layers) == 1:
            w, b = layers[0]
            result["weights"] = w[0].tolist() if w.shape[0] == 1 else w.tolist()
            result["bias"] = None if b is None else (float(b[0]) if b.shape[0] == 1 else b.tolist())
    elif last.confusion is not None:
        result.update(class_figures(last.confusion, run.dataset.class_names))
    coefs = coefficients(exp.network, run.dataset, dense_weights(run.model))
    if coefs is not None:
        result["coefficients"] = coefs
    result.update(samples_counts(exp, run.dataset))
    result["metrics"] = {k: float(v) for k, v in last.metrics.items()
                         if not is_grad_norm_key(k) and k not in ("epoch", "seconds")}
    # Per epoch (older epochs thinned on very long runs): the end-of-epoch train loss beside the running
    # mean of the batch losses during the epoch, the figure the course's PyTorch loop prints.
    result["history"] = {k: [float(v) for v in last.history[k]]
                         for k in ("epoch", "train_loss", BATCH_LOSS_MEAN) if k in last.history}
    return _clean(result)


def class_figures(confusion: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The test confusion matrix (rows true class, columns predicted; binary at 0.5) and each class's
    precision, recall, F1 and support, with their macro and weighted averages."""
    from playground.core.metrics import class_report

    report = class_report(confusion)
    rows = [{"class": names[i] if i < len(names) else str(i), "precision": float(report.precision[i]),
             "recall": float(report.recall[i]), "f1": float(report.f1[i]), "support": int(report.support[i])}
            for i in range(len(confusion))]
    return {"confusion_matrix": [[int(n) for n in row] for row in confusion], "per_class": rows,
            "macro_avg": dict(report.macro), "weighted_avg": dict(report.weighted)}


def samples_counts(exp: Experiment, ds: Any) -> dict[str, Any]:
    """How much data the run used, and what was asked: `samples` is what was used, never the ask.

    `samples_requested` is the preset's `samples` (null for a CSV's "every row"), `samples_available`
    what a fixed set or file holds (null for generated data, which has any number).
    """
    asked = exp.data.samples if ds.requested or not ds.available else None
    return {"samples": ds.used, "samples_requested": asked, "samples_available": ds.available or None,
            "train_samples": len(ds.y_train), "val_samples": len(ds.y_val), "test_samples": len(ds.y_test)}


def samples_note(r: dict[str, Any]) -> str:
    """The sentence for a run that got fewer examples than `samples` asked for ("" when it got them)."""
    asked, used, available = r["samples_requested"], r["samples"], r["samples_available"]
    if asked is None or used >= asked:
        return ""
    if available is not None and used >= available:
        return (f"samples asks for {asked:,} examples, but {r['dataset']} holds {available:,}: "
                "all of them are in use")
    return (f"samples asks for {asked:,} examples, but only {used:,} fit {r['dataset']}'s own training "
            "and test parts at this train_fraction")


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100 * value:.1f}%" if percent else f"{value:.4g}"


def summary(r: dict[str, Any], out: Path | None) -> str:
    """The human ending: what ran, how long, the final numbers and why it stopped."""
    speed = f" ({r['epochs_per_second']:.0f} epochs/s)" if r["epochs_per_second"] else ""
    lines = [f"{r['preset']}: {r['state'].replace('_', ' ')} after {r['epochs']} epochs in "
             f"{r['seconds']:.2f} s{speed}",
             _data_line(r),
             f"  loss      train {_fmt(r['train_loss'])}  test {_fmt(r['test_loss'])}"]
    if r["task"] == "regression":
        lines.append(f"  r2        train {_fmt(r['train_r2'])}  test {_fmt(r['r2'])}")
        if "weights" in r:
            weights = ", ".join(_fmt(w) for w in r["weights"])
            lines.append(f"  fit       weights [{weights}]  bias {_fmt(r['bias'])}")
    else:
        lines.append(f"  accuracy  train {_fmt(r['train_accuracy'], True)}  "
                     f"test {_fmt(r['test_accuracy'], True)}")
        if "per_class" in r:
            lines.extend(class_table(r))
    if r["message"]:
        lines.append(f"  {r['message']}")
    if out is not None:
        lines.append(f"  wrote history.csv, weights.pt and preset.json to {out}")
    return "\n".join(lines)


def class_table(r: dict[str, Any]) -> list[str]:
    """The test split's figures per class and on average, as scikit-learn's classification_report."""
    rows = [(f"class {row['class']}", row) for row in r["per_class"]]
    rows += [("macro avg", r["macro_avg"]), ("weighted avg", r["weighted_avg"])]
    width = max(len(name) for name, _ in rows)

    def cell(value: float | None, size: int) -> str:
        return f"{'-' if value is None else f'{value:.3f}':>{size}}"

    lines = [f"  {'test':<{width}}  precision  recall     F1  support"]
    for name, row in rows:
        support = f"  {row['support']:>7}" if "support" in row else ""
        lines.append(f"  {name:<{width}}  {cell(row['precision'], 9)}  {cell(row['recall'], 6)}  "
                     f"{cell(row['f1'], 5)}{support}")
    return lines


def _data_line(r: dict[str, Any]) -> str:
    val = f", {r['val_samples']:,} validation" if r["val_samples"] else ""
    line = f"  data      {r['dataset']}: {r['train_samples']:,} train{val}, {r['test_samples']:,} test"
    note = samples_note(r)
    return f"{line}\n  note      {note}" if note else line


class Progress:
    """One self-rewriting stderr line, redrawn at most ~10 times a second."""

    def __init__(self, stream: IO[str], limit: int | None, interval: float = 0.1):
        self.stream, self.limit, self.interval = stream, limit, interval
        self._last_draw = 0.0

    def update(self, snap: Snapshot) -> None:
        now = time.monotonic()
        if now - self._last_draw < self.interval and not snap.done:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(snap)[: shutil.get_terminal_size().columns - 1] + "\x1b[K")
        self.stream.flush()

    def line(self, snap: Snapshot) -> str:
        if self.limit:
            filled = int(12 * min(snap.epoch / self.limit, 1.0))
            head = f"[{'#' * filled}{'.' * (12 - filled)}] epoch {snap.epoch}/{self.limit}"
        else:
            head = f"epoch {snap.epoch}"
        return (f"{head}  loss train {_fmt(snap.latest('train_loss'))}  "
                f"test {_fmt(snap.latest('test_loss'))}  {snap.epochs_per_second:.0f} epochs/s")

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
