"""The training loss: per-sample losses weighted by sample weights."""

import pytest
import torch
from torch import nn

from sklearn_rnn._nn.loss import WeightedLoss


@pytest.mark.parametrize(
    "loss, reference, target",
    [
        ("cross_entropy", nn.CrossEntropyLoss(), torch.tensor([0, 2, 1, 1])),
        ("binary_cross_entropy", nn.BCEWithLogitsLoss(), torch.rand(4, 3)),
        ("squared_error", nn.MSELoss(), torch.randn(4, 3)),
    ],
)
def test_unit_weights_give_the_usual_mean_loss(loss, reference, target):
    torch.manual_seed(0)
    y_pred = torch.randn(4, 3)
    weighted = WeightedLoss(loss)(y_pred, {"target": target, "weight": torch.ones(4)})
    torch.testing.assert_close(weighted, reference(y_pred, target))


def test_a_zero_weight_removes_a_sample():
    y_pred = torch.randn(3, 2)
    target = torch.randn(3, 2)
    loss = WeightedLoss("squared_error")
    weight = torch.tensor([1.5, 1.5, 0.0])
    full = loss(y_pred, {"target": target, "weight": weight})
    target[2] += 100.0
    assert torch.equal(loss(y_pred, {"target": target, "weight": weight}), full)
