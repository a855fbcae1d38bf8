"""What each tab costs the training speed: epochs/s with the tab showing against with it hidden.

A view must not slow training down much just by being on screen (the Step tab once cut it from 755
to 39 epochs/s, silently, by putting every step on torch). The real main window (offscreen,
1440x900) trains each experiment in one run whose layout changes every phase (2 s) between:

* **hidden**: Data on the left, Design in the centre, the output column hidden; the trainer is
  asked for the same snapshot contents as always (the window always asks for the same);
* **Output**, **Dynamics**, **Step**: the hidden layout with the output column showing that tab;
* **Inside**: the hidden layout with Inside in the centre; **Runs**: with Runs on the left.

Hidden and visible phases alternate, so each ratio (a visible phase against the mean of the hidden
phases either side) compares stretches of one run taken seconds apart, under the same load; the
first quarter second of a phase (the tab's first paints; the trainer hearing of a watch) is not
counted. CPU time per second of the window's process shows what the views themselves cost (on a
machine with a core to spare for the window it does not slow the trainer), and of the trainer's
process what it got. A headless run with and without a watched weight gives the trainer's own
share of the Step tab. Run: `python benchmarks/tabs_benchmark.py [--seconds S] [--repeats R]
[--tabs T ...]` (~6 minutes); prints a table and writes benchmarks/results/tabs.json. Target:
every tab's median ratio at least 0.5. On a shared machine single phases scatter widely.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402  (imported on the main thread before any training thread)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_benchmark import APP_OPTIONS, unlimited  # noqa: E402
from cases import spiral_8x6, warm_trainer_process  # noqa: E402
from core_benchmark import host_timeit_us  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ticks import run_for  # noqa: E402

from playground.core.experiment import Experiment, default_experiment  # noqa: E402
from playground.core.run.loop import TrainingRun  # noqa: E402
from playground.core.torch_setup import warm_up  # noqa: E402
from playground.gui.main_window import MainWindow  # noqa: E402
from playground.gui.session import Session  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "tabs.json"
TABS = ("Output", "Inside", "Dynamics", "Step", "Runs")
WARM_UP_S = 0.5  # after Train: the child starts the run, the first draws
SETTLE_S = 0.25  # after a layout change: the first paints of the tab, the trainer hears of the watch


def show_layout(window: MainWindow, tab: str | None) -> None:
    """The hidden layout (`tab` None), or it with `tab` showing."""
    window.side.setCurrentWidget(window.runs_panel if tab == "Runs" else window.data_panel)
    window.centre.setCurrentWidget(window.inside if tab == "Inside" else window.designer)
    right = {"Output": window.output, "Dynamics": window.dynamics, "Step": window.step_explainer}
    window.right.setVisible(tab in right)
    if tab in right:
        window.right.setCurrentWidget(right[tab])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; NaN where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase_rates(app: QApplication, window: MainWindow, schedule: list[str | None],
                seconds: float) -> list[tuple[float, float, float]]:
    """One run through `schedule` (a layout per phase of `seconds`): per phase, epochs/s and the CPU
    time per second of the window's process (what the views cost) and of the trainer's."""
    marks: list[tuple[float, int]] = []
    window.controller.snapshot_ready.connect(lambda snap: marks.append((time.perf_counter(), snap.epoch)))
    window.toggle_training()  # starts the run and brings Inside forward: the layouts come after
    run_for(app, WARM_UP_S)
    child = window.controller._proc.proc.pid
    spans = []
    for tab in schedule:
        show_layout(window, tab)
        run_for(app, SETTLE_S)
        start, cpu, trainer = time.perf_counter(), time.process_time(), cpu_seconds(child)
        run_for(app, seconds - SETTLE_S)
        spans.append((start, time.perf_counter(), time.process_time() - cpu, cpu_seconds(child) - trainer))
        if window.controller.state != "running":
            raise RuntimeError(f"the run stopped during the benchmark: {window.status_label.text()}")
    window.reset()
    out = []
    for start, end, cpu, trainer in spans:
        (ta, ea), *_, (tb, eb) = [m for m in marks if start <= m[0] <= end]
        out.append(((eb - ea) / (tb - ta), cpu / (end - start), trainer / (end - start)))
    return out


def headless_watch(exp: Experiment, seconds: float) -> dict[str, float]:
    """The trainer alone, as the window asks it, with and without a watched weight (the Step tab)."""
    out = {}
    for name, watch in (("unwatched", False), ("watched", True)):
        run = TrainingRun(exp, APP_OPTIONS)
        if watch:
            run.watch_parameter("0.linear.weight", 0)
        t0 = e0 = None
        for snap in run.snapshots():
            if t0 is None:
                t0, e0 = time.perf_counter(), snap.epoch
            elif time.perf_counter() - t0 >= seconds:
                run.stop()
            if snap.done:
                break
        out[name] = (run.epoch - e0) / (time.perf_counter() - t0)
    out["ratio"] = out["watched"] / out["unwatched"]
    return out


def measure_case(app: QApplication, exp: Experiment, seconds: float, repeats: int,
                 tabs: tuple[str, ...] = TABS) -> dict:
    schedule = [tab for _ in range(repeats) for t in tabs for tab in (None, t)] + [None]
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "tabs.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Session(exp), settings=settings)
        window.resize(1440, 900)
        window.show()
        try:
            measured = phase_rates(app, window, schedule, seconds)
        finally:
            window.controller.shutdown()
            window.hide()
            window.deleteLater()
            app.processEvents()
    rates, cpu, trainer = ([m[k] for m in measured] for k in (0, 1, 2))
    case = {}
    for tab in tabs:
        visible = [i for i, t in enumerate(schedule) if t == tab]
        hidden = [(rates[i - 1] + rates[i + 1]) / 2 for i in visible]  # the hidden phases either side
        ratios = [rates[i] / h for i, h in zip(visible, hidden, strict=True)]
        case[tab] = {"visible_epochs_per_s": statistics.median(rates[i] for i in visible),
                     "hidden_epochs_per_s": statistics.median(hidden),
                     "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratios": ratios,
                     "window_cpu_visible": statistics.median(cpu[i] for i in visible),
                     "window_cpu_hidden": statistics.median(cpu[i + 1] for i in visible),
                     "trainer_cpu_visible": statistics.median(trainer[i] for i in visible),
                     "trainer_cpu_hidden": statistics.median(trainer[i + 1] for i in visible)}
    case["headless_watch"] = headless_watch(exp, seconds)
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each phase")
    parser.add_argument("--repeats", type=int, default=8, help="visible phases per tab")
    parser.add_argument("--tabs", nargs="+", choices=TABS, default=list(TABS), help="tabs to measure")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    warm_up()
    host_before = host_timeit_us()
    app = QApplication.instance() or QApplication(sys.argv)
    warm_trainer_process()
    cases = {"circle (default)": unlimited(default_experiment()), "spiral 2-8x6-1 tanh b10": spiral_8x6()}
    tabs = tuple(args.tabs)
    results = {name: measure_case(app, exp, args.seconds, args.repeats, tabs) for name, exp in cases.items()}
    head = (f"{'case':26} {'tab':9} {'visible':>9} {'hidden':>9} {'ratio median':>13} {'ratio min':>10} "
            f"{'CPU window':>14} {'CPU trainer':>14}")
    print("epochs/s with each tab showing and hidden, in one run per case (ratio: visible / hidden)")
    print(head)
    print("-" * len(head))
    for name, case in results.items():
        for tab in tabs:
            r = case[tab]
            print(f"{name:26} {tab:9} {r['visible_epochs_per_s']:9.1f} {r['hidden_epochs_per_s']:9.1f} "
                  f"{r['ratio_median']:13.2f} {r['ratio_min']:10.2f} "
                  f"{r['window_cpu_visible']:7.0%} / {r['window_cpu_hidden']:4.0%} "
                  f"{r['trainer_cpu_visible']:6.0%} / {r['trainer_cpu_hidden']:4.0%}")
        w = case["headless_watch"]
        print(f"{name:26} headless trainer: {w['unwatched']:.1f} epochs/s, with a watched weight "
              f"{w['watched']:.1f} ({w['ratio']:.2f})")
    meta = {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "platform": platform.platform(), "load_average": os.getloadavg(), "seconds": args.seconds,
            "repeats": args.repeats, "tabs": tabs, "qpa": os.environ["QT_QPA_PLATFORM"],
            "host_timeit_us": {"before": host_before, "after": host_timeit_us()}}  # 7 us on a quiet day
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"host: timeit sum(range(1000)) {meta['host_timeit_us']['before']:.1f} us before, "
          f"{meta['host_timeit_us']['after']:.1f} us after (7 on a quiet day)")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
