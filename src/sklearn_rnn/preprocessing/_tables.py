"""long_to_sequences: a long table (one row per entity and time) to sequences."""

import numpy as np
import pandas as pd
from pandas.api.types import (
    is_bool_dtype,
    is_complex_dtype,
    is_datetime64_any_dtype,
    is_numeric_dtype,
    is_timedelta64_dtype,
)

from .._compat import StrOptions, validate_params

_AGGREGATES = ("first", "last", "mean", "median", "sum", "min", "max")


@validate_params(
    {
        # Checked against the table, with messages that name what is wrong.
        "data": "no_validation",
        "id_column": "no_validation",
        "time_column": "no_validation",
        "feature_columns": "no_validation",
        "aggregate": [None, callable, StrOptions(set(_AGGREGATES))],
    },
    prefer_skip_nested_validation=True,
)
def long_to_sequences(
    data, *, id_column, time_column, feature_columns=None, aggregate=None
):
    """Turn a long table into one time-ordered sequence per entity.

    Tabular data often holds sequences in long format: one row per (entity,
    time) pair, such as transactions, sensor readings or visits. This
    gathers the rows of each entity, orders them by time and returns them as
    ragged sequences, which :class:`~sklearn_rnn.RNNClassifier` and
    :class:`~sklearn_rnn.RNNRegressor` accept directly, together with the
    entity ids, so that per-entity labels can be aligned with
    ``y = labels.loc[ids]``.

    Parameters
    ----------
    data : pandas.DataFrame
        The long table: one row per entity and time step.

    id_column : hashable
        Label of the column identifying the entity each row belongs to.
        Missing ids are an error.

    time_column : hashable
        Label of the column that orders the rows of an entity: numeric,
        datetime (time zones included) or timedelta. Only the order of its
        values matters, not the gaps between them. Missing times are an
        error.

    feature_columns : hashable or list of hashable, default=None
        Labels of the columns that make the features of each step, in this
        order. None takes every column except ``id_column`` and
        ``time_column``, in table order. Numeric and boolean columns only.

    aggregate : {"first", "last", "mean", "median", "sum", "min", "max"}, \
callable or None, default=None
        How rows that share an (id, time) pair become one step. None makes
        such duplicates an error. A name or callable is passed to
        :meth:`pandas.core.groupby.DataFrameGroupBy.agg` and applied to each
        feature column of each (id, time) group; "first" and "last" follow the
        order of the rows in ``data``. Named aggregations are vectorized; a
        Python callable is called once per group and column.

    Returns
    -------
    sequences : list of ndarray of shape (n_timesteps_i, n_features)
        One float64 array per entity, its rows ordered by time. The lengths
        ``n_timesteps_i`` may differ.

    ids : ndarray of shape (n_entities,)
        The entity id of each sequence, sorted as ``groupby(sort=True)``
        sorts them (categorical ids follow their category order), so the
        result does not depend on the row order of ``data``.

    See Also
    --------
    make_windows : Cut series into windows for forecasting; it accepts the
        sequences as ``dict(zip(ids, sequences))``.

    Notes
    -----
    Missing feature values (NaN, None, pd.NA) are an error naming the
    entities that hold them, checked before any aggregation: the estimators
    reject NaN inside a sequence (they read only trailing all-NaN steps as
    padding), and dropping or filling them is a modelling choice to make
    explicitly beforehand. The time column orders the steps but does not
    enter the features; irregular sampling can be made visible to the model
    by adding, for example, the time since the previous event as a feature
    column.

    The conversion is vectorized: one stable sort of all rows by (id, time)
    and one split at the entity boundaries.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn.preprocessing import long_to_sequences
    >>> events = pd.DataFrame({
    ...     "user": ["b", "a", "b", "a", "a"],
    ...     "day": [2, 1, 1, 3, 2],
    ...     "amount": [5.0, 1.0, 4.0, 3.0, 2.0],
    ...     "online": [True, False, False, True, True],
    ... })
    >>> sequences, ids = long_to_sequences(events, id_column="user", time_column="day")
    >>> ids
    array(['a', 'b'], dtype=object)
    >>> sequences[0]
    array([[1., 0.],
           [2., 1.],
           [3., 1.]])
    >>> sequences[1]
    array([[4., 0.],
           [5., 1.]])
    >>> labels = pd.Series({"b": "churned", "a": "stayed"})
    >>> labels.loc[ids].to_numpy()
    array(['stayed', 'churned'], dtype=object)
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    _check_columns_exist(data, {"id_column": id_column, "time_column": time_column})
    if id_column == time_column:
        raise ValueError(
            f"id_column and time_column are the same column ({id_column!r}); they "
            "must differ."
        )
    features = _check_feature_columns(data, id_column, time_column, feature_columns)
    if len(data) == 0:
        raise ValueError("data has 0 rows; need at least 1.")

    ids = data[id_column]
    times = data[time_column]
    _check_time(times, time_column)
    for name, column in ((id_column, ids), (time_column, times)):
        missing = column.isna().to_numpy()
        if missing.any():
            raise ValueError(
                f"Column {name!r} has {missing.sum()} missing value(s), first at "
                f"row {np.flatnonzero(missing)[0]} (position); every row needs an "
                "id and a time."
            )
    # Nullable columns hold pd.NA, which only this conversion maps to NaN.
    values = data[features].to_numpy(dtype=np.float64, na_value=np.nan)
    id_codes, unique_ids = pd.factorize(ids, sort=True)
    unique_ids = np.asarray(unique_ids)

    nan_rows = np.isnan(values).any(axis=1)
    if nan_rows.any():
        bad = unique_ids[np.unique(id_codes[nan_rows])]
        columns = [
            f for f, nan in zip(features, np.isnan(values).any(0), strict=True) if nan
        ]
        raise ValueError(
            f"Missing feature values in column(s) {columns} for {len(bad)} "
            f"entit{'y' if len(bad) == 1 else 'ies'}, e.g. {bad[:5].tolist()}; the "
            "estimators reject NaN inside sequences. Impute or drop them first."
        )
    if np.isinf(values).any():
        rows = np.isinf(values).any(axis=1)
        bad = unique_ids[np.unique(id_codes[rows])]
        raise ValueError(
            f"Infinite feature values for entities {bad[:5].tolist()}; expected "
            "finite values."
        )

    time_codes, _ = pd.factorize(times, sort=True)
    if aggregate is None:
        order = np.lexsort((time_codes, id_codes))
        id_codes, time_codes = id_codes[order], time_codes[order]
        repeated = (id_codes[1:] == id_codes[:-1]) & (time_codes[1:] == time_codes[:-1])
        if repeated.any():
            first = order[np.flatnonzero(repeated)[0]]
            # tolist gives Python scalars, whose repr reads better than numpy's.
            pair = (ids.iloc[[first]].tolist()[0], times.iloc[[first]].tolist()[0])
            raise ValueError(
                f"Found {repeated.sum()} row(s) repeating an ({id_column!r}, "
                f"{time_column!r}) pair, e.g. {pair!r}; pass aggregate (e.g. "
                "'mean', 'sum' or 'last') to combine them into one step."
            )
        values = values[order]
    else:
        # Grouping on the codes sorts the groups by (id, time), keeps the rows of
        # a group in table order (for "first" and "last"), and avoids grouping
        # on the raw columns, whose dtypes vary.
        grouped = pd.DataFrame(values).groupby([id_codes, time_codes], sort=True)
        combined = grouped.agg(aggregate)
        message = (
            f"aggregate={aggregate!r} must return one finite number per feature "
            "column and (id, time) group."
        )
        try:
            values = combined.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(message) from exc
        if values.shape[1] != len(features) or not np.isfinite(values).all():
            raise ValueError(message)
        id_codes = combined.index.get_level_values(0).to_numpy()
    boundaries = np.flatnonzero(id_codes[1:] != id_codes[:-1]) + 1
    return np.split(values, boundaries), unique_ids


def _check_columns_exist(data, named):
    for parameter, label in named.items():
        try:
            found = label in data.columns
        except TypeError:
            found = False
        if not found:
            raise ValueError(
                f"{parameter}={label!r} is not a column of data; columns are "
                f"{list(data.columns)}."
            )


def _check_feature_columns(data, id_column, time_column, feature_columns):
    if feature_columns is None:
        features = [c for c in data.columns if c not in (id_column, time_column)]
        if not features:
            raise ValueError(
                "data has no feature columns besides the id and time columns; a "
                "sequence needs at least one feature."
            )
    else:
        if isinstance(feature_columns, (str, bytes)) or not np.iterable(
            feature_columns
        ):
            feature_columns = [feature_columns]
        features = list(feature_columns)
        if not features:
            raise ValueError("feature_columns is empty; select at least one column.")
        missing = [c for c in features if c not in data.columns]
        if missing:
            raise ValueError(
                f"feature_columns {missing} not found among the columns of data "
                f"{list(data.columns)}."
            )
        if len(set(features)) < len(features):
            raise ValueError(f"feature_columns names a column twice: {features}.")
    duplicated = data.columns[data.columns.duplicated()]
    ambiguous = [
        c for c in duplicated.unique() if c in [id_column, time_column, *features]
    ]
    if ambiguous:
        raise ValueError(
            f"data has several columns labelled {ambiguous}; the columns used must "
            "have unique labels."
        )
    wrong = {
        str(c): str(data[c].dtype)
        for c in features
        if not is_numeric_dtype(data[c].dtype) or is_complex_dtype(data[c].dtype)
    }
    if wrong:
        raise TypeError(
            f"Feature column(s) must be numeric or boolean; got (name: dtype) "
            f"{wrong}. Encode categories (e.g. one-hot) or drop those columns."
        )
    return features


def _check_time(times, name):
    dtype = times.dtype
    orderable = (
        (is_numeric_dtype(dtype) and not is_bool_dtype(dtype))
        or is_datetime64_any_dtype(dtype)
        or is_timedelta64_dtype(dtype)
    )
    if not orderable or is_complex_dtype(dtype):
        raise TypeError(
            f"time_column {name!r} must be numeric, datetime or timedelta; got dtype "
            f"{dtype}. Convert date strings with pandas.to_datetime first."
        )
