"""What the consumer of a run wants in its snapshots, and how often."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.history import MAX_ROWS
from playground.core.probes import NEURON_RESOLUTION


@dataclass(frozen=True)
class RunOptions:
    """What the consumer wants in snapshots, and how often."""

    grid_resolution: int = 100
    slice_seconds: float = 1 / 30
    neuron_grids: bool = False
    neuron_resolution: int = NEURON_RESOLUTION
    max_units: int = 32
    weights: bool = False
    epochs: int | None = None  # overrides the experiment's epoch limit (0 = no limit)
    sample_count: int = 64  # image sets: test samples whose predictions are reported
    start_paused: bool = False
    conv_maps: bool = False  # image sets: first-layer filters and feature maps of `feature_sample`
    feature_sample: int = 0  # index into the test split
    fast: bool = True  # train eligible dense networks with the numpy twin (False: always torch)
    curves: bool = False  # ROC and precision-recall curves in every snapshot (the last always has them)
    paced: bool = True  # keep the experiment's training.pace (False: as fast as it can, e.g. a search)
    history_rows: int = MAX_ROWS  # history rows kept: the newest exact, older ones thinned (History)
