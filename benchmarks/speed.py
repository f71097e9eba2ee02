"""Training speed of RNNClassifier against hand-written PyTorch and plain skorch.

Two measurements, each timing whole ``fit`` calls (same model, data, batch size,
epochs, Adam learning rate and cross-entropy loss for every method):

(a) Fixed-length data, where batching strategy does not matter, so the gap to a
    hand-written loop is pure framework overhead:

    1. ``RNNClassifier.fit(X, y)``;
    2. a hand-written PyTorch loop (``randperm`` + tensor slicing each epoch) --
       the reference, the fastest honest loop;
    3. plain ``skorch.NeuralNetClassifier`` with a hand-written LSTM module and
       its default ``DataLoader`` iterator (shuffled).

    Goal: RNNClassifier <= 1.05x the hand-written loop.

(b) Ragged data (lengths uniform in [5, 200]), where batching matters:

    1. ``RNNClassifier.fit`` on the list of (T_i, F) arrays (length buckets, each
       batch padded to its own longest member, output read at ``length - 1``);
       its own conversion and validation of the list are inside the timed fit;
    2. a hand-written loop feeding ``pack_padded_sequence(enforce_sorted=False)``
       with random batches and reading ``h_n`` of the last layer;
    3. a hand-written loop on random batches padded to the global maximum
       length (dense), reading the output at ``length - 1`` with ``gather``.

    Goals: global-max time / RNNClassifier time >= 1.5 and packed time /
    RNNClassifier time >= 4.

The methods of a section run interleaved (A, B, C, A, B, C, ...) after one
untimed warm-up each; the table shows median times and the median of the
per-repeat ratios. Data generation and the hand loops' padding happen outside
the timed region. torch keeps its default number of threads. The CPU time that
other processes used during each section is printed: on a small machine any
competing load distorts the timings badly, so run it on an idle machine.

Run from the repository root::

    python benchmarks/speed.py              # full run, a few minutes on 2 cores
    python benchmarks/speed.py --quick      # smoke run, a few seconds
    python benchmarks/speed.py --repeats 5 --epochs 1 --n-samples 2048
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import skorch
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import sklearn_rnn
from sklearn_rnn import RNNClassifier

N_FEATURES = 8
N_CLASSES = 2
HIDDEN_SIZE = 64
BATCH_SIZE = 64
LR = 1e-3
SEED = 0


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


# -- how each hand-written variant turns a batch of indices into logits --------


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


def hand_loop(forward, data, epochs):
    """Train a fresh model for ``epochs`` epochs of random batches."""
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    target = data["target"]
    model.train()
    for _ in range(epochs):
        for index in torch.randperm(len(target)).split(BATCH_SIZE):
            optimizer.zero_grad()
            loss = criterion(forward(model, data, index), target[index])
            loss.backward()
            optimizer.step()
    return model


# -- the library-driven variants ------------------------------------------------


def fit_rnn_classifier(X, y, epochs):
    return RNNClassifier(
        hidden_size=HIDDEN_SIZE,
        batch_size=BATCH_SIZE,
        max_epochs=epochs,
        lr=LR,
        random_state=SEED,
    ).fit(X, y)


def fit_plain_skorch(X, y, epochs):
    torch.manual_seed(SEED)
    return skorch.NeuralNetClassifier(
        LSTMHead,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        iterator_train__shuffle=True,
        train_split=None,
        verbose=0,
    ).fit(X, y)


# -- data -------------------------------------------------------------------------


def make_fixed(n_samples, n_steps, rng):
    X = rng.standard_normal((n_samples, n_steps, N_FEATURES)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(np.int64)
    tensors = {"values": torch.from_numpy(X), "target": torch.from_numpy(y)}
    return X, y, tensors


def make_ragged(n_samples, min_len, max_len, rng):
    lengths = rng.integers(min_len, max_len + 1, size=n_samples)
    X = [rng.standard_normal((n, N_FEATURES)).astype(np.float32) for n in lengths]
    y = np.array([x[:, 0].mean() > 0 for x in X], dtype=np.int64)
    padded = np.zeros((n_samples, lengths.max(), N_FEATURES), dtype=np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    tensors = {
        "values": torch.from_numpy(padded),
        "lengths": torch.from_numpy(lengths.astype(np.int64)),
        "target": torch.from_numpy(y),
    }
    return X, y, tensors


def subset(X, y, tensors, n):
    """The first ``n`` samples, for the untimed warm-up."""
    return X[:n], y[:n], {key: value[:n] for key, value in tensors.items()}


# -- timing -----------------------------------------------------------------------


def _busy_cpu_seconds():
    """CPU seconds all processes of the machine have used (Linux), else None."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def run_section(methods, X, y, data, epochs, repeats, n_warmup):
    """Time each ``method(X, y, data, epochs)`` in turn, ``repeats`` times.

    One untimed 1-epoch warm-up of each method on the first ``n_warmup``
    samples comes first. Returns name -> list of seconds, and prints how much
    CPU other processes used meanwhile (they make the timings unreliable).
    """
    busy, own, wall = _busy_cpu_seconds(), time.process_time(), time.perf_counter()
    X_warm, y_warm, data_warm = subset(X, y, data, n_warmup)
    for method in methods.values():
        method(X_warm, y_warm, data_warm, 1)
    times = {name: [] for name in methods}
    for _ in range(repeats):
        for name, method in methods.items():
            start = time.perf_counter()
            method(X, y, data, epochs)
            times[name].append(time.perf_counter() - start)
    if busy is not None:
        others = (_busy_cpu_seconds() - busy) - (time.process_time() - own)
        share = max(others, 0.0) / (time.perf_counter() - wall)
        verdict = "WARNING: timings unreliable" if share > 0.1 else "quiet machine"
        print(f"  other processes used {share:.0%} of a core meanwhile: {verdict}")
    return times


def median_ratio(times, numerator, denominator):
    return statistics.median(
        a / b for a, b in zip(times[numerator], times[denominator], strict=True)
    )


def print_times(times):
    for name, values in times.items():
        runs = ", ".join(f"{v:.3f}" for v in values)
        print(f"  {name:<34} {statistics.median(values):8.3f} s   [{runs}]")


def print_goal(label, ratio, goal, at_most):
    met = ratio <= goal if at_most else ratio >= goal
    sign = "<=" if at_most else ">="
    verdict = "PASS" if met else "MISS"
    print(f"  {label:<44} {ratio:6.2f}x   goal {sign} {goal:.2f}x   {verdict}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per method (default 3)"
    )
    parser.add_argument(
        "--epochs", type=int, default=2, help="training epochs per fit (default 2)"
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=4096,
        help="sequences per data set (default 4096)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes for a smoke run"
    )
    args = parser.parse_args()
    if args.quick:
        args.n_samples, args.epochs, args.repeats = 256, 1, 1
        n_steps, max_len = 10, 30
    else:
        n_steps, max_len = 50, 200
    min_len, n_warmup = 5, min(256, args.n_samples)
    rng = np.random.default_rng(SEED)

    # Keep torch's default thread count, but pin it so nothing changes it later.
    n_threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)

    print("sklearn_rnn training speed benchmark")
    print(
        f"  python {platform.python_version()}, torch {torch.__version__}, "
        f"skorch {skorch.__version__}, sklearn_rnn {sklearn_rnn.__version__}"
    )
    print(
        f"  {platform.machine()}, {os.cpu_count()} CPU cores, torch threads {n_threads}"
    )
    print(
        f"  LSTM({N_FEATURES} -> {HIDDEN_SIZE}) + Linear -> {N_CLASSES} classes, "
        f"batch {BATCH_SIZE}, Adam lr {LR}, CrossEntropyLoss, "
        f"{args.epochs} epoch(s), {args.repeats} interleaved repeat(s), "
        "times are medians"
    )
    if args.quick:
        print("  --quick: sizes far too small for PASS/MISS to mean anything")

    # (a) fixed length
    X, y, data = make_fixed(args.n_samples, n_steps, rng)
    print(
        f"\n(a) fixed length: {args.n_samples} sequences x {n_steps} steps x "
        f"{N_FEATURES} features"
    )
    times = run_section(
        {
            "RNNClassifier": lambda X, y, d, e: fit_rnn_classifier(X, y, e),
            "hand-written loop": lambda X, y, d, e: hand_loop(dense_last, d, e),
            "plain skorch (DataLoader)": lambda X, y, d, e: fit_plain_skorch(X, y, e),
        },
        X,
        y,
        data,
        args.epochs,
        args.repeats,
        n_warmup,
    )
    print_times(times)
    print("  ratios to the hand-written loop (median of per-repeat ratios):")
    print_goal(
        "RNNClassifier / hand-written loop",
        median_ratio(times, "RNNClassifier", "hand-written loop"),
        1.05,
        at_most=True,
    )
    ratio = median_ratio(times, "plain skorch (DataLoader)", "hand-written loop")
    print(f"  {'plain skorch / hand-written loop':<44} {ratio:6.2f}x   (reference)")

    # (b) ragged
    X, y, data = make_ragged(args.n_samples, min_len, max_len, rng)
    print(
        f"\n(b) ragged: {args.n_samples} sequences, lengths uniform in "
        f"[{min_len}, {max_len}], {N_FEATURES} features"
    )
    print(
        "  (RNNClassifier's conversion of the list of arrays is inside its timed "
        "fit;\n   the hand loops get a pre-padded tensor)"
    )
    buckets, packed, global_max = (
        "RNNClassifier (length buckets)",
        "packed, random batches",
        "global-max padding, dense",
    )
    times = run_section(
        {
            buckets: lambda X, y, d, e: fit_rnn_classifier(X, y, e),
            packed: lambda X, y, d, e: hand_loop(packed_last, d, e),
            global_max: lambda X, y, d, e: hand_loop(global_max_gather, d, e),
        },
        X,
        y,
        data,
        args.epochs,
        args.repeats,
        n_warmup,
    )
    print_times(times)
    print("  speed-up of RNNClassifier (median of per-repeat ratios):")
    print_goal(
        "global-max time / RNNClassifier time",
        median_ratio(times, global_max, buckets),
        1.5,
        at_most=False,
    )
    print_goal(
        "packed time / RNNClassifier time",
        median_ratio(times, packed, buckets),
        4.0,
        at_most=False,
    )


if __name__ == "__main__":
    main()
