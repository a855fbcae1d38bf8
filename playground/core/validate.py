"""Reading an Experiment from its JSON form: strict, against the registries, one error per problem.

`experiment_from_dict` rejects unknown fields, wrong types, out-of-range values, unknown names and
(through `compat.check_experiment`) impossible combinations, raising SpecError naming the field
path. The value itself lives in `spec` (a leaf); this module sits above the registries and the
data sets it reads, so the dependency points one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playground.core.augment import check_augment
from playground.core.compat import check_experiment
from playground.core.datasets import DATASETS, IMAGE
from playground.core.errors import SpecError
from playground.core.features import FEATURES
from playground.core.layers import LAYERS, OUTPUT_PARAMS
from playground.core.losses import LOSSES
from playground.core.optimizers import OPTIMIZERS
from playground.core.params import validate_params
from playground.core.schedules import SCHEDULES
from playground.core.search.section import check_section
from playground.core.spec import (
    DATA_PARAMS,
    DATA_SEED_PARAM,
    EARLY_STOPPING_PARAMS,
    SEED_PARAM,
    TRAINING_PARAMS,
    DataSpec,
    Experiment,
    LayerSpec,
    NamedSpec,
    NetworkSpec,
    TrainingSpec,
)
from playground.core.speed import pace_from_json


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
    d = _obj(d, path)
    _check_keys(d, {"dataset", "features", "params", "augment", *(p.name for p in DATA_PARAMS)}, path)
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
    augment = check_augment(d.get("augment"), f"{path}.augment", entry.kind == IMAGE)
    return DataSpec(dataset=entry.name, features=tuple(features), params=params, augment=augment, **common)


def _network_from_dict(d: Any, path: str = "network") -> NetworkSpec:
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
    d = _obj(d, path)
    names = {p.name for p in TRAINING_PARAMS}
    _check_keys(d, {"loss", "optimizer", "schedule", "early_stopping", "pace", *names}, path)
    loss = d.get("loss", "auto")
    if loss != "auto":
        loss = LOSSES.lookup(loss, f"{path}.loss").name
    opt = _named(d.get("optimizer", {"name": "sgd"}), f"{path}.optimizer", "name", OPTIMIZERS)
    sched = _named(d.get("schedule", {"name": "constant"}), f"{path}.schedule", "name", SCHEDULES)
    common = validate_params(TRAINING_PARAMS, {k: v for k, v in d.items() if k in names}, path)
    es = validate_params(EARLY_STOPPING_PARAMS, d.get("early_stopping"), f"{path}.early_stopping")
    pace = pace_from_json(d.get("pace", "max"), f"{path}.pace")
    return TrainingSpec(loss=loss, optimizer=NamedSpec(*opt), schedule=NamedSpec(*sched),
                        early_stopping=es, pace=pace, **common)


def experiment_from_dict(d: Any) -> Experiment:
    """Validate a JSON-like dict (current format version, already migrated) into an Experiment."""
    d = _obj(d, "")
    _check_keys(d, {"format", "version", "name", "description", "seed", "data_seed", "data", "network",
                    "training", "search"}, "")
    name = d.get("name", "Untitled")
    if not isinstance(name, str):
        raise SpecError("name", "must be a string", name)
    description = d.get("description", "")
    if not isinstance(description, str):
        raise SpecError("description", "must be a string", description)
    seed = SEED_PARAM.check(d.get("seed", 0), "seed")
    data_seed = DATA_SEED_PARAM.check(d.get("data_seed", seed), "data_seed")  # unset: one seed for both
    exp = Experiment(name=name, description=description, seed=seed, data_seed=data_seed,
                     data=_data_from_dict(d.get("data", {})),
                     network=_network_from_dict(d.get("network", {})),
                     training=_training_from_dict(d.get("training", {})),
                     search=check_section(d.get("search", {})))
    check_experiment(exp)
    return exp


def default_experiment() -> Experiment:
    """TensorFlow Playground's opening setup: circle data, 2 hidden tanh layers of 4 and 2."""
    return experiment_from_dict({
        "name": "Circle",
        "data": {"dataset": "circle", "samples": 500, "noise": 0.0, "train_fraction": 0.5},
        "network": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                               {"type": "dense", "units": 2, "activation": "tanh"}]},
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10},
    })
