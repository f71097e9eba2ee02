import numpy as np
import pandas as pd
import pytest

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import long_to_sequences, make_windows


@pytest.fixture
def events():
    """Seven events of three users, rows out of time and user order."""
    return pd.DataFrame(
        {
            "user": ["c", "a", "b", "a", "c", "a", "b"],
            "day": [2, 3, 1, 1, 1, 2, 5],
            "amount": [6.0, 3.0, 4.0, 1.0, 5.0, 2.0, 7.0],
            "count": [60, 30, 40, 10, 50, 20, 70],
        }
    )


def test_sequences_are_ordered_by_time_and_ids_are_sorted(events):
    sequences, ids = long_to_sequences(events, id_column="user", time_column="day")
    assert ids.tolist() == ["a", "b", "c"]
    assert len(sequences) == 3
    np.testing.assert_array_equal(sequences[0], [[1, 10], [2, 20], [3, 30]])
    np.testing.assert_array_equal(sequences[1], [[4, 40], [7, 70]])
    np.testing.assert_array_equal(sequences[2], [[5, 50], [6, 60]])
    assert all(s.dtype == np.float64 for s in sequences)


def test_result_does_not_depend_on_row_order(events):
    reference, ref_ids = long_to_sequences(events, id_column="user", time_column="day")
    shuffled = events.sample(frac=1, random_state=0).set_index(
        pd.Index(list("qwertyu"))
    )
    sequences, ids = long_to_sequences(shuffled, id_column="user", time_column="day")
    np.testing.assert_array_equal(ids, ref_ids)
    for got, expected in zip(sequences, reference, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_feature_columns(events):
    sequences, _ = long_to_sequences(
        events, id_column="user", time_column="day", feature_columns=["count", "amount"]
    )
    np.testing.assert_array_equal(sequences[1], [[40, 4], [70, 7]])
    sequences, _ = long_to_sequences(
        events, id_column="user", time_column="day", feature_columns="amount"
    )
    np.testing.assert_array_equal(sequences[1], [[4], [7]])
    # The time column may be asked for explicitly (a numeric time is a feature).
    sequences, _ = long_to_sequences(
        events, id_column="user", time_column="day", feature_columns=["day"]
    )
    np.testing.assert_array_equal(sequences[0], [[1], [2], [3]])


_DATES = pd.Timestamp("2024-03-01") + pd.to_timedelta([1, 2, 0, 0, 0, 1.5, 4], unit="D")


@pytest.mark.parametrize(
    "times",
    [
        [2.5, 3.0, 1.0, 1.0, -1.0, 2.9, 5.0],
        _DATES,
        _DATES.tz_localize("Europe/Paris"),
        pd.to_timedelta([2, 3, 1, 1, 1, 2.5, 5], unit="h"),
    ],
    ids=["float", "datetime", "datetime-tz", "timedelta"],
)
def test_time_column_types(events, times):
    events = events.assign(day=times)
    sequences, _ = long_to_sequences(events, id_column="user", time_column="day")
    np.testing.assert_array_equal(sequences[0][:, 0], [1, 2, 3])
    np.testing.assert_array_equal(sequences[2][:, 0], [5, 6])


def test_numeric_ids_and_bool_and_nullable_features(events):
    events = events.assign(
        user=events["user"].map({"a": 30, "b": 10, "c": 20}),
        online=[True, False, False, True, False, False, True],
        count=events["count"].astype("Int64"),
    )
    sequences, ids = long_to_sequences(events, id_column="user", time_column="day")
    assert ids.tolist() == [10, 20, 30]
    assert ids.dtype.kind == "i"
    np.testing.assert_array_equal(sequences[0], [[4, 40, 0], [7, 70, 1]])


@pytest.mark.parametrize(
    "aggregate, expected",
    [
        ("mean", [[1.5, 15], [3, 30]]),
        ("median", [[1.5, 15], [3, 30]]),
        ("sum", [[3, 30], [3, 30]]),
        ("min", [[1, 10], [3, 30]]),
        ("max", [[2, 20], [3, 30]]),
        ("first", [[2, 20], [3, 30]]),
        ("last", [[1, 10], [3, 30]]),
        (np.max, [[2, 20], [3, 30]]),
        (lambda s: s.iloc[0] * 10, [[20, 200], [30, 300]]),
    ],
)
def test_aggregate_duplicated_pairs(events, aggregate, expected):
    events = events.assign(day=[2, 3, 1, 1, 1, 1, 5])  # user a: two rows at day 1
    # Rows of a at day 1 in table order: (2, 20) then (1, 10).
    events = events.iloc[[0, 1, 2, 5, 4, 3, 6]]
    sequences, ids = long_to_sequences(
        events, id_column="user", time_column="day", aggregate=aggregate
    )
    np.testing.assert_array_equal(sequences[0], expected)
    assert ids.tolist() == ["a", "b", "c"]


def test_duplicated_pairs_are_an_error_by_default(events):
    events = events.assign(day=[2, 3, 1, 1, 1, 1, 5])
    with pytest.raises(ValueError, match=r"1 row\(s\) repeating .* \('a', 1\)"):
        long_to_sequences(events, id_column="user", time_column="day")


def test_aggregate_must_give_one_finite_number(events):
    events = events.assign(day=[2, 3, 1, 1, 1, 1, 5])
    with pytest.raises(ValueError, match="one finite number per feature"):
        long_to_sequences(
            events, id_column="user", time_column="day", aggregate=lambda s: list(s)
        )
    with pytest.raises(ValueError, match="one finite number per feature"):
        long_to_sequences(
            events, id_column="user", time_column="day", aggregate=lambda s: np.nan
        )


def test_feeds_rnn_classifier_with_aligned_labels():
    # The label of a user is whether their spending goes up; labels are held
    # in a Series indexed by user, in an order unrelated to the table.
    rng = np.random.default_rng(0)
    rows, labels = [], {}
    for user in rng.permutation(30):
        trend = rng.choice([-1, 1])
        labels[f"u{user}"] = "up" if trend > 0 else "down"
        for day in rng.permutation(rng.integers(2, 8)):
            rows.append((f"u{user}", day, trend * day + rng.normal(), rng.normal()))
    events = pd.DataFrame(rows, columns=["user", "day", "amount", "noise"])
    labels = pd.Series(labels).sample(frac=1, random_state=0)

    X, ids = long_to_sequences(events, id_column="user", time_column="day")
    y = labels.loc[ids].to_numpy()
    assert len(X) == len(y) == 30
    clf = RNNClassifier(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (30,)
    assert set(clf.classes_) == {"down", "up"}
    assert clf.n_features_in_ == 2


def test_feeds_make_windows_with_ids_as_groups(events):
    sequences, ids = long_to_sequences(events, id_column="user", time_column="day")
    _, y, groups = make_windows(
        dict(zip(ids, sequences, strict=True)),
        window=1,
        target=0,
        return_groups=True,
    )
    assert groups.tolist() == ["a", "a", "b", "c"]
    np.testing.assert_array_equal(y, [2, 3, 7, 6])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(id_column="who"), ValueError, "id_column='who' is not a column"),
        (dict(time_column="when"), ValueError, "time_column='when' is not a column"),
        (dict(time_column=["day"]), ValueError, r"time_column=\['day'\] is not"),
        (dict(id_column="day", time_column="user"), TypeError, "must be numeric, dat"),
        (dict(time_column="user", id_column="user"), ValueError, "must differ"),
        (dict(feature_columns=["amount", "x"]), ValueError, r"\['x'\] not found"),
        (dict(feature_columns=[]), ValueError, "feature_columns is empty"),
        (dict(feature_columns=["amount"] * 2), ValueError, "names a column twice"),
        (dict(feature_columns=["user"]), TypeError, r"\{'user': 'str'\}"),
        (dict(aggregate="average"), ValueError, "'aggregate' parameter of long_to"),
        (dict(aggregate=1), TypeError, "must be None, a callable or a str among"),
    ],
)
def test_invalid_parameters(events, kwargs, error, match):
    kwargs = dict(id_column="user", time_column="day") | kwargs
    with pytest.raises(error, match=match):
        long_to_sequences(events, **kwargs)


def test_invalid_tables(events):
    def convert(data):
        return long_to_sequences(data, id_column="user", time_column="day")

    with pytest.raises(TypeError, match="must be a pandas DataFrame; got ndarray"):
        convert(events.to_numpy())
    with pytest.raises(ValueError, match="0 rows"):
        convert(events.iloc[:0])
    with pytest.raises(ValueError, match="no feature columns"):
        convert(events[["user", "day"]])
    with pytest.raises(TypeError, match=r"'kind': 'category', 'note': 'str'"):
        convert(events.assign(kind=pd.Categorical(["x"] * 7), note="text", flag=True))
    with pytest.raises(TypeError, match=r"'when': 'datetime64"):
        convert(events.assign(when=pd.Timestamp(0)))
    with pytest.raises(TypeError, match="Convert date strings"):
        convert(events.assign(day=events["day"].astype(str)))
    with pytest.raises(TypeError, match="must be numeric, datetime"):
        convert(events.assign(day=events["day"] > 1))
    with pytest.raises(ValueError, match="several columns labelled"):
        convert(events.set_axis(["user", "day", "amount", "amount"], axis=1))


def test_missing_ids_or_times(events):
    no_id = events.assign(user=["c", "a", "b", None, "c", "a", "b"])
    with pytest.raises(ValueError, match=r"'user' has 1 missing value.*row 3"):
        long_to_sequences(no_id, id_column="user", time_column="day")
    no_time = events.assign(day=pd.array([2, 3, 1, 1, None, 2, 5], dtype="Int64"))
    with pytest.raises(ValueError, match=r"'day' has 1 missing value.*row 4"):
        long_to_sequences(no_time, id_column="user", time_column="day")


def test_missing_feature_values_name_the_entities(events):
    events["count"] = events["count"].astype("Int64")
    events.loc[[1, 6], "count"] = pd.NA
    with pytest.raises(
        ValueError, match=r"column\(s\) \['count'\] for 2 entities, e.g. \['a', 'b'\]"
    ):
        long_to_sequences(events, id_column="user", time_column="day")
    # NaN is refused before aggregation: no aggregation silently skips it.
    events.loc[1, "day"] = 1
    with pytest.raises(ValueError, match="Missing feature values"):
        long_to_sequences(events, id_column="user", time_column="day", aggregate="sum")


def test_infinite_feature_values(events):
    events.loc[2, "amount"] = np.inf
    with pytest.raises(ValueError, match=r"Infinite feature values .*\['b'\]"):
        long_to_sequences(events, id_column="user", time_column="day")
