"""A run's report after a time slice: copies of everything a view draws (`Snapshot`).

What the probes compute depends on the data: the decision boundary and per-point values for 2-D
sets, the fitted curve for 1-D ones, predicted classes and conv views for images. Nothing in the
result is shared with the live model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from playground.core.datasets.base import IMAGE, LINE1D, POINTS2D, Dataset
from playground.core.explain import StepDetail
from playground.core.history import History
from playground.core.pace import Pace
from playground.core.probes import (
    OutputToValue,
    conv_views,
    curve_points,
    dense_weights,
    fitted_curve,
    line_maps,
    plane_maps,
    predicted_classes,
    values_at,
)
from playground.core.run.control import RunControl
from playground.core.run.evaluator import Evaluator
from playground.core.run.options import RunOptions
from playground.core.run.state import FINAL_STATES, RunState
from playground.core.snapshot import LrChange, Snapshot


@dataclass(frozen=True)
class Progress:
    """Where the run is, as the loop knows it when it reports."""

    epoch: int
    step: int
    elapsed: float  # seconds of training, pauses not counted
    lr_changes: tuple[LrChange, ...]
    step_detail: StepDetail | None
    feature_sample: int
    restored: Mapping[str, float]  # figures of weights put back or edited since the last epoch's row
    grad_norms: Mapping[str, float]  # the last epoch's (its history row holds them too)


class SnapshotBuilder:
    """Builds a run's snapshots from its model, history, evaluator and control."""

    def __init__(self, model: torch.nn.Module, dataset: Dataset, to_value: OutputToValue, options: RunOptions,
                 history: History, evaluator: Evaluator, control: RunControl,
                 optimizer: torch.optim.Optimizer):
        self.model, self.dataset, self.to_value, self.options = model, dataset, to_value, options
        self.history, self.evaluator, self.control, self.optimizer = history, evaluator, control, optimizer
        self._pace = Pace()

    def build(self, state: RunState, message: str, progress: Progress) -> Snapshot:
        p, o = progress, self.options
        rates = self._pace.update(p.elapsed, p.step, p.epoch)
        history = self.history.views()  # read-only views: O(1) however long the run
        latest, control = self.evaluator.latest_test, self.control
        return Snapshot(
            epoch=p.epoch, step=p.step, state=state, message=message, elapsed=p.elapsed,
            steps_per_second=rates[0], epochs_per_second=rates[1],
            lr=self.optimizer.param_groups[0]["lr"], history=history,
            metrics={**{k: float(v[-1]) for k, v in history.items()}, **p.restored},
            grad_norms=dict(p.grad_norms), confusion=latest.confusion(),
            curves=latest.curves() if o.curves or state in FINAL_STATES else None,
            weights=dense_weights(self.model) if o.weights else None,
            activity=dict(self.evaluator.activity), step_detail=p.step_detail, lr_changes=p.lr_changes,
            controls=control.taken, queued_epochs=control.epochs, queued_batches=control.batches,
            **self._views(p.feature_sample))

    def _views(self, feature_sample: int) -> dict:
        """What the probes show for this kind of data."""
        ds, o, model, test_x = self.dataset, self.options, self.model, self.evaluator.test.x
        views: dict = {"extent": ds.extent}
        if ds.kind in (POINTS2D, LINE1D):
            views["point_values"] = values_at(model, self.to_value, self.evaluator.train.x, test_x)
        if ds.kind == POINTS2D and ds.extent is not None:
            views["boundary"], views["neuron_grids"] = plane_maps(
                model, ds, self.to_value, o.grid_resolution, o.neuron_resolution if o.neuron_grids else 0,
                o.max_units)
        elif ds.kind == LINE1D:
            views["curve"] = fitted_curve(model, ds)
            if o.neuron_grids:
                views["neuron_grids"] = line_maps(model, ds, curve_points(o.neuron_resolution), o.max_units)
        elif ds.kind == IMAGE:
            views["sample_predictions"] = predicted_classes(model, test_x[: o.sample_count])
            if o.conv_maps:
                shown = min(max(0, feature_sample), len(test_x) - 1)
                views["conv_filters"], views["feature_maps"], views["sample_probabilities"] = conv_views(
                    model, test_x[shown], self.to_value)
        return views
