"""Section (g) of ``benchmarks/speed.py``: the cost of a busy machine.

How much a workload slows down when one other process keeps one core busy
(``python -c "while True: pass"``, started before the timed run and killed
right after it). Two workloads, each timed idle and loaded:

1. the README quickstart, ``examples/quickstart.py``, as a subprocess
   (``--quickstart-runs`` runs each, idle first; ``--quick`` runs a tiny
   stand-in fit in a subprocess instead);
2. a small fit in this process, ``RNNClassifier(random_state=0,
   max_epochs=30)`` with every other default on the data of (f), with
   ``--repeats`` interleaved repeats; for contrast also with ``n_threads`` at
   torch's default count (the behaviour before ``n_threads="auto"``), where
   this version has the parameter.

Goal: loaded time <= 1.5x idle time, for both workloads with the defaults.
The CPU time other processes used is reported for the idle runs only.
"""

import contextlib
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from sklearn_rnn import RNNClassifier

# isort: split
from _models import N_FEATURES
from _synthetic import make_fixed
from _tables import goal_line
from _timing import LoadMonitor, load_note, progress

ROOT = Path(__file__).parent.parent
# --quick's stand-in for the quickstart: a tiny fit, in a fresh process too.
QUICKSTART_STAND_IN = """
import numpy as np
from sklearn_rnn import RNNClassifier
X = np.random.default_rng(0).standard_normal((64, 8, 8), dtype=np.float32)
y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
RNNClassifier(max_epochs=2, random_state=0).fit(X, y).predict(X)
"""


@contextlib.contextmanager
def competing_process():
    """Keep one core busy with another process while the block runs."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        # Let it reach its loop, so that the timed run competes with a
        # spinning core from the start rather than with an interpreter's
        # start-up.
        time.sleep(0.5)
        yield
    finally:
        busy.terminate()
        busy.wait()


def time_run(run, loaded):
    """Seconds ``run()`` takes, and the share of a core others used meanwhile.

    ``loaded``: next to a competing busy process (the share is then None).
    """
    if loaded:
        with competing_process():
            start = time.perf_counter()
            run()
            return time.perf_counter() - start, None
    with LoadMonitor() as load:
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
    return seconds, load.share


def run_script(command):
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{done.stderr}")


def quickstart_command(quick):
    """The quickstart's command line, its name and what it is, for (g)."""
    if quick:
        return (
            [sys.executable, "-c", QUICKSTART_STAND_IN],
            "quickstart stand-in",
            "`--quick`'s stand-in for the README quickstart, a subprocess that "
            f"fits `RNNClassifier(max_epochs=2)` on 64 x 8 x {N_FEATURES} "
            "random data",
        )
    return (
        [sys.executable, "examples/quickstart.py"],
        "quickstart",
        "the README quickstart, `python examples/quickstart.py`, as a subprocess",
    )


def busy_quickstart(args, command, label):
    """Idle, then loaded, runs of the quickstart (or its --quick stand-in)."""
    # One after another, idle first: each run takes long enough on its own.
    times = {"idle": [], "loaded": [], "share": []}
    for loaded in (False, True):
        for _ in range(args.quickstart_runs):
            progress(f"(g) {label}, {'loaded' if loaded else 'idle'}")
            seconds, share = time_run(lambda: run_script(command), loaded)
            times["loaded" if loaded else "idle"].append(seconds)
            times["share"].append(share)
    return times


def busy_small_fits(args, rng):
    """Interleaved idle and loaded small fits, for each thread setting.

    Returns the name of the fit at the defaults and name -> times.
    """
    n, n_steps = args.small_data
    X, y, _ = make_fixed(n, n_steps, rng)
    has_n_threads = "n_threads" in RNNClassifier().get_params()
    defaults = "small fit, defaults" + (
        " (`n_threads='auto'`)" if has_n_threads else ""
    )
    variants = {defaults: {}}
    if has_n_threads:
        # main() pinned torch's default count: the count fits used before.
        count = torch.get_num_threads()
        old = f"small fit, `n_threads={count}` (torch's default, the old behaviour)"
        variants[old] = {"n_threads": count}

    def fit(params, epochs):
        RNNClassifier(random_state=0, max_epochs=epochs, **params).fit(X, y)

    progress("(g) small fits, idle and loaded")
    for params in variants.values():
        fit(params, 1)  # warm-up
    times = {name: {"idle": [], "loaded": [], "share": []} for name in variants}
    for _ in range(args.repeats):
        for name, params in variants.items():
            for loaded in (False, True):
                seconds, share = time_run(
                    lambda p=params: fit(p, args.busy_epochs), loaded
                )
                times[name]["loaded" if loaded else "idle"].append(seconds)
                times[name]["share"].append(share)
    return defaults, times


def busy_ratio(t):
    """Median over runs of loaded ÷ idle time, run by run."""
    return statistics.median(b / a for a, b in zip(t["idle"], t["loaded"], strict=True))


def section(args, rng):
    n, n_steps = args.small_data
    command, label, what = quickstart_command(args.quick)
    title = (
        f"**(g) Busy machine**, {os.cpu_count()} CPU cores: each workload "
        "alone (idle) and next to one competing busy process (`python -c "
        "'while True: pass'`, started before the timed run and killed right "
        f"after it). (1) {what}, {args.quickstart_runs} run(s) idle, then as "
        "many loaded; (2) "
        f"`RNNClassifier(random_state=0, max_epochs={args.busy_epochs})`, every "
        f"other parameter at its default, fitted on {n} x {n_steps} x "
        f"{N_FEATURES} random data in this process, {args.repeats} interleaved "
        "repeat(s)."
    )
    quickstart = busy_quickstart(args, command, label)
    defaults, small_fits = busy_small_fits(args, rng)
    workloads = {label: quickstart, **small_fits}
    # Every run, not only the medians: loaded runs vary a lot.
    for name, t in workloads.items():
        for phase in ("idle", "loaded"):
            runs = ", ".join(f"{v:.3f}" for v in t[phase])
            print(f"  {name}, {phase} seconds: {runs}")
    lines = [
        title,
        "",
        "| workload | idle s | loaded s | loaded time ÷ idle time |",
        "|---|---:|---:|---:|",
    ]
    for name, t in workloads.items():
        lines.append(
            f"| {name} | {statistics.median(t['idle']):.2f} "
            f"| {statistics.median(t['loaded']):.2f} | {busy_ratio(t):.2f}x |"
        )
    lines += [
        "",
        goal_line(f"{label}, loaded ÷ idle", busy_ratio(quickstart), 1.5, at_most=True),
        goal_line(
            f"{defaults}, loaded ÷ idle",
            busy_ratio(small_fits[defaults]),
            1.5,
            at_most=True,
        ),
        "- torch's threads spin-wait between parallel regions: a fit with "
        "more threads than free cores loses far more than the busy core's "
        "share of the machine.",
    ]
    # The loaded runs have a competitor by design: only the idle runs count.
    shares = [
        share for t in workloads.values() for share in t["share"] if share is not None
    ]
    idle_share = max(shares) if shares else None
    lines += [f"- idle runs, the worst: {load_note(idle_share)}.", ""]
    return lines
