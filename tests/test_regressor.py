import numpy as np
import pytest

from sklearn_rnn import RNNRegressor

FAST = dict(
    hidden_size=4, conv_channels=(4, 8, 4), max_epochs=2, batch_size=8, random_state=0
)


@pytest.mark.parametrize("shape", [(40,), (40, 1), (40, 3)])
def test_predictions_have_the_shape_of_the_training_target(shape, ragged_data):
    X, _ = ragged_data
    y = np.random.default_rng(0).normal(size=shape)
    reg = RNNRegressor(**FAST).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == shape
    assert pred.dtype == np.float64
    assert reg.n_outputs_ == (1 if len(shape) == 1 else shape[1])


def test_target_scale_does_not_matter(ragged_data):
    # Targets are standardized for training, so scaling y scales predictions.
    X, _ = ragged_data
    y = np.random.default_rng(0).normal(size=40)
    small = RNNRegressor(**FAST).fit(X, y).predict(X)
    large = RNNRegressor(**FAST).fit(X, 1e6 * y + 5e6).predict(X)
    np.testing.assert_allclose(large, 1e6 * small + 5e6, rtol=1e-5)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.ones((40, 2, 2)), "dim 3"),
        (np.r_[np.zeros(39), np.inf], "infinity"),
        (np.array(["a"] * 40), "could not convert"),
    ],
)
def test_invalid_targets(y, match, ragged_data):
    X, _ = ragged_data
    with pytest.raises(ValueError, match=match):
        RNNRegressor(**FAST).fit(X, y)


def test_learns_the_sum_of_ragged_sequences():
    rng = np.random.default_rng(0)
    X = [rng.uniform(-1, 1, size=(rng.integers(1, 12), 2)) for _ in range(400)]
    y = np.array([x[:, 0].sum() for x in X])
    reg = RNNRegressor(hidden_size=16, max_epochs=40, lr=0.01, random_state=0)
    reg.fit(X[:300], y[:300])
    assert reg.score(X[300:], y[300:]) > 0.9
