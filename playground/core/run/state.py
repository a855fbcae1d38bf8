"""The one vocabulary of run states: what a snapshot reports, and what the window adds to it.

A `StrEnum`, so each state equals its old string: the wire, `train --json` and saved records are
unchanged, and a state read back off the wire as a plain string still compares equal.
"""

from __future__ import annotations

import enum


class RunState(enum.StrEnum):
    """Where a run stands. The first six are the trainer's (a snapshot carries one of them); the
    last four exist only in the window (`SNAPSHOT_STATES` excludes them, and the wire refuses them)."""

    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # epoch limit reached
    STOPPED = "stopped"  # stopped by the person
    STOPPED_EARLY = "stopped_early"  # early stopping fired
    DIVERGED = "diverged"  # loss became NaN/inf or blew up (see divergence.py)
    # the window's own: no run, a run that failed, and what a click asked of an active run
    IDLE = "idle"
    ERROR = "error"
    STEPPING = "stepping"  # step presses under way, then paused
    STOPPING = "stopping"  # Stop pressed, the trainer not yet there


FINAL_STATES = frozenset({RunState.FINISHED, RunState.STOPPED, RunState.STOPPED_EARLY, RunState.DIVERGED})
SNAPSHOT_STATES = frozenset({RunState.RUNNING, RunState.PAUSED}) | FINAL_STATES
