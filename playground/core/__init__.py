"""The Qt-free engine of NN Playground: experiments, data, models, trainer, presets.

Nothing under this package may import Qt (a test checks it in a subprocess): the GUI, the command
line and scripts or notebooks all drive the same code.

    from playground.core import load_preset, TrainingRun
    run = TrainingRun(load_preset("presets/circle.json"))
    for snap in run.snapshots():
        print(snap.epoch, snap.latest("test_loss"))
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from playground.core.errors import DataError, PlaygroundError, ShapeError, SpecError
from playground.core.spec import Experiment, experiment_to_dict

_LAZY = {
    "default_experiment": "playground.core.validate",
    "experiment_from_dict": "playground.core.validate",
    "TrainingRun": "playground.core.run.loop",
    "RunOptions": "playground.core.run.loop",
    "run_to_end": "playground.core.run.loop",
    "Snapshot": "playground.core.snapshot",
    "load_preset": "playground.core.presets",
    "save_preset": "playground.core.presets",
    "load_dataset": "playground.core.datasets",
    "build_model": "playground.core.model",
}

__all__ = ["DataError", "Experiment", "PlaygroundError", "ShapeError", "SpecError", "experiment_to_dict",
           *_LAZY]


def __getattr__(name: str) -> Any:
    """Import torch-heavy parts on first use, so `import playground.core` stays cheap."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'playground.core' has no attribute {name!r}")
