"""Training options: warm_start, partial_fit, clipping, schedules, callbacks."""

import functools

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor

FAST = dict(
    hidden_size=4, conv_channels=(4, 8, 4), max_epochs=2, batch_size=8, random_state=0
)


def _weights(model):
    return torch.cat([p.detach().flatten() for p in model.module_.parameters()])


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_warm_start_continues_from_the_fitted_network(Estimator, ragged_data):
    X, y = ragged_data
    y = y if Estimator is RNNClassifier else y.astype(float)
    model = Estimator(**FAST, warm_start=True).fit(X, y)
    before = _weights(model).clone()
    module = model.module_
    model.set_params(max_epochs=3).fit(X, y)
    assert model.module_ is module  # trained further, not rebuilt
    assert model.n_iter_ == 5 == len(model.loss_curve_)
    assert not torch.equal(_weights(model), before)
    # Without warm_start the same call starts from scratch.
    cold = Estimator(**FAST).fit(X, y)
    cold.set_params(max_epochs=3).fit(X, y)
    assert cold.n_iter_ == 3


def test_warm_start_is_deterministic(ragged_data):
    # Two warm fits are deterministic under the same seed.
    X, y = ragged_data
    first = RNNClassifier(**FAST, warm_start=True).fit(X, y).fit(X, y)
    second = RNNClassifier(**FAST, warm_start=True).fit(X, y).fit(X, y)
    assert torch.equal(_weights(first), _weights(second))


def test_partial_fit_runs_one_epoch_per_call(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST)
    for _ in range(3):
        clf.partial_fit(X[:20], y[:20], classes=[0, 1])
    assert clf.n_iter_ == 3
    assert clf.classes_.tolist() == [0, 1]
    clf.partial_fit(X[20:], y[20:])
    assert clf.n_iter_ == 4
    assert clf.predict(X).shape == (40,)


def test_partial_fit_classes_first_call_and_unseen_labels(ragged_data):
    X, y = ragged_data
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        RNNClassifier(**FAST).partial_fit(X, y)
    # The first batch may lack a class that classes announces.
    clf = RNNClassifier(**FAST).partial_fit(X[:5], np.zeros(5), classes=[0, 1, 2])
    assert clf.predict_proba(X).shape == (40, 3)
    with pytest.raises(ValueError, match="labels not in classes_"):
        clf.partial_fit(X[:5], np.full(5, 7))


def test_regressor_partial_fit_keeps_the_first_target_scaling(ragged_data):
    X, _ = ragged_data
    y = np.arange(40.0)
    reg = RNNRegressor(**FAST).partial_fit(X[:20], y[:20])
    mean = reg.target_scaler_.mean_.copy()
    reg.partial_fit(X[20:], y[20:])
    np.testing.assert_array_equal(reg.target_scaler_.mean_, mean)
    assert reg.n_iter_ == 2
    with pytest.raises(ValueError, match="y has 2 outputs"):
        reg.partial_fit(X[:5], np.ones((5, 2)))


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_partial_fit_checks_the_fitted_input(Estimator, dense_data):
    X, y = dense_data
    model = Estimator(**FAST)
    kwargs = {"classes": [0, 1]} if Estimator is RNNClassifier else {}
    model.partial_fit(X, y, **kwargs)
    with pytest.raises(ValueError, match="X has 2 features per time step"):
        model.partial_fit(X[:, :, :2], y)
    # Other sequence lengths are fine.
    model.partial_fit(X[:, :4], y)


def test_clip_grad_norm_bounds_each_update(ragged_data):
    X, y = ragged_data
    norms = []

    class RecordGradNorm(Callback):
        # Runs after the clipping callback, so it sees clipped gradients.
        def on_grad_computed(self, net, named_parameters, **kwargs):
            grads = [
                p.grad.flatten() for _, p in named_parameters if p.grad is not None
            ]
            norms.append(float(torch.cat(grads).norm()))

    RNNClassifier(
        **FAST, lr=1.0, clip_grad_norm=1e-3, callbacks=[RecordGradNorm()]
    ).fit(X, y)
    assert norms and max(norms) <= 1e-3 * (1 + 1e-4)


@pytest.mark.parametrize(
    "schedule",
    [
        "cosine",
        "plateau",
        functools.partial(torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5),
    ],
    ids=["cosine", "plateau", "StepLR"],
)
def test_lr_schedule_changes_the_learning_rate(schedule, ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**{**FAST, "max_epochs": 4}, lr=0.1, lr_schedule=schedule)
    clf.fit(X, y)
    lrs = [group["lr"] for group in clf.net_.optimizer_.param_groups]
    if schedule == "plateau":
        # Patience 10 is longer than 4 epochs: the rate must be unchanged.
        assert lrs == [0.1]
    else:
        assert lrs[0] < 0.1


def test_callbacks_must_be_skorch_callbacks(ragged_data):
    X, y = ragged_data
    with pytest.raises(TypeError, match=r"skorch\.callbacks\.Callback"):
        RNNClassifier(**FAST, callbacks=[print]).fit(X, y)


class HeldOut(Callback):
    """Keeps the early-stopping hold-out, which fit releases at its end."""

    def on_epoch_end(self, net, **kwargs):
        self.dataset = dict(net.callbacks_)["valid_score"].dataset


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_early_stopping_stops_and_keeps_the_best_epoch(Estimator, ragged_data):
    X, y = ragged_data
    y = y if Estimator is RNNClassifier else y.astype(float)
    held_out = HeldOut()
    model = Estimator(
        **{**FAST, "max_epochs": 60},
        lr=0.05,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        callbacks=[held_out],
    ).fit(X, y)
    assert model.n_iter_ < 60
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    # The best epoch is the last that beat the previous best by more than tol;
    # it stopped n_iter_no_change epochs after it.
    best_epoch = dict(model.net_.callbacks_)["early_stopping"].best_epoch_
    assert model.best_validation_score_ == model.validation_scores_[best_epoch - 1]
    assert model.best_validation_score_ >= max(model.validation_scores_) - model.tol
    assert model.n_iter_ == best_epoch + 3
    # ...and the weights kept are the best epoch's: re-scoring the held-out
    # split gives the best score, not the last one.
    outputs = model._network_outputs(model.net_, held_out.dataset)
    rescored = model._validation_score(outputs, held_out.dataset)
    assert rescored == pytest.approx(model.best_validation_score_)
    # The fitted model carries neither the held-out data nor a second copy of
    # the weights.
    callbacks = dict(model.net_.callbacks_)
    assert callbacks["valid_score"].dataset is None
    assert callbacks["early_stopping"].best_model_weights_ is None


def test_early_stopping_split_is_stratified_and_seeded(ragged_data):
    X, y = ragged_data
    params = dict(**FAST, early_stopping=True, validation_fraction=0.25)
    keep = HeldOut()
    first = RNNClassifier(**params, callbacks=[keep]).fit(X, y)
    second = RNNClassifier(**params).fit(X, y)
    assert first.validation_scores_ == second.validation_scores_
    held_out = keep.dataset
    counts = np.bincount(held_out.target.numpy())
    assert abs(counts[0] - counts[1]) <= 1 + abs(np.bincount(y)[0] - np.bincount(y)[1])
    assert len(held_out) == 10


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_zero_weight_samples_have_no_influence(Estimator, ragged_data):
    X, y = ragged_data
    y = y if Estimator is RNNClassifier else y.astype(float)
    rng = np.random.default_rng(1)
    weight = np.ones(len(X))
    weight[:10] = 0
    # Changing what the zero-weight samples say must not change the model:
    # neither their targets nor their sequences.
    y_changed = y.copy()
    y_changed[:10] = 1 - y_changed[:10]
    X_changed = [
        rng.normal(size=x.shape) * 100 if i < 10 else x for i, x in enumerate(X)
    ]
    base = Estimator(**FAST).fit(X, y, sample_weight=weight)
    other = Estimator(**FAST).fit(X_changed, y_changed, sample_weight=weight)
    assert torch.equal(_weights(base), _weights(other))


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_unit_weights_change_nothing_and_weights_matter(Estimator, ragged_data):
    X, y = ragged_data
    y = y if Estimator is RNNClassifier else y.astype(float)
    plain = Estimator(**FAST).fit(X, y)
    ones = Estimator(**FAST).fit(X, y, sample_weight=np.ones(len(X)))
    assert torch.equal(_weights(plain), _weights(ones))
    scaled = Estimator(**FAST).fit(X, y, sample_weight=np.full(len(X), 7.0))
    assert torch.equal(_weights(plain), _weights(scaled))  # only relative weights
    weighted = Estimator(**FAST).fit(X, y, sample_weight=np.arange(len(X)) + 1.0)
    assert not torch.equal(_weights(plain), _weights(weighted))


def test_class_weight_balanced_and_dict(ragged_data):
    X, y = ragged_data
    balanced = RNNClassifier(**FAST, class_weight="balanced").fit(X, y)
    counts = np.bincount(y)
    as_dict = {0: len(y) / (2 * counts[0]), 1: len(y) / (2 * counts[1])}
    explicit = RNNClassifier(**FAST, class_weight=as_dict).fit(X, y)
    assert torch.allclose(_weights(balanced), _weights(explicit))
    plain = RNNClassifier(**FAST).fit(X, y)
    assert not torch.equal(_weights(plain), _weights(balanced))
    # A huge weight on class 1 makes the model predict class 1.
    skewed = RNNClassifier(
        **{**FAST, "max_epochs": 20},
        lr=0.05,
        lr_schedule=None,
        class_weight={0: 1e-3, 1: 1.0},
    ).fit(X, y)
    assert (skewed.predict(X) == 1).mean() > 0.9


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.ones(3), "expected \\(40,\\)"),
        (-np.ones(40), "Negative values"),
        (np.zeros(40), "at least one non-zero"),
        (np.r_[np.ones(39), np.nan], "NaN"),
    ],
)
def test_invalid_sample_weight(sample_weight, match, ragged_data):
    X, y = ragged_data
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**FAST).fit(X, y, sample_weight=sample_weight)


def test_warm_start_cosine_schedule_never_exceeds_lr(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(
        hidden_size=4, max_epochs=10, lr=0.01, warm_start=True, random_state=0
    )
    clf.fit(X, y).fit(X, y)
    rates = clf.history_[:, "event_lr"]
    assert len(rates) == 20
    # Each fit anneals from lr over its own epochs.
    np.testing.assert_allclose(rates[10], 0.01)
    assert max(rates) <= 0.01 + 1e-12
    assert rates[10:] == sorted(rates[10:], reverse=True)


def test_warm_start_takes_the_new_token_dropout():
    rng = np.random.default_rng(0)
    ids = [rng.integers(2, 20, size=n) for n in rng.integers(1, 12, size=20)]
    y = np.arange(20) % 2
    clf = RNNClassifier(embedding_dim=4, hidden_size=4, max_epochs=1, warm_start=True)
    clf.fit(ids, y)
    assert clf.module_.token_dropout == 0.3
    clf.set_params(token_dropout=0.0).fit(ids, y)
    assert clf.module_.token_dropout == 0.0
