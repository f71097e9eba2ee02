"""skorch callbacks that the estimators build from their parameters."""

from skorch.callbacks import Callback


class ValidationScore(Callback):
    """Score the network on a held-out split after each epoch.

    It records ``valid_score`` in the history, which skorch's
    ``EarlyStopping`` then watches. The score is scikit-learn's for the
    estimator (accuracy, or R²), weighted by the held-out sample weights.

    Parameters
    ----------
    dataset : SequenceDataset
        The held-out sequences, targets and weights.
    score : callable
        ``score(outputs, dataset) -> float`` on the network outputs.
    outputs : callable
        ``outputs(net, dataset) -> ndarray``: the network outputs in dataset
        order.
    """

    def __init__(self, dataset, score, outputs):
        self.dataset = dataset
        self.score = score
        self.outputs = outputs

    def on_epoch_end(self, net, **kwargs):
        value = self.score(self.outputs(net, self.dataset), self.dataset)
        net.history.record("valid_score", float(value))
