"""The trainer: a generator of Snapshots, driven by wall-clock time slices.

`TrainingRun(experiment).snapshots()` does as many optimizer steps as fit in one slice (~1/30 s),
then yields one Snapshot of copies. The GUI, the command line and the tests all consume the same
generator. Control (pause, resume, step, stop, live learning rate) arrives through a thread-safe
queue read between slices (`run_control` has the rules), so the consumer may sit on another thread.

The step loop is deliberately small (`_step`) so that a faster backend can replace it: for small
dense networks a float32 numpy twin (`fastnet.FastNet`) does the steps and the per-epoch
evaluation, because torch's per-operation overhead dominates there. The twin shares the model's
weight storage, so snapshots, probes, `set_parameter` and early stopping see one set of weights;
a watched step (the explanation panel's, see `watch`: a slice's first, or a stepped epoch's last)
runs on torch, and the optimizer state is handed over when the trainer switches sides (see
fastnet's docstring for the rule). `RunOptions(fast=False)` keeps everything on torch.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from playground.core import snapshot as report
from playground.core.augment import augment, fast_reason
from playground.core.compat import resolve_loss
from playground.core.curves import LatestTest
from playground.core.datasets.base import IMAGE, LINE1D, POINTS2D, Dataset
from playground.core.divergence import DivergenceCheck, start_loss
from playground.core.evaluation import Split, evaluate, grad_norms, score
from playground.core.experiment import Experiment
from playground.core.explain import StepDetail, penalised
from playground.core.fastnet import FastNet, ineligible_reason
from playground.core.history import MAX_ROWS, History
from playground.core.inside import activity
from playground.core.keys import activity_columns, grad_norm_columns
from playground.core.losses import make_loss, target_tensor
from playground.core.model import build_model
from playground.core.optimizers import make_optimizer
from playground.core.pace import Pace
from playground.core.preflight import check_run
from playground.core.probes import (
    NEURON_RESOLUTION,
    conv_views,
    curve_points,
    dense_weights,
    fitted_curve,
    line_maps,
    output_to_value,
    plane_maps,
    predicted_classes,
    values_at,
)
from playground.core.run_control import RunControl
from playground.core.schedules import make_schedule
from playground.core.snapshot import DIVERGED, FINISHED, PAUSED, RUNNING, STOPPED, STOPPED_EARLY, Snapshot
from playground.core.watch import Watch


@dataclass(frozen=True)
class RunOptions:
    """What the consumer wants in snapshots, and how often."""

    grid_resolution: int = 100
    slice_seconds: float = 1 / 30
    neuron_grids: bool = False
    neuron_resolution: int = NEURON_RESOLUTION
    max_units: int = 32
    weights: bool = False
    epochs: int | None = None  # overrides the experiment's epoch limit (0 = no limit)
    sample_count: int = 64  # image sets: test samples whose predictions are reported
    start_paused: bool = False
    conv_maps: bool = False  # image sets: first-layer filters and feature maps of `feature_sample`
    feature_sample: int = 0  # index into the test split
    fast: bool = True  # train eligible dense networks with the numpy twin (False: always torch)
    curves: bool = False  # ROC and precision-recall curves in every snapshot (the last always has them)
    history_rows: int = MAX_ROWS  # history rows kept: the newest exact, older ones thinned (History)


class TrainingRun:
    """One training run of an Experiment. Construction loads data and builds the model.

    Raises SpecError / ShapeError / DataError for bad input, before any training happens.
    """

    def __init__(self, experiment: Experiment, options: RunOptions = RunOptions(),
                 dataset: Dataset | None = None):
        self.experiment = experiment
        self.options = options
        t = experiment.training
        self.dataset = ds = check_run(experiment, dataset)  # before anything is built: sizes, loss, data
        self.loss_name = resolve_loss(t.loss, ds.task)
        self.model = build_model(experiment.network, ds.input_shape, ds.output_units, seed=experiment.seed)
        self.loss_fn = make_loss(self.loss_name)
        self.optimizer = make_optimizer(t.optimizer.name, dict(t.optimizer.params), self.model.parameters())
        self.schedule = make_schedule(t.schedule.name, dict(t.schedule.params))
        self.base_lr = float(t.optimizer.params["lr"])
        self.lr_changes: tuple[report.LrChange, ...] = ()  # live changes, for the run's record
        self._set_lr(self.base_lr * self.schedule.factor(0))
        self.to_value = output_to_value(ds.task, experiment.network.output.get("activation", "linear"),
                                        self.loss_name)
        self.train = Split(ds.x_train, ds.y_train, target_tensor(ds.y_train, ds.task))
        self.val = Split(ds.x_val, ds.y_val, target_tensor(ds.y_val, ds.task))
        self.test = Split(ds.x_test, ds.y_test, target_tensor(ds.y_test, ds.task))
        n = len(self.train)
        self.batch_size = n if t.batch_size == 0 else min(t.batch_size, n)
        limit = t.epochs if options.epochs is None else options.epochs
        self.epoch_limit = limit or None
        self._has_batchnorm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                                  for m in self.model.modules())
        self._weights = [p for p in self.model.parameters() if penalised(p.ndim)]
        self._generator = torch.Generator().manual_seed(experiment.seed)
        self._commands = RunControl(paused=options.start_paused)
        self.history = History(options.history_rows)
        self.epoch = 0
        self.step = 0
        self._pos = n  # position inside the current epoch's permutation; n = start a new epoch
        self._xp = self._yp = None
        self._watch = Watch()  # the weight step mode explains, if any
        self._step_detail: StepDetail | None = None
        self._activity: dict[str, tuple[str, float]] = {}
        self._feature_sample = options.feature_sample
        self._best: tuple[float, int, dict] | None = None
        self._latest_test = LatestTest(self.test.labels, ds.task, ds.num_classes)
        self._restored: dict[str, float] = {}
        self._final = (STOPPED, "")  # the state and message the run ended with (`_finish`)
        self._last_grad_norms: dict[str, float] = {}
        self._elapsed = 0.0
        self._pace = Pace()
        self.fast: FastNet | None = None
        self.fast_reason = "turned off" if not options.fast else fast_reason(experiment.data.augment) or \
            ineligible_reason(self.model, self.loss_fn, self.optimizer)
        if self.fast_reason is None:
            self.fast = FastNet(self.model, self.loss_fn, self.optimizer, t.l1, t.l2, t.grad_clip)
            splits = [s.x for s in (self.train, self.test, self.val)]
            self._eval_x = torch.cat(splits).reshape(sum(map(len, splits)), -1).numpy()
            self._eval_y = [s.y.numpy() for s in (self.train, self.test, self.val)]
        self._fast_owns_state = False  # whose optimizer state is current (see fastnet's rule)
        self._fast_stepped = False  # whether the last step was a fast one (its gradients count)
        self._xn = self._yn = None
        self.divergence = DivergenceCheck(start_loss(self.model, self.loss_fn, self.train),
                                          t.optimizer.name, t.grad_clip)

    # ------------------------------------------------------------- control (thread-safe) ------
    def pause(self) -> None:
        self._commands.put(("pause", None))

    def resume(self) -> None:
        self._commands.put(("resume", None))

    def step_epoch(self) -> None:
        """While paused: train exactly one more epoch, then report and stay paused."""
        self._commands.put(("step", None))

    def step_batch(self) -> None:
        """While paused: do exactly one optimizer step (one minibatch), then report."""
        self._commands.put(("step_batch", None))

    def stop(self) -> None:
        self._commands.put(("stop", None))

    def set_parameter(self, key: str, index: int, value: float) -> None:
        """Overwrite one weight (state-dict `key`, flat `index`) in the live model between steps."""
        self._commands.put(("set", (key, int(index), float(value))))

    def watch_parameter(self, key: str | None, index: int = 0) -> None:
        """Record the optimizer's arithmetic for this weight at step mode's pace (`watch`; None to stop)."""
        self._commands.put(("watch", None if key is None else (key, int(index))))

    def set_feature_sample(self, index: int) -> None:
        """Which test image the feature maps are shown for."""
        self._commands.put(("sample", int(index)))

    def set_learning_rate(self, lr: float) -> None:
        """Change the base learning rate from now on (the schedule keeps scaling it)."""
        self._commands.put(("lr", float(lr)))

    def revised(self) -> Snapshot | None:
        """After the run ended: apply the weights set since (`set_parameter`, also any sent as it ended)
        and report the edited model with the final state, its figures evaluated afresh; None if none."""
        edits = [arg for cmd, arg in self._commands.take(False) if cmd == "set"]
        for edit in edits:
            self._set_parameter(*edit)
        if not edits:
            return None
        self._restored = self._evaluate()
        return self._snapshot(self._final[0], f"{self._final[1]} Weights were then edited by hand: the "
                                              "figures shown are the edited model's.")

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Detached copies of the model's weights (the fast path shares their storage)."""
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    # ------------------------------------------------------------- the loop ------------------
    def snapshots(self) -> Iterator[Snapshot]:
        """Train until done, yielding a Snapshot per time slice; the last one has `.done`."""
        control = self._commands
        while True:
            self._apply_commands(block=False)
            while control.idle:
                yield self._snapshot(PAUSED)
                self._apply_commands(block=True)
            if control.stopping:
                yield self._finish(STOPPED, f"Stopped by you at epoch {self.epoch}.")
                return
            started = time.perf_counter()
            ended = self._train_slice(started + self.options.slice_seconds)
            self._elapsed += time.perf_counter() - started
            if ended is not None:
                yield self._finish(*ended)
                return
            yield self._snapshot(PAUSED if control.paused and not control.stepping else RUNNING)

    def _apply_commands(self, block: bool) -> None:
        for cmd, arg in self._commands.take(block):  # pause, resume, step and stop are taken there
            if cmd == "set":
                self._set_parameter(*arg)
            elif cmd == "watch":
                self._watch.target = arg
            elif cmd == "sample":
                self._feature_sample = arg
            elif cmd == "lr":
                start = float(self.experiment.training.optimizer.params["lr"])
                self.lr_changes = report.with_lr_change(self.lr_changes, start, self.epoch, self.step, arg)
                self.base_lr = arg
                self._set_lr(arg * self.schedule.factor(self.epoch))

    def _train_slice(self, deadline: float) -> tuple[str, str] | None:
        """Optimizer steps until the deadline (or one epoch / one step in step mode); final state if done."""
        control = self._commands
        stepping = control.paused
        single = stepping and control.batches > 0 and not control.epochs
        # numpy overflows to inf/NaN as torch does; the epoch's loss check reports it, not a warning
        with np.errstate(all="ignore") if self.fast is not None else nullcontext():
            return self._train_until(deadline, stepping, single)

    def _train_until(self, deadline: float, stepping: bool, single: bool) -> tuple[str, str] | None:
        fast, n = self.fast, len(self.train)
        watch_due = self._watch.due(stepping)  # a snapshot shows one step's arithmetic: watch one
        while True:
            if self._pos >= n:
                self._start_epoch()
            end = self._pos + self.batch_size
            if self._has_batchnorm and n - end == 1:
                end += 1  # batch norm cannot normalise a batch of one: fold it into this batch
            watched = watch_due and (not stepping or single or end >= n)  # first, or the epoch's last
            watch_due &= not watched
            if fast is not None and not watched:
                if not self._fast_owns_state:
                    fast.pull_state()
                    self._fast_owns_state = True
                fast.step(self._xn[self._pos:end], self._yn[self._pos:end],
                          self.optimizer.param_groups[0]["lr"])
                self._fast_stepped = True
            else:
                if self._fast_owns_state:
                    fast.push_state()
                    self._fast_owns_state = False
                self._step(self._xp[self._pos:end], self._yp[self._pos:end], watched)
                self._fast_stepped = False
            self._pos = end
            self.step += 1
            epoch_done = self._pos >= n
            if epoch_done:
                ended = self._end_epoch()
                if ended is not None:
                    return ended
            if single:
                self._commands.batches -= 1
                return None
            if stepping and epoch_done:
                self._commands.epochs -= 1
                return None
            if time.perf_counter() >= deadline:
                return None

    def _start_epoch(self) -> None:
        perm = torch.randperm(len(self.train), generator=self._generator)
        if self.fast is not None:  # shuffle in numpy; the torch path (watched steps) shares it
            p = perm.numpy()
            self._xn, self._yn = self.train.x.numpy()[p], self.train.y.numpy()[p]
            self._xp, self._yp = torch.from_numpy(self._xn), torch.from_numpy(self._yn)
        else:
            self._xp, self._yp = self.train.x[perm], self.train.y[perm]
        self._pos = 0

    def _step(self, xb: torch.Tensor, yb: torch.Tensor, watched: bool = False) -> None:
        t = self.experiment.training
        self.optimizer.zero_grad(set_to_none=True)
        xb = augment(xb, self.experiment.data.augment, self._generator)  # training batches only
        loss = self.loss_fn(self.model(xb), yb)
        if t.l2:
            loss = loss + 0.5 * t.l2 * sum((w * w).sum() for w in self._weights)  # ½λ‖w‖²
        if t.l1:
            loss = loss + t.l1 * sum(w.abs().sum() for w in self._weights)
        loss.backward()
        if t.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), t.grad_clip)
        if not watched:
            self.optimizer.step()
        else:
            self._step_detail = self._watch.step(self.optimizer, self.model, t.optimizer.name, self.step + 1)

    @torch.no_grad()
    def _set_parameter(self, key: str, index: int, value: float) -> None:
        params = dict(self.model.named_parameters())
        if key in params and 0 <= index < params[key].numel():
            params[key].view(-1)[index] = value

    def _set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    # ------------------------------------------------------------- epoch bookkeeping ----------
    def _end_epoch(self) -> tuple[str, str] | None:
        lr = self.optimizer.param_groups[0]["lr"]
        self.epoch += 1
        self._last_grad_norms = self.fast.grad_norms() if self._fast_stepped else grad_norms(self.model)
        row = self._evaluate()
        row.update(epoch=self.epoch, lr=lr, seconds=self._elapsed)
        row.update(grad_norm_columns(self._last_grad_norms))
        self.history.append(row)
        loss = row["train_loss"]
        if (diverged := self.divergence.check(self.epoch, loss, lr)) is not None:
            return DIVERGED, diverged
        monitored = row.get("val_loss", row.get("test_loss", loss))
        self.schedule.observe(self.epoch, monitored)
        self._set_lr(self.base_lr * self.schedule.factor(self.epoch))
        early = self._early_stopping(row)
        if early is not None:
            return early
        if self.epoch_limit is not None and self.epoch >= self.epoch_limit:
            return FINISHED, f"Reached the epoch limit ({self.epoch_limit})."
        return None

    def _evaluate(self) -> dict[str, float]:
        if self.fast is not None:
            return self._fast_evaluate()
        self.model.eval()
        try:
            ds = self.dataset
            args = (self.model, self.loss_fn)
            extra = (ds.task, self.to_value, ds.num_classes)
            row, _ = evaluate(*args, self.train, *extra, prefix="train")
            test_row, value = evaluate(*args, self.test, *extra, prefix="test")
            row.update(test_row)
            row.update(evaluate(*args, self.val, *extra, prefix="val")[0])
            self._activity = activity(self.model, self.train.x)
            row.update(activity_columns(self._activity))
            self._latest_test.observe(value)
        finally:
            self.model.train()
        return row

    def _fast_evaluate(self) -> dict[str, float]:
        """`_evaluate` with the outputs of one numpy forward pass over all splits (same numbers)."""
        ds, splits = self.dataset, (self.train, self.test, self.val)
        out, hidden = self.fast.forward(self._eval_x, hidden_rows=min(len(self.train), 512))
        row: dict[str, float] = {}
        start = 0
        for split, y, prefix in zip(splits, self._eval_y, ("train", "test", "val"), strict=True):
            n = len(split)
            mine = out[start:start + n]
            part, value = score(torch.from_numpy(mine), self.fast.loss_value(mine, y), split, ds.task,
                            self.to_value, prefix)
            row.update(part)
            if prefix == "test":
                self._latest_test.observe(value)
            start += n
        self._activity = self.fast.activity(hidden)
        row.update(activity_columns(self._activity))
        return row

    def _early_stopping(self, row: dict[str, float]) -> tuple[str, str] | None:
        es = self.experiment.training.early_stopping
        if not es.get("enabled") or es["monitor"] not in row:
            return None
        sign = -1.0 if es["monitor"].endswith("accuracy") else 1.0
        value = sign * row[es["monitor"]]
        if self._best is None or value < self._best[0] - es["min_delta"]:
            state = copy.deepcopy(self.model.state_dict()) if es["restore_best"] else {}
            self._best = (value, self.epoch, state)
            return None
        best_value, best_epoch, state = self._best
        if self.epoch - best_epoch < es["patience"]:
            return None
        if es["restore_best"]:
            self.model.load_state_dict(state)
            self._restored = self._evaluate()  # metrics, confusion and activity of the weights kept
        restored = ", restored its weights" if es["restore_best"] else ""
        return STOPPED_EARLY, (f"Early stopping at epoch {self.epoch}: {es['monitor']} had not improved "
                               f"for {es['patience']} epochs; best was {sign * best_value:.4g} at epoch "
                               f"{best_epoch}{restored}.")

    # ------------------------------------------------------------- snapshots -----------------
    def _finish(self, state: str, message: str) -> Snapshot:
        if self._fast_owns_state:  # leave the torch optimizer current for whoever reads it after
            self.fast.push_state()
            self._fast_owns_state = False
        self._final = (state, message)
        return self._snapshot(state, message)

    def _snapshot(self, state: str, message: str = "") -> Snapshot:
        rates = self._pace.update(self._elapsed, self.step, self.epoch)
        ds, o = self.dataset, self.options
        history = self.history.views()  # read-only views: O(1) however long the run
        boundary = neurons = curve = samples = filters = maps = points = probs = None
        if ds.kind in (POINTS2D, LINE1D):
            points = values_at(self.model, self.to_value, self.train.x, self.test.x)
        if ds.kind == POINTS2D and ds.extent is not None:
            boundary, neurons = plane_maps(self.model, ds, self.to_value, o.grid_resolution,
                                           o.neuron_resolution if o.neuron_grids else 0, o.max_units)
        elif ds.kind == LINE1D:
            curve = fitted_curve(self.model, ds)
            if o.neuron_grids:
                neurons = line_maps(self.model, ds, curve_points(o.neuron_resolution), o.max_units)
        elif ds.kind == IMAGE:
            samples = predicted_classes(self.model, self.test.x[: o.sample_count])
            if o.conv_maps:
                shown = min(max(0, self._feature_sample), len(self.test) - 1)
                filters, maps, probs = conv_views(self.model, self.test.x[shown], self.to_value)
        return Snapshot(
            epoch=self.epoch, step=self.step, state=state, message=message, elapsed=self._elapsed,
            steps_per_second=rates[0], epochs_per_second=rates[1],
            lr=self.optimizer.param_groups[0]["lr"], history=history,
            metrics={**{k: float(v[-1]) for k, v in history.items()}, **self._restored},
            grad_norms=dict(self._last_grad_norms),
            confusion=self._latest_test.confusion(),
            curves=self._latest_test.curves() if o.curves or state in report.FINAL_STATES else None,
            boundary=boundary, extent=ds.extent, neuron_grids=neurons, curve=curve,
            weights=dense_weights(self.model) if o.weights else None, sample_predictions=samples,
            point_values=points, activity=dict(self._activity), step_detail=self._step_detail,
            conv_filters=filters, feature_maps=maps, sample_probabilities=probs, lr_changes=self.lr_changes,
            controls=self._commands.taken,
            queued_epochs=self._commands.epochs, queued_batches=self._commands.batches)


def run_to_end(experiment: Experiment, options: RunOptions = RunOptions()) -> Snapshot:
    """Train headless until the run ends; the final Snapshot."""
    last = None
    for last in TrainingRun(experiment, options).snapshots():  # noqa: B007
        pass
    assert last is not None
    return last
