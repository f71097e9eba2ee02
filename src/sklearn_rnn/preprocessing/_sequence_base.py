"""What the sequence transformers share: their tags and their input checks.

:class:`SequencePadder` and :class:`SequenceScaler` read X with
:func:`~sklearn_rnn._input.read_sequences`, which keeps its values and dtype
so that a transformer can hand back the form and dtype it was given; on top
of that they check the number of features and that training data holds a
step.
"""


class SequenceTransformerMixin:
    """Tags of the transformers that take the estimators' input forms."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # NaN marks padding; elsewhere it is kept (and ignored by statistics).
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def check_n_features(estimator, n_features):
    """Refuse X whose number of features per step differs from fit's."""
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features per time step, but "
            f"{type(estimator).__name__} is expecting {estimator.n_features_in_} "
            "features as input."
        )


def check_has_steps(sequences):
    """Refuse training data without a single valid time step.

    Empty sequences are valid input (the estimators take them), but there
    must be something to learn from.
    """
    if not sequences.lengths.any():
        raise ValueError(
            f"X holds no time step: all its {len(sequences.lengths)} sequence(s) "
            "are empty (or all NaN padding); fitting needs at least one sequence "
            "with at least one step."
        )
