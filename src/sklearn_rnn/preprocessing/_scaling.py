"""SequenceScaler: per-feature standardization of sequences of any length."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .._compat import _fit_context
from .._input import read_sequences
from ._sequence_base import (
    SequenceTransformerMixin,
    check_has_steps,
    check_n_features,
)

try:  # NumPy >= 2.0
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # pragma: no cover
    from numpy import byte_bounds


def _can_scale_in_place(array, original, copy):
    """Whether ``array`` may be scaled in place and returned.

    copy=False asks for it, but only the caller's own writable float array
    (not a conversion of a list, a DataFrame or an integer array) can take it.
    """
    return (
        not copy
        and array is original
        and array.dtype in (np.float32, np.float64)
        and array.flags.writeable
    )


def _without_overlaps(arrays, in_place):
    """``in_place`` with False for arrays that share memory with a kept one.

    An item given twice, or overlapping windows of one series, would be
    scaled once per item if each were scaled in place. Byte bounds, sorted
    by start, find every overlap in O(n log n); for strided arrays they are
    conservative (an overlap of bounds may share no element), which only
    costs a copy.
    """
    in_place = list(in_place)
    candidates = [i for i, keep in enumerate(in_place) if keep and arrays[i].size]
    bounds = np.array([byte_bounds(arrays[i]) for i in candidates]).reshape(-1, 2)
    # Sorted by start, an array overlaps a kept one if and only if it starts
    # before the furthest end of those kept so far. Stable: of arrays with
    # the same start, the first in X stays in place.
    end_of_kept = 0
    for k in np.argsort(bounds[:, 0], kind="stable"):
        start, end = bounds[k]
        if start < end_of_kept:
            in_place[candidates[k]] = False
        else:
            end_of_kept = max(end_of_kept, end)
    return in_place


def _float_copy(array):
    return np.array(array, dtype=np.float32 if array.dtype == np.float32 else float)


class SequenceScaler(SequenceTransformerMixin, TransformerMixin, BaseEstimator):
    """Standardize each feature of sequences over all their valid time steps.

    The mean and standard deviation of each feature are computed over every
    valid time step of every training sequence, as
    :class:`~sklearn.preprocessing.StandardScaler` would compute them on the
    steps stacked into one (total_steps, n_features) array, so a long sequence
    weighs in proportion to its length. ``transform`` then applies
    ``(x - mean_) / scale_`` to every step. StandardScaler itself cannot take
    ragged or 3-D input; this scaler takes every form the RNN estimators take
    and returns the form it was given.

    NaN is ignored when learning the statistics and kept by ``transform``, as
    StandardScaler does: the NaN padding of a padded array stays padding, and
    a NaN inside a sequence stays missing (the estimators will refuse it).
    Integer and boolean data is scaled as numbers and returned as float64; do
    not scale token ids, which are categories, not quantities. Empty
    sequences (0 steps, or all NaN padding) are kept as they are, as the
    estimators take them; fitting needs at least one step.

    Parameters
    ----------
    with_mean : bool, default=True
        If True, center the data before scaling.

    with_std : bool, default=True
        If True, scale the data to unit variance (or equivalently, unit
        standard deviation).

    copy : bool, default=True
        If False, try to avoid a copy and scale in place: float arrays (and
        float arrays inside a list) are then modified and returned. This is
        not guaranteed to always work in place; e.g. integer data, DataFrames
        and read-only arrays are always copied, and so is an item that shares
        memory with another item (the same array twice, overlapping windows of
        one series), so that every step is scaled exactly once.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        The mean of each feature over the valid training steps. None when
        ``with_mean=False`` and ``with_std=False``.

    var_ : ndarray of shape (n_features,) or None
        The variance of each feature over the valid training steps, used to
        compute ``scale_``. None when ``with_std=False``.

    scale_ : ndarray of shape (n_features,) or None
        Per-feature scaling factor, ``np.sqrt(var_)``; a feature with (near)
        zero variance gets 1, so it is centered but not scaled. None when
        ``with_std=False``.

    n_samples_seen_ : int or ndarray of shape (n_features,)
        The number of valid time steps seen (not sequences). An array when
        some feature holds NaN inside the valid steps, counting its non-NaN
        values.

    n_features_in_ : int
        Number of features per time step (F), not the number of time steps.
        1 for univariate sequences.

    scaler_ : ~sklearn.preprocessing.StandardScaler
        The scaler fitted on the valid steps, one row per step; ``mean_``,
        ``var_``, ``scale_`` and ``n_samples_seen_`` are its attributes.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same scaling for 2-D tabular data.
    SequencePadder : Pad or truncate ragged sequences to one width.

    Notes
    -----
    Output forms: a list, tuple or object array of sequences gives the same
    kind of container with items of the same shapes (pandas items stay
    pandas, with their index); an array gives an array of the same shape; a
    DataFrame gives a DataFrame with the same index and columns. float32 data
    stays float32, everything else becomes float64.

    The scaler has no ``get_feature_names_out``: for a 2-D array of univariate
    sequences the output columns are time steps, whose number may change
    from call to call, not the ``n_features_in_`` features; a DataFrame
    keeps its own columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequenceScaler
    >>> X = [np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]]),
    ...      np.array([[6.0, 20.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([ 3., 20.])
    >>> scaler.transform([np.array([[3.0, 20.0], [6.0, 30.0]])])
    [array([[0.  , 0.  ],
           [1.34..., 1.41...]])]
    >>> scaler.transform(np.array([[3.0, 6.0, np.nan]]))  # one feature only
    Traceback (most recent call last):
    ...
    ValueError: X has 1 features per time step, but SequenceScaler is expecting 2 ...
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "copy": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True, copy=True):
        self.with_mean = with_mean
        self.with_std = with_std
        self.copy = copy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        for name in ("scaler_", "n_features_in_"):
            if hasattr(self, name):
                delattr(self, name)
        return self._partial_fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the mean and standard deviation with a batch of sequences.

        Useful when the sequences do not fit in memory at once. The result
        is the same as one ``fit`` on all batches together.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            A batch of sequences, in any form listed in the class docstring.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The updated scaler.
        """
        return self._partial_fit(X)

    def _partial_fit(self, X):
        sequences = read_sequences(X, n_features=getattr(self, "n_features_in_", None))
        check_has_steps(sequences)
        if hasattr(self, "n_features_in_"):
            check_n_features(self, sequences.n_features)
        steps = sequences.valid_steps
        if steps.ndim == 1:
            steps = steps[:, np.newaxis]
        # StandardScaler does the arithmetic (NaN-aware incremental mean and
        # variance, near-constant features scaled by 1) on the valid steps,
        # one row per step. Like any partial_fit, each call uses the current
        # parameters. Kept only once fitted: a first call that raises leaves
        # the scaler unfitted.
        scaler = self.scaler_ if hasattr(self, "scaler_") else StandardScaler()
        scaler.set_params(with_mean=self.with_mean, with_std=self.with_std)
        self.scaler_ = scaler.partial_fit(steps)
        self.n_features_in_ = sequences.n_features
        return self

    # The statistics are the fitted StandardScaler's, read where they live.

    @property
    def mean_(self):
        return self.scaler_.mean_

    @property
    def var_(self):
        return self.scaler_.var_

    @property
    def scale_(self):
        return self.scaler_.scale_

    @property
    def n_samples_seen_(self):
        return self.scaler_.n_samples_seen_

    def transform(self, X, copy=None):
        """Standardize every step of the sequences of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring; they may be
            longer or shorter than the training sequences, or empty.
        copy : bool, default=None
            Copy the input X or not; None uses the ``copy`` parameter.

        Returns
        -------
        X_tr : ndarray, DataFrame or list of arrays
            The scaled sequences, in the form of X (see Notes). NaN stays NaN.
        """
        return self._apply(X, copy, inverse=False)

    def inverse_transform(self, X, copy=None):
        """Scale standardized sequences back to the original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Standardized sequences, in any form listed in the class docstring.
        copy : bool, default=None
            Copy the input X or not; None uses the ``copy`` parameter.

        Returns
        -------
        X_original : ndarray, DataFrame or list of arrays
            The sequences in the original units, in the form of X.
        """
        return self._apply(X, copy, inverse=True)

    def _apply(self, X, copy, inverse):
        check_is_fitted(self)
        copy = self.copy if copy is None else copy
        sequences = read_sequences(X, n_features=self.n_features_in_)
        check_n_features(self, sequences.n_features)

        if sequences.array is not None:
            out = sequences.array
            if not _can_scale_in_place(out, X, copy):
                out = _float_copy(out)
            self._scale(out, inverse)
            if isinstance(X, pd.DataFrame):
                return pd.DataFrame(out, index=X.index, columns=X.columns)
            return out
        arrays = sequences.items
        in_place = _without_overlaps(
            arrays,
            [
                _can_scale_in_place(array, original, copy)
                for original, array in zip(X, arrays, strict=True)
            ],
        )
        # Every copy is taken before any array is scaled in place: an item
        # that is copied may share memory with one that is not.
        arrays = [
            array if keep else _float_copy(array)
            for array, keep in zip(arrays, in_place, strict=True)
        ]
        for array in arrays:
            self._scale(array, inverse)
        items = []
        for original, item in zip(X, arrays, strict=True):
            if isinstance(original, pd.Series):
                item = pd.Series(item, index=original.index, name=original.name)
            elif isinstance(original, pd.DataFrame):
                item = pd.DataFrame(
                    item, index=original.index, columns=original.columns
                )
            items.append(item)
        if isinstance(X, list):
            return items
        if isinstance(X, tuple):
            return tuple(items)
        out = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            # Assigned one by one: equal-shape items must not be broadcast.
            out[i] = item
        if isinstance(X, pd.Series):
            return pd.Series(out, index=X.index, name=X.name)
        return out

    def _scale(self, array, inverse):
        """Scale the float ``array`` in place, or scale it back.

        The arithmetic of ``StandardScaler.transform`` on the statistics of
        ``scaler_``, applied to arrays of any shape rather than through it:
        its check_array would refuse the infinite values this scaler passes
        through, and cost a validation per item of a ragged X.
        """
        if not array.size:
            # An empty (0,) item of multivariate data does not broadcast with
            # the (n_features,) statistics, and has nothing to scale.
            return
        # A (T,) or (n, T) array of univariate sequences broadcasts with the
        # (1,) statistics just as (..., F) arrays do with (F,) ones.
        if inverse:
            if self.with_std:
                array *= self.scale_
            if self.with_mean:
                array += self.mean_
        else:
            if self.with_mean:
                array -= self.mean_
            if self.with_std:
                array /= self.scale_
