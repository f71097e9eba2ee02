"""What the estimators do around the network at prediction, as torch modules.

``export_onnx`` puts one of these heads after :class:`RNNModule`, so that the
graph returns what ``predict`` and ``predict_proba`` return. Each estimator
chooses its head (its ``_onnx_head`` hook); the exporter reads nothing else
of it.
"""

import torch
from torch import nn


class ClassifierHead(nn.Module):
    """Logits to ``(label index or indicator, probabilities)``.

    Softmax over the classes and their argmax, or, for a multilabel model, a
    sigmoid per label and the labels whose logit is positive.
    """

    def __init__(self, *, multilabel):
        super().__init__()
        self.multilabel = multilabel

    def forward(self, logits):
        if self.multilabel:
            return (logits > 0).to(torch.int64), torch.sigmoid(logits)
        return logits.argmax(dim=1), torch.softmax(logits, dim=1)


class RegressionHead(nn.Module):
    """Standardized outputs back to the target's scale (``target_scaler_``)."""

    def __init__(self, mean, scale, *, ravel):
        super().__init__()
        self.ravel = ravel
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, outputs):
        predictions = outputs * self.scale + self.mean
        return predictions.squeeze(1) if self.ravel else predictions


class StepClassifierHead(nn.Module):
    """Per-step logits (batch, time, classes) to ``(label index, probabilities)``
    at every step, as ``RNNTagger.predict`` and ``predict_proba`` compute them.
    Padding steps get outputs too, which mean nothing: read each sequence's
    first ``lengths[i]`` steps."""

    def forward(self, logits):
        return logits.argmax(dim=2), torch.softmax(logits, dim=2)
