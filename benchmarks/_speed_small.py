"""Section (f) of ``benchmarks/speed.py``: the per-step cost on small data.

Default 200 sequences x 24 steps x 8 features (``--small-data``), batches of
32, 20 epochs (``--small-epochs``), where fixed costs per fit and per step
weigh most: ``RNNClassifier`` with ``conv_channels=None`` against the
hand-written loop at batches of 32. Both take ceil(n / 32) optimizer steps per
epoch, so the ratio of fit times is the ratio of times per step.

Goal: RNNClassifier's time per step <= 1.3x the hand-written loop's.
"""

import math
import statistics

# isort: split
from _models import (
    HIDDEN_SIZE,
    N_FEATURES,
    estimator_method,
    hand_method,
    make_rnn_classifier,
)
from _synthetic import make_fixed
from _tables import goal_line
from _timing import median_ratio, progress, run_section

# The estimator's default batch size, on a data set small enough for fixed
# costs to show.
SMALL_BATCH_SIZE = 32


def section(args, rng):
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
