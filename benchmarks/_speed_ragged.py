"""Section (b) of ``benchmarks/speed.py``: ragged data, where batching matters.

Lengths uniform in [5, 200]; the model and settings of section (a):

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

scikeras runs a Python loop over time steps on the CPU (Keras's torch backend
uses torch's fused LSTM only with cuDNN): it is timed on the first
``--keras-samples`` sequences only, and compared per sequence.
"""

import statistics

import numpy as np

# isort: split
import _peers
from _models import (
    N_FEATURES,
    estimator_method,
    global_max_gather,
    hand_method,
    make_rnn_classifier,
    packed_last,
    peer_method,
)
from _synthetic import make_ragged
from _tables import goal_line, section_table
from _timing import median_ratio, progress, run_section


def section(args, min_len, max_len, rng):
    """The lines of (b), its RNNClassifier's median fit seconds, the lengths."""
    X, y, data = make_ragged(args.n_samples, min_len, max_len, rng)
    # What a skorch or Keras user feeds: z-scored, zero-padded to the longest.
    X_padded = _peers.pad_to_longest(X)
    buckets = "RNNClassifier (length buckets)"
    packed = "hand loop, packed, random batches"
    global_max = "hand loop, global-max padding"
    methods = {
        buckets: estimator_method(make_rnn_classifier, X, y),
        packed: hand_method(data, forward=packed_last),
        global_max: hand_method(data, forward=global_max_gather),
        "plain skorch, padded to the longest": peer_method("skorch", X_padded, y),
    }
    reason = _peers.keras_unavailable_reason()
    if reason is None:
        methods["scikeras, padded to the longest"] = peer_method(
            "keras", X_padded, y, args.keras_samples
        )
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
