"""The training loss: a per-sample torch loss weighted by sample weights."""

from torch import nn

_LOSSES = {
    "cross_entropy": nn.CrossEntropyLoss,
    "binary_cross_entropy": nn.BCEWithLogitsLoss,
    "squared_error": nn.MSELoss,
}


class WeightedLoss(nn.Module):
    """Mean over the batch of each sample's loss times its weight.

    The estimators rescale sample weights to a mean of 1 over the training
    set, so that without weights this is the usual mean loss and the learning
    rate keeps its meaning; a sample of weight 0 has no influence at all.
    Multi-output losses (several labels or regression targets) are averaged
    over the outputs of each sample first.

    skorch passes the batch target as ``{"target": ..., "weight": ...}``.
    """

    def __init__(self, loss="cross_entropy"):
        super().__init__()
        self.loss = _LOSSES[loss](reduction="none")

    def forward(self, y_pred, y_true):
        per_sample = self.loss(y_pred, y_true["target"])
        if per_sample.dim() > 1:
            per_sample = per_sample.mean(dim=1)
        return (per_sample * y_true["weight"]).mean()
