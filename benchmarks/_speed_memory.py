"""Section (c) of ``benchmarks/speed.py``: peak memory on a large ragged data set.

By default 200,000 univariate float32 sequences, lengths uniform in
[10, 1000]. The table gives the raw data size, the size of the array padded
to the global maximum, and the peak resident set size (RSS) that
``RNNClassifier.fit`` (1 epoch, hidden size 4, batches of 256) and
``predict`` add, next to what ``_peers.pad_to_longest`` (the input of the
skorch and scikeras peers) adds, what one training batch of the longest
sequences adds, and what ``predict`` adds with oneDNN's primitive cache off.

Each number comes from its own subprocess, ``speed.py --memory-worker KIND``
(:func:`memory_worker`), as the peak RSS (``benchmarks/_rss.py``) minus the
RSS after imports, data creation and a warm-up fit on a few sequences.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sklearn_rnn import RNNClassifier

# isort: split
import _peers
from _models import SEED, like_for_like
from _rss import peak_increase
from _timing import progress

# A large ragged data set and a tiny network. On a CPU, bigger batches barely
# shorten the epoch, while the network's training memory grows with them.
MEMORY_HIDDEN_SIZE = 4
MEMORY_BATCH_SIZE = 256
MEMORY_FEATURES = 1
MB = 1e6

# The entry point, which runs memory_worker on --memory-worker.
SCRIPT = Path(__file__).with_name("speed.py")


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
        str(SCRIPT),
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


def section(args):
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
