"""A sweep: trials of one preset with settings varied, run by worker processes, chosen on validation.

    sweep = Sweep(load_preset("presets/lr-search-grid.json"), plan_for(exp))
    for event in sweep.events():     # "started", "progress", "result" as they happen
        ...
    sweep.summary()                  # the trials, the best one, the objective

`events()` is a generator the command line and the app both consume (the app on a thread of its
own); `stop()` may be called from any thread: pending trials are not started, running ones are
ended with their workers, and the generator returns. Optuna asks for each trial's values
(sampler), may prune it (pruner) and keeps the study (storage, shared by processes that name the
same study). A trial is the ordinary engine on the preset with its values applied (`trial`).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from playground.core.errors import SpecError
from playground.core.search import section
from playground.core.search.paths import SearchParam, from_section, trial_experiment
from playground.core.search.trial import COMPLETE, FAILED, PRUNED, run_trial

OBJECTIVE = "val_loss"
HELD_OUT = 0.2  # validation share made from the training data when the preset has none


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class SweepPlan:
    """What to vary and how: sampler grid/random/tpe, trials (random/tpe), folds, pruner, workers
    (0: in this process, one after another), epochs (None: the preset's), storage and study."""

    params: tuple[SearchParam, ...]
    sampler: str = "grid"
    trials: int = 10
    folds: int = 0
    pruner: str = "none"
    workers: int = field(default_factory=default_workers)
    epochs: int | None = None
    storage: str | None = None
    study: str | None = None


def plan_from_preset(exp: Any, **changes: Any) -> SweepPlan:
    """The preset's own `search` section as a plan, with `changes` (the command line's) on top."""
    s = exp.search or {}
    base: dict[str, Any] = {k: s[k] for k in ("sampler", "trials", "folds", "pruner") if k in s}
    if s:
        base["params"] = tuple(from_section(dict(s["params"])))
    base.update({k: v for k, v in changes.items() if v is not None})
    if not base.get("params"):
        raise SpecError("--set", "the preset has no search section: say what to vary, e.g. "
                        "--set training.optimizer.lr=0.001,0.01,0.1")
    return SweepPlan(**base)


class Sweep:
    """One sweep over `experiment` (see the module docstring). Bad paths or values raise SpecError
    at construction, naming the path and the value, before any worker starts."""

    def __init__(self, experiment: Any, plan: SweepPlan):
        from playground.core.experiment import experiment_to_dict

        self.plan = plan
        self.note = ""
        base = {k: v for k, v in experiment_to_dict(experiment).items() if k != "search"}
        if plan.epochs is not None:
            base["training"]["epochs"] = plan.epochs
        if not base["training"]["epochs"]:
            raise SpecError("--epochs" if plan.epochs is not None else "training.epochs",
                            "a sweep needs an epoch limit (0 = no limit: its trials would never end)", 0)
        if not plan.folds and not base["data"]["validation_fraction"]:
            base["data"]["validation_fraction"] = HELD_OUT
            self.note = (f"The preset has no validation split: the sweep holds out {HELD_OUT:.0%} of the "
                         f"training data for validation (data.validation_fraction {HELD_OUT}).")
        self.preset = base
        self._check(plan)
        self.trials: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self.started = self.seconds = 0.0

    def _check(self, plan: SweepPlan) -> None:
        """Every value (and each end of every range), the other settings at their first value: a bad
        one names its path (settings that only work together, such as data.dataset and
        data.params.path, are checked together)."""
        if plan.sampler not in section.SAMPLERS or plan.pruner not in section.PRUNERS:
            raise SpecError("sampler", f"must be one of {', '.join(section.SAMPLERS)}", plan.sampler)
        if plan.folds == 1 or not 0 <= plan.folds <= section.MAX_FOLDS:
            raise SpecError("--folds", f"must be 0 or from 2 to {section.MAX_FOLDS}", plan.folds)
        def ends(p: SearchParam) -> tuple[Any, ...]:
            return (p.low, p.high) if p.is_range else p.values

        first = {p.path: ends(p)[0] for p in plan.params}
        for p in plan.params:
            for value in ends(p):
                trial_experiment(self.preset, {**first, p.path: value})
        if plan.sampler == "grid":
            from playground.core.search.study import make_sampler

            make_sampler("grid", list(plan.params), 0)  # a range in a grid: refused here

    def stop(self) -> None:
        """Start no more trials and end the running ones (thread-safe)."""
        self._stop.set()

    # ------------------------------------------------------------------ running --------------
    def events(self) -> Iterator[dict[str, Any]]:
        """Run the sweep: yields {"type": "started"|"progress"|"result", "number", ...} events."""
        import optuna

        from playground.core.search.study import WARMUP, make_pruner, make_sampler, open_storage

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        plan, scratch = self.plan, None
        storage = plan.storage
        if storage is None and plan.pruner != "none" and plan.workers > 0:
            scratch = tempfile.mkdtemp(prefix="nn-playground-sweep-")  # workers reach the study here
            storage = os.path.join(scratch, "study.journal")
        seed = int(self.preset.get("seed", 0))
        self._warmup = int(WARMUP * self.preset["training"]["epochs"])
        self.study = optuna.create_study(
            study_name=plan.study or f"sweep-{os.getpid()}-{time.time_ns()}", storage=open_storage(storage),
            sampler=make_sampler(plan.sampler, list(plan.params), seed),
            pruner=make_pruner(plan.pruner, self._warmup), direction="minimize", load_if_exists=True)
        self._storage_url = storage
        self._asked = 0
        self.started = time.perf_counter()
        try:
            if plan.workers == 0:
                yield from self._run_here()
            else:
                yield from self._run_in_workers()
        finally:
            self.seconds = time.perf_counter() - self.started
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def results(self) -> Iterator[dict[str, Any]]:
        """Only the finished trials, as they finish."""
        return (e for e in self.events() if e["type"] == "result")

    def _more(self) -> bool:
        if self._stop.is_set():
            return False
        if self.plan.sampler == "grid":
            from playground.core.search.study import grid_size

            done = len(self.study.get_trials(deepcopy=False)) if self.plan.storage else self._asked
            return done < grid_size(list(self.plan.params))
        return self._asked < self.plan.trials

    def _ask(self) -> tuple[Any, dict[str, Any]]:
        from playground.core.search.study import distribution

        trial = self.study.ask({p.path: distribution(p) for p in self.plan.params})
        self._asked += 1
        task = {"number": trial.number, "trial_id": trial._trial_id, "preset": self.preset,
                "values": dict(trial.params), "folds": self.plan.folds, "pruner": self.plan.pruner,
                "warmup": self._warmup, "study": self.study.study_name, "storage": self._storage_url}
        return trial, task

    def _tell(self, trial: Any, result: dict[str, Any]) -> dict[str, Any]:
        from optuna.trial import TrialState

        state, value = result["state"], result.get(OBJECTIVE)
        if state == COMPLETE:
            self.study.tell(trial, value if value is not None and math.isfinite(value) else math.inf)
        else:
            self.study.tell(trial, state=TrialState.PRUNED if state == PRUNED else TrialState.FAIL)
        self.trials.append(result)
        return {"type": "result", **result}

    def _run_here(self) -> Iterator[dict[str, Any]]:
        while self._more():
            trial, task = self._ask()
            yield {"type": "started", "number": trial.number, "params": task["values"], "pid": os.getpid()}
            pruning = trial if self.plan.pruner != "none" else None  # the study lives here
            yield self._tell(trial, run_trial(task, trial=pruning))

    def _run_in_workers(self) -> Iterator[dict[str, Any]]:
        from playground.core.search.pool import Pool
        from playground.core.search.study import grid_size

        most = grid_size(list(self.plan.params)) if self.plan.sampler == "grid" else self.plan.trials
        pool = Pool(min(self.plan.workers, most))  # 3 trials on 16 cores: 3 workers, not 16
        asked: dict[int, Any] = {}
        try:
            while True:
                for worker in pool.idle():
                    if not self._more():
                        break
                    trial, task = self._ask()
                    asked[trial.number] = trial
                    worker.send(task)
                    yield {"type": "started", "number": trial.number, "params": task["values"],
                           "pid": worker.pid}
                if self._stop.is_set() or (not pool.busy and not self._more()):
                    return
                for worker, message in pool.poll(0.1):
                    if message is None and worker.task is not None:
                        task = worker.task
                        yield self._tell(asked.pop(task["number"]), _died(task, worker))
                    elif message is not None and message["type"] == "result":
                        message = {k: v for k, v in message.items() if k != "type"}
                        yield self._tell(asked.pop(message["number"]), message)
                    elif message is not None and message["type"] == "progress":
                        yield message
        finally:
            pool.close()
            for number, trial in asked.items():  # stopped: what was running ends as failed
                self.study.tell(trial, state=_fail_state())
                self.trials.append({"number": number, "params": dict(trial.params), "state": FAILED,
                                    "message": "Stopped before it finished."})

    # ------------------------------------------------------------------ the outcome ----------
    def best(self) -> dict[str, Any] | None:
        """The complete trial with the lowest objective (validation loss), if any."""
        done = [t for t in self.trials if t["state"] == COMPLETE and t.get(OBJECTIVE) is not None]
        return min(done, key=lambda t: t[OBJECTIVE]) if done else None

    def summary(self) -> dict[str, Any]:
        objective = ("mean validation loss over folds" if self.plan.folds else "validation loss")
        return {"objective": OBJECTIVE, "objective_text": objective, "note": self.note,
                "sampler": self.plan.sampler, "pruner": self.plan.pruner, "folds": self.plan.folds,
                "workers": self.plan.workers, "study": getattr(self, "study", None) and self.study.study_name,
                "seconds": self.seconds, "trials": sorted(self.trials, key=lambda t: t["number"]),
                "best": self.best()}


def _fail_state() -> Any:
    from optuna.trial import TrialState

    return TrialState.FAIL


def _died(task: dict[str, Any], worker: Any) -> dict[str, Any]:
    code = worker.proc.poll()
    how = f"exit status {code}" if code is None or code >= 0 else f"signal {-code}"
    return {"number": task["number"], "params": task["values"], "state": FAILED,
            "message": f"Its worker process ended ({how}) before the trial finished; the sweep went on."}


__all__ = ["HELD_OUT", "OBJECTIVE", "Sweep", "SweepPlan", "default_workers", "plan_from_preset"]
