"""TrainingCurveDisplay: the loss (and validation score) of each epoch.

Modelled on scikit-learn's displays (``LearningCurveDisplay``,
``RocCurveDisplay``): ``__init__`` stores the data, ``from_estimator`` reads it
off a fitted estimator, ``plot`` draws it and returns the display. matplotlib
is an optional dependency, imported only when something is drawn, so
``import sklearn_rnn`` never pulls it in.
"""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRNN


def _import_pyplot(caller):
    # Not sklearn.utils.check_matplotlib_support: its message says
    # `pip install matplotlib`, while ours should name our own extra.
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which sklearn-rnn does not install by "
            "default. Install it with: pip install 'sklearn-rnn[plot]' (or pip "
            "install matplotlib)."
        ) from exc
    return plt


def _history_column(history, key):
    """One value per epoch, NaN where that epoch has no ``key``; None if none has."""
    values = [row.get(key) for row in history]
    if all(value is None for value in values):
        return None
    return np.array([np.nan if v is None else float(v) for v in values])


def _next_color(plt, color):
    """The color after ``color`` in the color cycle: a contrast for the scores."""
    from matplotlib.colors import same_color

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", [])
    for i, candidate in enumerate(cycle):
        if same_color(candidate, color):
            return cycle[(i + 1) % len(cycle)]
    return "C0" if same_color("C1", color) else "C1"


def _existing_twin(ax):
    """The twinx axes already laid over ``ax`` (shares x, same box), if any."""
    for sibling in ax.get_shared_x_axes().get_siblings(ax):
        if sibling is not ax and np.allclose(
            sibling.get_position().bounds, ax.get_position().bounds
        ):
            return sibling
    return None


class TrainingCurveDisplay:
    """Training curve visualization: the loss and validation score per epoch.

    It is recommended to use :meth:`TrainingCurveDisplay.from_estimator` to
    create a display from a fitted :class:`RNNClassifier` or
    :class:`RNNRegressor`; the constructor takes the curves themselves, so the
    display also draws any per-epoch record (e.g. the ``loss_curve_`` and
    ``validation_scores_`` of scikit-learn's ``MLPClassifier``). The loss is
    drawn against the left y axis; validation scores, when present, against a
    second y axis on the right, with the best epoch marked. All parameters are
    stored as attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Mean training loss of each epoch.

    epochs : array-like of shape (n_epochs,), default=None
        Epoch numbers, the x values. None numbers the epochs from 1.

    validation_scores : array-like of shape (n_epochs,), default=None
        Score on the held-out validation data after each epoch (higher is
        better), NaN for epochs that have none. None draws no score axis.

    validation_loss : array-like of shape (n_epochs,), default=None
        Loss on the held-out validation data after each epoch, drawn dashed
        next to the training loss. None draws no validation loss.

    loss_name : str, default="Loss"
        Label of the left (loss) y axis.

    score_name : str, default="Validation score"
        Label of the right (score) y axis and of the score curve.

    name : str, default=None
        Name of the model, added to the legend labels to tell models apart
        when several are drawn on the same axes. None adds nothing.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the loss curves; its x axis is the epoch.

    score_ax_ : matplotlib Axes or None
        The twin axes (``ax_.twinx()``) holding the validation scores, or None
        when there are none.

    figure_ : matplotlib Figure
        Figure containing the curves.

    line_ : matplotlib Line2D
        The training loss curve.

    validation_loss_line_ : matplotlib Line2D or None
        The validation loss curve, or None.

    score_line_ : matplotlib Line2D or None
        The validation score curve, or None.

    best_marker_ : matplotlib Line2D or None
        The marker at the epoch of the best validation score, or None.

    See Also
    --------
    TrainingCurveDisplay.from_estimator : Plot the training curve of a fitted
        estimator.
    RNNClassifier : Recurrent network classifier whose training is plotted.
    RNNRegressor : Recurrent network regressor whose training is plotted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a screen
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier, TrainingCurveDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 12, size=40)]
    >>> y = (np.array([x[:, 0].sum() for x in X]) > 0).astype(int)
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('Epoch', 'Cross-entropy loss')
    >>> np.allclose(display.line_.get_ydata(), clf.loss_curve_)
    True

    The curves can also be given directly:

    >>> display = TrainingCurveDisplay(
    ...     loss_curve=[0.9, 0.6, 0.5], validation_scores=[0.6, 0.8, 0.7],
    ...     score_name="Validation accuracy",
    ... ).plot()
    >>> display.best_marker_.get_xdata()
    array([2])
    """

    def __init__(
        self,
        *,
        loss_curve,
        epochs=None,
        validation_scores=None,
        validation_loss=None,
        loss_name="Loss",
        score_name="Validation score",
        name=None,
    ):
        self.loss_curve = loss_curve
        self.epochs = epochs
        self.validation_scores = validation_scores
        self.validation_loss = validation_loss
        self.loss_name = loss_name
        self.score_name = score_name
        self.name = name

    def _curves(self):
        """The stored curves as float arrays of one length, checked."""
        loss = np.asarray(self.loss_curve, dtype=float)
        if loss.ndim != 1 or not len(loss):
            raise ValueError(
                "loss_curve must be a non-empty 1-D array with one value per "
                f"epoch; got shape {loss.shape}."
            )
        if self.epochs is None:
            epochs = np.arange(1, len(loss) + 1)
        else:
            epochs = np.asarray(self.epochs)
        curves = {"epochs": epochs, "loss_curve": loss}
        for key in ("validation_scores", "validation_loss"):
            value = getattr(self, key)
            curves[key] = None if value is None else np.asarray(value, dtype=float)
        for key, value in curves.items():
            if value is not None and value.shape != loss.shape:
                raise ValueError(
                    f"{key} must have one value per epoch, like loss_curve "
                    f"(shape {loss.shape}); got shape {value.shape}."
                )
        return curves

    def plot(
        self, ax=None, *, name=None, line_kw=None, score_line_kw=None, mark_best=True
    ):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created. Drawing several displays on one axes compares models;
            their scores then share one twin axis.

        name : str, default=None
            Name of the model for the legend labels. None uses the `name`
            the display was created with.

        line_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the loss
            curves. The validation loss is drawn dashed in the color of the
            training loss; the scores take the next color of the cycle.

        score_line_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the
            validation score curve.

        mark_best : bool, default=True
            Whether to mark the epoch of the best (highest) validation score.

        Returns
        -------
        display : TrainingCurveDisplay
            Object that stores computed values.
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        from matplotlib.ticker import MaxNLocator

        curves = self._curves()
        epochs = curves["epochs"]
        name = self.name if name is None else name

        def label(text):
            return text if name is None else f"{text} ({name})"

        if ax is None:
            # Constrained layout keeps room for a legend above the axes.
            _, ax = plt.subplots(layout="constrained")

        line_kw = {"label": label("Training loss"), **(line_kw or {})}
        (self.line_,) = ax.plot(epochs, curves["loss_curve"], **line_kw)
        color = self.line_.get_color()

        self.validation_loss_line_ = None
        if curves["validation_loss"] is not None:
            valid_kw = {**line_kw, "label": label("Validation loss")}
            valid_kw.update(color=color, linestyle="--")
            (self.validation_loss_line_,) = ax.plot(
                epochs, curves["validation_loss"], **valid_kw
            )

        self.score_ax_ = self.score_line_ = self.best_marker_ = None
        scores = curves["validation_scores"]
        if scores is not None:
            # A second display drawn on the same axes reuses the score axis, so
            # the scores of the models compared share one scale.
            self.score_ax_ = _existing_twin(ax) or ax.twinx()
            score_kw = {
                "label": label(self.score_name),
                "color": _next_color(plt, color),
                "linestyle": ":",
                "marker": "o",
                "markersize": 3,
                **(score_line_kw or {}),
            }
            (self.score_line_,) = self.score_ax_.plot(epochs, scores, **score_kw)
            self.score_ax_.set_ylabel(self.score_name)
            if mark_best and not np.isnan(scores).all():
                best = int(np.nanargmax(scores))
                (self.best_marker_,) = self.score_ax_.plot(
                    epochs[best : best + 1],
                    scores[best : best + 1],
                    linestyle="none",
                    marker="*",
                    markersize=12,
                    color=self.score_line_.get_color(),
                    label=label(f"Best epoch: {epochs[best]}"),
                )

        ax.set_xlabel("Epoch")
        ax.set_ylabel(self.loss_name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

        twin = self.score_ax_ or _existing_twin(ax)
        if twin is None:
            ax.legend(loc="best")
        else:
            # One legend for both y axes, on the twin: it is drawn over `ax`
            # and would hide a legend on `ax`. Placement "best" avoids only
            # the curves of its own axes, so the legend goes above the plot.
            handles, labels = ax.get_legend_handles_labels()
            more_handles, more_labels = twin.get_legend_handles_labels()
            if ax.get_legend() is not None:
                ax.get_legend().remove()
            twin.legend(
                handles + more_handles,
                labels + more_labels,
                loc="lower left",
                bbox_to_anchor=(0, 1.02, 1, 0.2),
                mode="expand",
                ncols=2,
                borderaxespad=0,
                frameon=False,
            )

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        loss_name=None,
        score_name=None,
        line_kw=None,
        score_line_kw=None,
        mark_best=True,
    ):
        """Plot the training curve of a fitted estimator.

        Reads the per-epoch training loss, and the validation loss and score
        where recorded (early stopping), from the estimator's ``history_``.

        Parameters
        ----------
        estimator : RNNClassifier, RNNRegressor or Pipeline
            A fitted estimator with a skorch ``history_``, or a fitted
            ``Pipeline`` whose last step is one.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created.

        name : str, default=None
            Name of the model for the legend labels. None adds no name.

        loss_name : str, default=None
            Label of the loss axis. None names the estimator's loss:
            cross-entropy for a classifier, the mean squared error of the
            standardized targets for a regressor.

        score_name : str, default=None
            Label of the validation score. None names the estimator's score:
            accuracy for a classifier, R² for a regressor.

        line_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the loss
            curves.

        score_line_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the
            validation score curve.

        mark_best : bool, default=True
            Whether to mark the epoch of the best validation score.

        Returns
        -------
        display : TrainingCurveDisplay
            Object that stores computed values.
        """
        _import_pyplot(f"{cls.__name__}.from_estimator")
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        if not (isinstance(estimator, BaseRNN) or hasattr(estimator, "history_")):
            raise TypeError(
                f"{cls.__name__}.from_estimator expects an RNNClassifier or "
                "RNNRegressor (an estimator with a skorch history_), or a Pipeline "
                f"ending in one; got {type(estimator).__name__}."
            )
        check_is_fitted(estimator, "history_")
        history = estimator.history_

        if is_classifier(estimator):
            default_names = ("Cross-entropy loss", "Validation accuracy")
        elif is_regressor(estimator):
            # RNNRegressor trains on standardized targets (target_scaler_).
            default_names = ("MSE loss (standardized y)", "Validation R²")
        else:
            default_names = ("Loss", "Validation score")
        display = cls(
            loss_curve=_history_column(history, "train_loss"),
            epochs=np.array([row["epoch"] for row in history]),
            validation_scores=_history_column(history, "valid_score"),
            validation_loss=_history_column(history, "valid_loss"),
            loss_name=default_names[0] if loss_name is None else loss_name,
            score_name=default_names[1] if score_name is None else score_name,
            name=name,
        )
        return display.plot(
            ax=ax, line_kw=line_kw, score_line_kw=score_line_kw, mark_best=mark_best
        )
