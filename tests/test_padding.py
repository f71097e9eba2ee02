import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import SequencePadder, Tokenizer

INTS = [[3, 1, 4], [1, 5], [9, 2, 6, 5]]


def test_defaults_pad_after_with_zero_for_ints_and_nan_for_floats():
    out = SequencePadder().fit_transform(INTS)
    np.testing.assert_array_equal(out, [[3, 1, 4, 0], [1, 5, 0, 0], [9, 2, 6, 5]])
    assert out.dtype == np.int64

    out = SequencePadder().fit_transform([[0.5, 1.5], [2.5]])
    np.testing.assert_array_equal(out, [[0.5, 1.5], [2.5, np.nan]])
    assert out.dtype == np.float64


def test_width_is_learned_in_fit_and_never_rederived():
    padder = SequencePadder().fit([[1, 2], [3]])
    assert padder.max_length_ == 2
    # Longer test sequences are truncated to the training width, shorter
    # ones padded to it: the width does not follow the data of the call.
    np.testing.assert_array_equal(padder.transform([[1, 2, 3, 4]]), [[3, 4]])
    np.testing.assert_array_equal(padder.transform([[7]]), [[7, 0]])


@pytest.mark.parametrize(
    "truncating, padding, expected",
    [
        ("pre", "post", [[3, 1, 4], [1, 5, 0], [2, 6, 5], [7, 0, 0]]),
        ("post", "post", [[3, 1, 4], [1, 5, 0], [9, 2, 6], [7, 0, 0]]),
        ("pre", "pre", [[3, 1, 4], [0, 1, 5], [2, 6, 5], [0, 0, 7]]),
        ("post", "pre", [[3, 1, 4], [0, 1, 5], [9, 2, 6], [0, 0, 7]]),
    ],
)
def test_truncating_and_padding_sides(truncating, padding, expected):
    padder = SequencePadder(max_length=3, truncating=truncating, padding=padding)
    out = padder.fit(INTS).transform([*INTS, [7]])
    np.testing.assert_array_equal(out, expected)


def test_truncating_pre_keeps_the_latest_steps():
    padder = SequencePadder(max_length=2).fit(INTS)
    np.testing.assert_array_equal(padder.transform(INTS), [[1, 4], [1, 5], [6, 5]])
    padder.set_params(truncating="post", padding="pre").fit(INTS)
    np.testing.assert_array_equal(padder.transform(INTS), [[3, 1], [1, 5], [9, 2]])
    np.testing.assert_array_equal(padder.transform([[8]]), [[0, 8]])


@pytest.mark.parametrize(
    "max_length, expected",
    [(0.5, 5), (0.55, 6), (1.0, 10), (0.01, 1), (3, 3), (20, 20)],
)
def test_max_length_int_or_quantile_of_training_lengths(max_length, expected):
    X = [np.ones(n) for n in range(1, 11)]
    padder = SequencePadder(max_length=max_length).fit(X)
    assert padder.max_length_ == expected
    assert padder.transform(X).shape == (10, expected)


def test_quantile_fits_at_least_that_fraction_untruncated():
    lengths = np.random.default_rng(0).integers(1, 100, size=57)
    X = [np.ones(n) for n in lengths]
    for q in (0.1, 0.5, 0.9, 0.95):
        max_length = SequencePadder(max_length=q).fit(X).max_length_
        assert np.mean(lengths <= max_length) >= q
        # ... and is the smallest such width.
        assert np.mean(lengths <= max_length - 1) < q


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8"])
def test_dtype_is_preserved(dtype):
    X = [np.array([1, 2, 3], dtype=dtype), np.array([4], dtype=dtype)]
    out = SequencePadder().fit_transform(X)
    assert out.dtype == np.dtype(dtype)
    pad = np.nan if np.dtype(dtype).kind == "f" else 0
    np.testing.assert_array_equal(out, np.array([[1, 2, 3], [4, pad, pad]]))


def test_bool_data_stays_bool_and_pads_with_false():
    out = SequencePadder().fit_transform([[True, True], [True]])
    assert out.dtype == bool
    np.testing.assert_array_equal(out, [[True, True], [True, False]])


def test_lists_of_python_numbers():
    # Python ints give int64 (not float, not int32); a float anywhere in the
    # collection makes all of it float64, as in np.array.
    assert SequencePadder().fit_transform([[1, 2], [3]]).dtype == np.int64
    out = SequencePadder().fit_transform([[1, 2], [3.5]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.5, np.nan]])


def test_explicit_value():
    out = SequencePadder(value=-1).fit_transform(INTS)
    np.testing.assert_array_equal(out[1], [1, 5, -1, -1])
    # An integral float is stored exactly, so it is accepted for int data.
    out = SequencePadder(value=-1.0).fit_transform(INTS)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out[1], [1, 5, -1, -1])
    out = SequencePadder(value=0).fit_transform([[0.5, 1.5], [2.5]])
    np.testing.assert_array_equal(out, [[0.5, 1.5], [2.5, 0.0]])


@pytest.mark.parametrize(
    "X, value, match",
    [
        (INTS, np.nan, "value=nan cannot pad integer data"),
        (INTS, 0.5, "cannot be stored exactly"),
        ([np.array([1, 2], dtype=np.uint8)], -1, "cannot be stored exactly"),
        ([np.array([1, 2], dtype=np.int8)], 300, "cannot be stored exactly"),
        ([[True, False]], 2, "cannot be stored exactly"),
        ([[True, False]], np.nan, "value=nan"),
        ([np.array([1.0], dtype=np.float16)], 1e6, "would become infinite"),
    ],
)
def test_lossy_padding_value_is_an_error(X, value, match):
    with pytest.raises(ValueError, match=match):
        SequencePadder(value=value).fit(X)
    # Also at transform, when the data of the call cannot hold the value.
    padder = SequencePadder(value=value).fit([np.array([1.0, 2.0])])
    if np.dtype(np.asarray(X[0]).dtype).kind != "f":
        with pytest.raises(ValueError, match=match):
            padder.transform(X)


def test_two_d_array_and_wide_dataframe_are_univariate_sequences():
    X = np.array([[1.0, 2.0, 3.0], [4.0, np.nan, np.nan]])
    for form in (X, pd.DataFrame(X, columns=["a", "b", "c"])):
        padder = SequencePadder().fit(form)
        assert padder.n_features_in_ == 1
        assert padder.max_length_ == 3
        out = padder.transform(form)
        assert out.shape == (2, 3)
        np.testing.assert_array_equal(out, X)
    # The trailing NaN of the second row were padding: its length is 1.
    out = SequencePadder(max_length=2, truncating="post").fit_transform(X)
    np.testing.assert_array_equal(out, [[1.0, 2.0], [4.0, np.nan]])


def test_multivariate_items_give_a_three_d_array(ragged_data, nan_pad):
    X, _ = ragged_data
    padder = SequencePadder().fit(X)
    out = padder.transform(X)
    assert padder.n_features_in_ == 2
    assert out.shape == (len(X), max(len(x) for x in X), 2)
    np.testing.assert_array_equal(out, nan_pad(X))
    # (T_i, 1) items are steps of one feature, not scalar steps.
    out = SequencePadder().fit_transform([np.ones((3, 1)), np.ones((2, 1))])
    assert out.shape == (2, 3, 1)


def test_output_form_is_fixed_by_the_training_data():
    padder = SequencePadder().fit([[1.0, 2.0], [3.0]])
    assert padder.transform([np.ones((3, 1))]).shape == (1, 2)
    padder = SequencePadder().fit([np.ones((3, 1))])
    assert padder.transform([[1.0, 2.0]]).shape == (1, 3, 1)


def test_item_forms_agree(ragged_data, nan_pad):
    X, _ = ragged_data
    expected = SequencePadder().fit_transform(X)
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    forms = [
        tuple(X),
        objects,
        [x.tolist() for x in X],
        [pd.DataFrame(x, columns=["u", "v"]) for x in X],
        nan_pad(X, width=20),
    ]
    for form in forms:
        np.testing.assert_array_equal(SequencePadder().fit_transform(form), expected)
    series = [pd.Series(x[:, 0]) for x in X]
    np.testing.assert_array_equal(
        SequencePadder().fit_transform(series), expected[:, :, 0]
    )


def test_nan_padded_input_is_repadded_from_its_valid_steps(nan_pad):
    X = [np.arange(6.0).reshape(3, 2), np.arange(2.0).reshape(1, 2)]
    padded = nan_pad(X, width=8)
    padder = SequencePadder(max_length=2).fit(padded)
    out = padder.transform(padded)
    # "pre" truncation keeps the last valid steps, not the trailing NaN.
    np.testing.assert_array_equal(out[0], [[2.0, 3.0], [4.0, 5.0]])
    np.testing.assert_array_equal(out[1], [[0.0, 1.0], [np.nan, np.nan]])
    assert SequencePadder().fit(padded).max_length_ == 3


def test_nan_inside_the_steps_is_kept():
    X = [np.array([[1.0, np.nan], [np.nan, 2.0]]), np.array([[3.0, 4.0]])]
    out = SequencePadder().fit_transform(X)
    np.testing.assert_array_equal(out[0], X[0])


def test_integer_zeros_in_the_input_are_data():
    # Zeros in integer data are steps, not padding to strip: truncation keeps
    # the last 3 steps, the zeros.
    out = SequencePadder(max_length=3, value=-1).fit_transform(np.array([[5, 0, 0, 0]]))
    np.testing.assert_array_equal(out, [[0, 0, 0]])
    # With 0 as the padding value, that output could not be told from padding.
    with pytest.raises(ValueError, match="end with a step equal to the padding"):
        SequencePadder(max_length=3).fit_transform(np.array([[5, 0, 0, 0]]))


@pytest.mark.parametrize(
    "X, params, match",
    [
        # The fuzz report's cases: genuine trailing 0 and False.
        ([[3, 0], [0, 5, 0, 0]], {}, r"index \[0, 1\] end .* value \(0\).*value=-1"),
        ([[True, False], [True]], {}, r"index \[0\] end .* \(False\).*Boolean"),
        ([[0, 3], [5]], {"padding": "pre"}, r"index \[0\] start with a step"),
        # A multivariate step is padding only when all of its features are.
        ([np.array([[1, 2], [0, 0]]), np.array([[0, 1]])], {}, r"index \[0\] end"),
        # The step that ends up next to the padding, after truncation.
        ([[1, 0, 3], [4]], {"max_length": 2, "truncating": "post"}, r"index \[0\]"),
        ([[1.0, 0.0], [2.5]], {"value": 0}, r"value='auto' \(NaN\)"),
        ([[1.0, np.nan, 2.0]], {"max_length": 2, "truncating": "post"}, "all-NaN step"),
        # Only trailing NaN is padding: a leading one is kept, as a step.
        ([[np.nan, 1.0], [2.0]], {"padding": "pre"}, r"index \[0\] start"),
        ([[4, -1], [2]], {"value": -1}, r"index \[0\] end .* \(-1\)"),
    ],
)
def test_sequence_ending_with_the_padding_value_is_refused(X, params, match):
    # inverse_transform would strip that step as padding: the round trip
    # would lose it without a word.
    padder = SequencePadder(**params)
    with pytest.raises(ValueError, match=match):
        padder.fit_transform(X)


def test_multivariate_step_with_some_padding_features_is_kept():
    X = [np.array([[1, 2], [0, 1]]), np.array([[3, 0]])]
    padder = SequencePadder().fit(X)
    back = padder.inverse_transform(padder.transform(X))
    for original, item in zip(X, back, strict=True):
        np.testing.assert_array_equal(item, original)


@pytest.mark.parametrize("padding", ["post", "pre"])
@pytest.mark.parametrize("dtype", ["int64", "int8", "bool", "float64"])
def test_round_trip_is_exact_or_refused(padding, dtype):
    # Random sequences full of the padding value, empty ones included: the
    # padder either refuses them or gives every step back.
    rng = np.random.default_rng(0)
    X = [rng.integers(0, 2, size=n).astype(dtype) for n in rng.integers(0, 5, size=100)]
    X[0] = np.array([1, 0, 1], dtype=dtype)  # one sequence at least to fit
    side = "end" if padding == "post" else "start"
    for value in ("auto", 0, 1):
        padder = SequencePadder(padding=padding, value=value).fit(X)
        for i, x in enumerate(X):
            try:
                padded = padder.transform([x])
            except ValueError as exc:
                assert f"index [0] {side} with a step equal" in str(exc)
                continue
            (back,) = padder.inverse_transform(padded)
            assert back.dtype == x.dtype
            np.testing.assert_array_equal(back, x, err_msg=f"sequence {i}")


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_value_the_data_never_holds_makes_the_round_trip_exact(padding):
    X = [[3, 0], [0, 5, 0, 0], [], [0]]
    padder = SequencePadder(padding=padding, value=-1).fit(X)
    back = padder.inverse_transform(padder.transform(X))
    for original, item in zip(X, back, strict=True):
        assert item.dtype == np.int64
        np.testing.assert_array_equal(item, original)
    bools = [np.array([True, False]), np.array([False])]
    padder = SequencePadder(padding=padding, value=-1).fit(
        [x.astype(np.int8) for x in bools]
    )
    back = padder.inverse_transform(
        padder.transform([x.astype(np.int8) for x in bools])
    )
    for original, item in zip(bools, back, strict=True):
        np.testing.assert_array_equal(item.astype(bool), original)


@pytest.mark.parametrize(
    "X, match",
    [
        (
            [np.array([2**53 + 1]), np.array([0.5])],
            r"\(float64, int64\).*9007199254740993 in sequence 0 \(int64\) "
            r"would become 9007199254740992\.0",
        ),
        (
            [np.array([1]), np.array([2**64 - 1], dtype=np.uint64)],
            r"\(int64, uint64\).* in sequence 1 \(uint64\)",
        ),
        # Rounds up to 2**63, one past the largest int64.
        ([np.array([2**63 - 1]), np.array([1.5])], "9223372036854775807"),
        (
            [np.ones((2, 2)), np.array([[1, 2**60 + 1]])],
            r"1152921504606846977 in sequence 1",
        ),
    ],
)
def test_lossy_promotion_of_mixed_item_dtypes_is_an_error(X, match):
    with pytest.raises(ValueError, match=match):
        SequencePadder().fit(X)
    padder = SequencePadder().fit([np.ones(np.shape(X[0]))])
    with pytest.raises(ValueError, match=r"Cast the sequences to one dtype"):
        padder.transform(X)


@pytest.mark.parametrize(
    "X, dtype",
    [
        ([np.array([3], dtype=np.int32), np.array([2**40])], np.int64),
        ([np.array([3], dtype=np.int8), np.array([2.5], dtype=np.float32)], np.float32),
        # int64 values that float64 holds exactly.
        ([np.array([2**53, -(2**63), 7]), np.array([0.5])], np.float64),
        ([np.array([2**63], dtype=np.uint64), np.array([1])], np.float64),
        # An empty item's dtype takes no part.
        ([np.array([2**53 + 1]), np.array([])], np.int64),
    ],
)
def test_exact_promotion_of_mixed_item_dtypes_is_kept(X, dtype):
    out = SequencePadder().fit_transform(X)
    assert out.dtype == dtype
    for row, x in zip(out, X, strict=True):
        np.testing.assert_array_equal(row[: len(x)].astype(x.dtype), x)


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_empty_sequences_are_rows_of_padding(padding):
    padder = SequencePadder(padding=padding).fit([[1, 2], [], [3]])
    assert padder.max_length_ == 2
    out = padder.transform([[], [4], np.array([], dtype=np.int64)])
    assert out.dtype == np.int64
    expected = (
        [[0, 0], [4, 0], [0, 0]] if padding == "post" else [[0, 0], [0, 4], [0, 0]]
    )
    np.testing.assert_array_equal(out, expected)
    back = padder.inverse_transform(out)
    assert [x.tolist() for x in back] == [[], [4], []]
    assert back[0].dtype == np.int64

    # Multivariate: an empty item of either shape, or one of NaN padding only.
    X = [np.ones((2, 3)), np.empty((0, 3)), [], np.full((2, 3), np.nan)]
    padder = SequencePadder(padding=padding).fit(X)
    out = padder.transform(X)
    assert out.shape == (4, 2, 3)
    assert np.isnan(out[1:]).all()
    back = padder.inverse_transform(out)
    assert [x.shape for x in back] == [(2, 3), (0, 3), (0, 3), (0, 3)]


def test_only_empty_sequences_take_the_training_dtype_and_features():
    # An empty list says nothing about its dtype (np.asarray([]) is float64):
    # token ids must not come back as NaN-padded floats.
    padder = SequencePadder().fit([[1, 2], [3]])
    out = padder.transform([[]])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[0, 0]])
    padder = SequencePadder().fit([np.ones((2, 3), dtype=np.float32)])
    out = padder.transform([[], []])
    assert out.shape == (2, 2, 3)
    assert out.dtype == np.float32


@pytest.mark.parametrize(
    "X", [[[], []], [[np.nan, np.nan], []], np.full((2, 3), np.nan)]
)
def test_fit_needs_at_least_one_step(X):
    with pytest.raises(ValueError, match="X holds no time step"):
        SequencePadder().fit(X)


def test_quantile_width_of_mostly_empty_sequences_is_at_least_one():
    padder = SequencePadder(max_length=0.5).fit([[], [], [], [1.0, 2.0]])
    assert padder.max_length_ == 1
    np.testing.assert_array_equal(padder.transform([[], [3.0]]), [[np.nan], [3.0]])


def test_tokenizer_output_with_an_empty_document_feeds_token_mode():
    docs = ["good film", "bad film", "good", "bad plot"] * 5
    y = [int("good" in doc) for doc in docs]
    pipe = make_pipeline(
        Tokenizer(),
        SequencePadder(),
        RNNClassifier(hidden_size=4, embedding_dim=3, max_epochs=1, random_state=0),
    ).fit(docs, y)
    # Token ids never end in 0, the padding id: nothing is refused, and an
    # empty document (all unknown or no token) is a row of padding ids.
    padded = pipe[:-1].transform(["good film", ""])
    np.testing.assert_array_equal(padded[1], 0)
    assert padded.dtype == np.int64
    assert pipe.predict(["", "!!!"]).shape == (2,)


def test_pipeline_predicts_empty_sequences(ragged_data):
    X, y = ragged_data
    pipe = make_pipeline(
        SequencePadder(), RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    ).fit(X, y)
    clf = pipe[-1]
    empty = [np.empty((0, 2)), []]
    np.testing.assert_allclose(
        pipe.predict_proba([X[0], *empty]),
        clf.predict_proba([X[0], *empty]),
        rtol=1e-5,
    )


def test_nullable_dataframes():
    frame = pd.DataFrame({"t0": [1, 2], "t1": [3, 4]}, dtype="Int64")
    out = SequencePadder().fit_transform(frame)
    assert out.dtype == np.int64
    # pd.NA is missing: the padding of a wide frame, NaN in a float array.
    frame = pd.DataFrame({"t0": [1, 2], "t1": [3, None]}, dtype="Int64")
    out = SequencePadder().fit_transform(frame)
    np.testing.assert_array_equal(out, [[1.0, 3.0], [2.0, np.nan]])


@pytest.mark.parametrize(
    "X",
    [
        INTS,
        [[0.5, 1.5], [2.5], [3.0, 4.0, 5.0]],
        [np.arange(6.0).reshape(3, 2), np.arange(2.0).reshape(1, 2)],
    ],
)
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_inverse_transform_round_trip(X, padding):
    padder = SequencePadder(padding=padding).fit(X)
    back = padder.inverse_transform(padder.transform(X))
    assert isinstance(back, list)
    assert len(back) == len(X)
    for original, item in zip(X, back, strict=True):
        original = np.asarray(original)
        assert item.shape == original.shape
        assert item.dtype == original.dtype
        np.testing.assert_array_equal(item, original)


def test_inverse_transform_is_not_exact_when_truncated():
    padder = SequencePadder(max_length=2).fit(INTS)
    back = padder.inverse_transform(padder.transform(INTS))
    np.testing.assert_array_equal(back[0], [1, 4])


def test_inverse_transform_uses_the_explicit_value():
    padder = SequencePadder(value=-1).fit(INTS)
    back = padder.inverse_transform(np.array([[1, 0, -1, -1]]))
    np.testing.assert_array_equal(back[0], [1, 0])


def test_inverse_transform_errors():
    padder = SequencePadder().fit([np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"2 features per time step.*expecting 3"):
        padder.inverse_transform(np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="2-D or 3-D array"):
        padder.inverse_transform(np.ones(3))
    with pytest.raises(TypeError, match="padded array"):
        padder.inverse_transform([np.ones((2, 3))])


def test_different_number_of_features_at_transform():
    padder = SequencePadder().fit([np.ones((2, 3))])
    with pytest.raises(ValueError, match="X has 2 features per time step, but "):
        padder.transform([np.ones((2, 2))])
    with pytest.raises(ValueError, match="X has 1 features per time step"):
        padder.transform(np.ones((2, 3)))


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([], ValueError, "empty collection"),
        ("abc", TypeError, "Expected a collection of sequences"),
        (None, TypeError, "Expected a collection of sequences"),
        ([np.ones((3, 2)), np.ones((2, 3))], ValueError, "same number of features"),
        ([np.ones(3), np.ones((2, 2))], ValueError, "same number of features"),
        ([[1, 2], "ab"], TypeError, "Sequence 1 is a string"),
        ([[1, 2], 3], ValueError, "Sequence 1 is a scalar"),
        ([np.ones((2, 2, 2))], ValueError, "or \\(n_timesteps, n_features\\)"),
        ([np.ones((2, 0))], ValueError, "0 feature"),
        (np.ones(4), ValueError, "Reshape your data"),
        (np.ones((2, 2, 2, 2)), ValueError, "4-D"),
        (np.ones((0, 3)), ValueError, "0 sample"),
        (np.ones((2, 0)), ValueError, "0 feature"),
        (np.array([["a", "b"]]), TypeError, "must hold numbers"),
        ([np.array(["a", "b"])], TypeError, "sequence 0 must hold numbers"),
        (np.ones((2, 2)) * 1j, ValueError, "Complex data not supported"),
        (sparse.csr_matrix(np.ones((2, 2))), TypeError, "Sparse input"),
        ([sparse.csr_matrix(np.ones((2, 2)))], TypeError, "sparse matrix"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        SequencePadder().fit(X)
    padder = SequencePadder().fit([np.ones(2)])
    with pytest.raises(error, match=match):
        padder.transform(X)


@pytest.mark.parametrize("max_length", [0, -2, 1.5, 0.0, "long"])
def test_bad_max_length(max_length):
    with pytest.raises(ValueError, match="'max_length' parameter of SequencePadder"):
        SequencePadder(max_length=max_length).fit(INTS)


@pytest.mark.parametrize(
    "params", [{"padding": "both"}, {"truncating": "middle"}, {"value": "zero"}]
)
def test_bad_string_parameters(params):
    with pytest.raises(ValueError, match=f"'{next(iter(params))}' parameter"):
        SequencePadder(**params).fit(INTS)


def test_get_feature_names_out():
    padder = SequencePadder(max_length=3).fit(INTS)
    names = padder.get_feature_names_out()
    assert names.dtype == object
    assert names.tolist() == ["t0", "t1", "t2"]
    frame = padder.set_output(transform="pandas").transform(INTS)
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == ["t0", "t1", "t2"]

    padder = SequencePadder().fit([np.ones((2, 3))])
    with pytest.raises(AttributeError, match="only defined when the output is 2-D"):
        padder.get_feature_names_out()


def test_pickle_and_clone():
    padder = SequencePadder(max_length=0.5, padding="pre").fit(INTS)
    restored = pickle.loads(pickle.dumps(padder))
    np.testing.assert_array_equal(restored.transform(INTS), padder.transform(INTS))
    cloned = clone(padder)
    assert cloned.get_params() == padder.get_params()
    assert not hasattr(cloned, "max_length_")


def test_unfitted_transform_raises():
    with pytest.raises(ValueError, match="not fitted"):
        SequencePadder().transform(INTS)


def test_output_feeds_the_estimators_with_lengths_recovered(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    padded = SequencePadder().fit_transform(X)
    # Trained on the padded array and predicting the ragged list (and the
    # reverse) gives the same model and outputs: the padding was not read
    # as steps.
    proba_ragged = clf.fit(X, y).predict_proba(X)
    proba_padded = clone(clf).fit(padded, y).predict_proba(padded)
    np.testing.assert_allclose(proba_padded, proba_ragged, rtol=1e-5)
    # Had the padding been read as steps (e.g. padded with 0.0), they differ.
    zeros = SequencePadder(value=0).fit_transform(X)
    assert not np.allclose(clone(clf).fit(zeros, y).predict_proba(zeros), proba_ragged)


def test_token_ids_feed_token_mode_with_lengths_recovered():
    rng = np.random.default_rng(0)
    X = [rng.integers(1, 9, size=n).tolist() for n in rng.integers(1, 8, size=20)]
    y = np.array([int(x[-1] > 4) for x in X])
    clf = RNNClassifier(hidden_size=4, embedding_dim=3, max_epochs=1, random_state=0)
    padded = SequencePadder().fit_transform(X)
    assert padded.dtype == np.int64
    proba_ragged = clf.fit(X, y).predict_proba(X)
    proba_padded = clone(clf).fit(padded, y).predict_proba(padded)
    np.testing.assert_allclose(proba_padded, proba_ragged, rtol=1e-5)


def test_pre_padding_with_nan_is_refused_by_the_estimators(ragged_data):
    X, y = ragged_data
    padded = SequencePadder(padding="pre").fit_transform(X)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="NaN inside the valid steps"):
        clf.fit(padded, y)


def test_fit_transform_equals_fit_then_transform(ragged_data):
    # scikit-learn's check_transformer_general checks this too, but it is an
    # expected failure of the compliance suite (see test_common.py).
    X, _ = ragged_data
    padder = SequencePadder(max_length=0.8)
    np.testing.assert_array_equal(
        padder.fit_transform(X), clone(padder).fit(X).transform(X)
    )
