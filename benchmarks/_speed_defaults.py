"""Section (e) of ``benchmarks/speed.py``: the cost of the defaults.

On fixed-length data (default 8000 sequences x 40 steps x 8 features,
``--defaults-data``), hidden size 64, batches of 128, ``--epochs`` epochs:

1. ``RNNClassifier`` with every default (``conv_channels="auto"``, which
   builds no branch above 2,000 training sequences, ``n_threads="auto"``, the
   learning-rate schedule, ...) except hidden size, batch size, epochs,
   learning rate and seed;
2. the same with ``conv_channels=None`` (the model of (a));
3. the same with the branch "auto" builds on small training sets,
   ``conv_channels=(64, 128, 64)``, forced, to show its price;
4. the hand-written loop of (a) at batches of 128.

Goals: defaults' fit time <= 1.5x the hand-written loop's, and
``conv_channels=None``'s <= 1.05x.
"""

from sklearn_rnn import RNNClassifier

# isort: split
from _models import (
    HIDDEN_SIZE,
    LR,
    N_FEATURES,
    SEED,
    estimator_method,
    hand_method,
    make_rnn_classifier,
)
from _synthetic import make_fixed
from _tables import goal_line, section_table
from _timing import median_ratio, progress, run_section

DEFAULTS_BATCH_SIZE = 128


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


def section(args, rng):
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
