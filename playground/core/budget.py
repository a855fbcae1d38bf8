"""How much memory a network will take, estimated from shape inference before anything is built.

A stack of 200 Dense layers of 4096 units is valid layer by layer, but building it would take
tens of gigabytes. Every place that accepts a network (preset validation, the trainer before it
builds the model, the designer before Train) checks the estimate against MEMORY_SHARE of this
machine's memory, never more than MEMORY_CEILING, and refuses with the numbers.

The rule (benchmarks/memory_estimate_benchmark.py measures a run's memory growth with the app's
run options: dense networks of 4 and 21 M parameters on circle and MNIST, batch 10 and the whole
set, and the MNIST CNN; the estimate came out 1.0-1.7 times the measured growth, once 0.85 where
the growth itself was 25% above another run's of the same case):
- each parameter costs BYTES_PER_PARAMETER: torch's weight and gradient, up to two optimizer
  buffers (Adam's moments), the same again in the numpy twin, and the copies the views receive;
- each value a layer outputs costs BYTES_PER_VALUE per training row (kept for the backward pass
  before and after the activation, its gradient, and the twin's copies), for a batch of rows
  (the whole training split when the batch size is 0);
- inference holds a layer's input and its output before and after the activation, float32, for
  the rows it runs at once: the 100 x 100 decision-boundary grid for vector inputs, evaluation
  chunks of 4096 for images.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playground.core.errors import SpecError
from playground.core.readfile import MiB, size_text

if TYPE_CHECKING:
    from playground.core.model import NetworkReport
    from playground.core.spec import Experiment

GiB = 1024 * MiB
MEMORY_SHARE = 4  # a network may use at most a quarter of this machine's memory...
MEMORY_CEILING = 16 * GiB  # ...and never more than this, however large the machine
UNKNOWN_MEMORY = 8 * GiB  # assumed when the machine's memory cannot be read
BYTES_PER_PARAMETER = 56
BYTES_PER_VALUE = 24
GRID_ROWS = 100 * 100  # the app's decision-boundary grid (vector inputs only)
EVALUATION_ROWS = 4096  # evaluation.evaluate's chunk


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimate for one network: its parameters, and the bytes they and the activations take."""

    parameters: int
    parameter_bytes: int
    activation_bytes: int

    @property
    def total(self) -> int:
        return self.parameter_bytes + self.activation_bytes


def _values(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or (0,):
        n *= int(d)
    return n


def estimate(report: NetworkReport, rows: int) -> MemoryEstimate:
    """The memory a run of this (shape-checked) network takes when training `rows` rows per step."""
    outputs = [_values(report.input_shape)] + [_values(i.out_shape) for i in report.layers]
    training = max(1, rows) * sum(outputs) * BYTES_PER_VALUE
    inference_rows = GRID_ROWS if len(report.input_shape) == 1 else EVALUATION_ROWS
    inference = inference_rows * 3 * max(outputs) * 4
    return MemoryEstimate(report.total_params, report.total_params * BYTES_PER_PARAMETER,
                          max(training, inference))


def machine_memory() -> int | None:
    """This machine's memory in bytes (or a container's limit, if lower); None if it cannot be read."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            limit = f.read().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total if total > 0 else None


def memory_budget() -> tuple[int, str]:
    """(bytes a network may use, how that number was chosen, for messages)."""
    total = machine_memory()
    if total is None:
        return UNKNOWN_MEMORY // MEMORY_SHARE, (f"a quarter of the {size_text(UNKNOWN_MEMORY)} assumed "
                                                "when the machine's memory cannot be read")
    if total // MEMORY_SHARE > MEMORY_CEILING:
        return MEMORY_CEILING, f"the most any network may use, whatever the machine's {size_text(total)}"
    return total // MEMORY_SHARE, f"a quarter of this machine's {size_text(total)}"


def fit_problem(report: NetworkReport, rows: int, budget: tuple[int, str] | None = None) -> str:
    """"" if the network fits the memory budget, else one sentence with the numbers."""
    need = estimate(report, rows)
    limit, why = budget if budget is not None else memory_budget()
    if need.total <= limit:
        return ""
    return (f"needs about {size_text(need.total)} of memory ({need.parameters:,} parameters take "
            f"{size_text(need.parameter_bytes)} with their gradients, optimizer state and copies, and "
            f"layer outputs take {size_text(need.activation_bytes)}), more than the {size_text(limit)} "
            f"a network may use ({why}); use fewer or smaller layers")


def check_fits(report: NetworkReport, rows: int) -> None:
    """Raise SpecError("network", ...) when `fit_problem` finds one."""
    problem = fit_problem(report, rows)
    if problem:
        raise SpecError("network", problem)


def train_rows(exp: Experiment, n_train: int | None = None) -> int:
    """Rows in one training step: the batch size, or the whole training split when it is 0.

    Without the loaded data (`n_train` None) the split's size follows from the data settings."""
    if n_train is None:
        d = exp.data
        n_train = max(1, int(d.samples * d.train_fraction * (1 - d.validation_fraction)))
    batch = exp.training.batch_size
    return n_train if batch == 0 else min(batch, n_train)


__all__ = ["MEMORY_CEILING", "MEMORY_SHARE", "MemoryEstimate", "check_fits", "estimate", "fit_problem",
           "machine_memory", "memory_budget", "train_rows"]
