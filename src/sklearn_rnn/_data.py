"""Turning the accepted inputs into (values, lengths), and batching them.

Every input form of the estimators ends up as one right-padded array plus the
true length of each sequence. Batches are then tensor slices of that array:
sequences of similar length are grouped so that each batch is padded only to
its own longest member, which on CPU is several times faster than packing and
markedly faster than padding everything to the global maximum.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import sparse

# A shuffled epoch sorts pools of this many batches by length: large enough to
# make batches tight, small enough to keep their composition random.
_POOL_BATCHES = 50


@dataclass(frozen=True)
class PaddedSequences:
    """Right-padded sequences and their lengths.

    ``values`` is float32 of shape (n, T, F) with zeros as padding, or int64 of
    shape (n, T) holding token ids with 0 as padding; ``lengths`` is int64 of
    shape (n,).
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def n_features(self):
        return 1 if self.values.ndim == 2 else self.values.shape[2]


def check_sequences(X, *, token_mode=False):
    """Validate any accepted form of X and return it as :class:`PaddedSequences`.

    Numeric mode: a (n, T, F) array, a (n, T) array or wide DataFrame of
    univariate sequences, or a list / tuple / 1-D object array of (T_i, F) or
    (T_i,) arrays. Trailing steps whose features are all NaN are padding. Token
    mode: a (n, T) integer array or a collection of 1-D integer arrays; trailing
    zeros are padding.
    """
    if sparse.issparse(X):
        raise TypeError(
            "Sparse input is not supported: X must hold dense sequences, e.g. an "
            "array of shape (n_samples, n_timesteps, n_features)."
        )
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(
            "Expected a collection of sequences (array-like of shape (n_samples, "
            f"n_timesteps[, n_features]) or a list of arrays), got {type(X).__name__}."
        )
    if isinstance(X, pd.DataFrame) and not token_mode:
        # Nullable columns hold pd.NA, which only this conversion maps to NaN.
        X = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(X, (pd.DataFrame, pd.Series)):
        X = X.to_numpy()
    if isinstance(X, (list, tuple)) or (
        isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1
    ):
        return _from_ragged(X, token_mode)
    array = np.asarray(X)
    if array.dtype == object:
        # An object array of numbers is numeric data (as in check_array); this
        # raises TypeError naming the first element that is not a number.
        array = array.astype(np.int64 if token_mode else np.float64)
    return _from_array(array, token_mode)


def _check_dtype(array, token_mode, where="X"):
    if np.iscomplexobj(array):
        raise ValueError(f"Complex data not supported in {where}.")
    if token_mode:
        if array.dtype.kind not in "iu":
            raise TypeError(
                "In token mode (embedding_dim set) X must hold integer token ids; "
                f"{where} has dtype {array.dtype}. Use Tokenizer or cast the ids "
                "to an integer dtype."
            )
    elif array.dtype.kind not in "biuf":
        raise TypeError(
            f"{where} must hold numbers; got dtype {array.dtype}. For text, set "
            "embedding_dim and pass integer token ids."
        )


def _from_array(array, token_mode):
    _check_dtype(array, token_mode)
    expected = "(n_samples, n_timesteps)" + ("" if token_mode else "[, n_features]")
    if array.ndim < 2:
        raise ValueError(
            f"Expected a 2-D or 3-D array of shape {expected}, got a {array.ndim}-D "
            f"array of shape {array.shape}. Reshape your data: X.reshape(1, -1) "
            "for a single univariate sequence, X.reshape(-1, 1) for sequences of "
            "one step each."
        )
    if array.ndim > (2 if token_mode else 3):
        raise ValueError(
            f"Expected an array of shape {expected}, got a {array.ndim}-D array of "
            f"shape {array.shape}."
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
    if token_mode:
        return _finalize_tokens(array)
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    return _finalize_numeric(array)


def _from_ragged(X, token_mode):
    items = list(X)
    if not items:
        raise ValueError("Found an empty collection of sequences; need at least 1.")
    arrays = []
    for i, item in enumerate(items):
        if isinstance(item, (str, bytes)):
            raise TypeError(
                f"Sequence {i} is a string; expected an array of numbers. For text, "
                "turn documents into token ids first (see Tokenizer)."
            )
        if sparse.issparse(item):
            raise TypeError(
                f"Sequence {i} is a sparse matrix; sparse input is not supported."
            )
        array = np.asarray(item)
        if array.ndim == 0:
            raise ValueError(
                f"Sequence {i} is a scalar; expected each item of X to be a sequence "
                "of shape (n_timesteps,) or (n_timesteps, n_features). Reshape your "
                "data: wrap a single sequence in a list, [x]."
            )
        if array.ndim > (1 if token_mode else 2):
            shape = "(n_timesteps,)" if token_mode else "(n_timesteps, n_features)"
            raise ValueError(f"Sequence {i} has shape {array.shape}; expected {shape}.")
        if len(array) == 0:
            raise ValueError(
                f"Sequence {i} is empty (0 time steps); every sequence needs at "
                "least one step."
            )
        _check_dtype(array, token_mode, where=f"sequence {i}")
        arrays.append(array if token_mode or array.ndim == 2 else array[:, None])

    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    if token_mode:
        flat = np.concatenate(arrays).astype(np.int64, copy=False)
        padded = np.zeros((len(arrays), lengths.max()), dtype=np.int64)
    else:
        n_features = {a.shape[1] for a in arrays}
        if len(n_features) > 1:
            counts = [a.shape[1] for a in arrays]
            first = next(i for i, c in enumerate(counts) if c != counts[0])
            raise ValueError(
                "All sequences must have the same number of features; sequence 0 "
                f"has {counts[0]} and sequence {first} has {counts[first]}."
            )
        if 0 in n_features:
            raise ValueError(
                "Found sequences with 0 feature(s) while a minimum of 1 is required."
            )
        flat = np.concatenate(arrays).astype(np.float64, copy=False)
        padded = np.full(
            (len(arrays), lengths.max(), flat.shape[1]), np.nan, dtype=np.float64
        )
    # One vectorized scatter instead of a Python loop over samples.
    rows = np.repeat(np.arange(len(arrays)), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded[rows, np.arange(len(flat)) - starts] = flat
    if token_mode:
        return _finalize_tokens(padded)
    return _finalize_numeric(padded)


def _trailing_lengths(valid):
    """Index after the last True of each row of a (n, T) boolean array."""
    n_steps = valid.shape[1]
    last_from_end = np.argmax(valid[:, ::-1], axis=1)
    return np.where(valid.any(axis=1), n_steps - last_from_end, 0).astype(np.int64)


def _check_nonempty(lengths, what):
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"Sequence(s) at index {empty[:10].tolist()} have no valid time steps "
            f"(they are all {what}); every sequence needs at least one step."
        )


def _finalize_numeric(values):
    if np.isinf(values).any():
        raise ValueError("Input X contains infinity; expected finite values.")
    is_nan = np.isnan(values)
    lengths = _trailing_lengths(~is_nan.all(axis=2))
    _check_nonempty(lengths, "NaN padding")
    valid = np.arange(values.shape[1]) < lengths[:, None]
    inside = is_nan & valid[:, :, None]
    if inside.any():
        sample, step, _ = np.argwhere(inside)[0]
        raise ValueError(
            f"Input X contains NaN inside the valid steps of sequence {sample} (step "
            f"{step}); only trailing steps whose features are all NaN are read as "
            "padding."
        )
    values = np.where(is_nan, 0.0, values)[:, : lengths.max()]
    return PaddedSequences(np.ascontiguousarray(values, dtype=np.float32), lengths)


def _finalize_tokens(ids):
    if (ids < 0).any():
        raise ValueError(f"Token ids must be >= 0 (0 is padding); found {ids.min()}.")
    lengths = _trailing_lengths(ids != 0)
    _check_nonempty(lengths, "padding id 0")
    ids = ids[:, : lengths.max()]
    return PaddedSequences(np.ascontiguousarray(ids, dtype=np.int64), lengths)


class SequenceDataset(torch.utils.data.Dataset):
    """Padded sequences, their lengths and (optionally) targets as tensors."""

    def __init__(self, sequences, target=None):
        self.values = torch.from_numpy(sequences.values)
        self.lengths = torch.from_numpy(sequences.lengths)
        self.target = None if target is None else torch.from_numpy(target)

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        x = {"values": self.values[i, : self.lengths[i]], "lengths": self.lengths[i]}
        return x, (None if self.target is None else self.target[i])


def batch_indices(lengths, batch_size, *, shuffle):
    """Split sample indices into batches of sequences of similar length.

    With ``shuffle``, the samples are permuted, sorted by length within pools
    of ``_POOL_BATCHES`` batches and the batches are visited in random order
    (torch's global generator, which ``fit`` seeds). Without it, indices are
    sorted by length (stable), which is what prediction uses.
    """
    n_samples = len(lengths)
    if not shuffle:
        return list(torch.argsort(lengths, stable=True).split(batch_size))
    order = torch.randperm(n_samples)
    pool = batch_size * _POOL_BATCHES
    batches = []
    for start in range(0, n_samples, pool):
        chunk = order[start : start + pool]
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches.extend(chunk.split(batch_size))
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


def take_batch(dataset, index):
    """Slice one batch, padded only to its own longest sequence."""
    lengths = dataset.lengths[index]
    # Narrow the time axis first (a view) so the gather copies only what is used.
    values = dataset.values[:, : int(lengths.max())][index]
    target = None if dataset.target is None else dataset.target[index]
    return {"values": values, "lengths": lengths}, target


class BucketBatchIterator:
    """skorch ``iterator_train`` / ``iterator_valid``: length-bucketed batches.

    skorch calls ``BucketBatchIterator(dataset, batch_size=..., **kwargs)`` once
    per epoch and iterates over it; each batch is ``({"values", "lengths"}, y)``.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        for index in batch_indices(
            self.dataset.lengths, self.batch_size, shuffle=self.shuffle
        ):
            yield take_batch(self.dataset, index)
