"""When a run has diverged: the rule, the message, and the loss it compares against.

A run has diverged when, at the end of an epoch,

- its training loss is NaN or infinite, or
- its training loss has stayed above BLOW_UP_FACTOR (5) times its *starting loss* for
  BLOW_UP_EPOCHS (3) epochs in a row.

The starting loss is the training loss of the untrained model, measured once before the first
step, with torch on both paths (the numpy and torch runs compare against the same number). It is the
loss of a model that knows nothing yet: for classification close to chance (ln 2 for two
classes), for regression close to the targets' spread. A run whose loss stays several times worse
than knowing nothing for three epochs is not learning; a learning rate of 100 on the circle
keeps the loss 7 to 100 times above its start without ever reaching NaN.

Why these numbers: trained to their own epoch limits, the shipped presets never keep their loss
above 1.0x the start for three epochs in a row (the highest single epoch is 5.2x, one RMSProp
spike on the spiral), so the rule has a fivefold margin there; the learning rates that thrash
(SGD at 10 and up on the circle, RMSProp at 3 on the spiral) are caught within 3 to 14 epochs.
A starting loss of 0 (a model that is already perfect) leaves only the NaN/inf rule.

`DivergenceCheck` is plain Python with no trainer state, so it can move with the loop: the trainer
measures `start_loss` once and calls `check` once per epoch with that epoch's loss and learning rate.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from playground.core.evaluation import Split
from playground.core.optimizers import suggested_lr

BLOW_UP_FACTOR = 5.0
BLOW_UP_EPOCHS = 3


class DivergenceCheck:
    """Watches one run's per-epoch training loss; `check` returns the message once it diverged."""

    def __init__(self, start_loss: float, optimizer: str, grad_clip: float = 0.0):
        self.start_loss = start_loss
        self.optimizer = optimizer
        self.grad_clip = grad_clip
        self.ceiling = BLOW_UP_FACTOR * start_loss if start_loss > 0 else math.inf
        self._streak = 0  # epochs in a row above the ceiling

    def check(self, epoch: int, loss: float, lr: float) -> str | None:
        """The divergence message if the run diverged at this epoch, else None."""
        if not math.isfinite(loss):
            word = "NaN" if math.isnan(loss) else "infinite"
            return f"Loss became {word} at epoch {epoch}: {self.advice(lr)}"
        self._streak = self._streak + 1 if loss > self.ceiling else 0
        if self._streak < BLOW_UP_EPOCHS:
            return None
        return (f"Loss blew up at epoch {epoch}: it stayed above {BLOW_UP_FACTOR:g} times its starting "
                f"value of {self.start_loss:.4g} for {BLOW_UP_EPOCHS} epochs in a row (now {loss:.4g}), so "
                f"{self.advice(lr)}")

    def advice(self, lr: float) -> str:
        """What to try: a smaller learning rate (a number), or gradient clipping."""
        clip = (f"clip gradients harder (the norm limit is {self.grad_clip:g})" if self.grad_clip
                else "turn on gradient clipping")
        return (f"the learning rate ({lr:g}) is probably too high. Try {suggested_lr(self.optimizer, lr):g}, "
                f"or {clip}.")


@torch.no_grad()
def start_loss(model: nn.Module, loss_fn: nn.Module, split: Split, eval_batch: int = 4096) -> float:
    """The untrained model's loss on `split`, measured as each epoch's is (eval mode, whole split)."""
    if len(split) == 0:
        return math.nan
    was_training = model.training
    model.eval()
    try:
        outs = [model(split.x[i:i + eval_batch]) for i in range(0, len(split), eval_batch)]
    finally:
        model.train(was_training)
    return float(loss_fn(torch.cat(outs), split.y))
