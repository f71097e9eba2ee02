"""Section (a) of ``benchmarks/speed.py``: fixed-length data.

Times whole ``fit`` calls and then ``predict`` on the training data, with the
model of ``_models`` (LSTM(8 -> 64) + Linear, read at the last step), the same
data, batch size, epochs, Adam learning rate and cross-entropy loss for every
method. Batching does not matter on fixed-length data, so the gap to a
hand-written loop is pure framework overhead:

1. ``RNNClassifier`` (``conv_channels=None``, ``instance_norm=False``: exactly
   that model) on the 3-D array;
2. a hand-written PyTorch loop (``randperm`` + tensor slicing each epoch) --
   the reference, the fastest honest loop;
3. plain skorch, the peer of ``benchmarks/_peers.py`` (``NeuralNetClassifier``
   around a hand-written LSTM, its default shuffled ``DataLoader``);
4. scikeras, the Keras 3 LSTM of ``benchmarks/_peers.py`` on the torch
   backend, where installed, timed on the first ``--keras-samples`` sequences.

Goal: RNNClassifier's fit <= 1.05x the hand-written loop's time.
"""

import _peers
from _models import (
    N_FEATURES,
    estimator_method,
    hand_method,
    make_rnn_classifier,
    peer_method,
)
from _synthetic import make_fixed
from _tables import goal_line, section_table
from _timing import median_ratio, progress, run_section


def section(args, n_steps, rng):
    X, y, data = make_fixed(args.n_samples, n_steps, rng)
    methods = {
        "RNNClassifier": estimator_method(make_rnn_classifier, X, y),
        "hand-written loop": hand_method(data),
        "plain skorch": peer_method("skorch", X, y),
    }
    reason = _peers.keras_unavailable_reason()
    if reason is None:
        methods["scikeras (Keras 3, torch)"] = peer_method(
            "keras", X, y, args.keras_samples
        )
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
