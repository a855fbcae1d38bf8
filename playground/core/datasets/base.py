"""The Dataset value every generator produces and everything downstream consumes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BINARY = "binary"
MULTICLASS = "multiclass"
REGRESSION = "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)

POINTS2D = "points2d"  # 2-D inputs: boundary plots, features x1^2, sin x1, ...
LINE1D = "line1d"  # 1-D regression: plot data and fitted curve
IMAGE = "image"  # (1, h, w) images
TABLE = "table"  # user CSV: n numeric columns


@dataclass(frozen=True)
class Dataset:
    """Train / validation / test splits, ready for the model, plus what views need to draw them.

    x_*: float32, shape (n, *input_shape), features already applied. y_*: int64 class labels (n,)
    for classification, float32 (n, 1) for regression. raw_*: the untransformed 2-D/1-D points
    (for plotting; None for images/tables). `transform` maps raw points to model inputs (used for
    decision-boundary grids). extent: (x1_min, x1_max, x2_min, x2_max) of the plotted plane.
    """

    name: str
    kind: str
    task: str
    num_classes: int  # 2 for binary, k for multiclass, 0 for regression
    input_shape: tuple[int, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray | None = None
    raw_val: np.ndarray | None = None
    raw_test: np.ndarray | None = None
    extent: tuple[float, float, float, float] | None = None
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    transform: Callable[[np.ndarray], np.ndarray] | None = None
    available: int = 0  # examples the source holds (a file, a fixed set); 0 = generated, any number
    requested: int = 0  # the `samples` asked of a fixed set or file; 0 = generated, or "every row"

    @property
    def used(self) -> int:
        """Examples in the three splits together."""
        return len(self.y_train) + len(self.y_val) + len(self.y_test)

    @property
    def capped(self) -> bool:
        """True when `samples` left part of a fixed set or file unused (the person should know)."""
        return self.used < self.available

    @property
    def short(self) -> bool:
        """True when `samples` asked for more than the set could give: fewer are in use than asked."""
        return self.used < self.requested

    @property
    def output_units(self) -> int:
        """Units of the output head: 1 for binary and regression, k for k classes."""
        return self.num_classes if self.task == MULTICLASS else 1
