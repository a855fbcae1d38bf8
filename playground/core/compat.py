"""Impossible combinations of individually valid settings, judged before any data is loaded.

`check_experiment` runs when an experiment is read (presets, GUI edits) so a person hears "this
loss does not fit this data" at once instead of at training time. It uses only what the
registries say statically (a DatasetEntry's ``kind``/``task``/``input_shape``, a LossEntry's
``tasks``/``logits``), and skips a rule when that is unknown (the person's own CSV, say); the
trainer checks again once the data is loaded. Imports are lazy so this module loads before the
registries it reads are complete.
"""

from __future__ import annotations

from playground.core.budget import check_fits, train_rows
from playground.core.datasets import DATASETS, DatasetEntry
from playground.core.errors import SpecError
from playground.core.losses import LOSSES
from playground.core.model import NetworkReport, inspect_network
from playground.core.spec import Experiment

_AUTO = {"binary": "binary_cross_entropy", "multiclass": "cross_entropy", "regression": "mse"}
_TASK_WORDS = {"binary": "two-class classification", "multiclass": "multi-class classification",
               "regression": "regression"}


def resolve_loss(loss_name: str, task: str) -> str:
    """The loss to train with: ``auto`` picks the usual one for the task, any other name is kept."""
    if loss_name != "auto":
        return loss_name
    if task not in _AUTO:
        raise SpecError("training.loss", f"cannot choose a loss automatically for task {task!r}", task)
    return _AUTO[task]


def _or_list(names: list[str]) -> str:
    if len(names) <= 1:
        return names[0] if names else "another loss"
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _static_input_shape(entry: DatasetEntry | None, features: tuple[str, ...]) -> tuple[int, ...] | None:
    """The model input shape when the registry alone tells it, else None (rule skipped)."""
    if entry is None:
        return None
    if entry.input_shape is not None:
        return entry.input_shape
    if entry.kind == "points2d":
        return (len(features),)
    if entry.kind == "line1d":
        return (1,)
    return None


def _output_units(entry: DatasetEntry | None, task: str | None) -> int:
    if task != "multiclass":
        return 1
    return entry.num_classes if entry is not None and entry.num_classes else 2


def _check_loss(exp: Experiment, task: str | None) -> None:
    loss = exp.training.loss
    if task is not None and loss != "auto" and loss in LOSSES:
        tasks = LOSSES[loss].tasks
        if task not in tasks:
            fits = [name for name, e in LOSSES.items() if task in e.tasks]
            what = " and ".join(_TASK_WORDS.get(t, t) for t in sorted(tasks)) or "no task"
            raise SpecError("training.loss", f"{loss} is for {what}; '{exp.data.dataset}' is a "
                            f"{_TASK_WORDS.get(task, task)} data set — use {_or_list(fits)}", loss)


def _head_message(exp: Experiment, task: str | None, output_units: int | None) -> str:
    """Why the output activation and the loss cannot work together ("" when they can)."""
    head = exp.network.output.get("activation", "linear")
    if head == "softmax" and output_units == 1:
        return ("softmax over a single output unit is always 1, so nothing could be learned; use "
                "sigmoid (or linear with binary_cross_entropy) for two classes")
    loss = exp.training.loss
    chosen = resolve_loss(loss, task) if task is not None or loss != "auto" else None
    entry = LOSSES.get(chosen) if chosen is not None else None
    logits, probabilities = (entry.logits, entry.probabilities) if entry is not None else (False, False)
    how = " (chosen by 'auto')" if loss == "auto" else ""
    if logits and head == "softmax":
        return (f"{chosen}{how} applies log-softmax to the logits itself, so a softmax head would apply "
                "softmax twice (double softmax: squashed scores, weak gradients); set the output "
                "activation to linear, or pick cross_entropy_probs for a softmax head")
    if logits and head != "linear":
        return (f"{chosen}{how} works on raw scores (logits) and applies sigmoid/softmax itself, so "
                "the output activation must be linear (or pick a loss such as mse)")
    if probabilities and head != "softmax":
        return (f"{chosen} takes class probabilities, so the output activation must be softmax (or "
                "pick cross_entropy, which takes a linear head's logits)")
    return ""


def check_head(exp: Experiment, task: str | None, output_units: int | None) -> None:
    """SpecError on ``network.output.activation`` when the head's activation does not fit the loss
    (a softmax head into cross-entropy: double softmax) or the task (softmax over one unit)."""
    message = _head_message(exp, task, output_units)
    if message:
        raise SpecError("network.output.activation", message,
                        exp.network.output.get("activation", "linear"))


def _check_early_stopping(exp: Experiment, task: str | None) -> None:
    es = exp.training.early_stopping
    if not es.get("enabled"):
        return
    if exp.data.validation_fraction <= 0:
        raise SpecError("data.validation_fraction", "early stopping watches a validation split: set "
                        "the validation fraction above 0 (e.g. 0.2), or turn early stopping off",
                        exp.data.validation_fraction)
    if task == "regression" and es.get("monitor") == "val_accuracy":
        raise SpecError("training.early_stopping.monitor", "a regression task has no accuracy; "
                        "monitor val_loss", "val_accuracy")


def _batchnorm_layer(exp: Experiment) -> int | None:
    """The 1-based number of the first BatchNorm layer, None without one."""
    types = [layer.type for layer in exp.network.layers]
    return types.index("batchnorm") + 1 if "batchnorm" in types else None


def _check_batchnorm(exp: Experiment) -> None:
    layer = _batchnorm_layer(exp)
    if layer is not None and exp.training.batch_size == 1:
        raise SpecError("training.batch_size", f"BatchNorm (layer {layer}) normalises over the batch "
                        "and needs at least 2 examples per batch", 1)


def check_network(exp: Experiment, input_shape: tuple[int, ...], output_units: int,
                  n_train: int | None = None, report: NetworkReport | None = None) -> None:
    """SpecError naming the layer whose shapes cannot work, or with the numbers when the network
    would not fit in memory (see core/budget.py); `n_train` = rows in the training split, if known;
    `report` = `inspect_network` of this network on these shapes, if the caller has it."""
    if report is None:
        report = inspect_network(exp.network, input_shape, output_units)
    if report.first_error is not None:
        index, message = report.first_error
        n = len(exp.network.layers)
        path = "network.output" if index == n else f"network.layers[{index}]"
        raise SpecError(path, message)
    check_fits(report, train_rows(exp, n_train))


def _check_shapes(exp: Experiment, entry: DatasetEntry | None, task: str | None) -> None:
    shape = _static_input_shape(entry, exp.data.features)
    if shape is not None:
        check_network(exp, shape, _output_units(entry, task))


def check_training_split(exp: Experiment, n_train: int) -> None:
    """The rule that needs the loaded data: BatchNorm cannot train on a training split of one example.

    A batch holds min(batch size, training examples) examples (batch size 0: all of them), and the
    trainer folds an epoch's last batch into the one before it when it would hold a single example
    (11 examples at batch size 10: one batch of 11, every example used each epoch). So with batch
    size 1 refused by `check_experiment`, a batch of one can only come from a split of one.
    """
    layer = _batchnorm_layer(exp)
    if layer is not None and n_train < 2:
        d = exp.data
        fix = ("use more samples, a larger train fraction or a smaller validation fraction"
               if d.validation_fraction > 0 else "use more samples or a larger train fraction")
        raise SpecError("data.train_fraction", f"the training split holds only {n_train} example "
                        f"({d.samples} samples, train fraction {d.train_fraction:g}, validation fraction "
                        f"{d.validation_fraction:g}), but BatchNorm (layer {layer}) normalises over the "
                        f"batch and needs at least 2 examples per batch: {fix}", d.train_fraction)


def check_experiment(exp: Experiment) -> None:
    """Raise SpecError (naming the field to change) for settings that cannot work together."""
    entry = DATASETS.get(exp.data.dataset)
    task = entry.task if entry is not None else None
    _check_loss(exp, task)
    check_head(exp, task, _output_units(entry, task) if task is not None else None)
    _check_early_stopping(exp, task)
    _check_batchnorm(exp)
    _check_shapes(exp, entry, task)
