"""Who does an optimizer step: torch, or the numpy twin, and whose optimizer state is current.

A `Stepper` takes one minibatch and changes the weights. `TorchStepper` is the readable
reference (and the only one that can watch a step for the explanation panel); `FastStepper` is
the float32 numpy twin (`fastnet.FastNet`), about 12x faster for small dense networks because
torch's per-operation overhead dominates there. Both change the same weight storage.

`Steppers` owns the rule between them (fastnet's docstring has the why): torch's optimizer holds
the state between runs of steps; a stepper that keeps its own copy takes the state over before its
first step (`take_state`) and hands it back (`give_state`) before another stepper steps or the
run ends. A watched step always runs on torch. A compiled engine would be a Stepper in the twin's
place (DESIGN: one fast path beside torch); the loop does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import torch

from playground.core.augment import augment
from playground.core.evaluation import Split, grad_norms
from playground.core.explain import StepDetail, penalised
from playground.core.fastnet import FastNet
from playground.core.spec import TrainingSpec
from playground.core.watch import Watch


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """The learning rate every parameter group trains with from the next step on."""
    for group in optimizer.param_groups:
        group["lr"] = lr


class Stepper(Protocol):
    """One optimizer step on a minibatch, in the array type it names (`numpy`)."""

    numpy: bool  # takes numpy batches (else torch tensors)

    def take_state(self) -> None:
        """Become the owner of the optimizer state (copy it from torch's optimizer, if kept apart)."""

    def give_state(self) -> None:
        """Hand the optimizer state back to torch's optimizer."""

    def step(self, x: Any, y: Any) -> Any:
        """One optimizer step on the batch (x, y) at the optimizer's current learning rate; what the
        batch's loss is read from (torch: the loss tensor; the twin: its outputs before the update)."""

    def grad_norms(self) -> dict[str, float]:
        """Each layer's gradient norm from the last step (keys as `evaluation.grad_norms`)."""


class TorchStepper:
    """zero_grad, loss + ½λ‖w‖² + λ₁‖w‖₁, backward, clip, step: torch's own arithmetic."""

    numpy = False

    def __init__(self, model: torch.nn.Module, loss_fn: torch.nn.Module, optimizer: torch.optim.Optimizer,
                 training: TrainingSpec, augmentation: Mapping[str, float] | None = None,
                 generator: torch.Generator | None = None):
        self.model, self.loss_fn, self.optimizer, self.training = model, loss_fn, optimizer, training
        self._augmentation, self._generator = augmentation or {}, generator  # image sets (core.augment)
        self._weights = [p for p in model.parameters() if penalised(p.ndim)]
        self.watch = Watch()  # the weight step mode explains, if any

    def take_state(self) -> None:
        pass  # torch's optimizer is where the state lives

    def give_state(self) -> None:
        pass

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = self._backward(x, y)
        self.optimizer.step()
        return loss

    def watched_step(self, x: torch.Tensor, y: torch.Tensor, number: int) -> StepDetail | None:
        """`step`, recording the arithmetic for the watched weight (the run's step `number`)."""
        self.loss = self._backward(x, y)
        return self.watch.step(self.optimizer, self.model, self.training.optimizer.name, number)

    def _backward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The gradients of the batch's loss (and penalties); the loss alone, detached (no sync)."""
        t = self.training
        self.optimizer.zero_grad(set_to_none=True)
        x = augment(x, self._augmentation, self._generator)  # training batches only
        loss = data_loss = self.loss_fn(self.model(x), y)
        if t.l2:
            loss = loss + 0.5 * t.l2 * sum((w * w).sum() for w in self._weights)  # ½λ‖w‖²
        if t.l1:
            loss = loss + t.l1 * sum(w.abs().sum() for w in self._weights)
        loss.backward()
        if t.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), t.grad_clip)
        return data_loss.detach()

    def grad_norms(self) -> dict[str, float]:
        return grad_norms(self.model)


class FastStepper:
    """The numpy twin's step (`FastNet.step`), at the torch optimizer's learning rate."""

    numpy = True

    def __init__(self, net: FastNet, optimizer: torch.optim.Optimizer):
        self.net, self.optimizer = net, optimizer

    def take_state(self) -> None:
        self.net.pull_state()

    def give_state(self) -> None:
        self.net.push_state()

    def step(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self.net.step(x, y, self.optimizer.param_groups[0]["lr"])

    def grad_norms(self) -> dict[str, float]:
        return self.net.grad_norms()


class Steppers:
    """The run's steppers, the epoch's shuffled batches, and whose optimizer state is current."""

    def __init__(self, torch_stepper: TorchStepper, fast: Stepper | None, train: Split,
                 generator: torch.Generator):
        self.torch, self.fast = torch_stepper, fast
        self._train, self._generator = train, generator
        self._owner: Stepper = torch_stepper  # holds the current optimizer state
        self._last: Stepper = torch_stepper  # stepped last: its gradients are the ones to report
        self.x = self.y = None  # this epoch's shuffled training data, torch tensors
        self.xn = self.yn = None  # ... and numpy arrays sharing their storage (when a stepper takes numpy)
        # This epoch's batch losses: torch's loss tensors and where each batch started, and where the
        # twin's batches started, their outputs (before each update) kept in `_outs` by row.
        self._torch_losses: list = []
        self._torch_lo: list[int] = []
        self._twin_lo: list[int] = []
        self._outs: np.ndarray | None = None

    def shuffle(self) -> None:
        """A new epoch's order of the training data."""
        perm = torch.randperm(len(self._train), generator=self._generator)
        if self.fast is not None and self.fast.numpy:  # shuffle in numpy; torch (watched steps) shares it
            p = perm.numpy()
            self.xn, self.yn = self._train.x.numpy()[p], self._train.y.numpy()[p]
            self.x, self.y = torch.from_numpy(self.xn), torch.from_numpy(self.yn)
        else:
            self.x, self.y = self._train.x[perm], self._train.y[perm]

    def use(self, stepper: Stepper) -> None:
        """Make `stepper` the owner of the optimizer state (the one before hands it back first)."""
        if stepper is not self._owner:
            self._owner.give_state()
            stepper.take_state()
            self._owner = stepper

    def step(self, lo: int, hi: int, watched: bool, number: int) -> StepDetail | None:
        """One step on rows lo:hi of the epoch; a watched step's detail (None when not watched)."""
        stepper = self.torch if watched or self.fast is None else self.fast  # torch: watched, or no other
        if stepper is not self._owner:
            self.use(stepper)
        self._last = stepper
        if watched:
            detail = self.torch.watched_step(self.x[lo:hi], self.y[lo:hi], number)
            self._torch_losses.append(self.torch.loss)
            self._torch_lo.append(lo)
            return detail
        if stepper.numpy:
            out = stepper.step(self.xn[lo:hi], self.yn[lo:hi])
            if out is not None:  # (a stepper may report no loss)
                if self._outs is None:
                    self._outs = np.zeros((len(self._train), *out.shape[1:]), out.dtype)
                self._outs[lo:hi] = out
                self._twin_lo.append(lo)
        else:
            self._torch_losses.append(stepper.step(self.x[lo:hi], self.y[lo:hi]))
            self._torch_lo.append(lo)
        return None

    def batch_loss_mean(self) -> float:
        """The mean of the epoch's batch losses, each as its step computed it before the update (the
        course's running loss), then a fresh count for the next epoch. Read once an epoch, so the steps
        only keep a tensor or two row numbers; the twin's losses come from its kept outputs here."""
        torch_losses, torch_lo, twin_lo = self._torch_losses, self._torch_lo, self._twin_lo
        self._torch_losses, self._torch_lo, self._twin_lo = [], [], []
        values = [float(loss) for loss in torch_losses if loss is not None]
        if twin_lo and not torch_lo and not values:  # every batch the twin's (all but the last of one size)
            return self.fast.net.mean_batch_loss(self._outs, self.yn, twin_lo[-1] - twin_lo[-2] if
                                                 len(twin_lo) > 1 else len(self._outs), twin_lo[-1])
        if twin_lo:
            starts = np.array(sorted(twin_lo + torch_lo) if torch_lo else twin_lo)
            twin = self.fast.net.batch_losses(self._outs, self.yn, starts)
            values += (twin[np.isin(starts, twin_lo)] if torch_lo else twin).tolist()
        return float(np.mean(values)) if values else float("nan")

    def settle(self) -> None:
        """Leave the torch optimizer current, for whoever reads it after (the run ended)."""
        self.use(self.torch)

    def grad_norms(self) -> dict[str, float]:
        """Each layer's gradient norm after the last step, from whichever stepper took it."""
        return self._last.grad_norms()
