"""torch's threads are decided in one place, and the warm-up runs once per process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, torch
from playground.core import torch_setup
torch.set_num_threads(3)
torch_setup.warm_up()
first = torch.get_num_threads()
torch.set_num_threads(2)
torch_setup.warm_up()  # done already: leaves the process as it is
second = torch.get_num_threads()
torch_setup.set_threads()
print(json.dumps([first, second, torch.get_num_threads(), "torch._dynamo" in sys.modules]))
"""


def test_warm_up_sets_the_threads_pays_the_lazy_imports_and_runs_once():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    first, second, reset, dynamo = json.loads(out.stdout.strip().splitlines()[-1])
    from playground.core.torch_setup import THREADS

    assert (first, second, reset) == (THREADS, 2, THREADS)
    assert dynamo, "the first optimizer's lazy import was left for the first run"
