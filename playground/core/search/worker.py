"""A sweep's worker process: `python -m playground.core.search.worker`.

It reads one JSON task per line on stdin, runs it (`trial.run_trial`) and writes JSON lines on
stdout: `ready` once, then per task a few `progress` lines and one `result`. No pickle crosses the
pipe. One torch thread and one BLAS thread per worker: W workers on W cores run W trials side by
side without fighting over the cores. End of stdin ends the worker.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, Any

PROGRESS_INTERVAL = 0.25  # seconds between progress lines of one trial
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _writer(out: IO[str]) -> Any:
    def write(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, allow_nan=False) + "\n")
        out.flush()
    return write


def serve(inp: IO[str], out: IO[str]) -> None:
    """Answer tasks until stdin ends."""
    from playground.core import torch_setup
    from playground.core.errors import failure_text
    from playground.core.search.trial import FAILED, run_trial

    torch_setup.set_threads()
    write = _writer(out)
    write({"type": "ready", "pid": os.getpid()})
    for line in inp:
        task = json.loads(line)
        last = [0.0]

        def progress(figures: dict[str, Any], number: int = task["number"], last: list = last) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                write({"type": "progress", "number": number, **figures})

        try:
            result = run_trial(task, progress)
        except Exception as e:  # a bug or torch's own error: this trial failed, the worker goes on
            result = {"number": task["number"], "params": task["values"], "state": FAILED,
                      "message": failure_text(e)}
        write({"type": "result", **result})


def main() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal reaches us too: the sweep decides
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the protocol
    serve(sys.stdin, protocol)


if __name__ == "__main__":
    main()
