"""SequencePadder: ragged sequences to one fixed-width array, and back.

Also home of what :class:`SequencePadder` and :class:`SequenceScaler` share
beyond their reader (``read_sequences``, which keeps the values and dtype of
X so that a transformer can hand back the form and dtype it was given): the
check of the number of features, and their tags.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, _fit_context
from .._input import check_dtype, pandas_to_numpy, read_sequences


class _SequenceTransformerMixin:
    """Tags of the transformers that take the estimators' input forms."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # NaN marks padding; elsewhere it is kept (and ignored by statistics).
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check_n_features(estimator, n_features):
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features per time step, but "
            f"{type(estimator).__name__} is expecting {estimator.n_features_in_} "
            "features as input."
        )


def _check_has_steps(sequences):
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


def _check_exact_promotion(sequences):
    """Refuse ragged items whose values the common dtype of X cannot hold.

    The items of a ragged X are stacked in the dtype NumPy promotes their
    dtypes to. That promotion only loses values from integers to floats
    (int64 or uint64 with a float, uint64 with int64, all to float64), so
    only such items are checked, value by value. (NumPy calls the cast of
    int64 to float64 "safe", so ``np.can_cast`` cannot tell.)
    """
    if sequences.items is None:  # one array, one dtype
        return
    dtype = sequences.flat.dtype
    for i, item in enumerate(sequences.items):
        # An empty item's dtype says nothing and took no part in the promotion.
        if not item.size or not _may_round(item.dtype, dtype):
            continue
        lost = np.flatnonzero(_changed_by_cast(item, dtype))
        if lost.size:
            value = item.ravel()[lost[0]]
            dtypes = sorted({str(a.dtype) for a in sequences.items if a.size})
            raise ValueError(
                f"The sequences of X have different dtypes ({', '.join(dtypes)}), "
                f"which NumPy promotes to {dtype}; {dtype} cannot hold every "
                f"value exactly: {value} in sequence {i} ({item.dtype}) would "
                f"become {dtype.type(value).item()!r}. Cast the sequences to one "
                "dtype yourself: one that holds all their values, or float64 if "
                "that rounding is acceptable ([np.asarray(x, dtype=np.float64) "
                "for x in X])."
            )


def _may_round(from_dtype, to_dtype):
    """Whether a cast from ``from_dtype`` to ``to_dtype`` can change a value."""
    if from_dtype.kind not in "iu" or to_dtype.kind != "f":
        return False
    info = np.iinfo(from_dtype)
    magnitude_bits = info.bits - 1 if info.min else info.bits
    return magnitude_bits > np.finfo(to_dtype).nmant + 1


def _changed_by_cast(values, dtype):
    """Which integer ``values`` a cast to the float ``dtype`` changes."""
    cast = values.astype(dtype)
    info = np.iinfo(values.dtype)
    # Rounding can reach 2**63 (2**64 unsigned), just past the largest
    # integer, where casting back is undefined; the lowest integer is a power
    # of two, exact in any float.
    in_range = cast < 2.0 ** (info.bits - 1 if info.min else info.bits)
    back = np.where(in_range, cast, 0).astype(values.dtype)
    return ~in_range | (back != values)


def _equals_padding(values, value):
    """Elementwise ``values == value``, where NaN equals NaN."""
    return np.isnan(values) if np.isnan(value) else values == value


def _check_round_trip(out, kept, value, padding):
    """Refuse padded sequences that ``inverse_transform`` cannot give back.

    ``inverse_transform`` strips the steps next to the padding (trailing for
    "post", leading for "pre") whose features all equal the padding value: a
    sequence whose own step there equals it would lose that step.
    """
    has_steps = np.flatnonzero(kept)
    if padding == "post":
        edge = kept[has_steps] - 1
    else:
        edge = out.shape[1] - kept[has_steps]
    is_padding = _equals_padding(out[has_steps, edge], value)
    if out.ndim == 3:
        is_padding = is_padding.all(axis=1)
    ambiguous = has_steps[is_padding]
    if not ambiguous.size:
        return
    side = "end" if padding == "post" else "start"
    raise ValueError(
        f"Sequence(s) at index {ambiguous[:10].tolist()} {side} with a step equal "
        f"to the padding value ({value.item()!r}) in every feature: inverse_transform "
        "could not tell that step from the padding and would drop it. "
        + _ambiguity_hint(out.dtype, value)
    )


def _ambiguity_hint(dtype, value):
    if dtype.kind == "b":
        return (
            "Boolean data holds both of the values it can be padded with: convert "
            "it to integers (e.g. x.astype(np.int8), padded with value=-1) or to "
            "float (padded with NaN)."
        )
    if dtype.kind == "f" and np.isnan(value):
        return (
            "Only trailing all-NaN steps are padding in float data; an all-NaN "
            "step inside a sequence is missing data: impute it first, or pad "
            "with a number that the data never holds (the value parameter)."
        )
    if dtype.kind == "f":
        return "Pad with a value that the data never holds, e.g. value='auto' (NaN)."
    hint = (
        "Pad with a value that the data never holds (e.g. value=-1 for "
        "non-negative integers), or convert the sequences to float to pad them "
        "with NaN."
    )
    if value == 0:
        hint += (
            " Token ids hold 0 only as padding: give already padded ids without "
            "their padding (e.g. Tokenizer without max_length)."
        )
    return hint


def _padding_value(value, dtype):
    """The padding value for data of this dtype, refusing any lossy cast."""
    if isinstance(value, str):  # "auto"
        return dtype.type(np.nan) if dtype.kind == "f" else dtype.type(0)
    is_nan = value != value
    if dtype.kind == "f":
        try:
            with np.errstate(over="ignore"):
                cast = dtype.type(value)
        except OverflowError:  # a Python int beyond any float
            cast = dtype.type(np.inf)
        if not is_nan and value not in (np.inf, -np.inf) and np.isinf(cast):
            raise ValueError(
                f"value={value!r} does not fit in the dtype of X ({dtype}); it "
                "would become infinite."
            )
        return cast
    if is_nan:
        raise ValueError(
            f"value=nan cannot pad integer data (X has dtype {dtype}): NaN only "
            "exists in float arrays. Use value='auto' (pads with 0), another "
            "integer, or convert the sequences to float to pad them with NaN."
        )
    if dtype.kind == "b":
        exact = value in (0, 1)
    else:
        info = np.iinfo(dtype)
        exact = info.min <= value <= info.max and float(value).is_integer()
    if not exact:
        raise ValueError(
            f"value={value!r} cannot be stored exactly in X's dtype ({dtype}); "
            "casting it would change it silently. Use a value of that dtype, or "
            "convert the sequences to a float dtype first."
        )
    return dtype.type(value)


class SequencePadder(_SequenceTransformerMixin, TransformerMixin, BaseEstimator):
    """Pad or truncate ragged sequences to one fixed-width array.

    Turns a collection of sequences of different lengths into an array of
    shape (n_samples, maxlen) when each step is a scalar, or (n_samples,
    maxlen, n_features) otherwise. The width ``maxlen_`` is learned once in
    ``fit`` and every later call pads or truncates to it, so training and test
    data always get the same width. The dtype of the data is kept: integer
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
    maxlen : int, float or None, default=None
        Width of the output. None: the length of the longest training
        sequence. An int: that many steps. A float in (0, 1]: the smallest
        width that fits at least that fraction of the training sequences
        without truncation (the inverted-CDF quantile of the training
        lengths), e.g. 0.95 so that a few very long sequences do not set the
        width for all. So ``maxlen=1`` is one step, ``maxlen=1.0`` the longest
        training sequence. The learned width is at least 1, even when most
        training sequences are empty.

    padding : {"post", "pre"}, default="post"
        Where shorter sequences are padded: after ("post") or before ("pre")
        their steps. The RNN estimators expect "post": they find each
        sequence's end from its trailing padding, so NaN "pre" padding is an
        error there and leading zeros in token mode are read as steps.

    truncating : {"pre", "post"}, default="pre"
        Which steps longer sequences lose: the first ones ("pre", keeping the
        most recent ``maxlen_`` steps) or the last ones ("post").

    value : "auto" or float, default="auto"
        Padding value. "auto" pads float data with NaN and integer or
        boolean data with 0 (False). A number must be exactly representable
        in the dtype of the data: e.g. 0.5 or NaN for integer data is an
        error.

    Attributes
    ----------
    maxlen_ : int
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
    ``transform`` kept it: exactly, unless it was truncated to ``maxlen_``
    steps; an empty sequence comes back as an empty array.

    The output is 2-D when the training sequences had scalar steps (items of
    shape (T_i,), or a 2-D array), 3-D otherwise; later calls keep that
    form. ``get_feature_names_out`` names the columns of the 2-D output
    ``t0``, ..., ``t{maxlen_ - 1}``; a 3-D output has no columns to name, so
    it raises an error there.

    Compared with Keras' ``pad_sequences``: the width is learned once instead
    of per call, and the data is never cast (``pad_sequences`` casts to int32
    by default, truncating float data silently).

    Examples
    --------
    >>> from sklearn_rnn.preprocessing import SequencePadder
    >>> X = [[3, 1, 4], [1, 5], [9, 2, 6, 5]]
    >>> padder = SequencePadder(maxlen=3).fit(X)
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
        "maxlen": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [StrOptions({"auto"}), Real],
    }

    def __init__(self, *, maxlen=None, padding="post", truncating="pre", value="auto"):
        self.maxlen = maxlen
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
        _check_has_steps(sequences)
        _check_exact_promotion(sequences)
        # Refuse an impossible padding value now rather than at transform.
        _padding_value(self.value, sequences.flat.dtype)
        lengths = sequences.lengths
        if self.maxlen is None:
            maxlen = lengths.max()
        elif isinstance(self.maxlen, Integral):
            maxlen = self.maxlen
        else:
            maxlen = np.quantile(lengths, self.maxlen, method="inverted_cdf")
        # The quantile of lengths of mostly empty sequences can be 0: a width
        # of 0 would hold no step of any sequence.
        self.maxlen_ = max(int(maxlen), 1)
        self.n_features_in_ = sequences.n_features
        self._scalar_steps = sequences.scalar_steps
        # The dtype of the output when a call's sequences are all empty.
        self._dtype = sequences.flat.dtype
        return self

    def transform(self, X):
        """Pad or truncate each sequence of X to ``maxlen_`` steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring; they may be
            longer or shorter than the training sequences, or empty.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, maxlen_) or (n_samples, maxlen_, n_features)
            The padded sequences, in the dtype of X (of the training data when
            every sequence of X is empty). 2-D when the training sequences had
            scalar steps, 3-D otherwise.
        """
        check_is_fitted(self)
        sequences = read_sequences(X, n_features=self.n_features_in_)
        _check_n_features(self, sequences.n_features)
        _check_exact_promotion(sequences)
        flat = sequences.flat
        if not len(flat):
            # Only empty sequences: their dtype says nothing (np.asarray([]) is
            # float64), so token ids would come back as NaN-padded floats.
            flat = flat.astype(self._dtype)
        if self._scalar_steps and flat.ndim == 2:
            flat = flat[:, 0]
        elif not self._scalar_steps and flat.ndim == 1:
            flat = flat[:, np.newaxis]
        value = _padding_value(self.value, flat.dtype)

        lengths, raw_lengths, maxlen = (
            sequences.lengths,
            sequences.raw_lengths,
            self.maxlen_,
        )
        n_samples = len(lengths)
        kept = np.minimum(lengths, maxlen)
        source = np.cumsum(raw_lengths) - raw_lengths
        if self.truncating == "pre":
            source = source + lengths - kept
        target = maxlen - kept if self.padding == "pre" else np.zeros_like(kept)
        # One vectorized copy: step j of the kept part of sequence i goes from
        # flat[source[i] + j] to out[i, target[i] + j].
        step = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
        out = np.full((n_samples, maxlen, *flat.shape[1:]), value, dtype=flat.dtype)
        out[np.repeat(np.arange(n_samples), kept), np.repeat(target, kept) + step] = (
            flat[np.repeat(source, kept) + step]
        )
        _check_round_trip(out, kept, value, self.padding)
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
        _check_n_features(self, 1 if X.ndim == 2 else X.shape[2])
        value = _padding_value(self.value, X.dtype)
        is_padding = _equals_padding(X, value)
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
        its columns are the time steps ``t0``, ..., ``t{maxlen_ - 1}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Not used, present here for API consistency by convention: the
            output columns are named after their position in time.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``["t0", ..., "t{maxlen_ - 1}"]``.
        """
        check_is_fitted(self)
        if not self._scalar_steps:
            raise AttributeError(
                "get_feature_names_out is only defined when the output is 2-D "
                f"(univariate sequences); this padder outputs a 3-D array of "
                f"shape (n_samples, {self.maxlen_}, {self.n_features_in_}), whose "
                "columns are not single features."
            )
        return np.asarray([f"t{i}" for i in range(self.maxlen_)], dtype=object)
