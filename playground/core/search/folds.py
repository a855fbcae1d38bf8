"""k-fold cross-validation: the data a preset trains on, cut into k train/validation folds.

The training and validation parts are pooled and cut into k folds (stratified by class for
classification, so each fold keeps the class shares; plain shuffled folds for regression), with
scikit-learn's StratifiedKFold/KFold seeded by the preset's seed. The test part is never touched:
every fold's model is scored on the same test set, reported beside the validation figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from playground.core.datasets import Dataset
from playground.core.datasets.base import REGRESSION
from playground.core.errors import SpecError


def _pool(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return None if a is None or b is None else np.concatenate([a, b])


def fold_datasets(ds: Dataset, k: int, seed: int) -> Iterator[Dataset]:
    """`ds` k times, each with one fold as its validation part and the rest as its training part."""
    from sklearn.model_selection import KFold, StratifiedKFold

    x, y = np.concatenate([ds.x_train, ds.x_val]), np.concatenate([ds.y_train, ds.y_val])
    raw = _pool(ds.raw_train, ds.raw_val)
    if len(y) < k:
        raise SpecError("--folds", f"needs at least {k} training examples, the preset has {len(y)}", k)
    if ds.task == REGRESSION:
        splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
        cuts = splitter.split(x)
    else:
        present = np.bincount(y)
        smallest = int(present[present > 0].min())
        if smallest < k:
            raise SpecError("--folds", f"stratified folds need at least {k} examples of every class; the "
                            f"smallest class has {smallest}", k)
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        cuts = splitter.split(x, y)
    for train, val in cuts:
        raws = {} if raw is None else {"raw_train": raw[train], "raw_val": raw[val]}
        yield replace(ds, x_train=x[train], y_train=y[train], x_val=x[val], y_val=y[val], **raws)


__all__ = ["fold_datasets"]
