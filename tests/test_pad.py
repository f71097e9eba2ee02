import numpy as np
import pytest

from sklearn_rnn.preprocessing._pad import pad_flat


def reference(sequences, width, value, padding, truncating):
    """Pad sequence by sequence, as Keras' pad_sequences does."""
    rows = []
    for x in sequences:
        x = x[len(x) - min(len(x), width) :] if truncating == "pre" else x[:width]
        fill = np.full((width - len(x), *x.shape[1:]), value, dtype=x.dtype)
        rows.append(np.concatenate([x, fill] if padding == "post" else [fill, x]))
    return np.stack(rows)


@pytest.mark.parametrize("padding", ["post", "pre"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("step_shape", [(), (2,)])
def test_pad_flat_equals_padding_each_sequence(padding, truncating, step_shape):
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 7, size=20)
    sequences = [rng.integers(1, 100, size=(n, *step_shape)) for n in lengths]
    flat = np.concatenate(sequences)
    for width in (1, 3, 8):
        out = pad_flat(
            flat, lengths, width, value=-1, padding=padding, truncating=truncating
        )
        expected = reference(sequences, width, -1, padding, truncating)
        np.testing.assert_array_equal(out, expected)
        assert out.dtype == flat.dtype


def test_pad_flat_skips_the_steps_between_given_starts():
    # Each sequence is followed by steps not to pad (its own trailing padding).
    flat = np.array([1.0, 2.0, np.nan, 3.0, np.nan, np.nan, 4.0, 5.0, 6.0])
    out = pad_flat(
        flat,
        np.array([2, 1, 3]),
        2,
        value=0.0,
        starts=np.array([0, 3, 6]),
    )
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 0.0], [5.0, 6.0]])


def test_pad_flat_without_sequences():
    out = pad_flat(np.zeros(0, np.int64), np.zeros(0, np.int64), 3, value=0)
    assert out.shape == (0, 3) and out.dtype == np.int64
