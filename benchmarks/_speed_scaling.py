"""Section (d) of ``benchmarks/speed.py``: how the cost grows.

``RNNClassifier.fit`` (1 epoch, the model of (a)) and ``predict`` on
fixed-length data for numbers of sequences and sequence lengths in geometric
ranges (``--scaling-n`` at the length of ``--scaling-at``, ``--scaling-t`` at
its n), with the fitted exponents of time ~ n^a and time ~ T^b, and the time
this predicts for the ragged data of (b), when (b) ran.
"""

import statistics
import time

import numpy as np

# isort: split
from _models import BATCH_SIZE, HIDDEN_SIZE, N_FEATURES, make_rnn_classifier
from _synthetic import make_fixed
from _timing import LoadMonitor, progress


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


def section(args, ragged_lengths, ragged_fit, rng):
    """The lines of (d); ``ragged_fit`` is None when (b) did not run."""
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
