"""The training loss: a per-sample torch loss weighted by sample weights."""

import torch
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


# The target of padding steps in a per-step batch: no label, no loss.
IGNORED_STEP = -100


class StepWeightedLoss(nn.Module):
    """Cross-entropy over the valid steps, weighted by each sequence's weight.

    The mean over all valid steps of the batch, each step's loss times its
    sequence's weight and its label's ``class_weight``, divided by the
    sequence-weighted count of steps: without weights, the usual mean over
    steps, so long sequences count by their number of steps, as in
    per-token training everywhere. Padding steps (target ``IGNORED_STEP``)
    count nowhere.

    Takes ``y_pred`` of shape (batch, time, classes) with y's ``target`` of
    shape (batch, time) and ``weight`` (batch,); or steps stored end to end,
    ``y_pred`` (steps, classes) with ``target`` and ``weight`` of shape
    (steps,).

    ``label_smoothing`` is torch's: each step's target becomes a mixture of
    its label (weight ``1 - label_smoothing``) and the uniform distribution
    over the classes.
    """

    def __init__(self, class_weight=None, label_smoothing=0.0):
        super().__init__()
        weight = None if class_weight is None else torch.as_tensor(class_weight)
        self.register_buffer("class_weight", weight)
        self.label_smoothing = label_smoothing

    def forward(self, y_pred, y_true):
        target, weight = y_true["target"], y_true["weight"]
        if y_pred.dim() == 3:
            valid = target != IGNORED_STEP
            weight = weight.unsqueeze(1).expand_as(target)[valid]
            y_pred, target = y_pred[valid], target[valid]
        class_weight = self.class_weight
        if class_weight is not None:
            class_weight = class_weight.to(y_pred.dtype)
        losses = nn.functional.cross_entropy(
            y_pred,
            target,
            weight=class_weight,
            reduction="none",
            label_smoothing=self.label_smoothing,
        )
        weight = weight.to(losses.dtype)
        return (losses * weight).sum() / weight.sum().clamp(min=1e-12)
