"""Faults and bad input: every failure is clear and leaves the estimator as it was.

One regression test per finding of the fuzz report (issue 12); the finding's
id (S1-S15, U1-U10) is in each test's docstring.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor, StopTraining

SMALL = dict(hidden_size=4, conv_channels=None, random_state=0)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(2, 9, size=40)]
    y = np.array(["a" if x[:, 0].sum() > 0 else "b" for x in X])
    y_reg = np.array([x[:, 0].sum() for x in X])
    return X, y, y_reg


class LearningRates(Callback):
    """Records the learning rate at the start of every epoch."""

    def __init__(self):
        self.rates = []

    def on_epoch_begin(self, net, **kwargs):
        self.rates.append(net.optimizer_.param_groups[0]["lr"])


class RaiseAt(Callback):
    """Raises ``exception`` at the first batch of epoch ``epoch`` (1-based)."""

    def __init__(self, exception, epoch=1):
        self.exception = exception
        self.epoch = epoch

    def on_train_begin(self, net, **kwargs):
        self.epochs_before_ = len(net.history)

    def on_batch_end(self, net, **kwargs):
        if len(net.history) - self.epochs_before_ == self.epoch:
            raise self.exception


def fitted_state(model):
    """Everything a fit writes, as comparable values."""
    state = {
        key: value
        for key, value in vars(model).items()
        if key.endswith("_") and key not in ("net_", "history_")
    }
    if hasattr(model, "net_"):
        state["weights"] = {
            name: tensor.clone() for name, tensor in model.module_.state_dict().items()
        }
        state["epochs"] = len(model.net_.history)
    return state


def assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key, value in before.items():
        if key == "weights":
            for name, tensor in value.items():
                assert bool((tensor == after[key][name]).all()), name
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, after[key])
        elif key == "target_scaler_":
            assert value is after[key]
        else:
            assert value == after[key], key


# -- warm_start and refits ------------------------------------------------------


def test_warm_start_settings_that_become_callbacks_take_effect(data):
    """S2: new callbacks, clip_grad_norm and early_stopping=False apply."""
    X, y, _ = data
    clf = RNNClassifier(
        max_epochs=3, warm_start=True, early_stopping=True, n_iter_no_change=1, **SMALL
    ).fit(X, y)
    first_epochs = clf.n_iter_
    rates = LearningRates()
    clf.set_params(
        early_stopping=False, max_epochs=10, clip_grad_norm=1.0, callbacks=[rates]
    ).fit(X, y)
    assert clf.n_iter_ == first_epochs + 10
    names = [name for name, _ in clf.net_.callbacks_]
    assert "clip_grad_norm" in names and "early_stopping" not in names
    assert len(rates.rates) == 10


def test_warm_start_can_switch_early_stopping_on(data):
    """U3: switching early stopping on in a warm start scores the new hold-out."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=3, warm_start=True, **SMALL).fit(X, y)
    clf.set_params(early_stopping=True, max_epochs=4, n_iter_no_change=10).fit(X, y)
    assert clf.n_iter_ == 7
    assert len(clf.validation_scores_) == 4


def test_warm_start_with_a_callable_schedule_restarts_it_at_lr(data):
    """S1, for user schedules: every fit runs its schedule from lr."""
    import functools

    import torch

    X, y, _ = data
    rates = LearningRates()
    schedule = functools.partial(torch.optim.lr_scheduler.StepLR, step_size=2)
    clf = RNNClassifier(
        max_epochs=4, lr=0.01, warm_start=True, lr_schedule=schedule, **SMALL
    )
    clf.set_params(callbacks=[rates]).fit(X, y).set_params(lr=0.02).fit(X, y)
    np.testing.assert_allclose(
        rates.rates, [0.01, 0.01, 0.001, 0.001, 0.02, 0.02, 0.002, 0.002]
    )


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_failed_refit_leaves_the_fitted_model_as_it_was(Estimator, data):
    """S3: a refit that raises in training changes nothing, for fit and warm_start."""
    X, y, y_reg = data
    target = y if Estimator is RNNClassifier else y_reg
    for warm_start in (False, True):
        # A warm start keeps the classes; a fit from scratch may change them.
        if Estimator is RNNRegressor:
            new_target = y_reg * 1e3
        else:
            new_target = y if warm_start else np.where(y == "a", "yes", "no")
        model = Estimator(max_epochs=2, warm_start=warm_start, **SMALL).fit(X, target)
        before = fitted_state(model)
        prediction = model.predict(X[:5])
        model.set_params(callbacks=[RaiseAt(RuntimeError("boom"), epoch=2)])
        with pytest.raises(RuntimeError, match="boom"):
            model.fit(X, new_target)
        assert_same_state(before, fitted_state(model))
        np.testing.assert_array_equal(model.predict(X[:5]), prediction)


def test_failed_refit_with_new_features_leaves_the_model_as_it_was(data):
    """S3/U4: a refit refused for its device keeps the old labels and features."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=2, **SMALL).fit(X, y)
    before = fitted_state(clf)
    wider = [np.column_stack([x, x]) for x in X]
    with pytest.raises(ValueError, match=r"(?i)cuda"):
        clf.set_params(device="cuda:99").fit(wider, np.where(y == "a", "yes", "no"))
    clf.set_params(device="cpu")
    assert_same_state(before, fitted_state(clf))
    assert set(clf.predict(X)) <= {"a", "b"}


def test_failed_first_fit_leaves_the_estimator_unfitted(data):
    """S3: after a first fit that raises, check_is_fitted fails."""
    X, y, _ = data
    clf = RNNClassifier(
        max_epochs=2, callbacks=[RaiseAt(RuntimeError("boom"))], **SMALL
    )
    with pytest.raises(RuntimeError):
        clf.fit(X, y)
    assert not [key for key in vars(clf) if key.endswith("_")]
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# -- Ctrl-C -------------------------------------------------------------------------


def test_interrupt_in_the_first_epoch_propagates_and_changes_nothing(data):
    """U2: KeyboardInterrupt in epoch 1 reaches the caller; nothing is fitted."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=3, callbacks=[RaiseAt(KeyboardInterrupt)], **SMALL)
    with pytest.raises(KeyboardInterrupt) as info:
        clf.fit(X, y)
    assert "interrupted" in "".join(getattr(info.value, "__notes__", ["interrupted"]))
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupt_keeps_the_completed_epochs_and_propagates(early_stopping, data):
    """U2: after Ctrl-C in epoch 3, the model has 2 consistent epochs."""
    X, y, _ = data
    clf = RNNClassifier(
        max_epochs=5,
        early_stopping=early_stopping,
        n_iter_no_change=10,
        callbacks=[RaiseAt(KeyboardInterrupt, epoch=3)],
        **SMALL,
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 2
    if early_stopping:
        assert len(clf.validation_scores_) == 2
    assert clf.predict(X[:3]).shape == (3,)


def test_interrupt_stops_a_grid_search(data):
    """U2: Ctrl-C in one candidate stops the whole search instead of scoring it."""
    X, y, _ = data
    fitted = []

    class Count(Callback):
        def on_train_begin(self, net, **kwargs):
            fitted.append(1)

    search = GridSearchCV(
        RNNClassifier(
            max_epochs=2, callbacks=[Count(), RaiseAt(KeyboardInterrupt, 2)], **SMALL
        ),
        {"lr": [0.01, 0.001]},
        cv=2,
    )
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    assert len(fitted) == 1


def test_stop_training_ends_fit_normally(data):
    """The non-interrupt way to stop from a callback."""
    X, y, _ = data

    class StopAfterTwo(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise StopTraining

    clf = RNNClassifier(max_epochs=10, callbacks=[StopAfterTwo()], **SMALL).fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 2


def test_partial_fit_trains_at_constant_lr(data):
    """partial_fit runs no schedule: each call is one epoch at lr."""
    X, y, _ = data
    rates = LearningRates()
    clf = RNNClassifier(lr=0.01, callbacks=[rates], **SMALL)
    for _ in range(3):
        clf.partial_fit(X, y, classes=["a", "b"])
    assert rates.rates == [0.01] * 3
    assert "lr_schedule" not in dict(clf.net_.callbacks_)


# -- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e39, -1e300])
def test_values_beyond_float32_are_refused(value, data):
    """S4: a finite float64 beyond float32's range is an error, not NaN."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=1, **SMALL).fit(X, y)
    Z = [np.full((3, 2), value)]
    with pytest.raises(ValueError, match="beyond the range of float32"):
        clf.predict(Z)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        RNNClassifier(max_epochs=1, **SMALL).fit(X[:-1] + Z, y)


def test_diverging_fit_raises_and_leaves_the_estimator_unfitted(data):
    """S5: a NaN or infinite loss stops fit with an error naming the epoch."""
    X, _, y_reg = data
    reg = RNNRegressor(lr=1e6, optimizer="sgd", max_epochs=3, lr_schedule=None, **SMALL)
    with pytest.raises(ValueError, match=r"loss became (nan|inf) in epoch \d.*lr"):
        reg.fit(X, y_reg)
    assert not hasattr(reg, "net_")


def test_diverging_classifier_raises(data):
    """S5: the classifier does not answer classes_[0] for every row."""
    X, y, _ = data
    clf = RNNClassifier(lr=1e38, optimizer="rmsprop", max_epochs=3, **SMALL)
    with pytest.raises(ValueError, match="diverged"):
        clf.fit(X, y)


def test_non_finite_outputs_warn(data):
    """No NaN prediction without a warning."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=1, **SMALL).fit(X, y)
    with torch_no_grad():
        clf.module_.head.bias.fill_(float("nan"))
    with pytest.warns(RuntimeWarning, match="not finite for 2 sequence"):
        clf.predict_proba(X[:2])


def torch_no_grad():
    import torch

    return torch.no_grad()


@pytest.mark.parametrize(
    "weights", [{"a": -1.0, "b": 2.0}, {"a": np.nan, "b": 1.0}, {"a": np.inf, "b": 1}]
)
def test_invalid_class_weight_values_are_refused(weights, data):
    """S6: class_weight is validated as sample_weight is."""
    X, y, _ = data
    with pytest.raises(ValueError, match="class_weight values must be finite"):
        RNNClassifier(max_epochs=1, class_weight=weights, **SMALL).fit(X, y)


def test_huge_regression_targets_are_refused(data):
    """S13: a target whose variance overflows is an error, not NaN predictions."""
    X, _, y_reg = data
    with pytest.raises(ValueError, match="too large to standardize"):
        RNNRegressor(max_epochs=1, **SMALL).fit(X, y_reg * 1e200)


# -- training edge cases --------------------------------------------------------------


def test_regressor_early_stopping_needs_two_held_out_sequences(data):
    """S7: a one-sequence hold-out (R² undefined) is refused up front."""
    X, _, y_reg = data
    reg = RNNRegressor(max_epochs=20, early_stopping=True, **SMALL)
    with pytest.raises(ValueError, match=r"validation_fraction=0\.1 of the 8"):
        reg.fit(X[:8], y_reg[:8])
    reg.set_params(validation_fraction=0.25).fit(X[:8], y_reg[:8])
    assert np.isfinite(reg.validation_scores_).all()


@pytest.mark.parametrize(
    "fraction, n, match",
    [(0.95, 4, "validation_fraction=0.95"), (0.1, 12, "validation_fraction=0.1")],
)
def test_early_stopping_split_errors_name_validation_fraction(fraction, n, match, data):
    """U8: the errors of the split speak of validation_fraction."""
    X, y, _ = data
    y = np.array(["a", "b"] * 2 + ["c"] + ["a", "b"] * 4)[:n]
    clf = RNNClassifier(
        max_epochs=1, early_stopping=True, validation_fraction=fraction, **SMALL
    )
    with pytest.raises(ValueError, match=match):
        clf.fit(X[:n], y)


def test_early_stopping_log_prints_every_epoch_and_marks_the_best(data, capsys):
    """The last epoch's line is printed, and the best score is marked."""
    X, y, _ = data
    clf = RNNClassifier(
        max_epochs=50, early_stopping=True, n_iter_no_change=2, verbose=1, **SMALL
    ).fit(X, y)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == clf.n_iter_ < 50
    assert "*" in rows[0]
    best = int(np.argmax(clf.validation_scores_))
    assert rows[best].split()[2].endswith("*")


# -- input ----------------------------------------------------------------------------


def test_dataframe_columns_are_checked_by_name(data):
    """S8: feature_names_in_ is recorded and checked as in scikit-learn."""
    X, _, y_reg = data
    frames = [pd.DataFrame(x, columns=["price", "volume"]) for x in X]
    reg = RNNRegressor(max_epochs=1, **SMALL).fit(frames, y_reg)
    np.testing.assert_array_equal(reg.feature_names_in_, ["price", "volume"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_arrays = reg.predict(X[:3])
    np.testing.assert_array_equal(reg.predict(frames[:3]), from_arrays)
    with pytest.raises(ValueError, match="feature names should match"):
        reg.predict([f[["volume", "price"]] for f in frames[:3]])
    with pytest.raises(ValueError, match="feature names should match"):
        reg.predict([f.set_axis(["a", "b"], axis=1) for f in frames[:3]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict(X[:3])
    with pytest.raises(ValueError, match="same columns in the same order"):
        RNNRegressor(max_epochs=1, **SMALL).fit(
            [*frames[:-1], frames[-1][["volume", "price"]]], y_reg
        )
    unnamed = RNNRegressor(max_epochs=1, **SMALL).fit(X, y_reg)
    assert not hasattr(unnamed, "feature_names_in_")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        unnamed.predict(frames[:3])


def test_refit_on_arrays_forgets_feature_names(data):
    X, _, y_reg = data
    frames = [pd.DataFrame(x, columns=["price", "volume"]) for x in X]
    reg = RNNRegressor(max_epochs=1, **SMALL).fit(frames, y_reg).fit(X, y_reg)
    assert not hasattr(reg, "feature_names_in_")


@pytest.mark.parametrize(
    "make_ids, match",
    [
        (lambda: np.array([[10**12, 3], [2, 5]]), "embedding table of"),
        (
            lambda: np.array([[2**63 + 5, 3], [2, 5]], dtype=np.uint64),
            "Token ids must be at most",
        ),
    ],
)
def test_huge_token_ids_are_refused(make_ids, match):
    """U5: one stray id never allocates terabytes or wraps negative."""
    clf = RNNClassifier(embedding_dim=4, max_epochs=1, **SMALL)
    with pytest.raises(ValueError, match=match):
        clf.fit(make_ids(), [0, 1])


def test_large_token_ids_are_fine_with_vocab_size():
    ids = np.array([[10**6, 3], [2, 5]])
    clf = RNNClassifier(embedding_dim=2, vocab_size=10**6 + 1, max_epochs=1, **SMALL)
    assert clf.fit(ids, [0, 1]).vocab_size_ == 10**6 + 1


@pytest.mark.parametrize(
    "make_X, error, match",
    [
        (lambda X: (x for x in X), TypeError, "got generator.*list"),
        (lambda X: dict(enumerate(X)), TypeError, "got dict"),
        (lambda X: set(), TypeError, "got set"),
        (
            lambda X: np.array([np.array(["abc", "d"], dtype=object)] * len(X)),
            TypeError,
            "must hold numbers",
        ),
        (lambda X: [[[1.0, 2.0], [3.0]]] * len(X), ValueError, "not a rectangular"),
        (
            lambda X: [np.array([[1.0, "x"]], dtype=object)] * len(X),
            TypeError,
            "must hold numbers",
        ),
    ],
)
def test_unclear_input_errors_are_ours(make_X, error, match, data):
    """U6: our own message for generators, dicts, sets, strings, ragged steps."""
    X, y, _ = data
    with pytest.raises(error, match=match):
        RNNClassifier(max_epochs=1, **SMALL).fit(make_X(X), y)


@pytest.mark.parametrize(
    "y", [np.array(["a", 1] * 20, dtype=object), np.array(["a", None] * 20)]
)
def test_mixed_type_labels_are_named(y, data):
    """U9: labels of mixed types get a message saying so."""
    X, _, _ = data
    with pytest.raises(TypeError, match="all strings or all numbers"):
        RNNClassifier(max_epochs=1, **SMALL).fit(X, y)


@pytest.mark.parametrize(
    "params, error",
    [
        ({"conv_channels": (0,), "conv_kernel_sizes": (3,)}, ValueError),
        ({"conv_channels": (-1,), "conv_kernel_sizes": (3,)}, ValueError),
        ({"conv_channels": (2.5,), "conv_kernel_sizes": (3,)}, TypeError),
        ({"conv_channels": ("a",), "conv_kernel_sizes": (3,)}, TypeError),
        ({"conv_channels": (4,), "conv_kernel_sizes": (0,)}, ValueError),
        ({"conv_channels": (4,), "conv_kernel_sizes": (2.5,)}, TypeError),
    ],
)
def test_conv_parameters_are_validated(params, error, data):
    """U7/S14: no truncation of 2.5 to 2, no torch or oneDNN message."""
    X, y, _ = data
    params = {**SMALL, **params}
    with pytest.raises(error, match="conv_"):
        RNNClassifier(max_epochs=1, **params).fit(X, y)


def test_lr_schedule_callable_with_a_wrong_signature_is_named(data):
    """U7: a schedule factory that cannot take last_epoch is refused clearly."""
    X, y, _ = data
    clf = RNNClassifier(max_epochs=1, lr_schedule=lambda optimizer: None, **SMALL)
    with pytest.raises(TypeError, match="lr_schedule must be"):
        clf.fit(X, y)


# -- persistence --------------------------------------------------------------------


def test_pickle_with_early_stopping_carries_no_training_data():
    """Persistence: the hold-out and best weights are not pickled."""
    X = np.random.default_rng(0).normal(size=(2000, 20, 2))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    params = dict(max_epochs=2, n_iter_no_change=5, **SMALL)
    plain = RNNClassifier(**params).fit(X, y)
    stopped = RNNClassifier(**params, early_stopping=True).fit(X, y)
    held_out_bytes = 200 * 20 * 2 * 4  # 10 % of X, in float32
    assert len(pickle.dumps(stopped)) - len(pickle.dumps(plain)) < held_out_bytes / 4


def test_pickle_records_the_version_and_warns_on_another(data, monkeypatch):
    import sklearn_rnn._version as version

    X, y, _ = data
    blob = pickle.dumps(RNNClassifier(max_epochs=1, **SMALL).fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(blob)
    monkeypatch.setattr(version, "__version__", "99.0")
    with pytest.warns(
        UserWarning, match="saved with sklearn_rnn 0.*under sklearn_rnn 99"
    ):
        pickle.loads(blob)


def test_a_real_sigint_leaves_a_consistent_estimator(data):
    """U2 with a real signal: whatever epoch it lands in, fit raises and the
    estimator is either unchanged (unfitted) or consistent and usable."""
    import os
    import signal
    import threading

    X, y, _ = data
    clf = RNNClassifier(max_epochs=100_000, **SMALL)
    # Python's own Ctrl-C handler, reinstalled: in a full run the process was
    # once seen with SIGINT ignored at the OS level by the time this test ran
    # (left by an earlier test; not pinned down), and fit then never saw it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    if hasattr(clf, "net_"):
        assert clf.n_iter_ == len(clf.loss_curve_) >= 1
        assert clf.predict(X[:3]).shape == (3,)
    else:
        assert not [key for key in vars(clf) if key.endswith("_")]


def test_dataframe_mixing_large_integers_and_floats_is_refused():
    """S11 inside one item: int64 beyond 2**53 beside a float column."""
    from sklearn_rnn.preprocessing import SequencePadder

    frame = pd.DataFrame({"a": [2**53 + 1, 1], "b": [0.5, 1.5]})
    with pytest.raises(ValueError, match="Column 'a' of sequence 0"):
        SequencePadder().fit_transform([frame])
    small = pd.DataFrame({"a": [3, 1], "b": [0.5, 1.5]})
    assert SequencePadder().fit_transform([small]).dtype == np.float64


def test_verbose_0_prints_nothing_when_print_is_replaced(data, capsys, monkeypatch):
    """Ray replaces builtins.print in its workers; skorch then prints its
    messages whatever verbose says. Ours follow verbose only."""
    import builtins

    X, y, _ = data
    original = builtins.print
    monkeypatch.setattr(builtins, "print", lambda *a, **k: original(*a, **k))
    RNNClassifier(max_epochs=30, early_stopping=True, n_iter_no_change=2, **SMALL).fit(
        X, y
    )
    assert capsys.readouterr().out == ""
