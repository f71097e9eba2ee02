"""TrainingCurveDisplay: what it draws, where, and how it fails."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._display import TrainingCurveDisplay

FAST = dict(hidden_size=4, conv_channels=(4, 4, 4), max_epochs=3, random_state=0)
SCORES = [0.5, 0.75, 0.6]


class RecordValidation(Callback):
    """Records per-epoch "valid_score" and "valid_loss" as early stopping does."""

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        net.history.record("valid_score", SCORES[epoch - 1])
        net.history.record("valid_loss", 1.0 / epoch)


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_importing_the_package_does_not_import_matplotlib():
    code = (
        "import sys, sklearn_rnn, sklearn_rnn._display; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_missing_matplotlib_raises_importerror_naming_the_extra(monkeypatch):
    # None in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    display = TrainingCurveDisplay(loss_curve=[1.0, 0.5])
    with pytest.raises(ImportError, match=r"pip install 'sklearn-rnn\[plot\]'"):
        display.plot()
    # Before anything else is checked, like scikit-learn's displays.
    with pytest.raises(ImportError, match=r"from_estimator requires matplotlib"):
        TrainingCurveDisplay.from_estimator(RNNClassifier())


def test_from_estimator_plots_the_loss_curve(pyplot, ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)

    assert isinstance(display, TrainingCurveDisplay)
    assert_array_equal(display.line_.get_xdata(), [1, 2, 3])
    assert_allclose(display.line_.get_ydata(), clf.loss_curve_)
    assert_allclose(display.loss_curve, clf.loss_curve_)
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylabel() == "Cross-entropy loss"
    assert display.figure_ is display.ax_.figure
    assert display.figure_.axes == [display.ax_]  # no twin without scores
    assert display.score_ax_ is None
    assert display.score_line_ is None
    assert display.best_marker_ is None
    assert display.validation_loss_line_ is None
    assert _legend_texts(display.ax_) == ["Training loss"]


def test_from_estimator_plots_validation_scores_on_a_twin_axis(pyplot, ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST, callbacks=[RecordValidation()]).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)

    twin = display.score_ax_
    assert twin is not None and twin is not display.ax_
    assert display.figure_.axes == [display.ax_, twin]
    assert twin.get_shared_x_axes().joined(twin, display.ax_)
    assert twin.get_ylabel() == "Validation accuracy"
    assert display.ax_.get_ylabel() == "Cross-entropy loss"
    assert display.score_line_.axes is twin
    assert_array_equal(display.score_line_.get_xdata(), [1, 2, 3])
    assert_allclose(display.score_line_.get_ydata(), SCORES)
    assert_allclose(display.line_.get_ydata(), clf.loss_curve_)
    assert display.validation_loss_line_.axes is display.ax_
    assert_allclose(display.validation_loss_line_.get_ydata(), [1, 1 / 2, 1 / 3])
    # The best epoch is the one of the highest score.
    assert_array_equal(display.best_marker_.get_xdata(), [2])
    assert_allclose(display.best_marker_.get_ydata(), [0.75])
    # One legend for both axes, on the twin (which is drawn on top).
    assert display.ax_.get_legend() is None
    assert _legend_texts(twin) == [
        "Training loss",
        "Validation loss",
        "Validation accuracy",
        "Best epoch: 2",
    ]


def test_regressor_labels_name_the_standardized_loss_and_r2(pyplot, ragged_data):
    X, y = ragged_data
    reg = RNNRegressor(**FAST, callbacks=[RecordValidation()]).fit(X, y * 10.0)
    display = TrainingCurveDisplay.from_estimator(reg)
    assert display.ax_.get_ylabel() == "MSE loss (standardized y)"
    assert display.score_ax_.get_ylabel() == "Validation R²"
    assert_allclose(display.line_.get_ydata(), reg.loss_curve_)


def test_from_estimator_label_overrides_and_pipeline(pyplot, ragged_data):
    X, y = ragged_data
    pipe = make_pipeline(FunctionTransformer(), RNNClassifier(**FAST)).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(
        pipe, name="GRU", loss_name="Log loss", score_name="Held-out accuracy"
    )
    assert_allclose(display.line_.get_ydata(), pipe[-1].loss_curve_)
    assert display.ax_.get_ylabel() == "Log loss"
    assert display.score_name == "Held-out accuracy"
    assert _legend_texts(display.ax_) == ["Training loss (GRU)"]


def test_display_from_arrays(pyplot):
    display = TrainingCurveDisplay(
        loss_curve=[1.0, 0.7, 0.5, 0.4],
        validation_scores=[np.nan, 0.6, 0.9, 0.8],  # epoch 1 has no score
    ).plot()
    assert_array_equal(display.line_.get_xdata(), [1, 2, 3, 4])  # numbered from 1
    assert display.ax_.get_ylabel() == "Loss"
    assert display.score_ax_.get_ylabel() == "Validation score"
    assert np.isnan(display.score_line_.get_ydata()[0])
    assert_array_equal(display.best_marker_.get_xdata(), [3])
    assert display.validation_loss_line_ is None

    # Epochs that continue a warm start, and no best-epoch marker.
    display = TrainingCurveDisplay(
        loss_curve=[0.5, 0.4], epochs=[6, 7], validation_scores=[0.8, 0.9]
    ).plot(mark_best=False)
    assert_array_equal(display.line_.get_xdata(), [6, 7])
    assert display.best_marker_ is None


def test_plot_reuses_the_given_axes_and_twin(pyplot):
    fig, ax = pyplot.subplots()
    first = TrainingCurveDisplay(
        loss_curve=[1.0, 0.5], validation_scores=[0.6, 0.7], name="a"
    )
    second = TrainingCurveDisplay(loss_curve=[0.9, 0.3], validation_scores=[0.5, 0.8])
    assert first.plot(ax=ax) is first
    assert second.plot(ax=ax, name="b") is second

    assert first.ax_ is second.ax_ is ax
    assert first.figure_ is second.figure_ is fig
    # The second model's scores share the first one's score axis.
    assert second.score_ax_ is first.score_ax_
    assert len(fig.axes) == 2
    assert ax.get_legend() is None
    assert _legend_texts(second.score_ax_) == [
        "Training loss (a)",
        "Training loss (b)",
        "Validation score (a)",
        "Best epoch: 2 (a)",
        "Validation score (b)",
        "Best epoch: 2 (b)",
    ]


def test_plot_passes_line_keywords(pyplot):
    display = TrainingCurveDisplay(
        loss_curve=[1.0, 0.5],
        validation_loss=[1.1, 0.8],
        validation_scores=[0.6, 0.7],
    ).plot(
        line_kw={"color": "red", "linewidth": 3},
        score_line_kw={"color": "black", "label": "acc"},
    )
    assert display.line_.get_color() == "red"
    assert display.line_.get_linewidth() == 3
    # The validation loss follows the training loss, dashed.
    assert display.validation_loss_line_.get_color() == "red"
    assert display.validation_loss_line_.get_linestyle() == "--"
    assert display.score_line_.get_color() == "black"
    assert display.score_line_.get_label() == "acc"
    # By default the scores take a color of their own.
    display = TrainingCurveDisplay(
        loss_curve=[1.0, 0.5], validation_scores=[0.6, 0.7]
    ).plot()
    assert display.score_line_.get_color() != display.line_.get_color()


def test_unfitted_estimator_raises_not_fitted_error(pyplot):
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(RNNClassifier())
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(make_pipeline(RNNRegressor()))


def test_estimator_without_history_raises_type_error(pyplot):
    X, y = np.arange(8.0).reshape(4, 2), [0, 1, 0, 1]
    match = r"expects an RNNClassifier or RNNRegressor .* got LogisticRegression"
    with pytest.raises(TypeError, match=match):
        TrainingCurveDisplay.from_estimator(LogisticRegression().fit(X, y))
    with pytest.raises(TypeError, match="got str"):
        TrainingCurveDisplay.from_estimator("RNNClassifier")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"loss_curve": []}, "loss_curve must be a non-empty 1-D array"),
        ({"loss_curve": [[1.0, 0.5]]}, "loss_curve must be a non-empty 1-D array"),
        ({"loss_curve": [1.0, 0.5], "epochs": [1]}, "epochs must have one value"),
        (
            {"loss_curve": [1.0, 0.5], "validation_scores": [0.5]},
            "validation_scores must have one value per epoch",
        ),
        (
            {"loss_curve": [1.0, 0.5], "validation_loss": [1.0, 0.5, 0.4]},
            "validation_loss must have one value per epoch",
        ),
    ],
)
def test_inconsistent_curves_raise_value_error(pyplot, params, match):
    with pytest.raises(ValueError, match=match):
        TrainingCurveDisplay(**params).plot()


def test_early_stopping_feeds_the_validation_loss_curve(pyplot, ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST, early_stopping=True, validation_fraction=0.25)
    clf.fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)
    losses = clf.history_[:, "valid_loss"]
    assert len(losses) == clf.n_iter_
    assert_allclose(display.validation_loss_line_.get_ydata(), losses)
