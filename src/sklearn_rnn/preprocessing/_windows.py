"""make_windows: cut time series into (window, target) samples for forecasting."""

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.api.types import is_complex_dtype, is_numeric_dtype

from .._compat import Interval, validate_params


@validate_params(
    {
        "series": "no_validation",  # series and target: checked below
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "target": "no_validation",
        "return_groups": ["boolean"],
        "copy": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(
    series,
    *,
    window,
    horizon=1,
    stride=1,
    target=None,
    return_groups=False,
    copy=True,
):
    """Cut time series into windows and the values that follow them.

    Turns one or several time series into supervised samples for
    forecasting: each sample is ``window`` consecutive steps of one series,
    and its target is the value of the target column(s) ``horizon`` steps
    after the **last** step of the window. The output feeds
    :class:`~sklearn_rnn.RNNRegressor` directly. Windows never span two
    series.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features), \
list or dict
        One series, or several:

        - a 1-D array or pandas Series: one univariate series;
        - a 2-D array or DataFrame of shape (n_timesteps, n_features): one
          multivariate series, one row per time step (the index is ignored:
          rows are taken in the order given);
        - a 3-D array of shape (n_series, n_timesteps, n_features): several
          series of equal length;
        - a list or tuple of such 1-D or 2-D series, whose lengths may
          differ: ``groups`` holds their positions;
        - a dict mapping a series id to such a series: ``groups`` holds the
          ids.

        A bare list of numbers is not a series; wrap it with
        ``np.asarray``. All series need the same number of features and the
        same number of dimensions; DataFrames cannot be mixed with arrays.

    window : int
        Number of consecutive time steps in each window.

    horizon : int or array-like of int, default=1
        Steps ahead of the window's last step at which targets are read.
        ``horizon=1`` is the step right after the window. A list such as
        ``[1, 2, 3]`` gives one target column per step (multi-step
        forecasting), in the order given.

    stride : int, default=1
        Number of steps between the starts of consecutive windows of a
        series.

    target : int, str, array-like of int or str, or None, default=None
        Target column(s): integer positions for arrays, column labels for
        DataFrames. None selects every column. A scalar gives no target axis
        in ``y``; a list gives one, even of length 1.

    return_groups : bool, default=False
        Whether to also return the series each window comes from, for
        :class:`~sklearn.model_selection.GroupKFold` and similar splitters.

    copy : bool, default=True
        If False and ``series`` is a single series of floating dtype, ``X``
        is a read-only view of its values (overlapping windows then share
        memory instead of repeating each step ``window`` times); otherwise
        ``X`` is always a new array.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows, ordered by series and then by time. Every column is a
        feature, target columns included (their past values are inputs).
        The dtype is the common floating dtype of the series (float64 for
        integer or boolean data).

    y : ndarray of shape (n_windows,) or (n_windows, n_outputs)
        Targets. 1-D when ``horizon`` is an int and there is a single
        target without a target axis (a 1-D series with ``target=None``, or
        a scalar ``target``). Otherwise 2-D with ``n_outputs = n_horizons *
        n_targets`` columns ordered horizon by horizon:
        ``y.reshape(n_windows, n_horizons, n_targets)`` recovers both axes.

    groups : ndarray of shape (n_windows,)
        Only returned when ``return_groups=True``: the dict key or list
        position of the series each window comes from (0 for a single
        series).

    See Also
    --------
    long_to_sequences : Turn a long table into one sequence per entity;
        ``make_windows(dict(zip(ids, sequences)), ...)`` then windows each.

    Notes
    -----
    This is a function and not a transformer because windowing creates the
    targets and changes the number of samples, which a step of a scikit-learn
    :class:`~sklearn.pipeline.Pipeline` cannot do in ``transform``. Call it
    before the pipeline (and split the windows with a time-aware or grouped
    splitter).

    Targets are tied to the window's **end**: with ``window=w`` and
    ``horizon=h``, the window of steps ``s, ..., s + w - 1`` gets the target
    at step ``s + w - 1 + h``. Keras' ``timeseries_dataset_from_array``
    instead ties ``targets[i]`` to the window *starting* at ``i``, so a
    target array must be shifted by hand, a frequent source of off-by-one
    leaks.

    Windows are aligned to the end of each series: the last window ends
    ``max(horizon)`` steps before the end of its series, so the latest
    observations are always targets. When the stride does not divide the
    series evenly, the oldest steps are the ones left out, as truncation
    elsewhere in this package keeps the most recent steps. A series of
    length ``T`` gives ``n = (T - window - max(horizon)) // stride + 1``
    windows, window ``i`` (from 0) ending at step
    ``T - 1 - max(horizon) - (n - 1 - i) * stride``. A series shorter than
    ``window + max(horizon)`` is an error.

    Missing or infinite values are an error. Inside a window, the
    estimators would read trailing all-NaN steps as padding (shifting the
    window's end away from its target) and reject NaN elsewhere. Impute
    them first, or split the series at the gap and pass the pieces as
    separate series: no window spans two of them.

    Examples
    --------
    Which steps make each window and each target, on the series 0, ..., 9:

    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import make_windows
    >>> X, y = make_windows(np.arange(10.0), window=3, horizon=[1, 2], stride=2)
    >>> X[:, :, 0]
    array([[1., 2., 3.],
           [3., 4., 5.],
           [5., 6., 7.]])
    >>> y
    array([[4., 5.],
           [6., 7.],
           [8., 9.]])

    Predict the next value of a sine wave:

    >>> from sklearn_rnn import RNNRegressor
    >>> wave = np.sin(0.3 * np.arange(200))
    >>> X, y = make_windows(wave, window=10)
    >>> X.shape, y.shape
    ((190, 10, 1), (190,))
    >>> reg = RNNRegressor(hidden_size=8, max_epochs=5, random_state=0)
    >>> reg.fit(X[:150], y[:150]).predict(X[150:]).shape
    (40,)
    """
    for name, value in [("window", window), ("stride", stride), ("horizon", horizon)]:
        # validate_params takes True for the int 1, as Python does.
        if isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not a bool; got {value!r}.")
    horizons, horizon_axis = _check_horizon(horizon)

    keys, items, single = _split_collection(series)
    arrays, columns, all_1d = _check_series(keys, items)
    n_features = arrays[0].shape[1]
    targets, target_axis = _check_target(target, n_features, columns, all_1d)

    span = window + int(horizons.max())
    for key, array in zip(keys, arrays, strict=True):
        if len(array) < span:
            raise ValueError(
                f"Series {key!r} has {len(array)} time steps, but window={window} "
                f"and max(horizon)={span - window} need at least {span}."
            )

    dtype = np.result_type(*arrays)
    X_parts, y_parts, counts = [], [], []
    for array in arrays:
        n_windows = (len(array) - span) // stride + 1
        first = (len(array) - span) % stride
        # (T - window + 1, F, window) view; the window axis moves to the middle.
        views = sliding_window_view(array, window, axis=0)
        X_parts.append(views[first::stride][:n_windows].transpose(0, 2, 1))
        ends = first + window - 1 + stride * np.arange(n_windows)
        rows = ends[:, np.newaxis] + horizons
        y_parts.append(array[rows[:, :, np.newaxis], targets])
        counts.append(n_windows)

    if single and not copy and X_parts[0].dtype == dtype:
        X = X_parts[0]
    else:
        X = np.concatenate(X_parts).astype(dtype, copy=False)
    y = np.concatenate(y_parts).astype(dtype, copy=False)
    y = y.reshape(len(y), -1) if horizon_axis or target_axis else y.reshape(-1)
    if not return_groups:
        return X, y
    # Series ids as an array; mixed types stay objects rather than strings.
    groups = np.repeat(pd.Index(keys).to_numpy(), counts)
    return X, y, groups


def _check_horizon(horizon):
    """Return (steps ahead as an int64 array, whether y gets a horizon axis)."""
    if isinstance(horizon, Integral):  # checked by validate_params
        return np.array([int(horizon)]), False
    steps = []
    for step in horizon:
        if isinstance(step, bool) or not isinstance(step, Integral):
            raise TypeError(f"each horizon must be an int; got {step!r}.")
        if step < 1:
            raise ValueError(f"each horizon must be an int >= 1; got {step}.")
        steps.append(int(step))
    if not steps:
        raise ValueError("horizon is an empty list; give at least one step ahead.")
    if len(set(steps)) < len(steps):
        raise ValueError(f"horizon has repeated steps: {steps}.")
    return np.array(steps), True


def _split_collection(series):
    """Return (series keys, series, whether a single series was given)."""
    if isinstance(series, dict):
        if not series:
            raise ValueError("Found an empty dict of series; need at least 1.")
        return list(series.keys()), list(series.values()), False
    if isinstance(series, (list, tuple)):
        if not len(series):
            raise ValueError("Found an empty list of series; need at least 1.")
        return list(range(len(series))), list(series), False
    if isinstance(series, (np.ndarray, pd.Series, pd.DataFrame)):
        if isinstance(series, np.ndarray) and series.ndim == 3:
            if not len(series):
                raise ValueError("Found an array of 0 series; need at least 1.")
            return list(range(len(series))), list(series), False
        return [0], [series], True
    raise TypeError(
        "series must be an array of shape (n_timesteps,) or (n_timesteps, "
        "n_features), a pandas Series or DataFrame, or a list or dict of those; "
        f"got {type(series).__name__}."
    )


def _check_series(keys, items):
    """Return the series as 2-D arrays, their column labels, and whether all
    series were 1-D."""
    frames = [isinstance(item, pd.DataFrame) for item in items]
    if any(frames) and not all(frames):
        raise TypeError(
            "Series mix DataFrames and arrays; pass all of them as DataFrames with "
            "the same columns, or all as arrays."
        )
    columns = items[0].columns if frames[0] else None
    arrays, ndims = [], []
    for key, item in zip(keys, items, strict=True):
        if frames[0] and not item.columns.equals(columns):
            raise ValueError(
                f"Series {key!r} has columns {list(item.columns)}, but series "
                f"{keys[0]!r} has {list(columns)}; all DataFrames need the same "
                "columns in the same order."
            )
        array = _to_float_array(key, item)
        ndims.append(array.ndim)
        arrays.append(array if array.ndim == 2 else array[:, np.newaxis])
    other = next((i for i, ndim in enumerate(ndims) if ndim != ndims[0]), None)
    if other is not None:
        raise ValueError(
            "All series must have the same number of dimensions (all 1-D or all "
            f"2-D); series {keys[0]!r} is {ndims[0]}-D and series {keys[other]!r} "
            f"is {ndims[other]}-D."
        )
    n_features = arrays[0].shape[1]
    for key, array in zip(keys, arrays, strict=True):
        if array.shape[1] != n_features:
            raise ValueError(
                f"All series must have the same number of features; series "
                f"{keys[0]!r} has {n_features} and series {key!r} has "
                f"{array.shape[1]}."
            )
    if n_features == 0:
        raise ValueError("Found series with 0 features; need at least 1.")
    for key, array in zip(keys, arrays, strict=True):
        bad = ~np.isfinite(array)
        if bad.any():
            step, column = np.argwhere(bad)[0]
            what = "NaN" if np.isnan(array[step, column]) else "infinity"
            column = column if columns is None else columns[column]
            raise ValueError(
                f"Series {key!r} contains {what} at time step {step} (column "
                f"{column!r}); make_windows needs finite values. Impute them, or split "
                "the series at the gap and pass the pieces as separate series."
            )
    return arrays, columns, ndims[0] == 1


def _to_float_array(key, item):
    """One series as a 1-D or 2-D floating array (ints and bools to float64)."""
    if isinstance(item, (pd.Series, pd.DataFrame)):
        dtypes = (
            item.dtypes if isinstance(item, pd.DataFrame) else item.to_frame().dtypes
        )
        complex_ = [str(c) for c, dt in dtypes.items() if is_complex_dtype(dt)]
        if complex_:
            raise ValueError(
                f"Series {key!r}: complex data is not supported (column(s) {complex_})."
            )
        wrong = {
            str(c): str(dt) for c, dt in dtypes.items() if not is_numeric_dtype(dt)
        }
        if wrong:
            raise TypeError(
                f"Series {key!r} has non-numeric column(s) (name: dtype) {wrong}; "
                "make_windows needs numbers. Encode or drop them first."
            )
        same = all(dt == np.float32 for dt in dtypes)
        # Nullable columns hold pd.NA, which only this conversion maps to NaN.
        return item.to_numpy(dtype=np.float32 if same else np.float64, na_value=np.nan)
    if isinstance(item, (str, bytes)):
        raise TypeError(f"Series {key!r} is a string; expected an array of numbers.")
    array = np.asarray(item)
    if array.ndim not in (1, 2):
        raise ValueError(
            f"Series {key!r} has shape {array.shape}; expected (n_timesteps,) or "
            "(n_timesteps, n_features). A bare list of numbers is read as a list "
            "of series: wrap a single series with np.asarray."
        )
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Series {key!r} holds objects that are not numbers; make_windows "
                "needs numbers. Pass several series as a list or dict of arrays."
            ) from exc
    if np.iscomplexobj(array):
        raise ValueError(f"Series {key!r}: complex data is not supported.")
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(
            f"Series {key!r} has dtype {array.dtype}; make_windows needs numbers."
        )
    return array


def _check_target(target, n_features, columns, all_1d):
    """Return (target column positions, whether y gets a target axis)."""
    if target is None:
        return np.arange(n_features), not all_1d
    scalar = isinstance(target, (str, bytes)) or not np.iterable(target)
    labels = [target] if scalar else list(target)
    if not labels:
        raise ValueError("target is an empty list; select at least one column.")
    if columns is None:
        for label in labels:
            if isinstance(label, (bool, np.bool_)) or not isinstance(label, Integral):
                raise TypeError(
                    "target must hold integer column positions when the series are "
                    f"arrays (column labels need DataFrames); got {label!r}."
                )
        positions = np.array(labels, dtype=np.int64)
        outside = (positions < -n_features) | (positions >= n_features)
        if outside.any():
            raise ValueError(
                f"target {positions[outside].tolist()} is out of range for series "
                f"with {n_features} feature(s) (valid positions: -{n_features} to "
                f"{n_features - 1})."
            )
        positions %= n_features
    else:
        if not columns.is_unique:
            raise ValueError(
                "The DataFrame columns are not unique, so target labels are "
                f"ambiguous; columns: {list(columns)}."
            )
        positions = columns.get_indexer(labels)
        if (positions < 0).any():
            missing = [
                label for label, p in zip(labels, positions, strict=True) if p < 0
            ]
            raise ValueError(
                f"target {missing} not found among the DataFrame columns "
                f"{list(columns)}."
            )
    if len(set(positions.tolist())) < len(positions):
        raise ValueError(f"target selects the same column twice: {labels}.")
    return positions, not scalar
