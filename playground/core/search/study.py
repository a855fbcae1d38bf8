"""Optuna's side of a sweep: storage, sampler, pruner and each setting's distribution.

Storage (`--storage`): an RDB URL (`sqlite:///sweep.db`, `postgresql://host/db`, `mysql://...`)
is handed to Optuna as it is; anything else is a journal file on this machine (`journal:PATH` or
a plain path), Optuna's JournalStorage, which several processes may share (it locks the file).
Samplers: grid (every combination, each once, also across processes sharing a study), random, TPE.
Pruners: median (stop a trial whose validation loss is worse than the median of earlier trials at
the same epoch, once it has run a quarter of its epochs: WARMUP) and successive halving.
"""

from __future__ import annotations

from typing import Any

from playground.core.errors import SpecError
from playground.core.search.paths import SearchParam

WARMUP = 0.25  # share of the epoch limit a trial runs before the median pruner may stop it
RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "oracle", "mssql")


def open_storage(url: str | None) -> Any:
    """An Optuna storage for `url` (None: in this process's memory only)."""
    if url is None:
        return None
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme in RDB_SCHEMES:
        return url
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path = url.removeprefix("journal:")
    if not path:
        raise SpecError("--storage", "needs a file after journal:", url)
    try:
        return JournalStorage(JournalFileBackend(path))
    except OSError as e:
        raise SpecError("--storage", f"cannot open the journal file: {e.strerror or e}", url) from None


def make_pruner(name: str, warmup: int = 0) -> Any:
    """`warmup`: epochs every trial runs before the median rule may stop it (a slow start is no
    verdict: a small learning rate looks hopeless for its first epochs, then catches up)."""
    import optuna

    if name == "median":  # the first trials always run to the end: there is no median to compare yet
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=warmup)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    return optuna.pruners.NopPruner()


def distribution(p: SearchParam) -> Any:
    """The Optuna distribution of one setting: categorical values, or an int/float range."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if not p.is_range:
        return CategoricalDistribution(list(p.values))
    if p.integer:
        return IntDistribution(int(p.low), int(p.high), log=p.log)
    return FloatDistribution(float(p.low), float(p.high), log=p.log)


def grid_size(params: list[SearchParam]) -> int:
    size = 1
    for p in params:
        size *= len(p.values)
    return size


def make_sampler(name: str, params: list[SearchParam], seed: int) -> Any:
    import optuna

    if name == "grid":
        ranged = [p.path for p in params if p.is_range]
        if ranged:
            raise SpecError(ranged[0], "a range needs --random N or --tpe N (a grid takes a list of values)")
        return _grid_sampler()({p.path: list(p.values) for p in params}, seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _grid_sampler() -> type:
    """GridSampler that does not stop the study when the grid is done: its `study.stop()` only works
    inside `study.optimize`, and a sweep asks and tells (it counts the grid's trials itself)."""
    import optuna

    class AskTellGrid(optuna.samplers.GridSampler):
        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            pass

    return AskTellGrid


__all__ = ["distribution", "grid_size", "make_pruner", "make_sampler", "open_storage"]
