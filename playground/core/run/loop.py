"""The trainer: a generator of Snapshots, driven by wall-clock time slices.

`TrainingRun(experiment).snapshots()` does as many optimizer steps as fit in one slice (~1/30 s),
then yields one Snapshot of copies. The GUI, the command line and the tests all consume the same
generator. Commands (pause, resume, step, stop, live learning rate, weight edits) arrive through a
thread-safe queue read between slices (`run_control` has the rules), so the consumer may sit on
another thread.

The run is made of parts: `Steppers` do the steps (torch, or the numpy twin for small dense
networks, sharing the model's weights), the `Evaluator` measures each epoch, the epoch callbacks
(divergence, schedule, early stopping, epoch limit) may end the run, and the `SnapshotBuilder`
reports it. `RunOptions(fast=False)` keeps every step on torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext

import numpy as np
import torch

from playground.core.augment import fast_reason
from playground.core.commands import (
    Command,
    Pause,
    Resume,
    SetFeatureSample,
    SetLearningRate,
    SetPace,
    SetParameter,
    StepBatch,
    StepEpoch,
    Stop,
    WatchParameter,
)
from playground.core.compat import resolve_loss
from playground.core.datasets.base import Dataset
from playground.core.divergence import DivergenceCheck, start_loss
from playground.core.evaluation import Split
from playground.core.explain import StepDetail
from playground.core.fastnet import FastNet, ineligible_reason
from playground.core.history import History
from playground.core.keys import BATCH_LOSS_MEAN
from playground.core.losses import make_loss, target_tensor
from playground.core.model import build_model
from playground.core.optimizers import make_optimizer
from playground.core.preflight import check_run
from playground.core.probes import output_to_value
from playground.core.run.callbacks import DivergenceStop, EarlyStopping, Ending, EpochLimit, ScheduleStep
from playground.core.run.control import RunControl
from playground.core.run.evaluator import Evaluator
from playground.core.run.options import RunOptions
from playground.core.run.snapshot_builder import Progress, SnapshotBuilder
from playground.core.run.state import RunState
from playground.core.run.stepper import FastStepper, Steppers, TorchStepper
from playground.core.schedules import make_schedule
from playground.core.snapshot import LrChange, Snapshot, with_lr_change
from playground.core.spec import Experiment
from playground.core.speed import MAX, UPDATE, Pace, Pacer

__all__ = ["RunOptions", "TrainingRun", "run_to_end"]
DEFAULT_OPTIONS = RunOptions()


class TrainingRun:
    """One training run of an Experiment. Construction loads data and builds the model.

    Raises SpecError / ShapeError / DataError for bad input, before any training happens.
    """

    def __init__(self, experiment: Experiment, options: RunOptions = DEFAULT_OPTIONS,
                 dataset: Dataset | None = None):
        self.experiment, self.options = experiment, options
        t = experiment.training
        self.dataset = ds = check_run(experiment, dataset)  # before anything is built: sizes, loss, data
        self.loss_name = resolve_loss(t.loss, ds.task)
        self.model = build_model(experiment.network, ds.input_shape, ds.output_units, seed=experiment.seed)
        self.loss_fn = make_loss(self.loss_name)
        self.optimizer = make_optimizer(t.optimizer.name, dict(t.optimizer.params), self.model.parameters())
        self.schedule = ScheduleStep(make_schedule(t.schedule.name, dict(t.schedule.params)), self.optimizer,
                                     float(t.optimizer.params["lr"]))  # sets the first epoch's rate
        self.lr_changes: tuple[LrChange, ...] = ()  # live changes, for the run's record
        self.to_value = output_to_value(ds.task, experiment.network.output.get("activation", "linear"),
                                        self.loss_name)
        self.train, self.val, self.test = (Split(x, y, target_tensor(y, ds.task)) for x, y in (
            (ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)))
        n = len(self.train)
        self.batch_size = n if t.batch_size == 0 else min(t.batch_size, n)
        limit = t.epochs if options.epochs is None else options.epochs
        self.epoch_limit = limit or None
        self._has_batchnorm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                                  for m in self.model.modules())
        self._control = RunControl(paused=options.start_paused)
        self.history = History(options.history_rows)
        self.epoch = self.step = 0
        self._pos = n  # position inside the current epoch's order; n = start a new epoch
        self._step_detail: StepDetail | None = None
        self._feature_sample = options.feature_sample
        self._restored: dict[str, float] = {}  # figures of weights put back or edited since the last row
        self._final = Ending(RunState.STOPPED, "")  # how the run ended (`_finish`)
        self._grad_norms: dict[str, float] = {}
        self._elapsed = 0.0
        self.pacer = Pacer(experiment.training.pace if options.paced else MAX)  # tests may give it a clock
        self._build_parts()
        self._apply: dict[type, Callable] = {  # what the run does with each command RunControl hands back
            SetParameter: self._set_parameter, WatchParameter: self._watch_parameter,
            SetFeatureSample: self._set_feature_sample, SetLearningRate: self._set_learning_rate,
            SetPace: self._set_pace}

    def _build_parts(self) -> None:
        """Who steps (the numpy twin when the network allows it), who measures, what may end the run
        after an epoch, and who reports."""
        t, ds = self.experiment.training, self.dataset
        self.fast: FastNet | None = None
        augmentation = self.experiment.data.augment
        self.fast_reason = "turned off" if not self.options.fast else fast_reason(augmentation) or \
            ineligible_reason(self.model, self.loss_fn, self.optimizer)
        if self.fast_reason is None:
            self.fast = FastNet(self.model, self.loss_fn, self.optimizer, t.l1, t.l2, t.grad_clip)
        generator = torch.Generator().manual_seed(self.experiment.seed)  # shuffling, then augmentation
        torch_stepper = TorchStepper(self.model, self.loss_fn, self.optimizer, t, augmentation, generator)
        self.steppers = Steppers(torch_stepper,
                                 None if self.fast is None else FastStepper(self.fast, self.optimizer),
                                 self.train, generator)
        splits = (self.train, self.test, self.val)
        self.evaluator = Evaluator(self.model, self.loss_fn, ds, self.to_value, splits, self.fast)
        self.divergence = DivergenceCheck(start_loss(self.model, self.loss_fn, self.train),
                                          t.optimizer.name, t.grad_clip)
        self.early_stopping = EarlyStopping(t.early_stopping, self.model)
        self.callbacks = (DivergenceStop(self.divergence), self.schedule, self.early_stopping,
                          EpochLimit(self.epoch_limit))
        self.reporter = SnapshotBuilder(self.model, ds, self.to_value, self.options, self.history,
                                        self.evaluator, self._control, self.optimizer)

    # ------------------------------------------------------------- control (thread-safe) ------
    def send(self, command: Command) -> None:
        """Queue `command`; it is taken between slices, in the order sent."""
        self._control.put(command)

    def pause(self) -> None:
        self.send(Pause())

    def resume(self) -> None:
        self.send(Resume())

    def step_epoch(self) -> None:
        """While paused: train exactly one more epoch, then report and stay paused."""
        self.send(StepEpoch())

    def step_batch(self) -> None:
        """While paused: do exactly one optimizer step (one minibatch), then report."""
        self.send(StepBatch())

    def stop(self) -> None:
        self.send(Stop())

    def set_parameter(self, key: str, index: int, value: float) -> None:
        """Overwrite one weight (state-dict `key`, flat `index`) in the live model between steps."""
        self.send(SetParameter(key, int(index), float(value)))

    def watch_parameter(self, key: str | None, index: int = 0) -> None:
        """Record the optimizer's arithmetic for this weight at step mode's pace (`watch`; None to stop)."""
        self.send(WatchParameter(key, int(index)))

    def set_feature_sample(self, index: int) -> None:
        """Which test image the feature maps are shown for."""
        self.send(SetFeatureSample(int(index)))

    def set_learning_rate(self, lr: float) -> None:
        """Change the base learning rate from now on (the schedule keeps scaling it)."""
        self.send(SetLearningRate(float(lr)))

    def set_pace(self, per_second: float, unit: str = "epoch") -> None:
        """Train `per_second` epochs or updates (`unit`) a second from now on; 0 = as fast as it can."""
        self.send(SetPace(float(per_second), unit))

    def revised(self) -> Snapshot | None:
        """After the run ended: apply the weights set since (`set_parameter`, also any sent as it ended)
        and report the edited model with the final state, its figures evaluated afresh; None if none."""
        edits = [c for c in self._control.take(False) if isinstance(c, SetParameter)]
        for edit in edits:
            self._set_parameter(edit)
        if not edits:
            return None
        self._restored = self.evaluator.evaluate()
        return self._snapshot(self._final.state, f"{self._final.message} Weights were then edited by hand: "
                                                 "the figures shown are the edited model's.")

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Detached copies of the model's weights (the fast path shares their storage)."""
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    # ------------------------------------------------------------- the loop ------------------
    def snapshots(self) -> Iterator[Snapshot]:
        """Train until done, yielding a Snapshot per time slice; the last one has `.done`."""
        control = self._control
        while True:
            self._take_commands(block=False)
            while control.idle:
                yield self._snapshot(RunState.PAUSED)
                self._take_commands(block=True)
            if control.stopping:
                yield self._finish(Ending(RunState.STOPPED, f"Stopped by you at epoch {self.epoch}."))
                return
            if self._paced_unit_due() and (wait := self.pacer.wait()) > 0:
                self._take_commands(block=True, timeout=wait)  # a Pause or Stop acts at once
                continue
            started = time.perf_counter()
            ending = self._train_slice(started + self.options.slice_seconds)
            self._elapsed += time.perf_counter() - started
            if ending is not None:
                yield self._finish(ending)
                return
            paused = control.paused and not control.stepping
            yield self._snapshot(RunState.PAUSED if paused else RunState.RUNNING)

    def _paced_unit_due(self) -> bool:
        """A limited pace, training freely, at the start of a unit (an update, or a new epoch)."""
        pace = self.pacer.pace
        return pace.limited and not self._control.paused and (
            pace.unit == UPDATE or self._pos >= len(self.train))

    def _train_slice(self, deadline: float) -> Ending | None:
        """Optimizer steps until the deadline (or one epoch / one step in step mode or at a limited
        pace); the ending if done."""
        control = self._control
        stepping = control.paused
        single = stepping and control.batches > 0 and not control.epochs
        per_epoch, pace = stepping, self.pacer.pace
        if pace.limited and not stepping:
            if pace.unit == UPDATE or self._pos >= len(self.train):
                self.pacer.started()
            single, per_epoch = pace.unit == UPDATE, pace.unit != UPDATE
        # numpy overflows to inf/NaN as torch does; the epoch's loss check reports it, not a warning
        with np.errstate(all="ignore") if self.fast is not None else nullcontext():
            return self._train_until(deadline, stepping, single, per_epoch)

    def _train_until(self, deadline: float, stepping: bool, single: bool, per_epoch: bool) -> Ending | None:
        n, steppers = len(self.train), self.steppers
        watch_due = steppers.torch.watch.due(stepping)  # a snapshot shows one step's arithmetic: watch one
        while True:
            if self._pos >= n:
                steppers.shuffle()
                self._pos = 0
            end = self._pos + self.batch_size
            if self._has_batchnorm and n - end == 1:
                end += 1  # batch norm cannot normalise a batch of one: fold it into this batch
            watched = watch_due and (not stepping or single or end >= n)  # first, or the epoch's last
            watch_due &= not watched
            detail = steppers.step(self._pos, end, watched, self.step + 1)
            if watched:
                self._step_detail = detail
            self._pos, self.step = end, self.step + 1
            epoch_done = self._pos >= n
            if epoch_done and (ending := self._end_epoch()) is not None:
                return ending
            if single:
                self._control.batches -= stepping
                return None
            if per_epoch and epoch_done:
                self._control.epochs -= stepping
                return None
            if time.perf_counter() >= deadline:
                return None

    def _end_epoch(self) -> Ending | None:
        """Measure the epoch just trained, record it, and ask each callback whether the run ends here."""
        lr = self.optimizer.param_groups[0]["lr"]
        self.epoch += 1
        self._grad_norms = self.steppers.grad_norms()
        row = self.evaluator.epoch_row(self.epoch, lr, self._elapsed, self._grad_norms)
        row[BATCH_LOSS_MEAN] = self.steppers.batch_loss_mean()
        self.history.append(row)
        for callback in self.callbacks:
            if (ending := callback.on_epoch_end(self.epoch, row)) is not None:
                if ending.restored:
                    self._restored = self.evaluator.evaluate()  # the figures of the weights kept
                return ending
        return None

    # ------------------------------------------------------------- commands ------------------
    def _take_commands(self, block: bool, timeout: float | None = None) -> None:
        for command in self._control.take(block, timeout):  # pause, resume, step and stop are taken there
            self._apply[type(command)](command)

    @torch.no_grad()
    def _set_parameter(self, edit: SetParameter) -> None:
        params = dict(self.model.named_parameters())
        if edit.key in params and 0 <= edit.index < params[edit.key].numel():
            params[edit.key].view(-1)[edit.index] = edit.value

    def _watch_parameter(self, command: WatchParameter) -> None:
        self.steppers.torch.watch.target = None if command.key is None else (command.key, command.index)

    def _set_feature_sample(self, command: SetFeatureSample) -> None:
        self._feature_sample = command.index

    def _set_learning_rate(self, command: SetLearningRate) -> None:
        start = float(self.experiment.training.optimizer.params["lr"])
        self.lr_changes = with_lr_change(self.lr_changes, start, self.epoch, self.step, command.lr)
        self.schedule.base_lr = command.lr
        self.schedule.apply(self.epoch)

    def _set_pace(self, command: SetPace) -> None:
        self.pacer.set(Pace(command.per_second, command.unit))

    # ------------------------------------------------------------- reports -------------------
    def _finish(self, ending: Ending) -> Snapshot:
        self.steppers.settle()  # leave the torch optimizer current for whoever reads it after
        self._final = ending
        return self._snapshot(ending.state, ending.message)

    def _snapshot(self, state: RunState, message: str = "") -> Snapshot:
        return self.reporter.build(state, message, Progress(
            epoch=self.epoch, step=self.step, elapsed=self._elapsed, lr_changes=self.lr_changes,
            step_detail=self._step_detail, feature_sample=self._feature_sample, restored=self._restored,
            grad_norms=self._grad_norms))


def run_to_end(experiment: Experiment, options: RunOptions = DEFAULT_OPTIONS) -> Snapshot:
    """Train headless until the run ends; the final Snapshot."""
    last = None
    for last in TrainingRun(experiment, options).snapshots():  # noqa: B007
        pass
    assert last is not None
    return last
