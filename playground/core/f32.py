"""float32 scalars as torch's kernels use them: shared by the numpy twin and the update/loss rules."""

from __future__ import annotations

import numpy as np

F32 = np.float32


def const(value: float) -> np.ndarray:
    """A 0-d float32 array: as a ufunc operand it costs far less than a Python float (which numpy
    must inspect on every call) and rounds the same way (torch also casts scalars to float32)."""
    return np.array(value, F32)


ZERO, ONE, TWENTY = const(0), const(1), const(20)
