"""Searching over experiments: the learning-rate range test, sweeps (grid, random, TPE) with
pruning, k-fold cross-validation, and the worker processes that run trials in parallel.

Nothing is imported here, on purpose: `section` is read by preset validation (a leaf), and the
rest pulls in torch and Optuna only where a search actually runs. Import the modules directly:
`search.lr_find`, `search.sweep`, `search.folds`, `search.paths`.
"""
