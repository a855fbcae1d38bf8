"""The desktop app: an editor for an Experiment and a live view of its training run."""
