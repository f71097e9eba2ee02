import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse

from sklearn_rnn._batching import (
    BucketBatchIterator,
    SequenceDataset,
    batch_indices,
    take_batch,
)
from sklearn_rnn._input import read_sequences
from sklearn_rnn._input_checks import check_sequences, take_sequences


def test_ragged_list_tuple_object_array_and_nan_padding_agree(ragged_data, nan_pad):
    X, _ = ragged_data
    reference = check_sequences(X)
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    for form in (tuple(X), objects, nan_pad(X, width=20)):
        converted = check_sequences(form)
        np.testing.assert_array_equal(converted.lengths, reference.lengths)
        np.testing.assert_array_equal(converted.values, reference.values)
    assert reference.values.dtype == np.float32
    # Only the valid steps are stored, end to end: no padding at all.
    assert reference.values.shape == (sum(len(x) for x in X), 2)
    np.testing.assert_array_equal(
        reference.values, np.concatenate(X).astype(np.float32)
    )


def test_2d_arrays_dataframes_and_1d_items_are_univariate():
    X = np.arange(12.0).reshape(3, 4)
    for form in (X, pd.DataFrame(X), list(X)):
        converted = check_sequences(form)
        assert converted.values.shape == (12, 1)
        assert converted.n_features == 1
        np.testing.assert_array_equal(converted.lengths, [4, 4, 4])


def test_nullable_dataframe_columns_pad_with_na():
    frame = pd.DataFrame({"t0": [1.0, 2.0], "t1": [3.0, None]}, dtype="Float64")
    converted = check_sequences(frame)
    np.testing.assert_array_equal(converted.lengths, [2, 1])


def test_empty_sequences_have_length_zero_in_every_form():
    ragged = check_sequences([np.ones((2, 3)), [], np.ones((0, 3)), np.ones((1, 3))])
    np.testing.assert_array_equal(ragged.lengths, [2, 0, 0, 1])
    assert ragged.values.shape == (3, 3)
    padded = np.ones((3, 2, 1))
    padded[1] = np.nan
    np.testing.assert_array_equal(check_sequences(padded).lengths, [2, 0, 2])
    tokens = check_sequences([[4, 2], [], [0, 0], [3]], token_mode=True)
    np.testing.assert_array_equal(tokens.lengths, [2, 0, 0, 1])
    np.testing.assert_array_equal(tokens.values, [4, 2, 3])


def test_all_empty_input_takes_its_feature_count_from_the_caller():
    # At predict time the fitted F shapes sequences that state none.
    sequences = check_sequences([[], []], n_features=3)
    assert sequences.values.shape == (0, 3)
    np.testing.assert_array_equal(sequences.lengths, [0, 0])
    assert check_sequences(np.full((2, 4, 2), np.nan)).values.shape == (0, 2)
    assert (
        check_sequences(np.zeros((2, 3), dtype=int), token_mode=True).values.size == 0
    )


def test_batch_of_empty_sequences_runs_on_one_padding_step():
    dataset = SequenceDataset(check_sequences([[], [1.0, 2.0], []]))
    batch, _ = take_batch(dataset, torch.tensor([0, 2]))
    assert batch["values"].shape == (2, 1, 1)
    assert not batch["values"].any()
    assert batch["lengths"].tolist() == [0, 0]


def test_trailing_all_nan_steps_are_padding():
    X = np.ones((2, 4, 2))
    X[0, 2:] = np.nan
    converted = check_sequences(X)
    np.testing.assert_array_equal(converted.lengths, [2, 4])


def test_token_mode_lengths_from_trailing_zeros():
    ids = np.array([[4, 2, 0, 0], [5, 0, 7, 0]])
    converted = check_sequences(ids, token_mode=True)
    np.testing.assert_array_equal(converted.lengths, [2, 3])
    assert converted.values.dtype == np.int64
    np.testing.assert_array_equal(converted.values, [4, 2, 5, 0, 7])
    ragged = check_sequences([[4, 2, 0], [5, 0, 7]], token_mode=True)
    np.testing.assert_array_equal(ragged.values, converted.values)
    np.testing.assert_array_equal(ragged.lengths, converted.lengths)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones(5), ValueError, "Reshape your data"),
        (np.ones((2, 3, 4, 5)), ValueError, "4-D"),
        ([], ValueError, "empty collection"),
        ([np.ones((3, 2)), np.ones((4, 3))], ValueError, "same number of features"),
        ([np.ones(3), 2.0], ValueError, "scalar"),
        ([np.ones((3, 2, 1))], ValueError, "or \\(n_timesteps, n_features\\)"),
        ([np.ones((2, 3)), np.ones((0, 2))], ValueError, "same number of features"),
        (np.ones((0, 3)), ValueError, "0 sample"),
        (np.ones((3, 0)), ValueError, "0 feature"),
        (np.array([[1.0, np.nan, 2.0]]), ValueError, "NaN inside the valid steps"),
        (np.array([[[1.0, np.nan], [2.0, 3.0]]]), ValueError, "NaN inside"),
        (np.array([[1.0, np.inf]]), ValueError, "infinity"),
        (np.ones((2, 3)) * 1j, ValueError, "Complex data not supported"),
        (np.array([["a", "b"]]), TypeError, "must hold numbers"),
        (["abc", "de"], TypeError, "is a string"),
        ("abc", TypeError, "collection of sequences"),
        (None, TypeError, "collection of sequences"),
        (sparse.csr_matrix(np.ones((2, 2))), TypeError, "Sparse input"),
    ],
)
def test_numeric_input_errors(X, error, match):
    with pytest.raises(error, match=match):
        check_sequences(X)


def test_token_ids_with_a_feature_axis_of_one_are_plain_ids():
    ids = np.array([[3, 4, 0], [5, 0, 0]])
    plain = check_sequences(ids, token_mode=True)
    with_axis = check_sequences(ids[:, :, None], token_mode=True)
    np.testing.assert_array_equal(with_axis.values, plain.values)
    np.testing.assert_array_equal(with_axis.lengths, [2, 1])


def test_token_ids_with_character_columns_end_at_token_id_zero():
    steps = np.array(
        [[[3, 7, 8], [4, 9, 0], [0, 0, 0]], [[5, 6, 0], [0, 5, 5], [0] * 3]]
    )
    sequences = check_sequences(steps, token_mode=True)
    np.testing.assert_array_equal(sequences.lengths, [2, 1])
    assert sequences.values.shape == (3, 3)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones((2, 3)), TypeError, "integer token ids"),
        (np.ones((2, 3, 4, 1), dtype=int), ValueError, "2-D or 3-D"),
        (np.array([[1, -2]]), ValueError, "must be >= 0"),
        ([np.array([1.5, 2.0])], TypeError, "integer token ids"),
    ],
)
def test_token_input_errors(X, error, match):
    with pytest.raises(error, match=match):
        check_sequences(X, token_mode=True)


def test_object_array_with_non_number_raises_type_error():
    X = np.ones((2, 3)).astype(object)
    X[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="argument must be"):
        check_sequences(X)


def test_read_sequences_keeps_dtype_and_nan_inside():
    X = [np.array([1.0, np.nan, 2.0, np.nan], dtype=np.float32), np.array([3.0])]
    raw = read_sequences(X)
    # NumPy's promotion of the items' dtypes, and every step, padding included.
    assert raw.flat.dtype == np.float64
    assert raw.scalar_steps and raw.n_features == 1
    np.testing.assert_array_equal(raw.raw_lengths, [4, 1])
    np.testing.assert_array_equal(raw.lengths, [3, 1])
    np.testing.assert_array_equal(raw.valid_steps, [1.0, np.nan, 2.0, 3.0])
    assert raw.items[0] is X[0] and raw.array is None
    # check_sequences is the same reader, then stricter.
    with pytest.raises(ValueError, match="sequence 0 \\(step 1\\)"):
        check_sequences(X)


def test_read_sequences_of_an_array_reads_it_in_place():
    X = np.zeros((2, 3, 2), dtype=np.int32)
    raw = read_sequences(X)
    assert raw.array is X and np.shares_memory(raw.flat, X)
    assert raw.flat.shape == (6, 2) and raw.flat.dtype == np.int32
    # Integer data has no padding value: its zeros are steps.
    np.testing.assert_array_equal(raw.lengths, [3, 3])
    assert raw.valid_steps is raw.flat


def test_read_sequences_finds_token_padding():
    raw = read_sequences(np.array([[4, 0, 2, 0], [0, 0, 0, 0]]), token_mode=True)
    np.testing.assert_array_equal(raw.lengths, [3, 0])
    np.testing.assert_array_equal(raw.valid_steps, [4, 0, 2])


@pytest.mark.parametrize(
    "X, match",
    [
        ([[1.0], []], "Sequence 1 is empty"),
        ([[1.0], [np.nan, np.nan]], "index \\[1\\] have no valid time steps"),
        (np.array([[1.0, 2.0], [np.nan, np.nan]]), "index \\[1\\] have no valid"),
    ],
)
def test_read_sequences_refuses_empty_sequences_on_request(X, match):
    np.testing.assert_array_equal(read_sequences(X).lengths, [len(X[0]), 0])
    with pytest.raises(ValueError, match=match):
        read_sequences(X, allow_empty=False)


@pytest.mark.parametrize(
    "X",
    [
        [np.ones((2, 3)), np.arange(3.0)[np.newaxis], np.ones((0, 3))],
        np.array([[1.0, 2.0, np.nan], [3.0, np.nan, np.nan]]),
        pd.DataFrame({"t0": [1, 2], "t1": [3, None]}, dtype="Int64"),
        [np.array([1, 2], dtype=object), [3]],
    ],
)
def test_check_sequences_stores_the_valid_steps_that_read_sequences_finds(X):
    raw = read_sequences(X)
    checked = check_sequences(X)
    np.testing.assert_array_equal(checked.lengths, raw.lengths)
    expected = raw.valid_steps.reshape(len(checked.values), -1).astype(np.float32)
    np.testing.assert_array_equal(checked.values, expected)


def test_batch_indices_cover_every_sample_once_in_tight_buckets():
    torch.manual_seed(0)
    lengths = torch.randint(1, 200, (1000,))
    batches = batch_indices(lengths, 16, shuffle=True)
    seen = torch.cat(batches).sort().values
    assert torch.equal(seen, torch.arange(1000))
    # Buckets: padding waste stays far below padding to the global maximum.
    padded = sum(len(b) * int(lengths[b].max()) for b in batches)
    assert padded < 1.1 * int(lengths.sum()) < 1000 * int(lengths.max())


def test_batch_order_is_random_but_seeded():
    lengths = torch.randint(1, 50, (200,))
    torch.manual_seed(3)
    first = batch_indices(lengths, 8, shuffle=True)
    torch.manual_seed(3)
    again = batch_indices(lengths, 8, shuffle=True)
    other = batch_indices(lengths, 8, shuffle=True)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))


def test_take_batch_pads_to_its_own_maximum_with_zeros(ragged_data, nan_pad):
    X, y = ragged_data
    dataset = SequenceDataset(check_sequences(X), y)
    index = torch.tensor([3, 0, 7])
    batch, target = take_batch(dataset, index)
    # The batch's own longest member, rounded up to a multiple of 8 steps.
    longest = max(len(X[3]), len(X[0]), len(X[7]))
    width = -(-longest // 8) * 8
    assert width > longest
    expected = np.nan_to_num(nan_pad([X[3], X[0], X[7]], width=width), nan=0.0)
    np.testing.assert_allclose(batch["values"].numpy(), expected, rtol=1e-6)
    assert batch["lengths"].tolist() == [len(X[3]), len(X[0]), len(X[7])]
    assert target["target"].tolist() == [y[3], y[0], y[7]]
    assert target["weight"].tolist() == [1.0, 1.0, 1.0]


def test_bucket_iterator_yields_every_sample(ragged_data):
    X, y = ragged_data
    iterator = BucketBatchIterator(SequenceDataset(check_sequences(X), y), 16)
    batches = list(iterator)
    assert len(batches) == len(iterator) == 3
    assert sum(len(t["target"]) for _, t in batches) == 40


def test_take_sequences_keeps_the_chosen_sequences_in_order():
    sequences = check_sequences([[1.0, 2.0], [3.0], [], [4.0, 5.0, 6.0]])
    taken = take_sequences(sequences, [3, 0, 2])
    np.testing.assert_array_equal(taken.lengths, [3, 2, 0])
    np.testing.assert_array_equal(taken.values.ravel(), [4, 5, 6, 1, 2])


def test_ragged_batch_widths_are_multiples_of_eight():
    # Few distinct shapes: oneDNN plans and caches one primitive per shape.
    lengths = torch.arange(1, 201)
    dataset = SequenceDataset(
        check_sequences([np.ones((int(n), 1)) for n in lengths]), np.zeros(200)
    )
    widths = set()
    for index in batch_indices(dataset.lengths, 7, shuffle=False):
        batch, _ = take_batch(dataset, index)
        widths.add(batch["values"].shape[1])
        assert batch["values"].shape[1] >= int(dataset.lengths[index].max())
    assert all(width % 8 == 0 for width in widths)
    assert len(widths) == 25
    # Batches of equal lengths are rounded too, unless the whole data set is.
    index = torch.tensor([4, 4, 4])
    assert take_batch(dataset, index)[0]["values"].shape[1] == 8
