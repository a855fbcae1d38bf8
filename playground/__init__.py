"""NN Playground: assemble a network, press Train, watch it learn.

`playground.core` is the Qt-free engine (experiments, data, models, trainer, presets);
`playground.gui` is the desktop app that edits and drives it; `playground.cli` is the entry point.
"""

__version__ = "0.1.0"
