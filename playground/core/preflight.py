"""What a run checks once its data is loaded, before it builds anything: shared by the trainer and
`nn-playground validate`, so that validating a preset also reads the data it refers to.

Preset validation (compat.py) judges what the registries say statically; a CSV file's columns,
cells, task and row count are only known once it is read. Loading the data is also where a CSV
that is missing, not a regular file, too large, or holds a bad cell is refused (DataError).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from playground.core.compat import check_head, check_network, check_training_split, resolve_loss
from playground.core.datasets import Dataset, load_dataset
from playground.core.errors import SpecError
from playground.core.losses import LOSSES
from playground.core.spec import Experiment

if TYPE_CHECKING:
    from playground.core.model import NetworkReport


def check_run(exp: Experiment, dataset: Dataset | None = None,
              report: NetworkReport | None = None) -> Dataset:
    """Load `exp`'s data (unless given) and check that its loss and network fit that data and
    this machine's memory; returns the data. Raises DataError or SpecError. `report`: the
    network's inspection on that data, if the caller has it (the app's session caches it)."""
    ds = dataset if dataset is not None else load_dataset(exp.data, exp.data_seed)
    loss = resolve_loss(exp.training.loss, ds.task)
    if ds.task not in LOSSES[loss].tasks:
        raise SpecError("training.loss", f"{loss} does not fit a {ds.task} task", exp.training.loss)
    check_head(exp, ds.task, ds.output_units)
    check_network(exp, ds.input_shape, ds.output_units, len(ds.x_train), report=report)
    check_training_split(exp, len(ds.x_train))  # BatchNorm on one example: a sentence, not torch's
    return ds


__all__ = ["check_run"]
