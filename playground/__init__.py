"""NN Playground: assemble a network, press Train, watch it learn.

`playground.core` is the Qt-free engine (experiments, data, models, trainer, presets);
`playground.gui` is the desktop app that edits and drives it; `playground.cli` is the entry point.
"""

import os

# One BLAS thread per process, set before numpy loads (a person's own setting wins). The app runs
# two busy processes (window and trainer) on what may be a 2-core machine, and its matrices are
# tiny: a second OpenBLAS thread only waits for a core the other process holds. Measured here, a
# 0.35 ms neuron-map resample took ~3 ms in the window while training, and the trainer lost speed.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
