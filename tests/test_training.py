"""Training options: warm_start, partial_fit, clipping, schedules, callbacks."""

import functools

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor

FAST = dict(hidden_size=4, max_epochs=2, batch_size=8, random_state=0)


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
