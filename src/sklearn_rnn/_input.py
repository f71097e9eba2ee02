"""Reading every accepted form of X as sequences, values and dtype untouched.

:func:`read_sequences` is the one reader of the input forms (3-D and 2-D
arrays, wide DataFrames, ragged lists of arrays or DataFrames, token ids): it
finds each sequence and its length before trailing padding, keeping the
values and the dtype of X so that the preprocessing transformers can hand
back what they were given. What the networks need on top of that (float32,
finite, in range) is checked in :mod:`._input_checks`. NumPy and pandas only:
no torch here.
"""

from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from scipy import sparse


@dataclass(frozen=True)
class RawSequences:
    """Sequences as read from X, values and dtype untouched.

    ``flat`` holds every step of every sequence end to end, trailing padding
    included: (total_steps,) when every step is a scalar (token ids, items of
    shape (T_i,) only, or a 2-D array), else (total_steps, F). ``raw_lengths``
    counts the steps of each sequence as given, ``lengths`` the steps before
    its trailing padding (all-NaN steps of float data, id 0 in token mode).
    ``items`` is the list of per-sequence arrays for ragged input, ``array``
    the array for 2-D and 3-D input; the other one is None.
    """

    flat: np.ndarray
    raw_lengths: np.ndarray
    lengths: np.ndarray
    items: list | None = None
    array: np.ndarray | None = None

    @property
    def scalar_steps(self):
        return self.flat.ndim == 1

    @property
    def n_features(self):
        return 1 if self.flat.ndim == 1 else self.flat.shape[1]

    @property
    def valid_steps(self):
        """The steps before each sequence's padding, end to end.

        ``flat`` itself, not a copy, when no sequence has padding.
        """
        if np.array_equal(self.lengths, self.raw_lengths):
            return self.flat
        # Every sequence is a run of valid steps, then a run of padding.
        runs = np.column_stack([self.lengths, self.raw_lengths - self.lengths])
        is_valid = np.tile([True, False], len(self.lengths))
        return self.flat[np.repeat(is_valid, runs.ravel())]


def read_sequences(X, *, token_mode=False, n_features=None, allow_empty=True):
    """Read any accepted form of X as :class:`RawSequences`.

    Accepts an array of shape (n, T, F), an array or wide DataFrame of shape
    (n, T) of univariate sequences, or a list / tuple / 1-D object array /
    Series of (T_i, F) or (T_i,) array-likes (pandas objects included); in
    token mode, (n, T) arrays and (T_i,) items of integer ids, or (n, T, F)
    arrays and (T_i, F) items of a token id and its F - 1 character ids. The values and
    their dtype are kept, NaN inside sequences included; only an object array
    of numbers becomes float64 (int64 in token mode). ``n_features`` gives
    empty (T_i,) items their F when no other item states it. With
    ``allow_empty=False``, a sequence without a step before its padding is an
    error.
    """
    _check_is_collection(X)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        X = pandas_to_numpy(X, "X")
    if isinstance(X, (list, tuple)) or (
        isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1
    ):
        return _read_ragged(X, token_mode, n_features, allow_empty)
    array = check_dtype(np.asarray(X), "X", token_mode=token_mode)
    return _read_array(array, token_mode, allow_empty)


def _check_is_collection(X):
    if sparse.issparse(X):
        raise TypeError(
            "Sparse input is not supported: X must hold dense sequences, e.g. an "
            "array of shape (n_samples, n_timesteps, n_features)."
        )
    if X is None or isinstance(X, (str, bytes, Mapping, Set, Iterator)):
        hint = ""
        if isinstance(X, Iterator):
            hint = " Turn it into a list first: list(X)."
        elif isinstance(X, (Mapping, Set)):
            hint = " Pass its sequences as a list, in the order of y."
        raise TypeError(
            "Expected a collection of sequences (array-like of shape (n_samples, "
            f"n_timesteps[, n_features]) or a list of arrays), got "
            f"{type(X).__name__}.{hint}"
        )


def pandas_to_numpy(frame, where):
    """The values of a DataFrame or Series, in the dtype its columns share.

    Refuses integer columns that sharing a float array with other columns
    would round (int64 beyond 2**53 beside a float64 column).
    """
    array = _frame_values(frame, where)
    if array.dtype.kind == "f" and isinstance(frame, pd.DataFrame):
        _check_integer_columns_fit(frame, array.dtype, where)
    return array


def _frame_values(frame, where):
    array = frame.to_numpy()
    if array.dtype != object:
        return array
    dtypes = [frame.dtype] if isinstance(frame, pd.Series) else list(frame.dtypes)
    numpy_dtypes = [getattr(dtype, "numpy_dtype", None) for dtype in dtypes]
    if any(dtype is None or dtype.kind == "O" for dtype in numpy_dtypes):
        # Plain object columns: a Series of arrays is a ragged collection;
        # anything else is validated (and refused if not numeric) later.
        return array
    if not np.asarray(frame.isna()).any():
        # Nullable extension columns without missing values keep their dtype.
        return frame.to_numpy(dtype=reduce(np.promote_types, set(numpy_dtypes)))
    # pd.NA marks missing values (the padding of a wide frame); only a float
    # array can hold them, as NaN.
    try:
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where} must hold numbers; {exc}") from exc


def _check_integer_columns_fit(frame, dtype, where):
    """Refuse integer columns that sharing a float array would round."""
    # Every integer up to 2**(nmant + 1) is exact in the float dtype.
    limit = 2 ** (np.finfo(dtype).nmant + 1)
    for name, column_dtype in frame.dtypes.items():
        # NumPy and nullable (Int64, ...) integer columns.
        numpy_dtype = getattr(column_dtype, "numpy_dtype", column_dtype)
        if not isinstance(numpy_dtype, np.dtype) or numpy_dtype.kind not in "iu":
            continue
        values = frame[name].to_numpy(dtype=numpy_dtype, na_value=0)
        if ((values > limit) | (values < -limit)).any():
            raise ValueError(
                f"Column {name!r} of {where} holds integers beyond {limit}, "
                f"which its float columns force into {dtype} and round. Cast the "
                "columns to one dtype yourself."
            )


def check_dtype(array, where, *, token_mode=False):
    """Refuse what is not real numbers, or integer ids in token mode.

    Returns the array, converted when it is an object array: as in
    check_array, an object array of numbers is numeric data.
    """
    # The kind, not np.iscomplexobj or a dtype comparison: this runs once per
    # sequence of a ragged X.
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported in {where}.")
    if kind == "O":
        # As in check_array, an object array of numbers is numeric data.
        try:
            array = array.astype(np.int64 if token_mode else np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{where} must hold numbers, but its object array holds a value "
                f"that is not one ({exc}). For text, turn documents into token "
                "ids first (see Tokenizer); a sequence must be an array of shape "
                "(n_timesteps,) or (n_timesteps, n_features), not nested "
                "sequences of different lengths."
            ) from None
        kind = array.dtype.kind
    if token_mode:
        if kind not in "iu":
            raise TypeError(
                "In token mode (embedding_dim set) X must hold integer token ids; "
                f"{where} has dtype {array.dtype}. Use Tokenizer or cast the ids "
                "to an integer dtype."
            )
    elif kind not in "biuf":
        raise TypeError(
            f"{where} must hold numbers; got dtype {array.dtype}. For text, turn "
            "documents into integer token ids first (see Tokenizer) and give "
            "them to the estimators with embedding_dim set."
        )
    return array


def _read_array(array, token_mode, allow_empty):
    expected = "(n_samples, n_timesteps[, n_features])"
    if array.ndim not in (2, 3):
        hint = (
            " Reshape your data: X.reshape(1, -1) for a single univariate sequence, "
            "X.reshape(-1, 1) for sequences of one step each."
            if array.ndim < 2
            else ""
        )
        raise ValueError(
            f"Expected a 2-D or 3-D array of shape {expected}, got a "
            f"{array.ndim}-D array of shape {array.shape}." + hint
        )
    if array.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum "
            "of 1 is required."
        )
    if array.shape[1] == 0 or (array.ndim == 3 and array.shape[2] == 0):
        raise ValueError(
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum "
            f"of 1 is required: X is read as {expected} and needs at least one "
            "time step and one feature."
        )
    # A dense array is n sequences of T steps: the same path as ragged input.
    n_samples, n_steps = array.shape[:2]
    flat = array.reshape(n_samples * n_steps, *array.shape[2:])
    raw_lengths = np.full(n_samples, n_steps, dtype=np.int64)
    return _with_lengths(flat, raw_lengths, token_mode, allow_empty, array=array)


def _read_ragged(X, token_mode, n_features, allow_empty):
    items = list(X)
    if not items:
        raise ValueError("Found an empty collection of sequences; need at least 1.")
    arrays = [
        _read_item(item, i, token_mode, allow_empty) for i, item in enumerate(items)
    ]
    step_shape = _step_shape(arrays, n_features)
    # An empty item's dtype says nothing (np.asarray([]) is float64): only
    # items with steps take part in NumPy's promotion of their dtypes.
    ndim = 1 + len(step_shape)
    steps = [
        a if a.ndim == ndim else a.reshape(len(a), *step_shape)
        for a in arrays
        if len(a)
    ]
    flat = np.concatenate(steps) if steps else np.empty((0, *step_shape))
    raw_lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    return _with_lengths(flat, raw_lengths, token_mode, allow_empty, items=arrays)


def _read_item(item, i, token_mode, allow_empty):
    """Sequence ``i`` of a ragged X as an array of shape (T_i,) or (T_i, F)."""
    # Arrays, the common case, need none of the checks of other types.
    if isinstance(item, np.ndarray):
        array = item
    else:
        try:
            array = np.asarray(_item_values(item, i))
        except ValueError as exc:  # nested lists of different lengths
            raise ValueError(
                f"Sequence {i} is not a rectangular array: expected shape "
                "(n_timesteps,) or (n_timesteps, n_features) with the same number "
                f"of features at every step ({exc})."
            ) from None
    if array.ndim == 0:
        raise ValueError(
            f"Sequence {i} is a scalar; expected each item of X to be a sequence "
            "of shape (n_timesteps,) or (n_timesteps, n_features). Reshape your "
            "data: wrap a single sequence in a list, [x]."
        )
    if array.ndim > 2:
        raise ValueError(
            f"Sequence {i} has shape {array.shape}; expected (n_timesteps,) or "
            "(n_timesteps, n_features)."
        )
    if not allow_empty and len(array) == 0:
        raise ValueError(
            f"Sequence {i} is empty (0 time steps); every sequence needs at "
            "least one step."
        )
    if not array.size:
        # An empty item's dtype says nothing (np.asarray([]) is float64).
        return array
    return check_dtype(array, f"sequence {i}", token_mode=token_mode)


def _item_values(item, i):
    if isinstance(item, (str, bytes)):
        raise TypeError(
            f"Sequence {i} is a string; expected an array of numbers. For text, "
            "turn documents into token ids first (see Tokenizer)."
        )
    if sparse.issparse(item):
        raise TypeError(
            f"Sequence {i} is a sparse matrix; sparse input is not supported."
        )
    if isinstance(item, (pd.DataFrame, pd.Series)):
        return pandas_to_numpy(item, f"sequence {i}")
    if isinstance(item, (Mapping, Set, Iterator)):
        raise TypeError(
            f"Sequence {i} is a {type(item).__name__}; expected an array-like of "
            "shape (n_timesteps,) or (n_timesteps, n_features)."
        )
    return item


def _step_shape(arrays, n_features):
    """() when every step is a scalar, else (F,), checking that items agree on F."""

    def features_of(array):
        return array.shape[1] if array.ndim == 2 else 1

    # An empty 1-D item fits any F; every other item states its F.
    stating = [i for i, a in enumerate(arrays) if len(a) or a.ndim == 2]
    expected = features_of(arrays[stating[0]]) if stating else (n_features or 1)
    for i in stating:
        if features_of(arrays[i]) != expected:
            raise ValueError(
                "All sequences must have the same number of features; sequence "
                f"{stating[0]} has {expected} and sequence {i} has "
                f"{features_of(arrays[i])}."
            )
    if expected == 0:
        raise ValueError(
            "Found sequences with 0 feature(s) while a minimum of 1 is required."
        )
    if expected == 1 and all(arrays[i].ndim == 1 for i in stating):
        return ()
    return (expected,)


def _with_lengths(flat, raw_lengths, token_mode, allow_empty, **source):
    """Find where each sequence's trailing padding starts."""
    lengths = raw_lengths
    is_padding = _padding_steps(flat, token_mode)
    if is_padding is not None and is_padding.any():
        lengths = _lengths_before_padding(is_padding, raw_lengths)
    if not allow_empty:
        empty = np.flatnonzero(lengths == 0)
        if empty.size:
            raise ValueError(
                f"Sequence(s) at index {empty[:10].tolist()} have no valid time "
                "steps (they are all NaN padding); every sequence needs at "
                "least one step."
            )
    return RawSequences(flat, raw_lengths, lengths, **source)


def _padding_steps(flat, token_mode):
    """Which steps read as padding where trailing; None where none can."""
    if token_mode:
        # Id 0 is padding; with character columns, the token id is column 0.
        return (flat if flat.ndim == 1 else flat[:, 0]) == 0
    if flat.dtype.kind != "f":
        # Integer and boolean data has no padding value: a 0 may be data.
        return None
    is_nan = np.isnan(flat)
    return is_nan if flat.ndim == 1 else is_nan.all(axis=1)


def _lengths_before_padding(is_padding, raw_lengths):
    nonempty = raw_lengths > 0
    starts = sequence_offsets(raw_lengths)[nonempty]
    # Each sequence ends after its last step that is not padding (-1: none
    # is). Reducing over the starts of the non-empty sequences is exact:
    # empty ones in between hold no steps.
    last = np.maximum.reduceat(
        np.where(is_padding, -1, np.arange(len(is_padding))), starts
    )
    lengths = np.zeros_like(raw_lengths)
    lengths[nonempty] = np.maximum(last - starts + 1, 0)
    return lengths


def sequence_offsets(lengths):
    """Where each sequence starts when sequences are stored end to end."""
    return np.cumsum(lengths) - lengths
