"""Checking sequences for the networks, and their feature names.

:func:`check_sequences` turns any accepted form of X into
:class:`Sequences`: the valid steps of every sequence end to end (float32,
finite, or int64 token ids in range) plus the length of each sequence, so
memory stays close to the raw data size. Feature names follow scikit-learn's
rules for the columns of DataFrame items. NumPy and pandas only.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._input import read_sequences, sequence_offsets


def read_feature_names(X):
    """The column names shared by the DataFrame items of a ragged X, or None.

    Each item's columns are its features, as the columns of a DataFrame are
    for scikit-learn's estimators; as there, only all-string names count. A
    wide DataFrame's columns are time steps, not features, so it has none.
    """
    if not isinstance(X, (list, tuple, pd.Series)) and not (
        isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1
    ):
        return None
    names = None
    for i, item in enumerate(X):
        if not isinstance(item, pd.DataFrame):
            continue
        columns = item.columns
        if not all(isinstance(name, str) for name in columns):
            continue
        if names is None:
            names, first = np.asarray(columns, dtype=object), i
        elif not np.array_equal(names, np.asarray(columns, dtype=object)):
            raise ValueError(
                f"The DataFrames of X must have the same columns in the same "
                f"order: sequence {first} has {names.tolist()} and sequence {i} "
                f"has {list(columns)}."
            )
    return names


def check_feature_names(owner, fitted, given):
    """Compare the feature names of X with those seen in fit, as sklearn does.

    Different names (renamed or reordered columns) are an error; names on one
    side only are a warning, scikit-learn's wording.
    """
    if fitted is None and given is None:
        return
    if fitted is None:
        warnings.warn(
            f"X has feature names, but {owner} was fitted without feature names",
            UserWarning,
            stacklevel=5,
        )
        return
    if given is None:
        warnings.warn(
            f"X does not have valid feature names, but {owner} was fitted with "
            "feature names",
            UserWarning,
            stacklevel=5,
        )
        return
    if not np.array_equal(fitted, given):
        raise ValueError(
            "The feature names should match those that were passed during fit: "
            f"{owner} was fitted on columns {fitted.tolist()}, X has "
            f"{given.tolist()}. Select the columns in the order of fit, e.g. "
            "[frame[names] for frame in X] with names = model.feature_names_in_."
        )


@dataclass(frozen=True)
class Sequences:
    """Sequences stored end to end, without padding.

    ``values`` holds the valid steps of every sequence, one after the other:
    float32 of shape (total_steps, F), or int64 of shape (total_steps,) for
    token ids. ``lengths`` (int64, shape (n,)) says how many steps each
    sequence has.
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def n_features(self):
        return 1 if self.values.ndim == 1 else self.values.shape[1]


class DecoderTargets(Sequences):
    """Target token sequences that a decoder also reads (teacher forcing).

    Unlike a per-step target (a plain :class:`Sequences` of X's lengths),
    each target sequence has its own length, and batches pass it to the
    network as well as to the loss.
    """


def check_sequences(X, *, token_mode=False, n_features=None):
    """Validate any accepted form of X and return it as :class:`Sequences`.

    Numeric mode: a (n, T, F) array, a (n, T) array or wide DataFrame of
    univariate sequences, or a list / tuple / 1-D object array of (T_i, F) or
    (T_i,) arrays. Trailing steps whose features are all NaN are padding. Token
    mode: a (n, T) integer array or a collection of 1-D integer arrays; or, a
    token id and its character ids per step, (n, T, F) or (T_i, F) (F = 1 is
    read as plain ids); trailing steps of token id 0 are padding. Sequences
    may be empty (length 0); ``n_features`` (the fitted F, at predict time)
    gives empty 1-D items their shape when no other item tells it.
    """
    raw = read_sequences(X, token_mode=token_mode, n_features=n_features)
    values = raw.valid_steps
    if token_mode:
        _check_token_ids(values)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]  # (n, T, 1) ids are (n, T) ids
        return Sequences(np.ascontiguousarray(values, dtype=np.int64), raw.lengths)
    if values.ndim == 1:
        values = values[:, np.newaxis]
    with np.errstate(over="ignore"):  # reported below, with its position
        float32_values = np.ascontiguousarray(values, dtype=np.float32)
    # After the cast: a finite float64 beyond float32's range becomes inf.
    if values.dtype.kind == "f" and not np.isfinite(float32_values).all():
        _refuse_not_finite(values, raw.lengths)
    return Sequences(float32_values, raw.lengths)


def _check_token_ids(ids):
    if not ids.size:
        return
    # Before the cast to int64, where uint64 ids >= 2**63 would wrap negative.
    if ids.dtype.kind == "u" and ids.max() > np.iinfo(np.int64).max:
        raise ValueError(
            f"Token ids must be at most {np.iinfo(np.int64).max}; found "
            f"{ids.max()}. Number the tokens 0, 1, 2, ... (Tokenizer does)."
        )
    if (ids < 0).any():
        raise ValueError(f"Token ids must be >= 0 (0 is padding); found {ids.min()}.")


def _refuse_not_finite(values, lengths):
    """Say where ``values``, the (T, F) valid steps of sequences, is not finite
    in float32: inf, NaN, or a finite value beyond float32's range."""
    if np.isinf(values).any():
        raise ValueError("Input X contains infinity; expected finite values.")
    if not np.isnan(values).any():
        largest = np.abs(values).max()
        raise ValueError(
            f"Input X contains {largest:.3g}, beyond the range of float32 "
            f"(|x| <= {np.finfo(np.float32).max:.3g}), the precision the network "
            "computes in; it would become infinity. Scale X first (e.g. with "
            "SequenceScaler)."
        )
    position = np.flatnonzero(np.isnan(values).any(axis=1))[0]
    starts = sequence_offsets(lengths)
    # Empty sequences share their start with the next one: the last sequence
    # starting at or before the position is the one that holds it.
    sample = np.searchsorted(starts, position, side="right") - 1
    raise ValueError(
        f"Input X contains NaN inside the valid steps of sequence {sample} "
        f"(step {position - starts[sample]}); only trailing steps whose "
        "features are all NaN are read as padding."
    )


def take_sequences(sequences, index):
    """The sequences at ``index``, still stored end to end."""
    index = np.asarray(index)
    lengths = sequences.lengths[index]
    starts = sequence_offsets(sequences.lengths)[index]
    # Every step of every chosen sequence, without a loop over sequences.
    positions = np.arange(lengths.sum()) + np.repeat(
        starts - sequence_offsets(lengths), lengths
    )
    return type(sequences)(sequences.values[positions], lengths)


def token_ids(sequences):
    """The token ids of token-mode sequences: column 0 when the steps also
    hold character ids."""
    values = sequences.values
    return values if values.ndim == 1 else values[:, 0]


def take_rows(target, index):
    """The targets at ``index``: rows of an array, or per-step :class:`Sequences`."""
    if isinstance(target, Sequences):
        return take_sequences(target, index)
    return target[index]


def check_input_matches_fit(
    owner, sequences, feature_names, *, n_features, fitted_names, vocab_size
):
    """Refuse X whose features, feature names or token ids differ from fit."""
    if sequences.n_features != n_features:
        raise ValueError(
            f"X has {sequences.n_features} features per time step, but {owner} "
            f"is expecting {n_features} features as input."
        )
    check_feature_names(owner, fitted_names, feature_names)
    if vocab_size is not None and sequences.values.size:
        max_id = int(token_ids(sequences).max())
        if max_id >= vocab_size:
            raise ValueError(
                f"Token id {max_id} is out of range: the model was fitted with "
                f"vocab_size_={vocab_size} (ids 0 to {vocab_size - 1}). Map "
                "unseen tokens to the out-of-vocabulary id 1."
            )
