"""The Experiment under one name for the GUI, the command line, scripts and tests.

The value itself lives in `spec` (a leaf: plain data and its JSON writer) and its strict reading in
`validate` (above the registries). Modules of the core that the registries or data sets import
take `spec` directly; importing this module pulls in the registries.
"""

from __future__ import annotations

from playground.core.spec import (
    DATA_PARAMS,
    EARLY_STOPPING_PARAMS,
    FORMAT,
    SEED_PARAM,
    TRAINING_PARAMS,
    VERSION,
    DataSpec,
    Experiment,
    LayerSpec,
    NamedSpec,
    NetworkSpec,
    TrainingSpec,
    experiment_to_dict,
)
from playground.core.validate import default_experiment, experiment_from_dict

__all__ = ["DATA_PARAMS", "EARLY_STOPPING_PARAMS", "FORMAT", "SEED_PARAM", "TRAINING_PARAMS", "VERSION",
           "DataSpec", "Experiment", "LayerSpec", "NamedSpec", "NetworkSpec", "TrainingSpec",
           "default_experiment", "experiment_from_dict", "experiment_to_dict"]
