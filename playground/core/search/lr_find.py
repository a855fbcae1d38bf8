"""The learning-rate range test (Smith 2015, "Cyclical learning rates"; fastai's `lr_find`).

A copy of the experiment trains for a short run (up to `steps` minibatches) while the learning rate
rises exponentially from `start` to `end`; the loss of each minibatch is smoothed (an exponential
moving average with bias correction, β = 0.98, as fastai does) and the test stops once the smoothed
loss exceeds 4× its minimum or any loss is not finite: past there the rate only blows the
network apart.

The suggestion is the learning rate at the smoothed loss's minimum divided by 10 ("min/10", the
rule of the original fastai course). Why not the steepest descent, the other fastai rule: on a
run of only ~100 noisy minibatches the steepest point of the curve jumps about between nearby
runs, while the minimum is stable, and a tenth of it sits where the loss still falls fast, a full
decade below the rate where it stops falling. The steepest point is reported beside it.
The test trains on the data loss alone: the run's L1/L2 penalties and schedule are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

START_LR, END_LR = 1e-7, 10.0
STEPS = 100
BETA = 0.98  # smoothing of the loss curve
EXPLODE = 4.0  # stop once the smoothed loss exceeds this many times its minimum
SKIP_START = 0.1  # share of the first points the suggestion ignores (the average is still settling)
FLAT = 0.9  # a minimum above this share of the loss the test started from: the loss hardly fell


@dataclass(frozen=True)
class LrFinding:
    """The curve (one point per minibatch) and the suggestion with its reason."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggested_lr: float | None
    steepest_lr: float | None
    min_lr: float | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        def num(v: float | None) -> float | None:
            return v if v is not None and math.isfinite(v) else None

        return {"lrs": self.lrs, "losses": [num(v) for v in self.losses],
                "smoothed": [num(v) for v in self.smoothed], "suggested_lr": self.suggested_lr,
                "steepest_lr": self.steepest_lr, "min_lr": self.min_lr, "reason": self.reason}


def _batches(run: Any, generator: Any) -> Any:
    """Minibatches of the run's training split, reshuffled every epoch, for as long as asked."""
    import torch

    n, size = len(run.train), run.batch_size
    while True:
        perm = torch.randperm(n, generator=generator)
        for start in range(0, n, size):
            idx = perm[start:start + size]
            yield run.train.x[idx], run.train.y[idx]


def lr_find(experiment: Any, steps: int = STEPS, start: float = START_LR, end: float = END_LR,
            should_stop: Any = None) -> LrFinding:
    """Run the range test on a copy of `experiment` (its own model, optimizer and loss, built as a
    run builds them). `should_stop()` is asked between steps, so a window can cancel it."""
    import torch

    from playground.core.run.loop import RunOptions, TrainingRun

    run = TrainingRun(experiment, RunOptions(fast=False, grid_resolution=8, paced=False))
    model, optimizer, loss_fn = run.model, run.optimizer, run.loss_fn
    factor = (end / start) ** (1 / max(steps - 1, 1))
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    model.train()
    batches = _batches(run, torch.Generator().manual_seed(experiment.seed))
    for i in range(steps):
        if should_stop is not None and should_stop():
            break
        lr = start * factor**i
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb, yb = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        value = float(loss.detach())
        lrs.append(lr)
        losses.append(value)
        if not math.isfinite(value):
            smoothed.append(math.nan)
            break
        average = BETA * average + (1 - BETA) * value
        smooth = average / (1 - BETA ** (i + 1))
        smoothed.append(smooth)
        best = min(best, smooth)
        if smooth > EXPLODE * best:
            break
        loss.backward()
        optimizer.step()
    return _suggest(lrs, losses, smoothed)


def _suggest(lrs: list[float], losses: list[float], smoothed: list[float]) -> LrFinding:
    curve = np.array(smoothed, dtype=np.float64)
    finite = np.isfinite(curve)
    if finite.sum() < 3:
        return LrFinding(lrs, losses, smoothed, None, None, None,
                         "The loss was not finite from the first steps: check the data and the network.")
    skip = min(int(SKIP_START * len(curve)), len(curve) - 3)  # as fastai's skip_start
    lo = skip + int(np.argmin(np.where(finite, curve, np.inf)[skip:]))
    min_lr = lrs[lo]
    steepest_lr = None
    if lo - skip >= 2:  # the steepest fall of the smoothed loss against log10(lr), before its minimum
        slope = np.gradient(curve[skip: lo + 1], np.log10(lrs[skip: lo + 1]))
        steepest_lr = lrs[skip + int(np.argmin(slope))]
    suggested = min_lr / 10
    reason = (f"The smoothed loss was lowest at lr {min_lr:.3g}; a tenth of that, {suggested:.3g}, is "
              f"where it still falls fast, a decade below where it stops falling (the min/10 rule).")
    if curve[lo] > FLAT * curve[skip]:
        reason += (f" The loss hardly fell during the test ({curve[skip]:.3g} to {curve[lo]:.3g}), so the "
                   "suggestion is weak: try more steps, or a bigger batch.")
    return LrFinding(lrs, losses, smoothed, suggested, steepest_lr, min_lr, reason)


__all__ = ["EXPLODE", "END_LR", "START_LR", "STEPS", "LrFinding", "lr_find"]
