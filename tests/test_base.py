"""Behaviour shared by RNNClassifier and RNNRegressor."""

import inspect
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.exceptions import DeviceWarning

from sklearn_rnn import RNNClassifier, RNNModule, RNNRegressor
from sklearn_rnn._batching import SequenceDataset, take_batch
from sklearn_rnn._input_checks import check_sequences
from sklearn_rnn._net import auto_epochs

ESTIMATORS = [RNNClassifier, RNNRegressor]
# A small convolutional branch keeps the default architecture's path covered.
FAST = dict(
    hidden_size=4, conv_channels=(4, 8, 4), max_epochs=2, batch_size=8, random_state=0
)
PARAMETERS = [
    "cell_type",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "dropout",
    "pooling",
    "embedding_dim",
    "vocab_size",
    "conv_channels",
    "conv_kernel_sizes",
    "instance_norm",
    "optimizer",
    "lr",
    "weight_decay",
    "batch_size",
    "max_epochs",
    "device",
    "random_state",
    "verbose",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "warm_start",
    "clip_grad_norm",
    "lr_schedule",
    "callbacks",
    "token_dropout",
    "n_threads",
    "distributed",
]


def _target(Estimator, y):
    return y if Estimator is RNNClassifier else y.astype(float) + 0.5 * y.mean()


def _outputs(estimator, X):
    if isinstance(estimator, RNNClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_parameters_are_keyword_only_and_named_as_documented(Estimator):
    signature = inspect.signature(Estimator)
    extra = ["class_weight"] if Estimator is RNNClassifier else []
    assert list(signature.parameters) == PARAMETERS + extra
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    with pytest.raises(TypeError):
        Estimator("lstm")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_input_form_gives_the_same_model(Estimator, ragged_data, nan_pad):
    X, y = ragged_data
    y = _target(Estimator, y)
    reference = Estimator(**FAST).fit(X, y)
    expected = _outputs(reference, X)
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    for form in (tuple(X), objects, nan_pad(X), nan_pad(X, width=30)):
        model = Estimator(**FAST).fit(form, y)
        np.testing.assert_array_equal(_outputs(model, form), expected)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dense_2d_dataframe_and_3d_inputs(Estimator, dense_data):
    X, y = dense_data
    y = _target(Estimator, y)
    univariate = X[:, :, 0]
    from_array = Estimator(**FAST).fit(univariate, y)
    from_frame = Estimator(**FAST).fit(pd.DataFrame(univariate), y)
    assert from_array.n_features_in_ == from_frame.n_features_in_ == 1
    np.testing.assert_array_equal(
        _outputs(from_array, univariate), _outputs(from_frame, pd.DataFrame(univariate))
    )
    model = Estimator(**FAST).fit(X, y)
    assert model.n_features_in_ == 3
    # Predict may see other sequence lengths than fit.
    assert _outputs(model, X[:, :2]).shape[0] == 30
    assert _outputs(model, np.concatenate([X, X], axis=1)).shape[0] == 30


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_prediction_does_not_depend_on_batch_mates(
    Estimator, bidirectional, pooling, ragged_data
):
    X, y = ragged_data
    model = Estimator(**FAST, bidirectional=bidirectional, pooling=pooling)
    model.fit(X, _target(Estimator, y))
    together = _outputs(model, X)
    alone = np.concatenate([_outputs(model, [x]) for x in X])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_token_mode(Estimator):
    rng = np.random.default_rng(0)
    ids = [rng.integers(1, 20, size=n) for n in rng.integers(1, 12, size=40)]
    y = _target(Estimator, np.array([int(3 in t) for t in ids]))
    model = Estimator(**FAST, embedding_dim=4).fit(ids, y)
    assert model.vocab_size_ == max(t.max() for t in ids) + 1
    assert model.n_features_in_ == 1
    assert model.module_.embedding.num_embeddings == model.vocab_size_
    padded = np.zeros((40, 15), dtype=np.int64)
    for i, t in enumerate(ids):
        padded[i, : len(t)] = t
    np.testing.assert_allclose(_outputs(model, padded), _outputs(model, ids))
    with pytest.raises(ValueError, match="out of range"):
        model.predict([[1, 2, model.vocab_size_]])
    with pytest.raises(ValueError, match="out of range for vocab_size=10"):
        Estimator(**FAST, embedding_dim=4, vocab_size=10).fit(ids, y)
    fixed = Estimator(**FAST, embedding_dim=4, vocab_size=50).fit(ids, y)
    assert fixed.predict([[45, 2]]).shape[0] == 1
    # Token mode is chosen by embedding_dim, never guessed from the dtype.
    numeric = Estimator(**FAST).fit(padded, y)
    assert not hasattr(numeric, "vocab_size_")
    assert numeric.module_.embedding is None


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_random_state_reproducible_and_global_rng_untouched(Estimator, ragged_data):
    X, y = ragged_data
    y = _target(Estimator, y)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002 (the global state is the point)
    first = _outputs(Estimator(**FAST).fit(X, y), X)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.random.get_state()[1].tolist() == numpy_state[1].tolist()  # noqa: NPY002
    second = _outputs(Estimator(**FAST).fit(X, y), X)
    np.testing.assert_array_equal(first, second)
    other_seed = _outputs(Estimator(**{**FAST, "random_state": 1}).fit(X, y), X)
    assert not np.array_equal(first, other_seed)
    # None draws fresh entropy and still leaves the global generators alone.
    Estimator(**{**FAST, "random_state": None}).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.random.get_state()[1].tolist() == numpy_state[1].tolist()  # noqa: NPY002


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_joblib_and_clone(Estimator, ragged_data, tmp_path):
    X, y = ragged_data
    model = Estimator(**FAST).fit(X, _target(Estimator, y))
    expected = _outputs(model, X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(_outputs(restored, X), expected)
    # module_ is the net's module, not a copy that could drift from it.
    assert restored.module_ is restored.net_.module_
    joblib.dump(model, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        _outputs(joblib.load(tmp_path / "model.joblib"), X), expected
    )
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(X)
    assert not hasattr(copy, "module_")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_model_pickled_for_cuda_loads_on_a_machine_without_it(
    Estimator, ragged_data, monkeypatch
):
    # No GPU here: stand in for one by marking the net as a CUDA net before
    # pickling. Loading must map the weights to the CPU (skorch warns) and the
    # model must predict as before.
    X, y = ragged_data
    model = Estimator(**FAST).fit(X, _target(Estimator, y))
    expected = _outputs(model, X)
    model.net_.device = "cuda"
    blob = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning, match="not available"):
        restored = pickle.loads(blob)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(_outputs(restored, X), expected)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_attributes(Estimator, ragged_data):
    X, y = ragged_data
    model = Estimator(**FAST).fit(X, _target(Estimator, y))
    assert isinstance(model.module_, RNNModule)
    assert model.n_iter_ == 2 == len(model.history_)
    assert len(model.loss_curve_) == 2
    assert all(isinstance(loss, float) for loss in model.loss_curve_)
    assert model.net_.module_ is model.module_


def _to_sequences(X):
    """(n, 6) table -> (n, 3, 2) sequences; a module-level function pickles."""
    return np.asarray(X).reshape(len(X), 3, 2)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_ragged_lists_in_model_selection_and_pipelines(Estimator, ragged_data):
    X, y = ragged_data
    y = _target(Estimator, y)
    search = GridSearchCV(Estimator(**FAST), {"hidden_size": [2, 3]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["hidden_size"] in (2, 3)
    assert search.predict(X).shape == (40,)
    random_search = RandomizedSearchCV(
        Estimator(**FAST), {"lr": [1e-3, 1e-2]}, n_iter=2, cv=2, random_state=0
    )
    random_search.fit(X, y)
    assert cross_val_score(Estimator(**FAST), X, y, cv=3).shape == (3,)
    result = cross_validate(Estimator(**FAST), X, y, cv=2, return_estimator=True)
    assert len(result["estimator"]) == 2
    table = np.random.default_rng(0).normal(size=(40, 6))
    pipeline = make_pipeline(FunctionTransformer(_to_sequences), Estimator(**FAST))
    pipeline.fit(table, y)
    assert pipeline[-1].n_features_in_ == 2
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.predict(table), pipeline.predict(table))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(cell_type="transformer"), ValueError, "cell_type"),
        (dict(pooling="sum"), ValueError, "pooling"),
        (dict(hidden_size=0), ValueError, "hidden_size"),
        (dict(dropout=1.0), ValueError, "dropout"),
        (dict(optimizer="adagrad"), ValueError, "optimizer"),
        (dict(optimizer=dict), TypeError, "torch.optim.Optimizer subclass"),
        (dict(lr=0.0), ValueError, "lr"),
        (dict(device="tpu-ish"), ValueError, "device must be"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(max_epochs=0), ValueError, "max_epochs"),
        (dict(max_epochs="all"), ValueError, "max_epochs"),
        (dict(n_threads=0), ValueError, "n_threads"),
        (dict(n_threads="many"), ValueError, "n_threads"),
        (dict(token_dropout=1.0), ValueError, "token_dropout"),
        (dict(token_dropout=-0.1), ValueError, "token_dropout"),
    ],
)
def test_invalid_parameters(Estimator, params, error, match, dense_data):
    X, y = dense_data
    with pytest.raises(error, match=match):
        Estimator(**{**FAST, **params}).fit(X, _target(Estimator, y))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_optimizer_by_name_or_class(Estimator, dense_data):
    X, y = dense_data
    y = _target(Estimator, y)
    by_name = {
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "sgd": torch.optim.SGD,
        "rmsprop": torch.optim.RMSprop,
    }
    for optimizer in (*by_name, torch.optim.Adagrad):
        model = Estimator(**FAST, optimizer=optimizer, weight_decay=0.01).fit(X, y)
        expected = by_name.get(optimizer, optimizer)
        assert type(model.net_.optimizer_) is expected
        assert model.net_.optimizer_.param_groups[0]["weight_decay"] == 0.01


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "make_X, make_y, match",
    [
        (lambda X: X[0, :, 0], lambda y: y, "Reshape your data"),
        (lambda X: X[None], lambda y: y, "4-D"),
        (lambda X: [], lambda y: y[:0], "empty collection"),
        (lambda X: [X[0], X[1][:, :2]], lambda y: y[:2], "same number of features"),
        (lambda X: _with(X, (0, 2, 1), np.nan), lambda y: y, "NaN inside"),
        (lambda X: _with(X, (3, 0, 0), np.inf), lambda y: y, "infinity"),
        (lambda X: X, lambda y: y[:-1], "30 sequences but y has 29"),
        (lambda X: X, lambda y: None, "requires y to be passed"),
        (lambda X: np.full_like(X, np.nan), lambda y: y, "no valid time step at all"),
    ],
)
def test_fit_input_errors(Estimator, make_X, make_y, match, dense_data):
    X, y = dense_data
    with pytest.raises(ValueError, match=match):
        Estimator(**FAST).fit(make_X(X), make_y(_target(Estimator, y)))


def _with(X, index, value):
    X = X.copy()
    X[index] = value
    return X


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_input_errors(Estimator, dense_data):
    X, y = dense_data
    model = Estimator(**FAST).fit(X, _target(Estimator, y))
    with pytest.raises(ValueError, match="X has 2 features per time step, but"):
        model.predict(X[:, :, :2])
    with pytest.raises(ValueError, match="Reshape your data"):
        model.predict(X[0, :, 0])
    with pytest.raises(ValueError, match="NaN inside"):
        model.predict(_with(X, (1, 1, 1), np.nan))
    # All-empty input is valid at predict: one output per empty sequence.
    assert _outputs(model, np.full_like(X, np.nan)).shape[0] == len(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_empty_sequences_predict_the_output_for_an_empty_input(
    Estimator, bidirectional, ragged_data, nan_pad
):
    # Documented behaviour: an empty sequence carries no information, so every
    # form of it (empty item, all-NaN row) gets the same prediction, whatever
    # its batch mates, in fit and in predict.
    X, y = ragged_data
    X_with_empty = [*X[:5], np.empty((0, 2)), *X[5:]]
    y_with_empty = np.r_[y[:5], y[0], y[5:]]
    model = Estimator(**FAST, bidirectional=bidirectional)
    model.fit(X_with_empty, _target(Estimator, y_with_empty))
    empty_alone = _outputs(model, [[]])
    from_list = _outputs(model, [X[0], [], X[1]])[1:2]
    from_nan_row = _outputs(model, nan_pad([X[0], np.full((3, 2), np.nan)]))[1:2]
    np.testing.assert_allclose(from_list, empty_alone, rtol=1e-6)
    np.testing.assert_allclose(from_nan_row, empty_alone, rtol=1e-6)
    # It is the network's output for no input at all: the head's bias.
    bias = model.module_.head.bias.detach().numpy()
    if Estimator is RNNClassifier:
        expected = np.exp(bias) / np.exp(bias).sum()
    else:
        expected = model.target_scaler_.inverse_transform(bias[None])[:, 0]
    np.testing.assert_allclose(empty_alone.ravel(), expected, rtol=1e-5)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_conv_branch_parameters(Estimator, ragged_data):
    X, y = ragged_data
    y = _target(Estimator, y)
    # Lists are accepted like tuples, as MLPClassifier's hidden_layer_sizes.
    est = Estimator(**{**FAST, "conv_channels": [3, 5], "conv_kernel_sizes": [4, 2]})
    convs = est.fit(X, y).module_.conv.convs
    assert [(c.out_channels, c.kernel_size[0]) for c in convs] == [(3, 4), (5, 2)]
    assert Estimator(**{**FAST, "conv_channels": None}).fit(X, y).module_.conv is None
    # "auto" is FCN's three blocks at its 1:2:1 proportions, scaled to the
    # recurrent core, for numeric input...
    for hidden_size, channels in [(4, (4, 8, 4)), (16, (16, 32, 16))]:
        auto = Estimator(
            **{**FAST, "conv_channels": "auto", "hidden_size": hidden_size}
        ).fit(X, y)
        assert [c.out_channels for c in auto.module_.conv.convs] == list(channels)
        assert auto.module_.conv_channels == channels
    # ... of at most 2,000 sequences; the first fit decides.
    rng = np.random.default_rng(0)
    many = rng.normal(size=(2001, 3, 2))
    target = _target(Estimator, np.arange(2001) % 2)
    params = {**FAST, "conv_channels": "auto", "batch_size": 512, "max_epochs": 1}
    large = Estimator(**params).fit(many, target)
    assert large.module_.conv is None and large.module_.conv_channels is None
    warm = Estimator(**params, warm_start=True).fit(many[:40], target[:40])
    assert warm.fit(many, target).module_.conv_channels == (4, 8, 4)
    with pytest.raises(ValueError, match="one kernel size per entry"):
        Estimator(**{**FAST, "conv_channels": (3,)}).fit(X, y)


def test_pooling_auto_is_max_for_tokens_and_last_for_numbers(ragged_data):
    X, y = ragged_data
    assert RNNClassifier(**FAST).fit(X, y).module_.pooling == "last"
    ids = [np.array([2, 3, 4]), np.array([3, 2])] * 5
    text = RNNClassifier(**FAST, embedding_dim=4).fit(ids, np.arange(10) % 2)
    assert text.module_.pooling == "max"
    assert RNNClassifier(**FAST, pooling="mean").fit(X, y).module_.pooling == "mean"


def test_conv_branch_auto_is_off_in_token_mode():
    X = np.array([[1, 2, 3, 0], [2, 2, 0, 0], [3, 1, 1, 1], [1, 0, 0, 0]] * 5)
    y = np.arange(len(X)) % 2
    clf = RNNClassifier(embedding_dim=4, hidden_size=4, max_epochs=1).fit(X, y)
    assert clf.module_.conv is None


def test_token_dropout_trains_the_out_of_vocabulary_embedding():
    rng = np.random.default_rng(0)
    ids = [rng.integers(2, 20, size=n) for n in rng.integers(1, 12, size=40)]
    y = np.array([int(3 in t) for t in ids])
    params = dict(embedding_dim=4, hidden_size=4, max_epochs=3, random_state=0)
    never = RNNClassifier(**params, token_dropout=0.0).fit(ids, y)
    trained = RNNClassifier(**params, token_dropout=0.2).fit(ids, y)
    # Same seed, same initial table; only the rows that training touched move.
    before, after = never.module_.embedding.weight, trained.module_.embedding.weight
    assert not torch.equal(before[1], after[1])
    assert torch.equal(before[0], after[0])  # padding is never trained
    # In prediction, token dropout is off: the same input, the same output.
    np.testing.assert_array_equal(
        trained.predict_proba(ids), trained.predict_proba(ids)
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_max_epochs_auto_is_a_step_budget(Estimator):
    def epochs(n_samples, batch_size):
        return auto_epochs(
            Estimator(batch_size=batch_size).max_epochs, n_samples, batch_size
        )

    assert epochs(40, 32) == 1000  # 2 batches an epoch: capped at 1000 epochs
    assert epochs(200, 32) == 286  # 7 batches an epoch: 2002 steps
    assert epochs(10_000, 32) == 10  # at least 10 passes over the data
    assert epochs(400_000, 32) == 10
    assert auto_epochs(Estimator(max_epochs=7).max_epochs, 40, 32) == 7


def test_max_epochs_auto_sets_the_epochs_and_the_schedule(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**{**FAST, "max_epochs": "auto", "batch_size": 40}).fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 1000
    # The cosine schedule anneals over the epochs actually run.
    assert clf.net_.optimizer_.param_groups[0]["lr"] < 1e-8


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("ragged", [False, True])
def test_batch_norm_statistics_are_those_of_the_final_weights(
    Estimator, ragged, ragged_data, dense_data
):
    # Precise BN: after fit, the running statistics of the branch's batch
    # norms are the training data's under the final weights, not an average
    # over the last training batches. With at most 256 sequences they come
    # from one batch, so the first norm's running mean is exactly the mean of
    # its input over the valid steps of the training set.
    X, y = ragged_data if ragged else dense_data
    model = Estimator(**{**FAST, "max_epochs": 3}).fit(X, _target(Estimator, y))
    sequences = check_sequences(X)
    batch, _ = take_batch(SequenceDataset(sequences), torch.arange(len(X)))
    branch = model.module_.conv
    norm = branch.norms[0]
    assert int(norm.num_batches_tracked) == 1 and norm.momentum == 0.1
    with torch.no_grad():
        padding = branch.paddings[0]
        hidden = branch.convs[0](
            torch.nn.functional.pad(batch["values"].transpose(1, 2), padding)
        )
    mask = torch.arange(hidden.shape[2]) < batch["lengths"].unsqueeze(1)
    expected = hidden.transpose(1, 2)[mask].mean(dim=0)
    torch.testing.assert_close(norm.running_mean, expected, rtol=1e-4, atol=1e-5)
