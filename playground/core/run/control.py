"""Whether a run trains: pause, resume, step and stop, taken from a queue between time slices.

The window sends these from another thread (through the trainer process); the trainer reads
them between slices, so each answers within one slice (one optimizer step, where a step takes
longer than a slice). The rules a person can rely on:

* Pause, Resume and Stop drop the Step presses still queued. Pressing Step five times on a slow
  network and then Pause must not leave four more epochs to watch; Pause is the way out.
* Step presses are counted, not merged: three presses are three epochs, as someone counting them
  expects. The snapshot says how many are still to go, so a long queue is visible, not a surprise.
* `taken` counts the control commands the run has taken. The window counts those it sent, so a
  snapshot whose count is behind answers an older click, and the window does not act on it.

Other commands (a weight edit, the learning rate, the watched weight) go through the same queue
in order and are handed back to the trainer, which applies them.
"""

from __future__ import annotations

import queue

from playground.core.commands import CONTROLS, Command, Pause, Resume, StepBatch, StepEpoch


class RunControl:
    """The control state of one run, fed by `put` from any thread and read by the training loop."""

    def __init__(self, paused: bool = False):
        self._queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self.paused = paused
        self.epochs = 0  # Step-one-epoch presses not yet done (the one under way included)
        self.batches = 0  # Step-one-batch presses not yet done
        self.stopping = False
        self.taken = 0  # control commands taken so far

    def put(self, command: Command) -> None:
        """Queue `command`; thread-safe."""
        self._queue.put(command)

    def take(self, block: bool, timeout: float | None = None) -> list[Command]:
        """Apply every queued control command, in order (after waiting for any command if `block`, at
        most `timeout` seconds if given); the other commands, in their order, for the caller to apply."""
        others = []
        while True:
            try:
                command = self._queue.get(block=block, timeout=timeout if block else None)
            except queue.Empty:
                return others
            block = False
            if isinstance(command, CONTROLS):
                self._apply(command)
            else:
                others.append(command)

    def _apply(self, command: Command) -> None:
        self.taken += 1
        if not isinstance(command, (StepEpoch, StepBatch)):
            self.epochs = self.batches = 0  # pause, resume and stop each end any stepping
        if isinstance(command, Pause):
            self.paused = True
        elif isinstance(command, Resume):
            self.paused = False
        elif isinstance(command, StepEpoch):  # "this much, then stay paused", whatever the run was doing
            self.paused, self.epochs = True, self.epochs + 1
        elif isinstance(command, StepBatch):
            self.paused, self.batches = True, self.batches + 1
        else:
            self.stopping = True

    @property
    def stepping(self) -> bool:
        """Paused, with Step presses still to do."""
        return self.paused and bool(self.epochs or self.batches)

    @property
    def idle(self) -> bool:
        """Nothing to do until the next command: paused, no steps queued, not stopping."""
        return self.paused and not self.stepping and not self.stopping
