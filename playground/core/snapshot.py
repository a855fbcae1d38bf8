"""What the trainer hands out: immutable copies of the state of a run, ready to draw.

Nothing in a Snapshot is shared with the live model: numpy arrays only, copied at production
time, so a view on another thread can read it while training goes on (no locks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from playground.core.run.state import FINAL_STATES, RunState

if TYPE_CHECKING:
    from playground.core.curves import Curves

def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


LrChange = tuple[int, int, float]  # a live learning-rate change: (epochs done, steps done, new base lr)


def final_figure(metrics: Mapping[str, float], history: Mapping[str, np.ndarray], key: str) -> float:
    """A run's figure for `key`: its current metric, else the last of its history; NaN if absent.

    The one rule every view of a result reads (Output, the Runs tab, `nn-playground train`), so
    that after early stopping put the best epoch back, all of them show that epoch's figures and
    none the discarded last epoch's.
    """
    if key in metrics:
        return float(metrics[key])
    series = history.get(key)
    return float(series[-1]) if series is not None and len(series) else float("nan")


def with_lr_change(changes: tuple[LrChange, ...], start_lr: float, epoch: int, step: int,
                   lr: float) -> tuple[LrChange, ...]:
    """`changes` plus a live change to `lr` after `epoch` epochs and `step` steps.

    A change that no step ran with (another came first) is replaced, and one back to the rate
    already in force is no change, so the record holds only rates that really trained.
    """
    if changes and changes[-1][1] == step:
        changes = changes[:-1]
    before = changes[-1][2] if changes else start_lr
    return changes if lr == before else (*changes, (epoch, step, lr))


@dataclass(frozen=True)
class Snapshot:
    """The state of a run after a time slice.

    history: per-epoch arrays, all the same length, keyed by metric name ("epoch", "train_loss",
    "test_loss", "val_loss", "train_accuracy", "test_accuracy", "lr", ...; NaN where undefined).
    Bounded (`history.History`): the newest epochs are all there, older ones thinned to true rows
    that keep every column's minimum and maximum; read x from "epoch", never from the row index.
    metrics: scalars describing the model as it is now: the latest epoch's values, except after early
    stopping restored the best epoch's weights, when the losses and scores are those weights'.
    boundary: (res, res) float32, row-major (rows = x2 from `extent[2]` up, columns = x1), the
    model output over the input plane: P(class 1) for binary, predicted class for k classes, the
    value for regression. neuron_grids: per hidden dense/activation layer an array (units, r, r),
    each unit's output over the plane laid out as `boundary` (r: the run's neuron resolution); for
    1-D sets (units, 1, 2r), one row per unit: its output at 2r evenly spaced x from `extent[0]` to
    `extent[1]`, ends included (a curve over x, the 1-D analogue of the map).
    curve: for 1-D regression, (x, y_hat). weights: per dense layer (W[out, in], b or None).
    lr_changes: every live learning-rate change so far, oldest first (see `with_lr_change`).
    confusion: the test split's confusion matrix (rows true class; binary: at threshold 0.5).
    """

    epoch: int
    step: int
    state: RunState = RunState.RUNNING  # one of `state.SNAPSHOT_STATES`
    message: str = ""
    elapsed: float = 0.0
    steps_per_second: float = 0.0  # per second of training (pauses not counted), recent: see pace.py
    epochs_per_second: float = 0.0
    lr: float = 0.0
    history: Mapping[str, np.ndarray] = field(default_factory=_empty)
    metrics: Mapping[str, float] = field(default_factory=_empty)
    grad_norms: Mapping[str, float] = field(default_factory=_empty)
    confusion: np.ndarray | None = None
    boundary: np.ndarray | None = None
    extent: tuple[float, float, float, float] | None = None
    neuron_grids: tuple[np.ndarray, ...] | None = None
    curve: tuple[np.ndarray, np.ndarray] | None = None
    weights: tuple[tuple[np.ndarray, np.ndarray | None], ...] | None = None
    sample_predictions: np.ndarray | None = None  # image sets: predicted class of the shown test samples
    activity: Mapping[str, tuple[str, float]] = field(default_factory=_empty)  # block: (kind, share)
    step_detail: Any = None  # explain.StepDetail of the last optimizer step of a watched weight
    # 2-D / 1-D sets: the model's value (as in `boundary`; class probabilities for k classes) at every
    # train and test point, for hover read-outs and loss-sized points
    point_values: tuple[np.ndarray, np.ndarray] | None = None
    conv_filters: np.ndarray | None = None  # first Conv2D's weights (filters, in, k, k)
    feature_maps: tuple[tuple[int, np.ndarray], ...] | None = None  # (block, (C, H, W)) for one sample
    sample_probabilities: np.ndarray | None = None  # (classes,) class probabilities of that sample
    lr_changes: tuple[LrChange, ...] = ()
    controls: int = 0  # pause/resume/step/stop commands the run had taken: says which click this answers
    queued_epochs: int = 0  # Step-one-epoch presses not yet done (the one under way included)
    queued_batches: int = 0  # Step-one-batch presses not yet done
    curves: Curves | None = None  # ROC and precision-recall curves of the test split (see RunOptions)

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES

    def latest(self, key: str) -> float:
        """The current value of a metric (see `metrics`), else the last of its history; NaN if absent."""
        return final_figure(self.metrics, self.history, key)
