"""Speed and memory of RNNClassifier against hand-written PyTorch, skorch, scikeras.

Seven measurements. (a) and (b) time whole ``fit`` calls and then ``predict``
on the training data, with the same model (LSTM(8 -> 64) + Linear, read at
the last valid step), data, batch size, epochs, Adam learning rate and
cross-entropy loss for every method; ``RNNClassifier`` is built with
``conv_channels=None`` (and ``instance_norm=False``) so that it is exactly
that model. Throughput is sequences per second (training: sequences times
epochs per second of ``fit``).

(a) Fixed-length data, where batching does not matter, so the gap to a
    hand-written loop is pure framework overhead:

    1. ``RNNClassifier`` on the 3-D array;
    2. a hand-written PyTorch loop (``randperm`` + tensor slicing each epoch) --
       the reference, the fastest honest loop;
    3. plain skorch, the peer of ``benchmarks/_peers.py`` (``NeuralNetClassifier``
       around a hand-written LSTM, its default shuffled ``DataLoader``);
    4. scikeras, the Keras 3 LSTM of ``benchmarks/_peers.py`` on the torch
       backend, where installed.

    Goal: RNNClassifier's fit <= 1.05x the hand-written loop's time.

(b) Ragged data (lengths uniform in [5, 200]), where batching matters:

    1. ``RNNClassifier`` on the list of (T_i, F) arrays (length buckets, each
       batch padded to its own longest member, output read at ``length - 1``);
       its own conversion and validation of the list are inside the timings;
    2. a hand-written loop feeding ``pack_padded_sequence(enforce_sorted=False)``
       with random batches and reading ``h_n`` of the last layer;
    3. a hand-written loop on random batches padded to the global maximum
       length (dense), reading the output at ``length - 1`` with ``gather``;
    4. plain skorch and 5. scikeras on the data zero-padded to the longest
       sequence (``_peers.pad_to_longest``, outside the timings), reading the
       last padded step as their users do.

    Goals: global-max time / RNNClassifier time >= 1.5 and packed time /
    RNNClassifier time >= 4 (training).

    scikeras runs a Python loop over time steps on the CPU (Keras's torch
    backend uses torch's fused LSTM only with cuDNN): it is timed on the first
    ``--keras-samples`` sequences only, and compared per sequence.

(c) Peak memory for a large ragged data set (default 200,000 univariate
    float32 sequences, lengths uniform in [10, 1000]): the raw data size, the
    size of the array padded to the global maximum, and the peak resident set
    size (RSS) that ``RNNClassifier.fit`` (1 epoch, hidden size 4, batches of
    256) and ``predict`` add, next to what ``_peers.pad_to_longest`` (the
    input of the skorch and scikeras peers) adds, what one training batch of
    the longest sequences adds, and what ``predict`` adds with oneDNN's
    primitive cache off. Each number comes from its own subprocess,
    as the peak RSS (``VmHWM``, reset through ``/proc/self/clear_refs``;
    elsewhere ``ru_maxrss``) minus the RSS after imports, data creation and a
    warm-up fit on a few sequences.

(d) How the cost grows: ``RNNClassifier.fit`` (1 epoch, the model of (a)) and
    ``predict`` on fixed-length data for numbers of sequences and sequence
    lengths in geometric ranges, with the fitted exponents of time ~ n^a and
    time ~ T^b, and the time this predicts for the ragged data of (b).

(e) Cost of the defaults, on fixed-length data (default 8000 sequences x 40
    steps x 8 features, hidden size 64, batches of 128, ``--epochs`` epochs):

    1. ``RNNClassifier`` with every default (``conv_channels="auto"``, which
       builds no branch above 2,000 training sequences, ``n_threads="auto"``,
       the learning-rate schedule, ...) except hidden size, batch size,
       epochs, learning rate and seed;
    2. the same with ``conv_channels=None`` (the model of (a));
    3. the same with the branch "auto" builds on small training sets,
       ``conv_channels=(64, 128, 64)``, forced, to show its price;
    4. the hand-written loop of (a) at batches of 128.

    Goals: defaults' fit time <= 1.5x the hand-written loop's, and
    ``conv_channels=None``'s <= 1.05x.

(f) Per-step cost on small data (default 200 sequences x 24 steps x 8
    features, batches of 32, 20 epochs), where fixed costs per fit and per
    step weigh most: ``RNNClassifier`` with ``conv_channels=None`` against the
    hand-written loop at batches of 32. Both take ceil(n / 32) optimizer steps
    per epoch, so the ratio of fit times is the ratio of times per step.

    Goal: RNNClassifier's time per step <= 1.3x the hand-written loop's.

(g) Busy machine: how much a workload slows down when one other process
    keeps one core busy (``python -c "while True: pass"``, started before the
    timed run and killed right after it). Two workloads, each timed idle and
    loaded:

    1. the README quickstart, ``examples/quickstart.py``, as a subprocess
       (``--quickstart-runs`` runs each, idle first; ``--quick`` runs a tiny
       stand-in fit in a subprocess instead);
    2. a small fit in this process, ``RNNClassifier(random_state=0,
       max_epochs=30)`` with every other default on the data of (f), with
       ``--repeats`` interleaved repeats; for contrast also with
       ``n_threads`` at torch's default count (the behaviour before
       ``n_threads="auto"``), where this version has the parameter.

    Goal: loaded time <= 1.5x idle time, for both workloads with the defaults.

The methods of a section run interleaved (A, B, C, A, B, C, ...) after one
untimed 1-epoch warm-up each; the tables show medians and the median of the
per-repeat ratios. Data generation and the peers' padding happen outside the
timed region. The script keeps torch's default number of threads: the
hand-written loops use it, while ``RNNClassifier``'s fit, under
``n_threads="auto"``, picks its own count for the duration of the fit. The CPU
time that other processes used during each section (in (g), during the idle
runs) is printed: on a small machine any competing load distorts the timings
badly, so run it on an idle machine.

The script prints its tables and writes them, with a description of the
machine, to ``docs/benchmarks/speed.md`` (not with ``--quick``, unless
``--output`` is given). Run from the repository root::

    python benchmarks/speed.py              # full run, 15-20 minutes on 2 idle cores
    python benchmarks/speed.py --quick      # smoke run
    python benchmarks/speed.py --sections ab --repeats 5
"""

import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import sklearn_rnn
from sklearn_rnn import RNNClassifier

sys.path.insert(0, str(Path(__file__).parent))
import _peers

HERE = Path(__file__).parent
ROOT = HERE.parent
OUTPUT = HERE.parent / "docs" / "benchmarks" / "speed.md"

N_FEATURES = 8
N_CLASSES = 2
HIDDEN_SIZE = 64
BATCH_SIZE = 64
# RNNClassifier predicts in batches of max(batch_size, 256); every method
# predicts in batches of this size.
PREDICT_BATCH_SIZE = 256
LR = 1e-3
SEED = 0

# (e): the batch size of the defaults' measurement; (f), (g): the estimator's
# default batch size, on a data set small enough for fixed costs to show.
DEFAULTS_BATCH_SIZE = 128
SMALL_BATCH_SIZE = 32

# (c): a large ragged data set and a tiny network. On a CPU, bigger batches
# barely shorten the epoch, while the network's training memory grows with them.
MEMORY_HIDDEN_SIZE = 4
MEMORY_BATCH_SIZE = 256
MEMORY_FEATURES = 1
MB = 1e6


# -- the hand-written model and loops --------------------------------------------


class LSTMHead(nn.Module):
    """LSTM + linear head on the last step's output (the hand-written model)."""

    def __init__(self, n_features=N_FEATURES, hidden_size=HIDDEN_SIZE):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, N_CLASSES)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.head(output[:, -1])


def build_model():
    """Seed torch and build the hand-written model."""
    torch.manual_seed(SEED)
    return LSTMHead()


# How each hand-written variant turns a batch of indices into logits.


def dense_last(model, data, index):
    return model(data["values"][index])


def packed_last(model, data, index):
    lengths = data["lengths"][index]
    values = data["values"][index, : int(lengths.max())]
    packed = pack_padded_sequence(
        values, lengths, batch_first=True, enforce_sorted=False
    )
    _, (h_n, _) = model.lstm(packed)
    return model.head(h_n[-1])


def global_max_gather(model, data, index):
    lengths = data["lengths"][index]
    output, _ = model.lstm(data["values"][index])
    last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[2])
    return model.head(output.gather(1, last).squeeze(1))


def hand_loop(forward, data, epochs, batch_size=BATCH_SIZE):
    """Train a fresh model for ``epochs`` epochs of random batches."""
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    target = data["target"]
    model.train()
    for _ in range(epochs):
        for index in torch.randperm(len(target)).split(batch_size):
            optimizer.zero_grad()
            loss = criterion(forward(model, data, index), target[index])
            loss.backward()
            optimizer.step()
    return model


def hand_predict(forward, model, data):
    """Class indices for every sequence, in batches of PREDICT_BATCH_SIZE."""
    model.eval()
    with torch.no_grad():
        logits = [
            forward(model, data, index)
            for index in torch.arange(len(data["target"])).split(PREDICT_BATCH_SIZE)
        ]
    return torch.cat(logits).argmax(1)


# -- the library-driven variants ------------------------------------------------


def like_for_like(**params):
    """RNNClassifier parameters, with every optional branch off.

    The comparisons are against a plain LSTM: the convolutional branch and
    instance normalization stay off even if their defaults change (a parameter
    this version lacks is left out).
    """
    defaults = {"conv_channels": None, "instance_norm": False}
    known = RNNClassifier().get_params()
    return {**{k: v for k, v in defaults.items() if k in known}, **params}


def make_rnn_classifier(epochs, batch_size=BATCH_SIZE, **params):
    return RNNClassifier(
        **like_for_like(
            hidden_size=HIDDEN_SIZE,
            batch_size=batch_size,
            max_epochs=epochs,
            lr=LR,
            random_state=SEED,
            **params,
        )
    )


def make_skorch(epochs):
    return _peers.make_skorch_lstm(
        "classification",
        N_FEATURES,
        N_CLASSES,
        hidden_size=HIDDEN_SIZE,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        lr=LR,
        predict_batch_size=PREDICT_BATCH_SIZE,
        random_state=SEED,
    )


def make_keras(epochs):
    return _peers.make_keras_lstm(
        "classification",
        N_FEATURES,
        N_CLASSES,
        hidden_size=HIDDEN_SIZE,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        lr=LR,
        predict_batch_size=PREDICT_BATCH_SIZE,
        random_state=SEED,
    )


# -- data -------------------------------------------------------------------------


def labels_of(first_feature_means):
    return (np.asarray(first_feature_means) > 0).astype(np.int64)


def make_fixed(n_samples, n_steps, rng):
    X = rng.standard_normal((n_samples, n_steps, N_FEATURES), dtype=np.float32)
    y = labels_of(X[:, :, 0].mean(axis=1))
    tensors = {"values": torch.from_numpy(X), "target": torch.from_numpy(y)}
    return X, y, tensors


def make_ragged(n_samples, min_len, max_len, rng):
    lengths = rng.integers(min_len, max_len + 1, size=n_samples)
    X = [rng.standard_normal((n, N_FEATURES), dtype=np.float32) for n in lengths]
    y = labels_of([x[:, 0].mean() for x in X])
    padded = np.zeros((n_samples, lengths.max(), N_FEATURES), dtype=np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    tensors = {
        "values": torch.from_numpy(padded),
        "lengths": torch.from_numpy(lengths.astype(np.int64)),
        "target": torch.from_numpy(y),
    }
    return X, y, tensors


# -- timing -----------------------------------------------------------------------


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


def section_table(times, epochs, reference, against="RNNClassifier's"):
    """Markdown table: medians, throughput, ratios to ``reference``.

    ``against`` names the reference in the header.
    """
    lines = [
        "| method | sequences | fit s | train seq/s | predict s | predict seq/s "
        f"| fit time ÷ {against} | predict time ÷ {against} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        fit, predict = statistics.median(t["fit"]), statistics.median(t["predict"])
        lines.append(
            f"| {name} | {t['n']} | {fit:.2f} | {t['n'] * epochs / fit:,.0f} "
            f"| {predict:.3f} | {t['n'] / predict:,.0f} "
            f"| {median_ratio(times, name, reference, 'fit'):.2f}x "
            f"| {median_ratio(times, name, reference, 'predict'):.2f}x |"
        )
    return lines


def goal_line(label, ratio, goal, at_most):
    met = ratio <= goal if at_most else ratio >= goal
    sign = "<=" if at_most else ">="
    return f"- {label}: {ratio:.2f}x (goal {sign} {goal:.2f}x): " + (
        "**met**" if met else "**missed**"
    )


def progress(message):
    print(f"running {message} ...", flush=True)


# -- (a) and (b) -------------------------------------------------------------------


def head(tensors, n):
    """The first ``n`` sequences of the hand-written loops' tensors."""
    return {key: value[:n] for key, value in tensors.items()}


def estimator_method(make, X, y):
    """The Method of an estimator ``make(epochs)`` on the array X."""
    return Method(
        fit=lambda n, e: make(e).fit(X[:n], y[:n]),
        predict=lambda model, n: model.predict(X[:n]),
    )


def hand_method(data, batch_size=BATCH_SIZE):
    """The Method of the hand-written loop on fixed-length tensors."""
    return Method(
        fit=lambda n, e: hand_loop(dense_last, head(data, n), e, batch_size),
        predict=lambda model, n: hand_predict(dense_last, model, head(data, n)),
    )


def keras_method(X_padded, y, limit):
    """The scikeras Method, or the reason it cannot run."""
    reason = _peers.keras_unavailable_reason()
    if reason is not None:
        return None, reason
    return (
        Method(
            fit=lambda n, e: make_keras(e).fit(X_padded[:n], y[:n]),
            predict=lambda model, n: model.predict(X_padded[:n]),
            limit=limit,
        ),
        None,
    )


def section_fixed(args, n_steps, rng):
    X, y, data = make_fixed(args.n_samples, n_steps, rng)
    methods = {
        "RNNClassifier": estimator_method(make_rnn_classifier, X, y),
        "hand-written loop": hand_method(data),
        "plain skorch": Method(
            fit=lambda n, e: make_skorch(e).fit(X[:n], y[:n]),
            predict=lambda model, n: model.predict(X[:n]),
        ),
    }
    keras, reason = keras_method(X, y, args.keras_samples)
    if keras is not None:
        methods["scikeras (Keras 3, torch)"] = keras
    title = (
        f"**(a) Fixed length**: {args.n_samples} sequences x {n_steps} steps x "
        f"{N_FEATURES} features, {args.epochs} epoch(s), {args.repeats} "
        "interleaved repeat(s)."
    )
    progress("(a) fixed length")
    times, load = run_section(
        methods, args.n_samples, args.epochs, args.repeats, args.n_warmup
    )
    lines = [title, "", *section_table(times, args.epochs, "RNNClassifier"), ""]
    lines.append(
        goal_line(
            "RNNClassifier fit time ÷ hand-written loop's",
            median_ratio(times, "RNNClassifier", "hand-written loop", "fit"),
            1.05,
            at_most=True,
        )
    )
    lines.append(
        "- plain skorch fit time ÷ hand-written loop's: "
        f"{median_ratio(times, 'plain skorch', 'hand-written loop', 'fit'):.2f}x"
    )
    if reason is not None:
        lines.append(f"- scikeras not run: {reason}.")
    lines += [f"- {load}.", ""]
    return lines


def section_ragged(args, min_len, max_len, rng):
    X, y, data = make_ragged(args.n_samples, min_len, max_len, rng)
    # What a skorch or Keras user feeds: z-scored, zero-padded to the longest.
    X_padded = _peers.pad_to_longest(X)
    buckets = "RNNClassifier (length buckets)"
    packed = "hand loop, packed, random batches"
    global_max = "hand loop, global-max padding"
    methods = {
        buckets: Method(
            fit=lambda n, e: make_rnn_classifier(e).fit(X[:n], y[:n]),
            predict=lambda model, n: model.predict(X[:n]),
        ),
        packed: Method(
            fit=lambda n, e: hand_loop(packed_last, head(data, n), e),
            predict=lambda model, n: hand_predict(packed_last, model, head(data, n)),
        ),
        global_max: Method(
            fit=lambda n, e: hand_loop(global_max_gather, head(data, n), e),
            predict=lambda model, n: hand_predict(
                global_max_gather, model, head(data, n)
            ),
        ),
        "plain skorch, padded to the longest": Method(
            fit=lambda n, e: make_skorch(e).fit(X_padded[:n], y[:n]),
            predict=lambda model, n: model.predict(X_padded[:n]),
        ),
    }
    keras, reason = keras_method(X_padded, y, args.keras_samples)
    if keras is not None:
        methods["scikeras, padded to the longest"] = keras
    title = (
        f"**(b) Ragged**: {args.n_samples} sequences, lengths uniform in "
        f"[{min_len}, {max_len}] (mean {np.mean([len(x) for x in X]):.1f}), "
        f"{N_FEATURES} features, {args.epochs} epoch(s), {args.repeats} "
        "interleaved repeat(s). RNNClassifier's conversion of the list is "
        "inside its timings; the others get pre-padded arrays."
    )
    progress("(b) ragged")
    times, load = run_section(
        methods, args.n_samples, args.epochs, args.repeats, args.n_warmup
    )
    lines = [title, "", *section_table(times, args.epochs, buckets), ""]
    lines.append(
        goal_line(
            "global-max fit time ÷ RNNClassifier's",
            median_ratio(times, global_max, buckets, "fit"),
            1.5,
            at_most=False,
        )
    )
    lines.append(
        goal_line(
            "packed fit time ÷ RNNClassifier's",
            median_ratio(times, packed, buckets, "fit"),
            4.0,
            at_most=False,
        )
    )
    if reason is not None:
        lines.append(f"- scikeras not run: {reason}.")
    lines += [f"- {load}.", ""]
    ragged_fit = statistics.median(times[buckets]["fit"])
    return lines, ragged_fit, [len(x) for x in X]


# -- (c) peak memory ----------------------------------------------------------------


def _proc_status_bytes(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _peak_rss_so_far():
    peak = _proc_status_bytes("VmHWM")
    if peak is not None:
        return peak
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB else
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_increase(function):
    """Run ``function()``; return (peak RSS minus RSS before, seconds, exact).

    ``exact`` is False where the peak could not be reset: the number is then
    the increase of the peak over the earlier peak, a lower bound.
    """
    gc.collect()
    exact = _reset_peak_rss()
    before = _proc_status_bytes("VmRSS") if exact else None
    if before is None:
        exact, before = False, _peak_rss_so_far()
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    return max(_peak_rss_so_far() - before, 0), seconds, exact


def memory_data(n, min_len, max_len):
    """The large ragged data set: a list of float32 (T_i, F) arrays, labels."""
    rng = np.random.default_rng(SEED)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    flat = rng.standard_normal((int(lengths.sum()), MEMORY_FEATURES), np.float32)
    X = np.split(flat, np.cumsum(lengths)[:-1])
    y = rng.integers(0, 2, size=n)
    return X, y, lengths


def memory_worker(kind, n, min_len, max_len):
    """One measurement of (c), in a fresh process; prints a JSON line."""
    X, y, lengths = memory_data(n, min_len, max_len)

    def make(epochs=1):
        return RNNClassifier(
            **like_for_like(
                hidden_size=MEMORY_HIDDEN_SIZE,
                batch_size=MEMORY_BATCH_SIZE,
                max_epochs=epochs,
                random_state=SEED,
            )
        )

    # The first fit of a process imports parts of torch (the optimizer pulls
    # in torch._dynamo): not what fit adds for the data.
    warm = make().fit(X[:64], y[:64])
    warm.predict(X[:64])
    if kind == "fit":
        increase, seconds, exact = peak_increase(lambda: make().fit(X, y))
    elif kind == "predict":
        model = make().fit(X[:2048], y[:2048])
        increase, seconds, exact = peak_increase(lambda: model.predict(X))
    elif kind == "batch":
        longest = np.argsort(lengths, kind="stable")[-MEMORY_BATCH_SIZE:]
        X_long, y_long = [X[i] for i in longest], y[longest]
        increase, seconds, exact = peak_increase(lambda: make().fit(X_long, y_long))
    elif kind == "pad":
        increase, seconds, exact = peak_increase(lambda: _peers.pad_to_longest(X))
    else:
        raise ValueError(f"unknown memory measurement {kind!r}")
    print(
        json.dumps(
            {"kind": kind, "increase": increase, "seconds": seconds, "exact": exact}
        )
    )


def run_memory_worker(kind, args, env=None):
    """Run one measurement of (c) in a fresh Python, with ``env`` added."""
    command = [
        sys.executable,
        __file__,
        "--memory-worker",
        kind,
        "--memory-n",
        str(args.memory_n),
        "--memory-lengths",
        f"{args.memory_lengths[0]},{args.memory_lengths[1]}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory worker {kind!r} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def section_memory(args):
    n = args.memory_n
    min_len, max_len = args.memory_lengths
    # The lengths alone give the sizes; the workers make the data themselves.
    lengths = np.random.default_rng(SEED).integers(min_len, max_len + 1, size=n)
    step_bytes = MEMORY_FEATURES * 4
    raw = int(lengths.sum()) * step_bytes
    padded = n * int(lengths.max()) * step_bytes
    title = (
        f"**(c) Peak memory**: {n:,} sequences of {MEMORY_FEATURES} float32 "
        f"feature(s), lengths uniform in [{min_len}, {max_len}] "
        f"({int(lengths.sum()):,} steps). RNNClassifier: LSTM with hidden size "
        f"{MEMORY_HIDDEN_SIZE}, batches of {MEMORY_BATCH_SIZE}, 1 epoch. Peak RSS "
        "increase over the RSS after imports, data creation and a warm-up fit; "
        "one fresh process per row."
    )
    progress("(c) peak memory, one subprocess per measurement")
    rows = [
        ("raw data: sum of T_i x F x 4 bytes", raw, None),
        ("padded to the global maximum: n x T_max x F x 4 bytes", padded, None),
    ]
    no_cache = {"ONEDNN_PRIMITIVE_CACHE_CAPACITY": "0"}
    measured = [
        ("fit", f"`RNNClassifier.fit`, {n:,} sequences", None),
        ("predict", f"`RNNClassifier.predict`, {n:,} sequences", None),
        (
            "predict",
            f"`RNNClassifier.predict`, {n:,} sequences, "
            "`ONEDNN_PRIMITIVE_CACHE_CAPACITY=0`",
            no_cache,
        ),
        (
            "batch",
            f"`RNNClassifier.fit` on the {MEMORY_BATCH_SIZE} longest sequences "
            "only (one batch: the network's own training memory)",
            None,
        ),
        (
            "pad",
            "`_peers.pad_to_longest` (the skorch and scikeras peers' input)",
            None,
        ),
    ]
    # Each process has its own peak, so the smoke run may overlap them; a real
    # run keeps them apart, for their timings and the machine's memory.
    with ThreadPoolExecutor(max_workers=os.cpu_count() if args.quick else 1) as pool:
        results = list(
            pool.map(lambda m: run_memory_worker(m[0], args, m[2]), measured)
        )
    inexact, increase = False, {}
    for (kind, label, env), result in zip(measured, results, strict=True):
        inexact |= not result["exact"]
        increase[kind if env is None else f"{kind} no cache"] = result["increase"]
        rows.append((label, result["increase"], result["seconds"]))
        print(f"  {label}: +{result['increase'] / MB:,.0f} MB", flush=True)
    lines = [
        title,
        "",
        "| what | MB | x raw data | seconds |",
        "|---|---:|---:|---:|",
    ]
    for label, size, seconds in rows:
        lines.append(
            f"| {label} | {size / MB:,.0f} | {size / raw:.2f} "
            f"| {'' if seconds is None else f'{seconds:.1f}'} |"
        )
    lines += [
        "",
        f"- `fit` adds {increase['fit'] / raw:.2f}x the raw data at its peak; "
        f"without the training memory of one batch of the longest sequences, "
        f"{(increase['fit'] - increase['batch']) / raw:.2f}x: the sequences "
        "are stored end to end (one copy) and only each batch is padded. The "
        f"array padded to the global maximum alone would be {padded / raw:.2f}x, "
        f"and `pad_to_longest` adds {increase['pad'] / raw:.2f}x.",
        f"- `predict` adds {increase['predict'] / raw:.2f}x, and "
        f"{increase['predict no cache'] / raw:.2f}x with oneDNN's primitive "
        "cache off: torch's CPU LSTM runs inference through oneDNN, which "
        "keeps one primitive per distinct batch shape (up to 1024 of them, for "
        "the life of the process), and batches of sorted ragged sequences have "
        "many widths. `ONEDNN_PRIMITIVE_CACHE_CAPACITY=0`, set before torch is "
        "imported, turns the cache off.",
    ]
    if inexact:
        lines.append(
            "- The peak RSS could not be reset on this system: the increases "
            "above are lower bounds."
        )
    lines.append("")
    return lines


# -- (d) scaling ----------------------------------------------------------------------


def exponent(sizes, seconds):
    """Least-squares slope of log(seconds) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def time_points(points, repeats, rng):
    """Median fit (1 epoch) and predict seconds of RNNClassifier per (n, T)."""
    data = {p: make_fixed(*p, rng)[:2] for p in points}
    X, y = data[points[0]]
    make_rnn_classifier(1).fit(X, y).predict(X)  # warm-up
    fit_times = {p: [] for p in points}
    predict_times = {p: [] for p in points}
    for _ in range(repeats):
        for p in points:
            X, y = data[p]
            start = time.perf_counter()
            model = make_rnn_classifier(1).fit(X, y)
            middle = time.perf_counter()
            model.predict(X)
            predict_times[p].append(time.perf_counter() - middle)
            fit_times[p].append(middle - start)
    return (
        {p: statistics.median(t) for p, t in fit_times.items()},
        {p: statistics.median(t) for p, t in predict_times.items()},
    )


def section_scaling(args, ragged_lengths, ragged_fit, rng):
    n_values, t_values = args.scaling_n, args.scaling_t
    n_fixed, t_fixed = args.scaling_at
    by_n = [(n, t_fixed) for n in n_values]
    by_t = [(n_fixed, t) for t in t_values]
    points = list(dict.fromkeys(by_n + by_t))
    title = (
        "**(d) Scaling**: `RNNClassifier.fit` (1 epoch) and `predict` on "
        f"fixed-length data, the model of (a) (LSTM({N_FEATURES} -> "
        f"{HIDDEN_SIZE}), batches of {BATCH_SIZE}); median of {args.repeats} "
        "interleaved repeat(s)."
    )
    progress("(d) scaling")
    with LoadMonitor() as load:
        fit, predict = time_points(points, args.repeats, rng)
    a_fit = exponent(n_values, [fit[p] for p in by_n])
    b_fit = exponent(t_values, [fit[p] for p in by_t])
    a_predict = exponent(n_values, [predict[p] for p in by_n])
    b_predict = exponent(t_values, [predict[p] for p in by_t])
    lines = [
        title,
        "",
        "| sequences n | length T | fit s | train seq/s | predict s | predict seq/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n, t in by_n + [p for p in by_t if p not in by_n]:
        lines.append(
            f"| {n:,} | {t} | {fit[(n, t)]:.3f} | {n / fit[(n, t)]:,.0f} "
            f"| {predict[(n, t)]:.3f} | {n / predict[(n, t)]:,.0f} |"
        )
    # Large jobs: fixed costs fade, so the top of each range tells more.
    a_top = exponent(n_values[-3:], [fit[p] for p in by_n[-3:]])
    b_top = exponent(t_values[-3:], [fit[p] for p in by_t[-3:]])
    lines += [
        "",
        f"- fit time ~ n^{a_fit:.2f} (n^{a_top:.2f} over the largest three n), "
        f"~ T^{b_fit:.2f} (T^{b_top:.2f} over the largest three T); predict "
        f"time ~ n^{a_predict:.2f}, ~ T^{b_predict:.2f}.",
        f"- To extrapolate: seconds per epoch ~ {fit[(n_fixed, t_fixed)]:.3f} x "
        f"(n / {n_fixed:,})^{a_top:.2f} x (T / {t_fixed})^{b_top:.2f} on this "
        "machine, for 8 features and 64 hidden units; ragged data costs about "
        "what fixed-length data of its mean length costs (length buckets).",
    ]
    if ragged_fit is not None:
        n_ragged, mean_len = len(ragged_lengths), float(np.mean(ragged_lengths))
        estimate = (
            args.epochs
            * fit[(n_fixed, t_fixed)]
            * (n_ragged / n_fixed) ** a_top
            * (mean_len / t_fixed) ** b_top
        )
        lines.append(
            f"- Check against (b): {n_ragged:,} ragged sequences of mean length "
            f"{mean_len:.1f}, {args.epochs} epoch(s): {estimate:.2f} s "
            f"extrapolated, {ragged_fit:.2f} s measured."
        )
    lines += [f"- {load.note()}.", ""]
    return lines


# -- (e) the cost of the defaults ------------------------------------------------


def make_default_classifier(epochs, batch_size):
    """RNNClassifier at its defaults, but for size, batches, epochs, lr and seed."""
    return RNNClassifier(
        hidden_size=HIDDEN_SIZE,
        batch_size=batch_size,
        max_epochs=epochs,
        lr=LR,
        random_state=SEED,
    )


def _defaults_of(*names):
    """``name=value`` of the defaults this version has, for the titles."""
    params = RNNClassifier().get_params()
    return ", ".join(f"`{k}={params[k]!r}`" for k in names if k in params)


def section_defaults(args, rng):
    n, n_steps = args.defaults_data
    batch = DEFAULTS_BATCH_SIZE
    X, y, data = make_fixed(n, n_steps, rng)
    defaults = "RNNClassifier, defaults"
    plain = "RNNClassifier, conv_channels=None"
    # What conv_channels="auto" builds on training sets small enough for it.
    widths = (HIDDEN_SIZE, 2 * HIDDEN_SIZE, HIDDEN_SIZE)
    branch = f"RNNClassifier, conv_channels={widths}"
    hand = "hand-written loop"
    methods = {
        defaults: estimator_method(lambda e: make_default_classifier(e, batch), X, y),
        plain: estimator_method(
            lambda e: make_rnn_classifier(e, batch_size=batch), X, y
        ),
        branch: estimator_method(
            lambda e: make_rnn_classifier(e, batch_size=batch, conv_channels=widths),
            X,
            y,
        ),
        hand: hand_method(data, batch),
    }
    title = (
        f"**(e) Cost of the defaults**: {n} sequences x {n_steps} steps x "
        f"{N_FEATURES} features, hidden size {HIDDEN_SIZE}, batches of {batch}, "
        f"{args.epochs} epoch(s), {args.repeats} interleaved repeat(s). "
        "`RNNClassifier` with every parameter but `hidden_size`, `batch_size`, "
        "`max_epochs`, `lr` and `random_state` at its default ("
        + _defaults_of("conv_channels", "n_threads", "lr_schedule", "instance_norm")
        + f"; on {n} sequences `conv_channels='auto'` builds no branch, since "
        "it only does for at most 2,000), the same with `conv_channels=None`, "
        f"the branch that 'auto' builds on small training sets, {widths}, "
        f"forced, and the hand-written loop of (a) at batches of {batch} "
        "(torch's default thread count)."
    )
    progress("(e) cost of the defaults")
    times, load = run_section(
        methods, n, args.epochs, args.repeats, min(args.n_warmup, n)
    )
    lines = [
        title,
        "",
        *section_table(times, args.epochs, defaults, "the defaults'"),
        "",
        goal_line(
            "defaults' fit time ÷ hand-written loop's",
            median_ratio(times, defaults, hand, "fit"),
            1.5,
            at_most=True,
        ),
        goal_line(
            "`conv_channels=None` fit time ÷ hand-written loop's",
            median_ratio(times, plain, hand, "fit"),
            1.05,
            at_most=True,
        ),
        f"- the branch's price: `conv_channels={widths}` fit time ÷ hand-written "
        f"loop's: {median_ratio(times, branch, hand, 'fit'):.2f}x (no goal).",
        f"- {load}.",
        "",
    ]
    return lines


# -- (f) per-step cost on small data ----------------------------------------------


def section_small(args, rng):
    n, n_steps = args.small_data
    epochs, batch = args.small_epochs, SMALL_BATCH_SIZE
    X, y, data = make_fixed(n, n_steps, rng)
    rnn = "RNNClassifier, conv_channels=None"
    hand = "hand-written loop"
    methods = {
        rnn: estimator_method(lambda e: make_rnn_classifier(e, batch_size=batch), X, y),
        hand: hand_method(data, batch),
    }
    # Both split each epoch into ceil(n / batch) batches (RNNClassifier's
    # length buckets are pools of whole batches), so they take as many steps.
    steps = epochs * math.ceil(n / batch)
    title = (
        f"**(f) Per-step cost on small data**: {n} sequences x {n_steps} steps "
        f"x {N_FEATURES} features, hidden size {HIDDEN_SIZE}, batches of "
        f"{batch}, {epochs} epochs = {steps} optimizer steps per fit, "
        f"{args.repeats} interleaved repeat(s). Time per step: fit time, its "
        "fixed costs included, ÷ steps."
    )
    progress("(f) per-step cost on small data")
    times, load = run_section(methods, n, epochs, args.repeats, min(args.n_warmup, n))
    lines = [
        title,
        "",
        "| method | fit s | ms per step | predict s "
        "| time per step ÷ hand-written loop's |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        fit = statistics.median(t["fit"])
        lines.append(
            f"| {name} | {fit:.3f} | {fit / steps * 1e3:.2f} "
            f"| {statistics.median(t['predict']):.4f} "
            f"| {median_ratio(times, name, hand, 'fit'):.2f}x |"
        )
    lines += [
        "",
        goal_line(
            "RNNClassifier time per step ÷ hand-written loop's",
            median_ratio(times, rnn, hand, "fit"),
            1.3,
            at_most=True,
        ),
        f"- Both take {steps} steps, so the ratio of fit times is the ratio "
        "of times per step.",
        f"- {load}.",
        "",
    ]
    return lines


# -- (g) busy machine -----------------------------------------------------------------

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


def section_busy(args, rng):
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


# -- main ------------------------------------------------------------------------------


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions():
    versions = [
        f"Python {platform.python_version()}",
        f"torch {torch.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"skorch {skorch.__version__}",
        f"numpy {np.__version__}",
        f"sklearn_rnn {sklearn_rnn.__version__}",
    ]
    if _peers.keras_unavailable_reason() is None:
        import keras
        import scikeras

        versions += [
            f"keras {keras.__version__} (torch backend)",
            f"scikeras {scikeras.__version__}",
        ]
    return ", ".join(versions)


def _int_list(text):
    return [int(v) for v in text.split(",")]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes for a smoke run"
    )
    parser.add_argument(
        "--sections",
        default="abcdefg",
        help="which measurements to run, e.g. 'ab' (default 'abcdefg')",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per method (default 3)"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=2,
        help="epochs per fit in (a), (b), (e) (default 2)",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=4096,
        help="sequences per data set in (a), (b) (default 4096)",
    )
    parser.add_argument(
        "--keras-samples",
        type=int,
        default=512,
        help="sequences scikeras is timed on in (a), (b) (default 512)",
    )
    parser.add_argument(
        "--memory-n",
        type=int,
        default=200_000,
        help="sequences of the data set of (c) (default 200000)",
    )
    parser.add_argument(
        "--memory-lengths",
        type=_int_list,
        default=[10, 1000],
        help="shortest,longest length in (c) (default 10,1000)",
    )
    parser.add_argument(
        "--scaling-n",
        type=_int_list,
        default=[256, 512, 1024, 2048, 4096, 8192, 16384],
        help="numbers of sequences in (d), at the length of --scaling-at",
    )
    parser.add_argument(
        "--scaling-t",
        type=_int_list,
        default=[16, 32, 64, 128, 256, 512, 1024],
        help="sequence lengths in (d), at the n of --scaling-at",
    )
    parser.add_argument(
        "--scaling-at",
        type=_int_list,
        default=[1024, 64],
        help="n,T held fixed in (d) (default 1024,64)",
    )
    parser.add_argument(
        "--defaults-data",
        type=_int_list,
        default=[8000, 40],
        help="n,T of the fixed-length data of (e) (default 8000,40)",
    )
    parser.add_argument(
        "--small-data",
        type=_int_list,
        default=[200, 24],
        help="n,T of the small data of (f) and (g) (default 200,24)",
    )
    parser.add_argument(
        "--small-epochs",
        type=int,
        default=20,
        help="epochs per fit in (f) (default 20)",
    )
    parser.add_argument(
        "--busy-epochs",
        type=int,
        default=30,
        help="epochs of the small fit of (g) (default 30)",
    )
    parser.add_argument(
        "--quickstart-runs",
        type=int,
        default=1,
        help="idle and loaded runs of the quickstart in (g) (default 1 each)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"markdown file to write (default {OUTPUT.relative_to(HERE.parent)}; "
        "none with --quick)",
    )
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.n_samples, args.epochs, args.repeats = 256, 1, 1
        args.keras_samples = 64
        args.memory_n, args.memory_lengths = 2000, [10, 100]
        args.scaling_n, args.scaling_t = [64, 128, 256], [8, 16, 32]
        args.scaling_at = [128, 16]
        args.defaults_data, args.small_data = [256, 10], [64, 8]
        args.small_epochs, args.busy_epochs = 2, 3
    elif args.output is None:
        args.output = OUTPUT
    args.n_warmup = min(256, args.n_samples)
    return args


def main():
    args = parse_args()
    if args.memory_worker:
        memory_worker(args.memory_worker, args.memory_n, *args.memory_lengths)
        return
    started = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    rng = np.random.default_rng(SEED)
    # Keep torch's default thread count, but pin it so nothing changes it later.
    n_threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    if args.quick:
        n_steps, min_len, max_len = 10, 5, 30
    else:
        n_steps, min_len, max_len = 50, 5, 200

    command = shlex.join(["python", "benchmarks/speed.py", *sys.argv[1:]])
    header = [
        f"Generated by `{command}` on {datetime.date.today()}: "
        f"{_cpu_model()}, {os.cpu_count()} CPU cores, {n_threads} torch threads; "
        f"{_versions()}.",
        "",
        f"Model of (a), (b), (d): LSTM({N_FEATURES} -> {HIDDEN_SIZE}) + Linear -> "
        f"{N_CLASSES} classes on the last valid step, batches of {BATCH_SIZE} "
        f"(prediction: {PREDICT_BATCH_SIZE}), Adam lr {LR}, cross-entropy loss; "
        "RNNClassifier with `conv_channels=None`. Throughput: sequences (times "
        "epochs, in training) per second. Ratios: median over interleaved "
        "repeats of the ratio of times per sequence (> 1: slower than "
        "RNNClassifier). scikeras is timed on fewer sequences: on a CPU, "
        "Keras's torch backend runs its LSTM as a Python loop over time steps.",
        "",
    ]
    if args.quick:
        header += [
            "`--quick`: sizes far too small for the numbers to mean anything.",
            "",
        ]
    print("\n".join(header))

    lines = list(header)
    ragged_fit, ragged_lengths = None, None
    if "a" in args.sections:
        start = len(lines)
        lines += section_fixed(args, n_steps, rng)
        print("\n".join(lines[start:]))
    if "b" in args.sections:
        start = len(lines)
        section, ragged_fit, ragged_lengths = section_ragged(
            args, min_len, max_len, rng
        )
        lines += section
        print("\n".join(lines[start:]))
    if "c" in args.sections:
        start = len(lines)
        lines += section_memory(args)
        print("\n".join(lines[start:]))
    if "d" in args.sections:
        start = len(lines)
        lines += section_scaling(args, ragged_lengths, ragged_fit, rng)
        print("\n".join(lines[start:]))
    for letter, section in (
        ("e", section_defaults),
        ("f", section_small),
        ("g", section_busy),
    ):
        if letter in args.sections:
            start = len(lines)
            lines += section(args, rng)
            print("\n".join(lines[start:]))

    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    minutes = (time.perf_counter() - started) / 60
    footer = f"Run time {minutes:.1f} min"
    if load_before is not None:
        footer += (
            f"; 1-minute load average {load_before[0]:.2f} at the start, "
            f"{load_after[0]:.2f} at the end"
        )
    lines.append(footer + ".")
    print(lines[-1])
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(lines) + "\n")
        print(f"written to {args.output}")


if __name__ == "__main__":
    main()
