"""A sweep's results as files (`--out DIR`) and as JSON data.

DIR/trial-000/ holds the trial's `preset.json` (exactly what it trained: run it alone with
`nn-playground train` to get the same numbers) and `history.csv` (one row per epoch; with folds
`history-fold1.csv`, ...); DIR/summary.json and DIR/summary.csv list every trial with the best
one marked. Each file is written atomically as its trial finishes, so a stopped sweep keeps
what it finished. Reading `summary.json` back gives the same trials (the app reopens a sweep so).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from playground.core.atomic import atomic_write
from playground.core.errors import DataError, SaveError

FIGURES = ("val_loss", "val_loss_std", "test_loss", "test_accuracy", "epochs", "seconds")


def public(trial: dict[str, Any]) -> dict[str, Any]:
    """A trial as --json shows it: its figures without the epoch-by-epoch history."""
    out = {k: v for k, v in trial.items() if k != "history"}
    if "folds" in out:
        out["folds"] = [{k: v for k, v in f.items() if k != "history"} for f in out["folds"]]
    return out


def trial_dir(out: Path, number: int) -> Path:
    return out / f"trial-{number:03d}"



def write_trial(out: Path, trial: dict[str, Any], preset: dict[str, Any]) -> None:
    """The trial's folder: its preset (with its values applied) and its history."""
    from playground.core.export import write_history_csv
    from playground.core.presets import save_preset
    from playground.core.search.paths import trial_experiment

    folder = trial_dir(out, trial["number"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_preset(trial_experiment(preset, trial["params"]), folder / "preset.json")
        if "folds" in trial:
            for i, fold in enumerate(trial["folds"], 1):
                write_history_csv(_columns(fold["history"]), folder / f"history-fold{i}.csv")
        elif trial.get("history"):
            write_history_csv(_columns(trial["history"]), folder / "history.csv")
    except OSError as e:
        raise SaveError(f"{e.filename or folder}: cannot write: {e.strerror or e}") from None


def _columns(history: dict[str, list[float | None]]) -> dict[str, Any]:
    import numpy as np

    return {k: np.array([math.nan if v is None else v for v in vs], dtype=np.float64)
            for k, vs in history.items()}


def summary_csv(summary: dict[str, Any]) -> str:
    """One row per trial: number, state, each swept setting, the figures, and which is best."""
    paths = list(dict.fromkeys(p for t in summary["trials"] for p in t["params"]))
    best = summary["best"]["number"] if summary["best"] else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["trial", "state", *paths, *FIGURES, "best", "message"])
    for t in summary["trials"]:
        figures = ["" if t.get(k) is None else t[k] for k in FIGURES]
        writer.writerow([t["number"], t["state"], *(t["params"].get(p, "") for p in paths), *figures,
                         "yes" if t["number"] == best else "", t.get("message", "")])
    return buffer.getvalue()


def write_summary(out: Path, summary: dict[str, Any]) -> None:
    """summary.json (the --json object) and summary.csv, each atomically."""
    data = {**summary, "trials": [public(t) for t in summary["trials"]],
            "best": public(summary["best"]) if summary["best"] else None}
    try:
        out.mkdir(parents=True, exist_ok=True)
        with atomic_write(out / "summary.json") as f:
            f.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
        with atomic_write(out / "summary.csv") as f:
            f.write(summary_csv(summary))
    except OSError as e:
        raise SaveError(f"{e.filename or out}: cannot write: {e.strerror or e}") from None


def read_summary(out: Path) -> dict[str, Any]:
    """A saved sweep's summary.json (DataError naming the file when it is not one)."""
    path = out / "summary.json" if out.is_dir() else out
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: not a sweep summary ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("trials"), list):
        raise DataError(f"{path}: not a sweep summary (no list of trials)")
    return data


__all__ = ["FIGURES", "public", "read_summary", "summary_csv", "trial_dir", "write_summary", "write_trial"]
