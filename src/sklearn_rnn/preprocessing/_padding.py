"""SequencePadder: ragged sequences to one fixed-width array, and back."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, _fit_context
from .._input import (
    check_dtype,
    pandas_to_numpy,
    read_sequences,
    sequence_offsets,
)
from ._pad import pad_flat
from ._padding_checks import (
    check_exact_promotion,
    check_round_trip,
    equals_padding,
    padding_value,
)
from ._sequence_base import (
    SequenceTransformerMixin,
    check_has_steps,
    check_n_features,
)


class SequencePadder(SequenceTransformerMixin, TransformerMixin, BaseEstimator):
    """Pad or truncate ragged sequences to one fixed-width array.

    Turns a collection of sequences of different lengths into an array of
    shape (n_samples, max_length) when each step is a scalar, or (n_samples,
    max_length, n_features) otherwise. The width ``max_length_`` is learned
    once in ``fit`` and every later call pads or truncates to it, so training
    and test data always get the same width. The dtype of the data is kept: integer
    data stays integer (padded with 0 by default), float data stays float
    (padded with NaN by default), and a padding value that the dtype cannot
    hold exactly is an error, never a silent cast.

    With the defaults (padding and truncation as below, ``value="auto"``), the
    output can be fed directly to :class:`~sklearn_rnn.RNNClassifier` and
    :class:`~sklearn_rnn.RNNRegressor`: they read trailing all-NaN steps of
    float data, and trailing id 0 of token ids in token mode, as padding, so
    each sequence keeps its own length. Integer data that holds quantities
    rather than token ids should be converted to float first: in numeric mode
    the estimators read its 0 padding as steps.

    Input sequences may be given as a list, tuple or 1-D object array of
    array-likes of shape (T_i,) or (T_i, n_features) (lists, arrays, pandas
    Series or DataFrames), as an array of shape (n_samples, n_timesteps,
    n_features), or as an array or wide DataFrame of shape (n_samples,
    n_timesteps) of univariate sequences. In float data, trailing steps whose
    features are all NaN are padding and are dropped before padding again, as
    the estimators do; NaN elsewhere is kept. Integer and boolean input is
    taken as given: a 0 there may be genuine data, so a sequence that ends
    with it is an error (see Notes). An empty sequence (0 steps) becomes a
    row of padding only. Items of different dtypes are stacked in the dtype
    NumPy promotes them to, unless that changes a value (int64 beyond 2**53
    with float items, uint64 with int64): that is an error.

    Parameters
    ----------
    max_length : int, float or None, default=None
        Width of the output. None: the length of the longest training
        sequence. An int: that many steps. A float in (0, 1]: the smallest
        width that fits at least that fraction of the training sequences
        without truncation (the inverted-CDF quantile of the training
        lengths), e.g. 0.95 so that a few very long sequences do not set the
        width for all. So ``max_length=1`` is one step, ``max_length=1.0``
        the longest training sequence. The learned width is at least 1, even
        when most training sequences are empty. :class:`Tokenizer` names its
        output width ``max_length`` too.

    padding : {"post", "pre"}, default="post"
        Where shorter sequences are padded: after ("post") or before ("pre")
        their steps. The RNN estimators expect "post": they find each
        sequence's end from its trailing padding, so NaN "pre" padding is an
        error there and leading zeros in token mode are read as steps.

    truncating : {"pre", "post"}, default="pre"
        Which steps longer sequences lose: the first ones ("pre", keeping the
        most recent ``max_length_`` steps) or the last ones ("post"). "pre"
        is the default of the package (:class:`Tokenizer` has it too) and of
        Keras' ``pad_sequences``: what happened last is what a time series
        model usually needs to see.

    value : "auto" or float, default="auto"
        Padding value. "auto" pads float data with NaN and integer or
        boolean data with 0 (False). A number must be exactly representable
        in the dtype of the data: e.g. 0.5 or NaN for integer data is an
        error.

    Attributes
    ----------
    max_length_ : int
        Width of the output, learned in ``fit``.

    n_features_in_ : int
        Number of features per time step (F), not the number of time steps.
        1 for univariate sequences.

    See Also
    --------
    SequenceScaler : Standardize the features of sequences of any length.
    sklearn_rnn.RNNClassifier : Takes the padded output directly.

    Notes
    -----
    ``inverse_transform`` finds where each sequence ends (or, with "pre"
    padding, starts) from its padding: it strips the trailing (leading) steps
    whose features all equal the padding value. A sequence whose own step
    there equals the padding value, e.g. integer data ending with a genuine 0,
    would lose that step. ``transform`` therefore refuses such a sequence
    with a ValueError (looking at its last kept step, or its first with "pre"
    padding), rather than making ``inverse_transform`` drop data without a
    word or reading genuine zeros as padding. Pad such data with a value it
    never holds (e.g. ``value=-1``), or convert it to float to pad it with
    NaN. The common uses are never refused: token ids hold 0 only as padding,
    and in float data trailing all-NaN steps are padding already (only a NaN
    step inside a sequence that ends up next to the padding is refused). So
    ``inverse_transform(transform(X))`` gives back every sequence of X as
    ``transform`` kept it: exactly, unless it was truncated to ``max_length_``
    steps; an empty sequence comes back as an empty array.

    The output is 2-D when the training sequences had scalar steps (items of
    shape (T_i,), or a 2-D array), 3-D otherwise; later calls keep that
    form. ``get_feature_names_out`` names the columns of the 2-D output
    ``t0``, ..., ``t{max_length_ - 1}``; a 3-D output has no columns to name, so
    it raises an error there.

    Compared with Keras' ``pad_sequences``: the width is learned once instead
    of per call, and the data is never cast (``pad_sequences`` casts to int32
    by default, truncating float data silently).

    Examples
    --------
    >>> from sklearn_rnn.preprocessing import SequencePadder
    >>> X = [[3, 1, 4], [1, 5], [9, 2, 6, 5]]
    >>> padder = SequencePadder(max_length=3).fit(X)
    >>> padder.transform(X)
    array([[3, 1, 4],
           [1, 5, 0],
           [2, 6, 5]])
    >>> padder.inverse_transform(padder.transform(X))
    [array([3, 1, 4]), array([1, 5]), array([2, 6, 5])]
    >>> SequencePadder().fit_transform([[0.5, 1.5], [2.5]])
    array([[0.5, 1.5],
           [2.5, nan]])
    """

    _parameter_constraints: dict = {
        "max_length": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [StrOptions({"auto"}), Real],
    }

    def __init__(
        self, *, max_length=None, padding="post", truncating="pre", value="auto"
    ):
        self.max_length = max_length
        self.padding = padding
        self.truncating = truncating
        self.value = value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the output width and the number of features per step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : None
            Ignored.

        Returns
        -------
        self : SequencePadder
            The fitted padder.
        """
        sequences = read_sequences(X)
        check_has_steps(sequences)
        check_exact_promotion(sequences)
        # Refuse an impossible padding value now rather than at transform.
        padding_value(self.value, sequences.flat.dtype)
        lengths = sequences.lengths
        if self.max_length is None:
            max_length = lengths.max()
        elif isinstance(self.max_length, Integral):
            max_length = self.max_length
        else:
            max_length = np.quantile(lengths, self.max_length, method="inverted_cdf")
        # The quantile of lengths of mostly empty sequences can be 0: a width
        # of 0 would hold no step of any sequence.
        self.max_length_ = max(int(max_length), 1)
        self.n_features_in_ = sequences.n_features
        self._scalar_steps = sequences.scalar_steps
        # The dtype of the output when a call's sequences are all empty.
        self._dtype = sequences.flat.dtype
        return self

    def transform(self, X):
        """Pad or truncate each sequence of X to ``max_length_`` steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring; they may be
            longer or shorter than the training sequences, or empty.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, max_length_) or \
(n_samples, max_length_, n_features)
            The padded sequences, in the dtype of X (of the training data when
            every sequence of X is empty). 2-D when the training sequences had
            scalar steps, 3-D otherwise.
        """
        check_is_fitted(self)
        sequences = read_sequences(X, n_features=self.n_features_in_)
        check_n_features(self, sequences.n_features)
        check_exact_promotion(sequences)
        flat = sequences.flat
        if not len(flat):
            # Only empty sequences: their dtype says nothing (np.asarray([]) is
            # float64), so token ids would come back as NaN-padded floats.
            flat = flat.astype(self._dtype)
        if self._scalar_steps and flat.ndim == 2:
            flat = flat[:, 0]
        elif not self._scalar_steps and flat.ndim == 1:
            flat = flat[:, np.newaxis]
        value = padding_value(self.value, flat.dtype)

        # The trailing padding of the sequences as given stays in flat: each
        # starts after all the steps of the previous one.
        out = pad_flat(
            flat,
            sequences.lengths,
            self.max_length_,
            value=value,
            padding=self.padding,
            truncating=self.truncating,
            starts=sequence_offsets(sequences.raw_lengths),
        )
        kept = np.minimum(sequences.lengths, self.max_length_)
        check_round_trip(out, kept, value, self.padding)
        return out

    def inverse_transform(self, X):
        """Strip the padding of padded sequences, giving back a ragged list.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features])
            Padded sequences, usually the output of ``transform``.

        Returns
        -------
        X_original : list of ndarray of shape (T_i,) or (T_i, n_features)
            One array per sequence, without its padding steps: (T_i,) when X
            is 2-D; an empty array for a row of padding only. For the output
            of ``transform``, the sequences as ``transform`` kept them (see
            Notes).
        """
        check_is_fitted(self)
        if sparse.issparse(X) or isinstance(X, (list, tuple, str, bytes)):
            raise TypeError(
                "inverse_transform expects the padded array of shape "
                "(n_samples, n_timesteps[, n_features]) that transform returns, "
                f"got {type(X).__name__}."
            )
        if isinstance(X, (pd.DataFrame, pd.Series)):
            X = pandas_to_numpy(X, "X")
        X = check_dtype(np.asarray(X), "X")
        if X.ndim not in (2, 3):
            raise ValueError(
                "inverse_transform expects a 2-D or 3-D array of shape (n_samples, "
                f"n_timesteps[, n_features]), got a {X.ndim}-D array of shape "
                f"{X.shape}."
            )
        check_n_features(self, 1 if X.ndim == 2 else X.shape[2])
        value = padding_value(self.value, X.dtype)
        is_padding = equals_padding(X, value)
        if X.ndim == 3:
            is_padding = is_padding.all(axis=2)
        n_steps = X.shape[1]
        is_data = ~is_padding
        if self.padding == "post":
            # One past the last step that is not padding (0 if all are).
            ends = np.where(is_data, np.arange(1, n_steps + 1), 0).max(axis=1)
            starts = np.zeros_like(ends)
        else:
            starts = np.where(is_data.any(axis=1), is_data.argmax(axis=1), n_steps)
            ends = np.full_like(starts, n_steps)
        return [
            x[start:end].copy() for x, start, end in zip(X, starts, ends, strict=True)
        ]

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation.

        Defined for a 2-D output only (training sequences with scalar steps):
        its columns are the time steps ``t0``, ..., ``t{max_length_ - 1}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Not used, present here for API consistency by convention: the
            output columns are named after their position in time.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``["t0", ..., "t{max_length_ - 1}"]``.
        """
        check_is_fitted(self)
        if not self._scalar_steps:
            raise AttributeError(
                "get_feature_names_out is only defined when the output is 2-D "
                f"(univariate sequences); this padder outputs a 3-D array of "
                f"shape (n_samples, {self.max_length_}, {self.n_features_in_}), whose "
                "columns are not single features."
            )
        return np.asarray([f"t{i}" for i in range(self.max_length_)], dtype=object)
