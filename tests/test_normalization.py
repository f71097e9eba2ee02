"""Instance normalization over each sequence's valid steps."""

import math

import pytest
import torch

from sklearn_rnn._nn.normalization import InstanceNormalization


def test_instance_normalization_uses_valid_steps_only():
    values = torch.randn(3, 6, 2, dtype=torch.float64)
    lengths = torch.tensor([6, 3, 0])
    normalized, statistics = InstanceNormalization(eps=1e-5)(values, lengths)
    for i, length in enumerate(lengths.tolist()[:2]):
        valid = values[i, :length]
        mean = valid.mean(dim=0)
        std = (valid.var(dim=0, unbiased=False) + 1e-5).sqrt()
        assert torch.allclose(normalized[i, :length], (valid - mean) / std)
        assert torch.allclose(statistics[i], torch.cat([mean, std.log()]))
        assert torch.all(normalized[i, length:] == 0)
    assert torch.all(statistics[2] == 0) and torch.all(normalized[2] == 0)


@pytest.mark.parametrize("scale", [1e-30, 1e-3, 1.0, 1e10, 1e20, 1e30, 1e38])
def test_instance_normalization_is_exact_at_any_float32_scale(scale):
    # float32 squares overflow beyond about 1e19: the statistics must not.
    torch.manual_seed(0)
    values = (torch.randn(3, 6, 2, dtype=torch.float64) * scale).float()
    lengths = torch.tensor([6, 3, 1])
    normalized, statistics = InstanceNormalization()(values, lengths)
    expected_normalized, expected_statistics = _instance_norm_reference(values, lengths)
    torch.testing.assert_close(
        normalized.double(), expected_normalized, rtol=1e-5, atol=1e-6
    )
    torch.testing.assert_close(
        statistics.double(), expected_statistics, rtol=1e-5, atol=1e-6
    )


def _instance_norm_reference(values, lengths, eps=1e-5):
    """The textbook formula in float64, where float32 inputs cannot overflow."""
    values = values.double()
    normalized = torch.zeros_like(values)
    statistics = torch.zeros(len(values), 2 * values.shape[2], dtype=torch.float64)
    for i, length in enumerate(lengths.tolist()):
        valid = values[i, :length]
        mean = valid.mean(dim=0)
        std = (valid.var(dim=0, unbiased=False) + eps).sqrt()
        normalized[i, :length] = (valid - mean) / std
        statistics[i] = torch.cat([mean, std.log()])
    return normalized, statistics


@pytest.mark.parametrize("level", [0.0, 5.0, -1e20, 3e38, 1e-40])
def test_instance_normalization_of_a_constant_sequence(level):
    values = torch.full((1, 4, 1), level)
    normalized, statistics = InstanceNormalization(eps=1e-5)(values, torch.tensor([4]))
    assert torch.all(normalized == 0)
    torch.testing.assert_close(
        statistics, torch.tensor([[level, 0.5 * math.log(1e-5)]])
    )
