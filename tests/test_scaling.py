import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler


@pytest.fixture
def uneven():
    """A 2-step and a 200-step sequence of 2 features on different scales."""
    rng = np.random.default_rng(0)
    return [
        rng.normal(loc=[5.0, -100.0], scale=[1.0, 10.0], size=(n, 2))
        for n in (2, 200, 7)
    ]


def test_standardizes_over_all_valid_steps(uneven):
    scaler = SequenceScaler().fit(uneven)
    steps = np.concatenate(scaler.transform(uneven))
    np.testing.assert_allclose(steps.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(steps.std(axis=0), 1, rtol=1e-12)
    # Every step weighs the same, whatever the length of its sequence: the
    # statistics are StandardScaler's on the stacked steps.
    reference = StandardScaler().fit(np.concatenate(uneven))
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaler.var_, reference.var_)
    np.testing.assert_allclose(scaler.scale_, reference.scale_)
    assert scaler.mean_.shape == scaler.scale_.shape == scaler.var_.shape == (2,)
    assert scaler.n_samples_seen_ == 209
    assert scaler.n_features_in_ == 2


def test_ragged_list_in_ragged_list_out(uneven):
    out = SequenceScaler().fit_transform(uneven)
    assert isinstance(out, list)
    assert [x.shape for x in out] == [x.shape for x in uneven]
    assert all(x.dtype == np.float64 for x in out)


def test_nan_padding_is_ignored_and_kept(uneven, nan_pad):
    padded = nan_pad(uneven)
    scaler = SequenceScaler().fit(padded)
    np.testing.assert_allclose(scaler.mean_, SequenceScaler().fit(uneven).mean_)
    out = scaler.transform(padded)
    assert out.shape == padded.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(padded))
    np.testing.assert_allclose(out, nan_pad(scaler.transform(uneven)))


def test_univariate_two_d_arrays_and_wide_dataframes():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, np.nan]])
    scaler = SequenceScaler().fit(X)
    assert scaler.n_features_in_ == 1
    np.testing.assert_allclose(scaler.mean_, [3.0])
    out = scaler.transform(X)
    assert out.shape == X.shape
    assert np.isnan(out[1, 2])
    np.testing.assert_allclose(out[0], (X[0] - 3.0) / np.sqrt(2.0))
    # Sequences of another length are fine at transform.
    assert scaler.transform(np.ones((4, 7))).shape == (4, 7)

    frame = pd.DataFrame(X, index=["a", "b"], columns=["t0", "t1", "t2"])
    out_frame = scaler.transform(frame)
    assert isinstance(out_frame, pd.DataFrame)
    assert out_frame.index.tolist() == ["a", "b"]
    assert out_frame.columns.tolist() == ["t0", "t1", "t2"]
    np.testing.assert_allclose(out_frame.to_numpy(), out)


def test_three_d_array_in_three_d_array_out(dense_data):
    X, _ = dense_data
    out = SequenceScaler().fit_transform(X)
    assert out.shape == X.shape
    np.testing.assert_allclose(out.reshape(-1, 3).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.reshape(-1, 3).std(axis=0), 1)


def test_other_containers_keep_their_form(uneven):
    scaler = SequenceScaler().fit(uneven)
    expected = scaler.transform(uneven)

    out = scaler.transform(tuple(uneven))
    assert isinstance(out, tuple)

    objects = np.empty(3, dtype=object)
    objects[:] = uneven
    out = scaler.transform(objects)
    assert isinstance(out, np.ndarray)
    assert out.dtype == object
    assert out.shape == (3,)

    frames = [pd.DataFrame(x, index=np.arange(len(x)) + 10) for x in uneven]
    out = scaler.transform(frames)
    assert all(isinstance(x, pd.DataFrame) for x in out)
    assert out[0].index.tolist() == [10, 11]
    np.testing.assert_allclose(out[1].to_numpy(), expected[1])

    univariate = SequenceScaler().fit([pd.Series([1.0, 2.0], name="s"), [3.0]])
    out = univariate.transform([pd.Series([1.0, 2.0], name="s"), [3.0]])
    assert isinstance(out[0], pd.Series)
    assert out[0].name == "s"
    assert isinstance(out[1], np.ndarray)
    assert out[1].shape == (1,)
    np.testing.assert_allclose(out[1], [1.224744871391589])


def test_equal_length_items_in_an_object_array_are_not_broadcast():
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = np.ones((3, 2)), np.zeros((3, 2))
    out = SequenceScaler().fit_transform(objects)
    assert out.shape == (2,)
    assert out[0].shape == (3, 2)


@pytest.mark.parametrize(
    "dtype, expected", [("float32", "float32"), ("float64", "float64")]
)
def test_float_dtype_is_preserved(dtype, expected, uneven):
    X = [x.astype(dtype) for x in uneven]
    out = SequenceScaler().fit(X).transform(X)
    assert all(x.dtype == np.dtype(expected) for x in out)
    assert SequenceScaler().fit_transform(np.stack(X[:1])).dtype == expected


def test_integer_and_bool_data_are_standardized_as_floats():
    out = SequenceScaler().fit_transform([[1, 2, 3], [4, 5]])
    assert out[0].dtype == np.float64
    np.testing.assert_allclose(np.concatenate(out).mean(), 0, atol=1e-12)
    out = SequenceScaler().fit_transform(np.array([[True, False], [True, True]]))
    assert out.dtype == np.float64


def test_inverse_transform_round_trip(uneven, nan_pad):
    scaler = SequenceScaler().fit(uneven)
    back = scaler.inverse_transform(scaler.transform(uneven))
    for original, item in zip(uneven, back, strict=True):
        np.testing.assert_allclose(item, original)
    padded = nan_pad(uneven)
    np.testing.assert_allclose(
        scaler.inverse_transform(scaler.transform(padded)), padded
    )


@pytest.mark.parametrize(
    "with_mean, with_std", [(True, False), (False, True), (False, False)]
)
def test_with_mean_and_with_std(uneven, with_mean, with_std):
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(uneven)
    reference = StandardScaler(with_mean=with_mean, with_std=with_std)
    stacked = np.concatenate(uneven)
    expected = reference.fit_transform(stacked)
    np.testing.assert_allclose(np.concatenate(scaler.transform(uneven)), expected)
    for name in ("mean_", "var_", "scale_"):
        if getattr(reference, name) is None:
            assert getattr(scaler, name) is None
        else:
            np.testing.assert_allclose(getattr(scaler, name), getattr(reference, name))
    back = scaler.inverse_transform(scaler.transform(uneven))
    np.testing.assert_allclose(np.concatenate(back), stacked)


def test_constant_feature_gets_scale_one():
    X = [np.array([[1.0, 7.0], [2.0, 7.0]]), np.array([[3.0, 7.0]])]
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(2 / 3), 1.0])
    np.testing.assert_allclose(scaler.transform(X)[0][:, 1], [0.0, 0.0])


def test_nan_inside_the_steps_is_ignored_and_kept():
    X = [np.array([[1.0, np.nan], [3.0, 2.0]]), np.array([[5.0, 4.0]])]
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, [3.0, 3.0])
    np.testing.assert_array_equal(scaler.n_samples_seen_, [3, 2])
    assert np.isnan(scaler.transform(X)[0][0, 1])


def test_partial_fit_equals_fit_on_everything(uneven, nan_pad):
    scaler = SequenceScaler()
    scaler.partial_fit(uneven[:1]).partial_fit(nan_pad(uneven[1:]))
    reference = SequenceScaler().fit(uneven)
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaler.var_, reference.var_)
    np.testing.assert_allclose(scaler.scale_, reference.scale_)
    assert scaler.n_samples_seen_ == reference.n_samples_seen_
    # fit starts afresh.
    np.testing.assert_allclose(scaler.fit(uneven[:1]).mean_, uneven[0].mean(axis=0))


def test_partial_fit_refuses_a_different_number_of_features(uneven):
    scaler = SequenceScaler().partial_fit(uneven)
    with pytest.raises(ValueError, match="X has 1 features per time step"):
        scaler.partial_fit([np.ones(3)])


def test_copy_false_scales_float_arrays_in_place():
    X = np.array([[[1.0, 3.0], [5.0, 7.0]], [[2.0, 3.0], [4.0, 9.0]]])
    scaler = SequenceScaler().fit(X)
    expected = scaler.transform(X)
    assert expected is not X
    assert X[0, 0, 0] == 1.0
    items = [X[0].copy()]
    out = scaler.transform(items, copy=False)
    assert out[0] is items[0]
    np.testing.assert_allclose(items[0], expected[0])
    out = scaler.set_params(copy=False).transform(X)
    assert out is X
    np.testing.assert_allclose(X, expected)
    # Integer data cannot be scaled in place: a float copy is returned.
    ints = np.array([[1, 3], [5, 7]])
    univariate = SequenceScaler(copy=False).fit(ints)
    assert univariate.transform(ints) is not ints
    np.testing.assert_array_equal(ints, [[1, 3], [5, 7]])


def _windows():
    """Overlapping windows of one series, as hand-made windowing gives."""
    series = np.arange(20.0).reshape(10, 2) ** 1.5
    return series, [series[start : start + 4] for start in (0, 2, 3, 6)]


def _reversed_and_forward(array):
    return [array[::-1], array]


@pytest.mark.parametrize(
    "make_items",
    [
        # The fuzz report's case: the same array twice.
        lambda: [np.array([1.0, 2.0, 3.0])] * 2,
        lambda: _windows()[1],
        # Columns of one array share no element, but their byte bounds
        # overlap: one is copied for nothing, and the result is still right.
        lambda: [*np.arange(12.0).reshape(3, 4).T[:2], np.ones(3)],
        # A reversed view starts where the array ends.
        lambda: _reversed_and_forward(np.arange(6.0)),
    ],
)
@pytest.mark.parametrize("inverse", [False, True])
def test_copy_false_scales_items_sharing_memory_once(make_items, inverse):
    items = make_items()
    scaler = SequenceScaler().fit([x.copy() for x in items])
    method = "inverse_transform" if inverse else "transform"
    expected = getattr(scaler, method)([x.copy() for x in items], copy=True)
    out = getattr(scaler, method)(items, copy=False)
    for got, want in zip(out, expected, strict=True):
        np.testing.assert_allclose(got, want)


def test_copy_false_still_scales_in_place_what_shares_no_memory():
    series, windows = _windows()
    scaler = SequenceScaler().fit([series])
    expected = scaler.transform(windows)
    out = scaler.transform(windows, copy=False)
    # Windows 0 (rows 0-3) and 3 (rows 6-9) share no memory: scaled in place.
    # Windows 1 and 2 overlap window 0: copied, from the unscaled series.
    assert out[0] is windows[0]
    assert out[3] is windows[3]
    assert out[1] is not windows[1]
    for got, want in zip(out, expected, strict=True):
        np.testing.assert_allclose(got, want)


def test_dataframe_is_never_modified():
    frame = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]])
    SequenceScaler(copy=False).fit(frame).transform(frame)
    np.testing.assert_array_equal(frame.to_numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_different_number_of_features_at_transform(uneven):
    scaler = SequenceScaler().fit(uneven)
    with pytest.raises(ValueError, match="SequenceScaler is expecting 2 features"):
        scaler.transform(np.ones((2, 5)))
    with pytest.raises(ValueError, match="X has 3 features per time step"):
        scaler.inverse_transform([np.ones((2, 3))])


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([], ValueError, "empty collection"),
        ("abc", TypeError, "Expected a collection of sequences"),
        ([np.ones((3, 2)), np.ones((2, 3))], ValueError, "same number of features"),
        (np.ones(4), ValueError, "Reshape your data"),
        ([[], np.full(3, np.nan)], ValueError, "X holds no time step"),
        (np.full((2, 3), np.nan), ValueError, "X holds no time step"),
        (np.array([[1.0, np.inf]]), ValueError, "infinity"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        SequenceScaler().fit(X)


def test_bad_parameter():
    with pytest.raises(ValueError, match="'with_mean' parameter"):
        SequenceScaler(with_mean="yes").fit([[1.0, 2.0]])


def test_empty_sequences_are_kept(uneven):
    X = [*uneven, np.empty((0, 2)), [], np.full((3, 2), np.nan)]
    scaler = SequenceScaler().fit(X)
    # Empty and all-padding sequences hold no step: the statistics are those
    # of the other sequences.
    reference = SequenceScaler().fit(uneven)
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    assert scaler.n_samples_seen_ == reference.n_samples_seen_
    for method in (scaler.transform, scaler.inverse_transform):
        out = method(X)
        assert [np.shape(x) for x in out] == [np.shape(x) for x in X]
        assert np.isnan(out[-1]).all()
    # Only empty sequences at transform: the fitted number of features holds.
    assert [x.shape for x in scaler.transform([[], []])] == [(0,), (0,)]
    padded = SequencePadder().fit_transform(X)
    assert np.isnan(scaler.transform(padded)[-3:]).all()


@pytest.mark.parametrize("X", [[[], []], [np.full((2, 2), np.nan), np.empty((0, 2))]])
def test_fit_needs_at_least_one_step(X):
    with pytest.raises(ValueError, match="X holds no time step"):
        SequenceScaler().fit(X)
    scaler = SequenceScaler().partial_fit([np.ones((2, 2))])
    with pytest.raises(ValueError, match="X holds no time step"):
        scaler.partial_fit(X)


def test_pipeline_predicts_an_empty_sequence(ragged_data):
    # The bare estimator predicts empty sequences; so must the pipeline.
    X, y = ragged_data
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    pipe = Pipeline([("scale", SequenceScaler()), ("clf", clf)]).fit(X, y)
    test = [X[0], np.empty((0, 2)), []]
    scaled = pipe["scale"].transform(test)
    np.testing.assert_allclose(
        pipe.predict_proba(test), pipe["clf"].predict_proba(scaled), rtol=1e-5
    )
    assert pipe.predict([np.empty((0, 2))]).shape == (1,)
    # Padded in between, an empty sequence is a row of NaN padding.
    pipe = make_pipeline(SequenceScaler(), SequencePadder(), clone(clf)).fit(X, y)
    assert pipe.predict(test).shape == (3,)


def test_pickle_and_clone(uneven):
    scaler = SequenceScaler().fit(uneven)
    restored = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(
        restored.transform(uneven)[1], scaler.transform(uneven)[1]
    )
    assert not hasattr(clone(scaler), "mean_")


def test_in_a_pipeline_before_the_padder_and_the_classifier(ragged_data):
    X, y = ragged_data
    X = [x * 100.0 + 50.0 for x in X]
    pipe = make_pipeline(
        SequenceScaler(),
        SequencePadder(),
        RNNClassifier(hidden_size=4, max_epochs=1, random_state=0),
    )
    proba = pipe.fit(X, y).predict_proba(X)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    scaled = SequenceScaler().fit_transform(X)
    np.testing.assert_allclose(
        proba, clf.fit(scaled, y).predict_proba(scaled), rtol=1e-5
    )


def test_fit_transform_equals_fit_then_transform(uneven):
    # scikit-learn's check_transformer_general checks this too, but it is an
    # expected failure of the compliance suite (see test_common.py).
    scaler = SequenceScaler()
    for a, b in zip(
        scaler.fit_transform(uneven),
        clone(scaler).fit(uneven).transform(uneven),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
