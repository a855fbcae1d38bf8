"""The Experiment: everything a person can set, as one immutable, validated value.

Its JSON form *is* the preset file. `experiment_from_dict` validates strictly (unknown fields,
wrong types, out-of-range values, unknown names, impossible combinations) and raises SpecError
naming the field path; `experiment_to_dict` writes the canonical form. Edits are
`dataclasses.replace(...)`, which makes undo a matter of keeping the old value.

JSON shape (objects with a `name`/`type` carry their parameters flat beside it, so a preset reads
like `{"name": "sgd", "lr": 0.03}` and an error says `training.optimizer.lr`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from playground.core.errors import SpecError
from playground.core.params import Param, validate_params

FORMAT = "nn-playground.experiment"
VERSION = 2  # 2: training.l2 is λ in ½·λ·Σw² (1: the factor of Σw²); see presets.MIGRATIONS


def _frozen(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


SEED_PARAM = Param("seed", int, 0, "Seeds the data generator, the split and the initial weights: "
                   "the same seed gives the same run.", minimum=0, maximum=2**31 - 1)


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "early_stopping", _frozen(self.early_stopping))


@dataclass(frozen=True)
class Experiment:
    """The whole experiment. Build one with `experiment_from_dict` to get it validated."""

    name: str = "Untitled"
    description: str = ""
    seed: int = 0
    data: DataSpec = field(default_factory=DataSpec)
    network: NetworkSpec = field(default_factory=NetworkSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)


# ---------------------------------------------------------------- reading -------------------

def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(path, "must be an object", value)
    return value


def _check_keys(d: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in d:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise SpecError(where, f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _named(d: Any, path: str, key: str, registry: Any) -> tuple[str, dict[str, Any]]:
    """Split ``{key: name, **params}``, look `name` up in `registry` and validate the params."""
    d = _obj(d, path)
    if key not in d:
        raise SpecError(f"{path}.{key}", f"is required (one of: {', '.join(registry)})")
    entry = registry.lookup(d[key], f"{path}.{key}")
    params = {k: v for k, v in d.items() if k != key}
    return entry.name, entry.validate(params, path)


def _data_from_dict(d: Any, path: str = "data") -> DataSpec:
    from playground.core.datasets import DATASETS
    from playground.core.features import FEATURES

    d = _obj(d, path)
    _check_keys(d, {"dataset", "features", "params", *(p.name for p in DATA_PARAMS)}, path)
    entry = DATASETS.lookup(d.get("dataset", "circle"), f"{path}.dataset")
    names = {p.name for p in DATA_PARAMS}
    common = validate_params(DATA_PARAMS, {k: v for k, v in d.items() if k in names}, path)
    params = entry.validate(d.get("params"), f"{path}.params")
    features = d.get("features", ["x1", "x2"])
    if not isinstance(features, list) or not features:
        raise SpecError(f"{path}.features", "must be a non-empty list of feature names", features)
    for i, f in enumerate(features):
        FEATURES.lookup(f, f"{path}.features[{i}]")
    if len(set(features)) != len(features):
        raise SpecError(f"{path}.features", "lists a feature twice", features)
    return DataSpec(dataset=entry.name, features=tuple(features), params=params, **common)


def _network_from_dict(d: Any, path: str = "network") -> NetworkSpec:
    from playground.core.layers import LAYERS, OUTPUT_PARAMS

    d = _obj(d, path)
    _check_keys(d, {"layers", "output"}, path)
    layers_raw = d.get("layers", [])
    if not isinstance(layers_raw, list):
        raise SpecError(f"{path}.layers", "must be a list", layers_raw)
    layers = []
    for i, raw in enumerate(layers_raw):
        name, params = _named(raw, f"{path}.layers[{i}]", "type", LAYERS)
        layers.append(LayerSpec(name, params))
    output = validate_params(OUTPUT_PARAMS, d.get("output"), f"{path}.output")
    return NetworkSpec(tuple(layers), output)


def _training_from_dict(d: Any, path: str = "training") -> TrainingSpec:
    from playground.core.losses import LOSSES
    from playground.core.optimizers import OPTIMIZERS
    from playground.core.schedules import SCHEDULES

    d = _obj(d, path)
    names = {p.name for p in TRAINING_PARAMS}
    _check_keys(d, {"loss", "optimizer", "schedule", "early_stopping", *names}, path)
    loss = d.get("loss", "auto")
    if loss != "auto":
        loss = LOSSES.lookup(loss, f"{path}.loss").name
    opt = _named(d.get("optimizer", {"name": "sgd"}), f"{path}.optimizer", "name", OPTIMIZERS)
    sched = _named(d.get("schedule", {"name": "constant"}), f"{path}.schedule", "name", SCHEDULES)
    common = validate_params(TRAINING_PARAMS, {k: v for k, v in d.items() if k in names}, path)
    es = validate_params(EARLY_STOPPING_PARAMS, d.get("early_stopping"), f"{path}.early_stopping")
    return TrainingSpec(loss=loss, optimizer=NamedSpec(*opt), schedule=NamedSpec(*sched),
                        early_stopping=es, **common)


def experiment_from_dict(d: Any) -> Experiment:
    """Validate a JSON-like dict (current format version, already migrated) into an Experiment."""
    d = _obj(d, "")
    _check_keys(d, {"format", "version", "name", "description", "seed", "data", "network", "training"}, "")
    name = d.get("name", "Untitled")
    if not isinstance(name, str):
        raise SpecError("name", "must be a string", name)
    description = d.get("description", "")
    if not isinstance(description, str):
        raise SpecError("description", "must be a string", description)
    seed = SEED_PARAM.check(d.get("seed", 0), "seed")
    exp = Experiment(name=name, description=description, seed=seed,
                     data=_data_from_dict(d.get("data", {})),
                     network=_network_from_dict(d.get("network", {})),
                     training=_training_from_dict(d.get("training", {})))
    check_combinations(exp)
    return exp


def check_combinations(exp: Experiment) -> None:
    """Reject settings that are each valid but impossible together (raises SpecError)."""
    from playground.core.compat import check_experiment

    check_experiment(exp)


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
        "data": {
            "dataset": exp.data.dataset,
            "samples": exp.data.samples,
            "noise": exp.data.noise,
            "train_fraction": exp.data.train_fraction,
            "validation_fraction": exp.data.validation_fraction,
            "features": list(exp.data.features),
            "params": dict(exp.data.params),
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
        },
    }


def default_experiment() -> Experiment:
    """TensorFlow Playground's opening setup: circle data, 2 hidden tanh layers of 4 and 2."""
    return experiment_from_dict({
        "name": "Circle",
        "data": {"dataset": "circle", "samples": 500, "noise": 0.0, "train_fraction": 0.5},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                               {"type": "dense", "units": 2, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10},
    })
