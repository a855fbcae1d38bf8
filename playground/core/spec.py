"""The Experiment: everything a person can set, as one immutable value of plain data.

A leaf module (it imports only errors and params), so every layer of the core can name the
Experiment without pulling in the registries. Its JSON form *is* the preset file:
`experiment_to_dict` writes the canonical form here, and `playground.core.validate` reads one back
(strictly, against the registries). Edits are `dataclasses.replace(...)`, which makes undo a matter
of keeping the old value.

JSON shape (objects with a `name`/`type` carry their parameters flat beside it, so a preset reads
like `{"name": "sgd", "lr": 0.03}` and an error says `training.optimizer.lr`).

Reading a dict back is validation (every name is looked up in a registry), so it lives in
`validate`, not here: there is no unchecked way to build an Experiment from JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from playground.core.params import Param
from playground.core.speed import MAX, Pace, pace_to_json

FORMAT = "nn-playground.experiment"
VERSION = 3  # 2: training.l2 is λ in ½·λ·Σw² (1: the factor of Σw²); 3: data_seed beside seed. See presets


def _frozen(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


SEED_PARAM = Param("seed", int, 0, "The training seed: initial weights, shuffling, dropout and "
                   "augmentation. A new one trains again on the same data.", minimum=0, maximum=2**31 - 1)
DATA_SEED_PARAM = Param("data_seed", int, 0, "The data seed: the points, their noise and the train/test "
                        "split (a file's rows too). Unset in a preset: the same as seed.",
                        minimum=0, maximum=2**31 - 1)


@dataclass(frozen=True)
class DataSpec:
    """Which data set, how much of it, how noisy, how split, and which input features."""

    dataset: str = "circle"
    samples: int = 500
    noise: float = 0.0
    train_fraction: float = 0.5
    validation_fraction: float = 0.0  # carved out of the training part; used by early stopping
    features: tuple[str, ...] = ("x1", "x2")
    params: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))  # data-set specific
    augment: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))  # images; {} = off (core.augment)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "augment", _frozen(self.augment))
        object.__setattr__(self, "features", tuple(self.features))


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: a registry type name and its parameters (complete after validation)."""

    type: str
    params: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))


@dataclass(frozen=True)
class NetworkSpec:
    """Hidden layers in order; the input and the output head follow from the data and task.

    `output` configures the head (a Dense layer whose size the task decides): its activation
    (``linear`` = logits for the loss), initialiser and bias.
    """

    layers: tuple[LayerSpec, ...] = ()
    output: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "output", _frozen(self.output))


@dataclass(frozen=True)
class NamedSpec:
    """A registry choice plus its parameters: an optimizer or a schedule."""

    name: str
    params: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))


EARLY_STOPPING_PARAMS: tuple[Param, ...] = (
    Param("enabled", bool, False, "Stop when the monitored validation metric stops improving."),
    Param("monitor", str, "val_loss", "Metric watched on the validation split.",
          choices=("val_loss", "val_accuracy")),
    Param("patience", int, 50, "Epochs without improvement before stopping.", minimum=1),
    Param("min_delta", float, 0.0, "Smallest change that counts as an improvement.", minimum=0),
    Param("restore_best", bool, True, "Put back the weights of the best epoch when stopping."),
)

TRAINING_PARAMS: tuple[Param, ...] = (
    Param("batch_size", int, 10, "Examples per optimizer step. 0 = the whole training set "
          "(plain gradient descent); 1 = stochastic gradient descent.", minimum=0, maximum=1_000_000),
    Param("epochs", int, 1000, "Epoch limit. 0 = no limit (run until stopped).", minimum=0,
          maximum=10_000_000),
    Param("l1", float, 0.0, "L1 penalty λ₁: adds λ₁·Σ|w| over the weights (not the biases) to the "
          "loss, so each step adds λ₁·sign(w) to the gradient; drives weights to exactly zero.",
          minimum=0, maximum=10, log_scale=True, label="L1  + λ₁·Σ|w|"),
    Param("l2", float, 0.0, "L2 penalty λ: adds ½·λ·Σw² over the weights (not the biases) to the loss, "
          "the course's ½λ‖θ‖², so each step adds λ·w to the gradient: exactly PyTorch's SGD "
          "weight_decay = λ on the weights. Under Adam it is not weight decay (see AdamW).",
          minimum=0, maximum=20, log_scale=True, label="L2  + ½λ·Σw²"),
    Param("grad_clip", float, 0.0, "Clip the global gradient norm to this value. 0 = off.",
          minimum=0, maximum=1e6),
)

DATA_PARAMS: tuple[Param, ...] = (
    Param("samples", int, 500, "Number of examples generated (or used, for fixed data sets).",
          minimum=2, maximum=1_000_000),
    Param("noise", float, 0.0, "Label/position noise, 0 = clean, 1 = very noisy.", minimum=0, maximum=1),
    Param("train_fraction", float, 0.5, "Share of examples used for training; the rest is the test set.",
          minimum=0.05, maximum=0.95),
    Param("validation_fraction", float, 0.0, "Share of the training part held out for validation "
          "(needed by early stopping).", minimum=0, maximum=0.5),
)


@dataclass(frozen=True)
class TrainingSpec:
    """Loss, optimizer, schedule, regularisation, batching and stopping rules."""

    loss: str = "auto"
    optimizer: NamedSpec = field(default_factory=lambda: NamedSpec("sgd", {"lr": 0.03}))
    schedule: NamedSpec = field(default_factory=lambda: NamedSpec("constant"))
    batch_size: int = 10
    epochs: int = 1000
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float = 0.0
    early_stopping: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    pace: Pace = MAX  # how fast the window lets it train (core.speed)

    def __post_init__(self) -> None:
        object.__setattr__(self, "early_stopping", _frozen(self.early_stopping))


@dataclass(frozen=True)
class Experiment:
    """The whole experiment. Build one with `validate.experiment_from_dict` to get it validated."""

    name: str = "Untitled"
    description: str = ""
    seed: int = 0  # training: weights, shuffling, dropout
    data_seed: int = 0  # data: points, noise, split
    data: DataSpec = field(default_factory=DataSpec)
    network: NetworkSpec = field(default_factory=NetworkSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    search: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))  # the preset's own sweep, if any

    def __post_init__(self) -> None:
        object.__setattr__(self, "search", _frozen(self.search))


# ---------------------------------------------------------------- writing -------------------

def experiment_to_dict(exp: Experiment) -> dict[str, Any]:
    """The canonical JSON form (with format and version), parameters flat beside their names."""
    t = exp.training
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": exp.name,
        "description": exp.description,
        "seed": exp.seed,
        "data_seed": exp.data_seed,
        "data": {
            "dataset": exp.data.dataset,
            "samples": exp.data.samples,
            "noise": exp.data.noise,
            "train_fraction": exp.data.train_fraction,
            "validation_fraction": exp.data.validation_fraction,
            "features": list(exp.data.features),
            "params": dict(exp.data.params),
            **({"augment": dict(exp.data.augment)} if exp.data.augment else {}),  # only when on
        },
        "network": {
            "layers": [{"type": layer.type, **layer.params} for layer in exp.network.layers],
            "output": dict(exp.network.output),
        },
        "training": {
            "loss": t.loss,
            "optimizer": {"name": t.optimizer.name, **t.optimizer.params},
            "schedule": {"name": t.schedule.name, **t.schedule.params},
            "batch_size": t.batch_size,
            "epochs": t.epochs,
            "l1": t.l1,
            "l2": t.l2,
            "grad_clip": t.grad_clip,
            "early_stopping": dict(t.early_stopping),
            **({"pace": pace_to_json(t.pace)} if t.pace.limited else {}),  # "max" omitted
        },
        **({"search": _plain(exp.search)} if exp.search else {}),  # only a preset that has one
    }


def _plain(search: Mapping[str, Any]) -> dict[str, Any]:
    """The search section as JSON data: its params mapping copied out of the frozen view."""
    return {**search, "params": {k: (dict(v) if isinstance(v, Mapping) else list(v))
                                 for k, v in search["params"].items()}}
