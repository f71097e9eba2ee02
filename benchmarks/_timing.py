"""Timing helpers of ``benchmarks/speed.py``: interleaved runs and machine load.

- :class:`Method`: a way to train and predict, on its own form of the data;
- :func:`run_section`: times each method's ``fit`` and then ``predict``,
  interleaved (A, B, C, A, B, C, ...) after one untimed 1-epoch warm-up each,
  and prints every run;
- :func:`median_ratio`: the median over repeats of the ratio of per-sequence
  times of two methods;
- :class:`LoadMonitor`: the share of a core that *other* processes used while
  a block ran (from ``/proc/stat``, less this process's and its ended
  children's CPU time), and :func:`load_note`, what that share means for the
  timings.
"""

import os
import resource
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch
from skorch.callbacks import Callback

from sklearn_rnn import StopTraining


@dataclass
class Method:
    """A way to train and predict, on its own form of the data.

    ``fit(n, epochs)`` trains on the first ``n`` sequences and returns the
    model; ``predict(model, n)`` predicts the first ``n``. ``n`` is the size
    of the data set, or ``limit`` where the method is too slow for it.
    """

    fit: object
    predict: object
    limit: int | None = None


def progress(message):
    print(f"running {message} ...", flush=True)


# -- the load of other processes -------------------------------------------------


def _busy_cpu_seconds():
    """CPU seconds all processes of the machine have used (Linux), else None."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds():
    """CPU seconds of this process and of its children that have ended.

    The children count as our own: (g) times a script as a subprocess.
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def load_note(share):
    """What a share of a core used by other processes means for the timings."""
    if share is None:
        return "CPU use of other processes unknown (no /proc/stat)"
    verdict = "WARNING: timings unreliable" if share > 0.1 else "quiet machine"
    return f"other processes used {share:.0%} of a core meanwhile: {verdict}"


class LoadMonitor:
    """How much CPU other processes use while the block runs."""

    def __enter__(self):
        self.busy = _busy_cpu_seconds()
        self.own = _own_cpu_seconds()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.share = None
        if self.busy is not None:
            others = (_busy_cpu_seconds() - self.busy) - (_own_cpu_seconds() - self.own)
            self.share = max(others, 0.0) / (time.perf_counter() - self.wall)

    def note(self):
        return load_note(self.share)


# -- interleaved runs ---------------------------------------------------------------


def run_section(methods, n_samples, epochs, repeats, n_warmup):
    """Time each method's fit, then predict, in turn, ``repeats`` times.

    One untimed 1-epoch warm-up (fit and predict) of each method on
    ``n_warmup`` sequences comes first. Returns name -> {"fit": [s],
    "predict": [s], "n": sequences} and the load note.
    """
    with LoadMonitor() as load:
        for method in methods.values():
            method.predict(method.fit(n_warmup, 1), n_warmup)
        times = {}
        for name, method in methods.items():
            n = min(n_samples, method.limit or n_samples)
            times[name] = {"fit": [], "predict": [], "n": n}
        for _ in range(repeats):
            for name, method in methods.items():
                n = times[name]["n"]
                start = time.perf_counter()
                model = method.fit(n, epochs)
                middle = time.perf_counter()
                method.predict(model, n)
                end = time.perf_counter()
                times[name]["fit"].append(middle - start)
                times[name]["predict"].append(end - middle)
    # Every run, not only the medians: the spread shows how noisy they were.
    for name, t in times.items():
        for phase in ("fit", "predict"):
            runs = ", ".join(f"{v:.3f}" for v in t[phase])
            print(f"  {name}, {phase} seconds: {runs}")
    return times, load.note()


def median_ratio(times, numerator, denominator, phase):
    """Median over repeats of the ratio of per-sequence times."""
    a, b = times[numerator], times[denominator]
    return statistics.median(
        (x / a["n"]) / (y / b["n"]) for x, y in zip(a[phase], b[phase], strict=True)
    )


def interleaved_times(ours, loop, repeats):
    """Seconds of ``repeats`` runs of two functions, in turn, after one
    untimed warm-up of each: {"ours": [s], "loop": [s]}."""
    ours(), loop()
    times = {"ours": [], "loop": []}
    for _ in range(repeats):
        for side, function in (("ours", ours), ("loop", loop)):
            start = time.perf_counter()
            function()
            times[side].append(time.perf_counter() - start)
    return times


def padded_ids(arrays, fill):
    """Integer arrays right-padded with ``fill`` as a tensor, and their lengths:
    the padding a hand-written loop does."""
    width = max(map(len, arrays))
    out = np.full((len(arrays), width), fill, dtype=np.int64)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return torch.from_numpy(out), torch.tensor([len(a) for a in arrays])


class TimeBudget(Callback):
    """Stop after the epoch that leaves less than an epoch's time in the budget."""

    def __init__(self, seconds):
        self.seconds = seconds

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        elapsed = time.perf_counter() - self.start_
        per_epoch = elapsed / len(net.history)
        row = net.history[-1]
        # No training perplexity where the loss is not the log-likelihood
        # (label smoothing): the loss then.
        progress = (
            f"train perplexity {row['train_perplexity']:.1f}"
            if "train_perplexity" in row
            else f"train loss {row['train_loss']:.3f}"
        )
        print(
            f"  epoch {len(net.history)}: {per_epoch / 60:.1f} min/epoch, {progress}",
            flush=True,
        )
        if elapsed + per_epoch > self.seconds:
            raise StopTraining
