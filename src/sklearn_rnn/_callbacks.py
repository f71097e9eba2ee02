"""skorch callbacks that the estimators build from their parameters."""

import math
import sys

import torch
from skorch.callbacks import Callback, EarlyStopping, PrintLog, ProgressBar
from skorch.callbacks.logging import Ansi


class StopTraining(Exception):
    """Raise from a skorch callback to end training normally.

    skorch's own idiom, raising ``KeyboardInterrupt``, cannot be told apart
    from Ctrl-C; ``fit`` lets a ``KeyboardInterrupt`` propagate (after
    keeping the epochs completed), as scikit-learn's estimators do, and
    treats ``StopTraining`` as the end of training: ``fit`` returns the
    estimator, and after early stopping the best epoch's weights are
    restored as usual. Raise it from ``on_epoch_end``: that epoch counts.
    Raised within an epoch (from a batch hook), the unfinished epoch is
    dropped from the history (its weight updates are kept); raised before
    the fit completed any epoch, it is a ValueError and the estimator is left
    as it was.

    See Also
    --------
    RNNClassifier : Its ``callbacks`` parameter takes skorch callbacks.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch.callbacks import Callback
    >>> from sklearn_rnn import RNNClassifier, StopTraining
    >>> class StopAtLoss(Callback):
    ...     def __init__(self, threshold):
    ...         self.threshold = threshold
    ...     def on_epoch_end(self, net, **kwargs):
    ...         if net.history[-1, "train_loss"] < self.threshold:
    ...             raise StopTraining
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 1))
    >>> clf = RNNClassifier(hidden_size=4, max_epochs=50, callbacks=[StopAtLoss(10.0)])
    >>> clf.fit(X, [0, 1] * 10).n_iter_
    1
    """


class ValidationScore(Callback):
    """Score the network on a held-out split after each epoch.

    It records ``valid_score`` in the history, which early stopping then
    watches, and ``valid_loss``, the training loss on the held-out data (for
    the learning curve: ``TrainingCurveDisplay`` plots it beside the training
    loss), each with a ``_best`` flag that the epoch log marks. The score is
    scikit-learn's for the estimator (accuracy, or R²); both are weighted by
    the held-out sample weights. The held-out data are released when training
    ends, so that a fitted model carries no training data.

    Parameters
    ----------
    dataset : SequenceDataset
        The held-out sequences, targets and weights.
    score : callable
        ``score(outputs, dataset) -> float`` on the network outputs.
    outputs : callable
        ``outputs(net, dataset) -> ndarray``: the network outputs in dataset
        order.
    loss : callable or None, default=None
        ``loss(net, outputs, dataset) -> float``, for outputs that are not
        what the training loss takes (a language model's log-likelihoods);
        None: the training loss of the outputs.
    """

    def __init__(self, dataset, score, outputs, loss=None):
        self.dataset = dataset
        self.score = score
        self.outputs = outputs
        self.loss = loss

    def initialize(self):
        self.best_score_ = -math.inf
        self.best_loss_ = math.inf
        return self

    def on_epoch_end(self, net, **kwargs):
        outputs = self.outputs(net, self.dataset)
        score = float(self.score(outputs, self.dataset))
        if self.loss is not None:
            loss = float(self.loss(net, outputs, self.dataset))
        else:
            with torch.no_grad():
                target = self.dataset.loss_target()
                loss = float(net.get_loss(torch.from_numpy(outputs), target))
        net.history.record("valid_loss", loss)
        net.history.record("valid_loss_best", loss < self.best_loss_)
        self.best_loss_ = min(loss, self.best_loss_)
        net.history.record("valid_score", score)
        net.history.record("valid_score_best", score > self.best_score_)
        self.best_score_ = max(score, self.best_score_)

    def on_train_end(self, net, **kwargs):
        # The scorer and output functions are the estimator's bound methods:
        # dropping them also drops the reference back to it.
        self.dataset = self.score = self.outputs = self.loss = None


class BestWeightsEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` that ends training with :class:`StopTraining`.

    skorch stops by raising ``KeyboardInterrupt``, which ``fit`` must let
    through when it comes from Ctrl-C. The best epoch's weights are dropped
    once restored, so the fitted net does not carry a second copy of them.
    """

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            if self.misses_ < self.patience:  # Ctrl-C, not the stopping rule
                raise
            raise StopTraining from None

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self.best_model_weights_ = None

    def _sink(self, text, verbose):
        _sink_if_verbose(self.sink, text, verbose)


class FiniteLossCheck(Callback):
    """Stop with a clear error when the training loss is not finite.

    A diverged network (NaN or infinite loss) would otherwise finish its
    epochs silently and predict NaN, or ``classes_[0]`` for every row.
    """

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise ValueError(
                f"The training loss became {loss} in epoch {len(net.history)}: "
                "the network diverged. Lower lr (it is "
                f"{net.optimizer_.param_groups[0]['lr']:g} now), set "
                "clip_grad_norm (e.g. 1.0), or scale the inputs (e.g. with "
                "SequenceScaler)."
            )


class EpochLog(Callback):
    """One table line per epoch: skorch's ``PrintLog``, best scores marked.

    The best value so far of a column (``train_loss``, ``valid_score``) is
    followed by ``*``; skorch's colours are added only when standard output
    is a terminal, so logs written to files and CI hold no escape codes.
    It wraps rather than subclasses ``PrintLog``, which skorch always runs
    after every other callback: early stopping, which ends training by
    raising, must come after the log, or the last epoch's line is lost.
    """

    def initialize(self):
        self.table_ = _MarkedPrintLog().initialize()
        return self

    def on_epoch_end(self, net, **kwargs):
        self.table_.on_epoch_end(net, **kwargs)


class _MarkedPrintLog(PrintLog):
    def _sink(self, text, verbose):
        _sink_if_verbose(self.sink, text, verbose)

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color="")
        if row.get(key + "_best"):
            # super() wrapped the value in "" + ... + Ansi.ENDC.
            text = text.removesuffix(Ansi.ENDC.value)
            if _is_terminal(sys.stdout):
                return f"{color}{text}*{Ansi.ENDC.value}"
            return f"{text}*"
        return text


class TerminalProgressBar(ProgressBar):
    """skorch's per-batch progress bar, shown only where it can redraw.

    Outside a terminal or a notebook each update of a tqdm bar is a ``\\r``
    line in the log, hundreds per epoch.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.shown_ = self._use_notebook() or _is_terminal(sys.stderr)
        if self.shown_:
            super().on_epoch_begin(net, **kwargs)

    def on_batch_end(self, net, **kwargs):
        if self.shown_:
            super().on_batch_end(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if self.shown_:
            super().on_epoch_end(net, **kwargs)


def _sink_if_verbose(sink, text, verbose):
    """Write ``text`` to ``sink`` only when ``verbose``.

    skorch's callbacks also write whenever their sink is not the builtin
    ``print``: Ray replaces ``builtins.print`` in the driver once it forwards
    worker output, and a ``verbose=0`` fit there (a search's refit) would
    print. Only ``verbose`` decides here.
    """
    if verbose:
        sink(text)


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
