import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GroupKFold

from sklearn_rnn import RNNRegressor
from sklearn_rnn.preprocessing import make_windows


def _reference_windows(series, window, horizons, stride, targets):
    """Window by window, the way the docstring defines it (end-aligned)."""
    series = np.asarray(series, dtype=np.float64).reshape(len(series), -1)
    last_start = len(series) - window - max(horizons)
    starts = range(last_start % stride, last_start + 1, stride)
    X = np.array([series[s : s + window] for s in starts])
    y = np.array(
        [[series[s + window - 1 + h, targets] for h in horizons] for s in starts]
    )
    return X, y.reshape(len(y), -1)


def test_hand_computed_windows_and_targets():
    X, y = make_windows(np.arange(10), window=3, horizon=[1, 2], stride=2)
    # 10 - 3 - 2 = 5 is odd: the oldest step (0) is left out, so that the last
    # targets are the last steps of the series.
    np.testing.assert_array_equal(X[:, :, 0], [[1, 2, 3], [3, 4, 5], [5, 6, 7]])
    np.testing.assert_array_equal(y, [[4, 5], [6, 7], [8, 9]])
    assert X.shape == (3, 3, 1)


def test_default_horizon_is_the_step_right_after_the_window():
    X, y = make_windows(np.arange(6.0), window=2)
    np.testing.assert_array_equal(X[:, :, 0], [[0, 1], [1, 2], [2, 3], [3, 4]])
    np.testing.assert_array_equal(y, [2, 3, 4, 5])
    np.testing.assert_array_equal(y, X[:, -1, 0] + 1)


@pytest.mark.parametrize("window", [1, 2, 5])
@pytest.mark.parametrize("horizon", [1, 3, [1, 2], [4, 1]])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_matches_a_window_by_window_reference(window, horizon, stride):
    series = np.random.default_rng(0).normal(size=(17, 3))
    X, y = make_windows(
        series, window=window, horizon=horizon, stride=stride, target=[2, 0]
    )
    horizons = [horizon] if isinstance(horizon, int) else horizon
    X_ref, y_ref = _reference_windows(series, window, horizons, stride, [2, 0])
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    # The last window always reaches the end of the series.
    y_last = y[-1].reshape(len(horizons), 2)[np.argmax(horizons)]
    np.testing.assert_array_equal(y_last, series[-1, [2, 0]])
    assert len(X) == (17 - window - max(horizons)) // stride + 1


def test_y_columns_are_ordered_horizon_by_horizon():
    series = np.arange(20.0).reshape(10, 2)  # column 1 = column 0 + 1
    _, y = make_windows(series, window=2, horizon=[1, 3])
    y3 = y.reshape(len(y), 2, 2)  # (n_windows, n_horizons, n_targets)
    np.testing.assert_array_equal(y3[:, 0], series[2:8])
    np.testing.assert_array_equal(y3[:, 1], series[4:10])


@pytest.mark.parametrize(
    "shape, horizon, target, y_shape",
    [
        ((12,), 1, None, (10,)),
        ((12,), [1], None, (10, 1)),
        ((12,), [1, 2], None, (9, 2)),
        ((12,), 1, 0, (10,)),
        ((12,), 1, [0], (10, 1)),
        ((12, 1), 1, None, (10, 1)),
        ((12, 3), 1, None, (10, 3)),
        ((12, 3), 1, 1, (10,)),
        ((12, 3), 1, [1], (10, 1)),
        ((12, 3), [1, 2], 1, (9, 2)),
        ((12, 3), [1, 2], [0, 1], (9, 4)),
    ],
)
def test_y_shape(shape, horizon, target, y_shape):
    series = np.zeros(shape)
    X, y = make_windows(series, window=2, horizon=horizon, target=target)
    assert y.shape == y_shape
    n_features = 1 if len(shape) == 1 else shape[1]
    assert X.shape == (y_shape[0], 2, n_features)


def test_target_positions_labels_and_negative_indices():
    series = np.arange(30.0).reshape(10, 3)
    frame = pd.DataFrame(series, columns=["a", "b", "c"])
    _, by_position = make_windows(series, window=2, target=[2, 0])
    _, by_negative = make_windows(series, window=2, target=[-1, -3])
    _, by_label = make_windows(frame, window=2, target=["c", "a"])
    np.testing.assert_array_equal(by_position, series[2:][:, [2, 0]])
    np.testing.assert_array_equal(by_negative, by_position)
    np.testing.assert_array_equal(by_label, by_position)
    # Every column stays a feature, the targets included.
    X, _ = make_windows(frame, window=2, target="c")
    assert X.shape == (8, 2, 3)


def test_dataframe_series_and_array_agree_and_index_is_ignored():
    values = np.random.default_rng(0).normal(size=(8, 2))
    frame = pd.DataFrame(values, index=np.arange(8)[::-1], columns=["x", "y"])
    X, y = make_windows(frame, window=3)
    X_ref, y_ref = make_windows(values, window=3)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    X, y = make_windows(pd.Series(values[:, 0], index=frame.index), window=3)
    np.testing.assert_array_equal(y, y_ref[:, 0])
    X, y = make_windows(frame.astype("Float64"), window=3)
    np.testing.assert_array_equal(y, y_ref)


def test_several_series_never_mix_and_groups_name_them():
    # Values encode (series, step): 100 * series + step.
    lengths = [7, 5, 9]
    collection = [100.0 * i + np.arange(n) for i, n in enumerate(lengths)]
    X, y, groups = make_windows(
        collection, window=3, horizon=[1, 2], return_groups=True
    )
    counts = [n - 3 - 2 + 1 for n in lengths]
    np.testing.assert_array_equal(groups, np.repeat([0, 1, 2], counts))
    source = X[:, :, 0] // 100
    assert (source == groups[:, np.newaxis]).all()
    assert (y // 100 == groups[:, np.newaxis]).all()
    for i, series in enumerate(collection):
        X_one, y_one = make_windows(series, window=3, horizon=[1, 2])
        np.testing.assert_array_equal(X[groups == i], X_one)
        np.testing.assert_array_equal(y[groups == i], y_one)


def test_groups_of_dicts_3d_arrays_and_single_series():
    stacked = np.arange(24.0).reshape(2, 6, 2)
    *_, groups = make_windows(stacked, window=4, return_groups=True)
    np.testing.assert_array_equal(groups, [0, 0, 1, 1])
    X_3d, y_3d = make_windows(stacked, window=4)
    X_list, y_list = make_windows(list(stacked), window=4)
    np.testing.assert_array_equal(X_3d, X_list)
    np.testing.assert_array_equal(y_3d, y_list)

    by_id = {"north": np.arange(5.0), "south": np.arange(4.0)}
    *_, groups = make_windows(by_id, window=2, return_groups=True)
    assert groups.tolist() == ["north", "north", "north", "south", "south"]

    *_, groups = make_windows(np.arange(5.0), window=2, return_groups=True)
    np.testing.assert_array_equal(groups, [0, 0, 0])


def test_groups_feed_group_kfold():
    collection = {f"s{i}": np.sin(np.arange(12.0) + i) for i in range(4)}
    X, y, groups = make_windows(collection, window=3, return_groups=True)
    for train, test in GroupKFold(n_splits=4).split(X, y, groups):
        assert set(groups[train]).isdisjoint(groups[test])
        assert len(set(groups[test])) == 1


@pytest.mark.parametrize(
    "dtype, expected",
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_dtype(dtype, expected):
    X, y = make_windows(np.arange(6).astype(dtype), window=2)
    assert X.dtype == expected
    assert y.dtype == expected


def test_bool_and_mixed_float_dtypes():
    X, y = make_windows(np.array([True, False] * 3), window=2)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(y, [1, 0, 1, 0])
    X, _ = make_windows(
        [np.zeros(4, dtype=np.float32), np.zeros(4, dtype=np.float64)], window=2
    )
    assert X.dtype == np.float64


def test_copy():
    series = np.arange(50.0).reshape(25, 2)
    view, _ = make_windows(series, window=10, copy=False)
    assert np.shares_memory(view, series)
    assert not view.flags.writeable
    copied, _ = make_windows(series, window=10)
    assert not np.shares_memory(copied, series)
    assert copied.flags.writeable and copied.flags.c_contiguous
    np.testing.assert_array_equal(view, copied)
    # Several series are concatenated, so X is new memory anyway.
    X, _ = make_windows([series, series], window=10, copy=False)
    assert not np.shares_memory(X, series)


def test_windowed_sine_wave_forecast_beats_the_naive_forecast():
    # Train on the earlier windows, test on the later ones: the network must
    # forecast, not just repeat the last value of each window.
    wave = np.sin(0.3 * np.arange(300))
    X, y = make_windows(wave, window=10)
    n_train = int(0.7 * len(X))
    reg = RNNRegressor(hidden_size=16, max_epochs=20, lr=0.01, random_state=0)
    reg.fit(X[:n_train], y[:n_train])
    X_test, y_test = X[n_train:], y[n_train:]
    rmse = np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2))
    naive_rmse = np.sqrt(np.mean((X_test[:, -1, 0] - y_test) ** 2))
    assert rmse < 0.3 * naive_rmse


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(window=0), ValueError, r"'window' parameter .* range \[1, inf\)"),
        (dict(window=2.0), TypeError, "'window' parameter .* must be an int"),
        (dict(window=True), TypeError, "window must be an int"),
        (dict(window=2, stride=0), ValueError, r"'stride' parameter .* \[1, inf\)"),
        (dict(window=2, horizon=0), ValueError, r"'horizon' parameter .* \[1, inf\)"),
        (dict(window=2, horizon=[1, 0]), ValueError, "each horizon must be"),
        (dict(window=2, horizon=[]), ValueError, "horizon is an empty list"),
        (dict(window=2, horizon=[2, 2]), ValueError, "repeated steps"),
        (dict(window=2, horizon=1.5), TypeError, "'horizon' .* or an array-like"),
        (dict(window=2, horizon="1"), TypeError, "'horizon' .* or an array-like"),
        (dict(window=2, target=3), ValueError, r"target \[3\] is out of range"),
        (dict(window=2, target=-4), ValueError, "out of range"),
        (dict(window=2, target="a"), TypeError, "column labels need DataFrames"),
        (dict(window=2, target=[]), ValueError, "target is an empty list"),
        (dict(window=2, target=[1, -2]), ValueError, "same column twice"),
        (dict(window=2, return_groups=1), TypeError, "'return_groups' parameter"),
        (dict(window=2, copy="no"), TypeError, "'copy' parameter of make_windows"),
        (dict(window=10), ValueError, "has 10 time steps, but window=10 and"),
        (dict(window=8, horizon=[1, 3]), ValueError, "need at least 11"),
    ],
)
def test_invalid_parameters(params, error, match):
    series = np.zeros((10, 3))
    with pytest.raises(error, match=match):
        make_windows(series, **params)


@pytest.mark.parametrize(
    "series, error, match",
    [
        (None, TypeError, "got NoneType"),
        ("abc", TypeError, "got str"),
        ([], ValueError, "empty list of series"),
        ({}, ValueError, "empty dict of series"),
        (np.zeros((0, 5, 1)), ValueError, "0 series"),
        ([1.0, 2.0, 3.0], ValueError, "bare list of numbers"),
        (np.zeros((2, 2, 2, 2)), ValueError, "has shape"),
        ([np.zeros((6, 1, 1))], ValueError, r"has shape \(6, 1, 1\)"),
        (np.zeros((6, 0)), ValueError, "0 features"),
        (np.array(list("abcdef")), TypeError, "dtype <U1"),
        (np.array(["a"] * 6, dtype=object), TypeError, "not numbers"),
        (np.zeros(6, dtype=complex), ValueError, "complex"),
        (pd.Series(np.zeros(6, dtype=complex)), ValueError, "complex"),
        ([np.zeros(6), "abcdef"], TypeError, "Series 1 is a string"),
        ([np.zeros((6, 2)), np.zeros((6, 3))], ValueError, "same number of features"),
        ([np.zeros(6), np.zeros((6, 1))], ValueError, "series 1 is 2-D"),
        ({"a": np.zeros(6), "b": np.zeros(2)}, ValueError, "Series 'b' has 2 time"),
        (np.r_[0.0, np.nan, 0, 0, 0, 0], ValueError, "NaN at time step 1"),
        (np.r_[0.0, 0, 0, 0, 0, np.inf], ValueError, "infinity at time step 5"),
    ],
)
def test_invalid_series(series, error, match):
    with pytest.raises(error, match=match):
        make_windows(series, window=2)


def test_invalid_dataframes():
    frame = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0)})
    with pytest.raises(TypeError, match=r"non-numeric column\(s\).*'when': 'datetime"):
        make_windows(frame.assign(when=pd.Timestamp(0)), window=2)
    with pytest.raises(TypeError, match="'kind': 'category'"):
        make_windows(frame.assign(kind=pd.Categorical(["x"] * 6)), window=2)
    with pytest.raises(ValueError, match=r"target \['z'\] not found"):
        make_windows(frame, window=2, target="z")
    with pytest.raises(ValueError, match="not unique"):
        make_windows(frame.set_axis(["a", "a"], axis=1), window=2, target="a")
    with pytest.raises(ValueError, match="same columns in the same order"):
        make_windows([frame, frame[["b", "a"]]], window=2)
    with pytest.raises(TypeError, match="mix DataFrames and arrays"):
        make_windows([frame, frame.to_numpy()], window=2)
    nullable = frame.astype("Float64")
    nullable.iloc[3, 1] = pd.NA
    with pytest.raises(ValueError, match=r"NaN at time step 3 \(column 'b'\)"):
        make_windows(nullable, window=2)
