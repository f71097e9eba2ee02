import sys
from unittest import mock

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import RNNClassifier

FAST = dict(
    hidden_size=4, conv_channels=(4, 8, 4), max_epochs=2, batch_size=8, random_state=0
)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog"]),
        np.array(["a", "b", "c"]),
        np.array([3, 10, 42]),
        np.array([-1, 1]),
        np.array([True, False]),
    ],
    ids=lambda labels: str(labels.tolist()),
)
def test_labels_round_trip_through_classes(labels, ragged_data):
    X, y = ragged_data
    y = labels[np.arange(len(X)) % len(labels)]
    clf = RNNClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.classes_.dtype == labels.dtype
    pred = clf.predict(X)
    assert pred.dtype == labels.dtype
    assert set(pred) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # predict is the column of predict_proba with the highest probability.
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])


def test_string_labels_from_a_list(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST).fit(X, ["yes" if v else "no" for v in y])
    assert clf.classes_.tolist() == ["no", "yes"]


@pytest.mark.parametrize(
    "y, match",
    [
        (np.ones(40), "only one class"),
        (np.linspace(0, 1, 40), "Unknown label type"),
        (np.r_[np.zeros(39), np.nan], "NaN"),
    ],
)
def test_invalid_targets(y, match, ragged_data):
    X, _ = ragged_data
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**FAST).fit(X, y)


def test_column_vector_y_warns_like_scikit_learn(ragged_data):
    from sklearn.exceptions import DataConversionWarning

    X, y = ragged_data
    with pytest.warns(DataConversionWarning):
        RNNClassifier(**FAST).fit(X, y[:, None])


def test_learns_blobs_like_the_check():
    # The accuracy part of check_classifiers_train, which test_common.py marks
    # as an expected failure for its predict(X.T) part.
    X, y = make_blobs(n_samples=300, random_state=0, cluster_std=0.1)
    X = StandardScaler().fit_transform(X)
    clf = RNNClassifier(
        hidden_size=16, max_epochs=30, batch_size=16, lr=0.01, random_state=0
    )
    assert accuracy_score(y, clf.fit(X, y).predict(X)) > 0.83


@pytest.mark.parametrize("bidirectional", [False, True])
def test_learns_a_rule_that_needs_the_whole_ragged_sequence(bidirectional):
    # The class is whether a marker appeared anywhere, at a random position in
    # sequences of very different lengths: only a correct use of lengths and
    # padding lets the network see every step.
    rng = np.random.default_rng(0)
    X, y = [], []
    for i in range(300):
        x = rng.normal(scale=0.3, size=(rng.integers(2, 30), 1))
        if i % 2:
            x[rng.integers(len(x)), 0] = 3.0
        X.append(x)
        y.append(i % 2)
    clf = RNNClassifier(
        hidden_size=16,
        max_epochs=25,
        lr=0.01,
        bidirectional=bidirectional,
        random_state=0,
    )
    clf.fit(X[:200], y[:200])
    assert clf.score(X[200:], y[200:]) > 0.9


def test_multilabel_indicator_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6, 3))
    Y = (X.mean(axis=1) > 0).astype(int)  # one independent label per feature
    clf = RNNClassifier(
        hidden_size=16, max_epochs=30, lr=0.01, pooling="mean", random_state=0
    )
    clf.fit(X[:150], Y[:150])
    assert clf.classes_.tolist() == [0, 1, 2]
    proba = clf.predict_proba(X[150:])
    assert proba.shape == (50, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert not np.allclose(proba.sum(axis=1), 1.0)  # independent, not softmax
    pred = clf.predict(X[150:])
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert (pred == Y[150:]).mean() > 0.8  # chance is 0.5 per label


def test_two_dimensional_y_must_be_a_label_indicator(dense_data):
    X, _ = dense_data
    multiclass_multioutput = np.tile([[0, 1], [2, 1], [1, 0]], (10, 1))
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        RNNClassifier(**FAST).fit(X, multiclass_multioutput)


@pytest.mark.parametrize("verbose, lines", [(0, 0), (1, 3)])
def test_verbose_prints_one_line_per_epoch(verbose, lines, ragged_data, capsys):
    X, y = ragged_data
    RNNClassifier(**{**FAST, "max_epochs": 3}, verbose=verbose).fit(X, y)
    out = capsys.readouterr().out
    epoch_rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(epoch_rows) == lines
    if verbose:
        assert "train_loss" in out


def test_verbose_2_adds_a_progress_bar_in_a_terminal(ragged_data, capsys):
    X, y = ragged_data
    with mock.patch.object(sys.stderr, "isatty", return_value=True, create=True):
        RNNClassifier(**FAST, verbose=2).fit(X, y)
    captured = capsys.readouterr()
    assert "it/s" in captured.err or "it/s" in captured.out


def test_logs_written_to_a_file_hold_no_escape_codes_or_redraws(ragged_data, capsys):
    # Under capture, stdout and stderr are not terminals, as in CI or a file.
    X, y = ragged_data
    RNNClassifier(**FAST, verbose=2, early_stopping=True).fit(X, y)
    captured = capsys.readouterr()
    assert "\x1b[" not in captured.out + captured.err
    assert "\r" not in captured.out + captured.err
    assert "it/s" not in captured.err
    assert "train_loss" in captured.out


def test_log_colours_best_scores_in_a_terminal(ragged_data, capsys):
    X, y = ragged_data
    with mock.patch.object(sys.stdout, "isatty", return_value=True, create=True):
        RNNClassifier(**{**FAST, "max_epochs": 2}, verbose=1).fit(X, y)
    assert "\x1b[" in capsys.readouterr().out
