"""save_model / load_model: a fitted estimator without pickle."""

import functools
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.callbacks import Callback

import sklearn_rnn._persistence as persistence
from sklearn_rnn import RNNClassifier, RNNRegressor, load_model, save_model

pytest.importorskip("safetensors")

SMALL = dict(hidden_size=4, conv_channels=(4, 8), conv_kernel_sizes=(3, 2))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(1, 9, size=30)]
    y = np.array(["down", "up"])[[int(x[:, 0].sum() > 0) for x in X]]
    return X, y


def assert_same_fitted(model, loaded, **changed_params):
    assert loaded.get_params() == model.get_params() | changed_params
    for name in ("n_features_in_", "n_iter_", "loss_curve_"):
        assert getattr(loaded, name) == getattr(model, name)
    assert list(loaded.history_) == json.loads(json.dumps(list(model.history_)))
    for name, tensor in model.module_.state_dict().items():
        assert torch.equal(loaded.module_.state_dict()[name], tensor), name


@pytest.mark.parametrize("early_stopping", [False, True])
def test_classifier_round_trip(early_stopping, data, tmp_path):
    X, y = data
    clf = RNNClassifier(
        **SMALL,
        max_epochs=3,
        early_stopping=early_stopping,
        validation_fraction=0.3,
        random_state=0,
    ).fit(X, y)
    save_model(clf, tmp_path / "clf.safetensors")
    loaded = load_model(tmp_path / "clf.safetensors")
    assert type(loaded) is RNNClassifier
    assert_same_fitted(clf, loaded)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    if early_stopping:
        assert loaded.validation_scores_ == clf.validation_scores_


def test_regressor_round_trip_multioutput_and_feature_names(data, tmp_path):
    X, _ = data
    frames = [pd.DataFrame(x, columns=["price", "volume"]) for x in X]
    Y = np.column_stack([[x[:, 0].sum() for x in X], [len(x) for x in X]]) * 100.0
    reg = RNNRegressor(**SMALL, max_epochs=2, random_state=0).fit(frames, Y)
    save_model(reg, tmp_path / "reg.safetensors")
    loaded = load_model(tmp_path / "reg.safetensors", device="cpu")
    assert_same_fitted(reg, loaded, device="cpu")
    np.testing.assert_array_equal(loaded.feature_names_in_, ["price", "volume"])
    np.testing.assert_array_equal(loaded.target_scaler_.mean_, reg.target_scaler_.mean_)
    np.testing.assert_array_equal(loaded.predict(frames), reg.predict(frames))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict([f[["volume", "price"]] for f in frames])


def test_token_mode_and_multilabel_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    ids = [rng.integers(2, 20, size=n) for n in rng.integers(1, 6, size=30)]
    labels = rng.integers(0, 2, size=(30, 3))
    labels[0], labels[1] = [1, 1, 1], [0, 0, 0]
    clf = RNNClassifier(hidden_size=4, embedding_dim=3, max_epochs=2).fit(ids, labels)
    save_model(clf, tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.vocab_size_ == clf.vocab_size_ and loaded._multilabel
    np.testing.assert_array_equal(loaded.predict_proba(ids), clf.predict_proba(ids))


def test_loaded_model_trains_further(data, tmp_path):
    X, y = data
    clf = RNNClassifier(**SMALL, max_epochs=2, random_state=0).fit(X, y)
    save_model(clf, tmp_path / "clf.safetensors")
    loaded = load_model(tmp_path / "clf.safetensors").set_params(warm_start=True)
    assert loaded.fit(X, y).n_iter_ == 4


def test_python_objects_among_the_parameters_are_named_on_load(data, tmp_path):
    X, y = data
    schedule = functools.partial(torch.optim.lr_scheduler.StepLR, step_size=2)
    clf = RNNClassifier(
        **SMALL,
        max_epochs=2,
        optimizer=torch.optim.SGD,
        lr_schedule=schedule,
        callbacks=[Callback()],
        random_state=np.random.RandomState(0),
    ).fit(X, y)
    save_model(clf, tmp_path / "clf.safetensors")
    with pytest.warns(UserWarning, match="not saved") as record:
        loaded = load_model(tmp_path / "clf.safetensors")
    message = str(record[0].message)
    for name in ("lr_schedule", "callbacks", "random_state"):
        assert name in message
    # An optimizer class we name by a string is data.
    assert loaded.optimizer == "sgd"
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_load_warns_for_another_version(data, tmp_path, monkeypatch):
    X, y = data
    save_model(RNNClassifier(**SMALL, max_epochs=1).fit(X, y), tmp_path / "m.st")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(tmp_path / "m.st")
    monkeypatch.setattr(persistence, "__version__", "99.0")
    with pytest.warns(UserWarning, match="saved with sklearn_rnn .* under 99.0"):
        load_model(tmp_path / "m.st")


def test_load_never_unpickles(data, tmp_path, monkeypatch):
    X, y = data
    save_model(RNNClassifier(**SMALL, max_epochs=1).fit(X, y), tmp_path / "m.st")

    def refuse(*args, **kwargs):
        raise AssertionError("load_model unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    load_model(tmp_path / "m.st")


def test_refuses_what_it_cannot_read_or_write(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.st"))
    with pytest.raises(ValueError, match="not a file written by"):
        load_model(tmp_path / "other.st")
    save_file(
        {"w": torch.zeros(2)},
        str(tmp_path / "forged.st"),
        metadata={"sklearn_rnn": json.dumps({"format": "x", "estimator": "os"})},
    )
    with pytest.raises(ValueError, match=r"reads 'sklearn_rnn\.v1'"):
        load_model(tmp_path / "forged.st")
    with pytest.raises(TypeError, match="saves the estimators of sklearn_rnn"):
        save_model(object(), tmp_path / "x.st")
    with pytest.raises(Exception, match="not fitted"):
        save_model(RNNClassifier(), tmp_path / "x.st")
