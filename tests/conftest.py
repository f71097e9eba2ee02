import numpy as np
import pytest


@pytest.fixture
def ragged_data():
    """40 ragged sequences of 2 features whose class is the sign of a mean."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(1, 15, size=40)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return X, y


@pytest.fixture
def dense_data():
    """30 sequences of 6 steps and 3 features."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 6, 3))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    return X, y


@pytest.fixture
def nan_pad():
    """Right-pad a list of (T_i, F) arrays with NaN into one (n, T, F) array."""

    def pad(sequences, width=None):
        width = width or max(len(s) for s in sequences)
        out = np.full((len(sequences), width, sequences[0].shape[1]), np.nan)
        for i, s in enumerate(sequences):
            out[i, : len(s)] = s
        return out

    return pad
