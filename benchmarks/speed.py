"""Speed and memory of RNNClassifier against hand-written PyTorch, skorch, scikeras.

Seven measurements, one module each (its docstring says what it measures and
its goals):

(a) ``_speed_fixed.py``: fixed-length data, where batching does not matter;
    ``fit`` and ``predict`` of RNNClassifier, a hand-written PyTorch loop,
    plain skorch and scikeras. Goal: RNNClassifier's fit <= 1.05x the
    hand-written loop's time.
(b) ``_speed_ragged.py``: ragged data (lengths uniform in [5, 200]), where
    batching matters; length buckets against packed sequences, padding to the
    global maximum and the peers on padded data. Goals: global-max time /
    RNNClassifier time >= 1.5 and packed time / RNNClassifier time >= 4.
(c) ``_speed_memory.py``: peak memory of ``fit`` and ``predict`` on a large
    ragged data set (default 200,000 sequences), one subprocess per number.
(d) ``_speed_scaling.py``: how fit and predict times grow with the number of
    sequences and their length, and the time this predicts for (b).
(e) ``_speed_defaults.py``: the cost of the defaults on fixed-length data.
    Goals: defaults' fit time <= 1.5x the hand-written loop's, and
    ``conv_channels=None``'s <= 1.05x.
(f) ``_speed_small.py``: the per-step cost on small data. Goal:
    RNNClassifier's time per step <= 1.3x the hand-written loop's.
(g) ``_speed_busy.py``: how much the README quickstart and a small fit slow
    down next to one busy core. Goal: loaded time <= 1.5x idle time.

Shared pieces: the model, its settings and the hand-written loops
(``_models.py``, on ``_peers.LastHiddenLSTM``; the peers come from
``_peers.make_peer``), the random data (``_synthetic.py``), interleaved timing
and the load of other processes (``_timing.py``), the peak RSS
(``_rss.py``) and the markdown tables (``_tables.py``).

Sections (a), (b) and (d) train the same model with every method: LSTM(8 ->
64) + Linear, read at the last valid step, with the same data, batch size,
epochs, Adam learning rate and cross-entropy loss; ``RNNClassifier`` is built
with ``conv_channels=None`` (and ``instance_norm=False``) so that it is
exactly that model. Throughput is sequences per second (training: sequences
times epochs per second of ``fit``).

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
import datetime
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch

import sklearn_rnn

sys.path.insert(0, str(Path(__file__).parent))
import _peers
import _speed_busy
import _speed_defaults
import _speed_fixed
import _speed_memory
import _speed_ragged
import _speed_scaling
import _speed_small
from _models import (
    BATCH_SIZE,
    HIDDEN_SIZE,
    LR,
    N_CLASSES,
    N_FEATURES,
    PREDICT_BATCH_SIZE,
    SEED,
)

HERE = Path(__file__).parent
OUTPUT = HERE.parent / "docs" / "benchmarks" / "speed.md"


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
        _speed_memory.memory_worker(
            args.memory_worker, args.memory_n, *args.memory_lengths
        )
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
        lines += _speed_fixed.section(args, n_steps, rng)
        print("\n".join(lines[start:]))
    if "b" in args.sections:
        start = len(lines)
        section, ragged_fit, ragged_lengths = _speed_ragged.section(
            args, min_len, max_len, rng
        )
        lines += section
        print("\n".join(lines[start:]))
    if "c" in args.sections:
        start = len(lines)
        lines += _speed_memory.section(args)
        print("\n".join(lines[start:]))
    if "d" in args.sections:
        start = len(lines)
        lines += _speed_scaling.section(args, ragged_lengths, ragged_fit, rng)
        print("\n".join(lines[start:]))
    for letter, section in (
        ("e", _speed_defaults.section),
        ("f", _speed_small.section),
        ("g", _speed_busy.section),
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
