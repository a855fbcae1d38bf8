"""What a run measures once an epoch: losses and scores of every split, activity, gradient norms.

Two ways to the same numbers: torch's `evaluation.evaluate` per split, or, when the numpy twin
trains the run, one numpy forward pass over all splits at once (the twin shares the model's
weights, so both see one model; tests hold them equal). The test split's values are kept
(`latest_test`) for the confusion matrix and curves a snapshot asks for.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.core.curves import LatestTest
from playground.core.datasets.base import Dataset
from playground.core.evaluation import Split, evaluate, score
from playground.core.fastnet import FastNet
from playground.core.inside import activity
from playground.core.keys import activity_columns, grad_norm_columns
from playground.core.probes import OutputToValue

_PREFIXES = ("train", "test", "val")


class Evaluator:
    """Evaluates the model on the train, test and validation splits (through the twin when given)."""

    def __init__(self, model: torch.nn.Module, loss_fn: torch.nn.Module, dataset: Dataset,
                 to_value: OutputToValue, splits: tuple[Split, Split, Split], fast: FastNet | None):
        self.model, self.loss_fn, self.dataset, self.to_value = model, loss_fn, dataset, to_value
        self.train, self.test, self.val = self.splits = splits
        self.fast = fast
        self.latest_test = LatestTest(self.test.labels, dataset.task, dataset.num_classes)
        self.activity: dict[str, tuple[str, float]] = {}  # block -> (kind, share) at the last evaluation
        if fast is not None:
            self.x = torch.cat([s.x for s in splits]).reshape(sum(map(len, splits)), -1).numpy()
            self.y = [s.y.numpy() for s in splits]

    def epoch_row(self, epoch: int, lr: float, seconds: float, norms: dict[str, float]) -> dict[str, float]:
        """The history row of an epoch just trained: its evaluation, lr, time and gradient norms."""
        row = self.evaluate()
        row.update(epoch=epoch, lr=lr, seconds=seconds)
        row.update(grad_norm_columns(norms))
        return row

    def evaluate(self) -> dict[str, float]:
        """Every split's loss and scores, and the hidden units' activity, for the model as it is now."""
        return self.fast_evaluate() if self.fast is not None else self.torch_evaluate()

    def torch_evaluate(self) -> dict[str, float]:
        ds, model = self.dataset, self.model
        model.eval()
        try:
            extra = (ds.task, self.to_value, ds.num_classes)
            row, _ = evaluate(model, self.loss_fn, self.train, *extra, prefix="train")
            test_row, value = evaluate(model, self.loss_fn, self.test, *extra, prefix="test")
            row.update(test_row)
            row.update(evaluate(model, self.loss_fn, self.val, *extra, prefix="val")[0])
            self.activity = activity(model, self.train.x)
            row.update(activity_columns(self.activity))
            self.latest_test.observe(value)
        finally:
            model.train()
        return row

    def fast_evaluate(self) -> dict[str, float]:
        """`torch_evaluate` with the outputs of one numpy forward pass over all splits (same numbers)."""
        out, hidden = self.fast.forward(self.x, hidden_rows=min(len(self.train), 512))
        row: dict[str, float] = {}
        start = 0
        for split, y, prefix in zip(self.splits, self.y, _PREFIXES, strict=True):
            n = len(split)
            mine: np.ndarray = out[start:start + n]
            part, value = score(torch.from_numpy(mine), self.fast.loss_value(mine, y), split,
                                self.dataset.task, self.to_value, prefix)
            row.update(part)
            if prefix == "test":
                self.latest_test.observe(value)
            start += n
        self.activity = self.fast.activity(hidden)
        row.update(activity_columns(self.activity))
        return row
