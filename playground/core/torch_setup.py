"""torch's set-up in a process that trains: its intra-op threads, decided here and nowhere else,
and the one-time warm-up. The app, its trainer process, `nn-playground train`, the tests and the
benchmarks all call these.

Threads: one. The networks here are tiny, so extra threads only add synchronisation jitter to
every step (measured: one thread trains them faster and steadier) and take the core the window
needs. DESIGN.md expects conv nets to want all of the trainer's cores; that is not measured yet, so
every network gets one thread (a rule per network would replace `THREADS`, here).
"""

from __future__ import annotations

import torch

THREADS = 1  # intra-op threads for training (see above)
_warm = False


def set_threads() -> None:
    """Give torch this process's intra-op threads (before the first run)."""
    torch.set_num_threads(THREADS)


def warm_up() -> None:
    """Once per process, before any run: the threads set, and torch's lazy imports paid.

    The first `torch.optim` optimizer imports torch._dynamo (measured 1.2-3.3 s here): paid at
    start-up, where a wait is expected, it cannot freeze the window on the first Train press.
    """
    global _warm
    if _warm:
        return
    import playground.core.run.loop  # noqa: F401 - an import error shows at start-up, not at the first run

    set_threads()
    weight = torch.zeros(2, 1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.1)
    (torch.ones(3, 2) @ weight).sum().backward()
    optimizer.step()
    _warm = True
