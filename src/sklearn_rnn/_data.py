"""Turning the accepted inputs into (values, lengths), and batching them.

Every input form of the estimators ends up as the valid steps of all sequences
stacked end to end (no padding is stored, so memory stays close to the raw
data size) plus the length of each sequence. A batch gathers its sequences
into an array padded only to its own longest member; batches group sequences
of similar length, which on CPU is several times faster than packing and
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


def check_sequences(X, *, token_mode=False, n_features=None):
    """Validate any accepted form of X and return it as :class:`Sequences`.

    Numeric mode: a (n, T, F) array, a (n, T) array or wide DataFrame of
    univariate sequences, or a list / tuple / 1-D object array of (T_i, F) or
    (T_i,) arrays. Trailing steps whose features are all NaN are padding. Token
    mode: a (n, T) integer array or a collection of 1-D integer arrays; trailing
    zeros are padding. Sequences may be empty (length 0); ``n_features`` (the
    fitted F, at predict time) gives empty 1-D items their shape when no
    other item tells it.
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
        return _from_ragged(X, token_mode, n_features)
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
    # A dense array is n sequences of T steps: the same path as ragged input.
    n_samples, n_steps = array.shape[:2]
    flat = array.reshape(n_samples * n_steps, *array.shape[2:])
    if not token_mode and flat.ndim == 1:
        flat = flat[:, np.newaxis]
    return _finalize(flat, np.full(n_samples, n_steps, dtype=np.int64), token_mode)


def _from_ragged(X, token_mode, n_features):
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
        # An empty item's dtype says nothing (np.asarray([]) is float64).
        if array.size:
            _check_dtype(array, token_mode, where=f"sequence {i}")
        arrays.append(array)

    if token_mode:
        arrays = [a if len(a) else np.empty(0, dtype=np.int64) for a in arrays]
    else:
        arrays = _as_steps_by_features(arrays, n_features)
    raw_lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    return _finalize(np.concatenate(arrays), raw_lengths, token_mode)


def _as_steps_by_features(arrays, n_features):
    """Make every item (T_i, F), checking that all items agree on F."""

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
    return [a.reshape(len(a), expected) if a.ndim == 1 else a for a in arrays]


def _finalize(flat, raw_lengths, token_mode):
    """Drop trailing padding steps, validate, and store the rest end to end.

    ``flat`` holds every step of every sequence end to end, (total,) ids or
    (total, F) numbers; ``raw_lengths`` says how many steps each sequence has
    before trailing padding (all-NaN steps, or id 0 in token mode) is dropped.
    """
    if token_mode:
        if (flat < 0).any():
            raise ValueError(
                f"Token ids must be >= 0 (0 is padding); found {flat.min()}."
            )
        is_padding = flat == 0
        is_nan = None
    elif flat.dtype.kind == "f":
        if np.isinf(flat).any():
            raise ValueError("Input X contains infinity; expected finite values.")
        is_nan = np.isnan(flat)
        is_padding = is_nan.all(axis=1)
    else:
        is_nan = None
        is_padding = np.zeros(len(flat), dtype=bool)

    starts = np.cumsum(raw_lengths) - raw_lengths
    lengths, keep = raw_lengths, None
    if is_padding.any():
        step = np.arange(len(flat)) - np.repeat(starts, raw_lengths)
        # Each sequence ends after its last step that is not padding. Reducing
        # over the starts of the non-empty sequences is exact: empty ones in
        # between hold no steps.
        marker = np.where(is_padding, 0, step + 1)
        lengths = np.zeros_like(raw_lengths)
        nonempty = raw_lengths > 0
        lengths[nonempty] = np.maximum.reduceat(marker, starts[nonempty])
        keep = step < np.repeat(lengths, raw_lengths)
    if is_nan is not None:
        inside = is_nan.any(axis=1)
        if keep is not None:
            inside &= keep
        if inside.any():
            position = np.flatnonzero(inside)[0]
            sample = np.searchsorted(starts, position, side="right") - 1
            raise ValueError(
                f"Input X contains NaN inside the valid steps of sequence {sample} "
                f"(step {position - starts[sample]}); only trailing steps whose "
                "features are all NaN are read as padding."
            )
    values = flat if keep is None else flat[keep]
    dtype = np.int64 if token_mode else np.float32
    return Sequences(
        np.ascontiguousarray(values, dtype=dtype), lengths.astype(np.int64)
    )


class SequenceDataset(torch.utils.data.Dataset):
    """Sequences (stored end to end), their lengths and optional targets."""

    def __init__(self, sequences, target=None):
        self.values = torch.from_numpy(sequences.values)
        self.lengths = torch.from_numpy(sequences.lengths)
        self.offsets = torch.cumsum(self.lengths, 0) - self.lengths
        # Fixed-length data (the common dense case) is a (n, T, ...) view: its
        # batches are then one index_select, with no positions to compute.
        self.fixed_length = None
        if self.lengths[0] > 0 and bool((self.lengths == self.lengths[0]).all()):
            self.fixed_length = self.values.view(
                len(self.lengths), int(self.lengths[0]), *self.values.shape[1:]
            )
        self.target = None if target is None else torch.from_numpy(target)

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        start = self.offsets[i]
        x = {
            "values": self.values[start : start + self.lengths[i]],
            "lengths": self.lengths[i],
        }
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
    """Gather one batch, right-padded with zeros to its own longest sequence."""
    lengths = dataset.lengths[index]
    target = None if dataset.target is None else dataset.target[index]
    if dataset.fixed_length is not None:
        return {"values": dataset.fixed_length[index], "lengths": lengths}, target
    # At least one step: a batch of empty sequences runs on one padding step.
    width = max(int(lengths.max()), 1)
    steps = torch.arange(width)
    positions = dataset.offsets[index].unsqueeze(1) + steps
    if int(lengths.min()) == width:
        # A batch of equal lengths needs no padding: one gather.
        values = dataset.values[positions]
    else:
        # Zeros, then the valid steps scattered in: padding cannot poison
        # masked pooling, and a batch of empty sequences reads no data at all.
        valid = steps < lengths.unsqueeze(1)
        shape = (len(index), width, *dataset.values.shape[1:])
        values = dataset.values.new_zeros(shape)
        values[valid] = dataset.values[positions[valid]]
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
