"""The valid-step mask and the masked mean, used by every torch module."""

import torch

from sklearn_rnn._nn.masking import masked_mean, valid_step_mask


def test_valid_step_mask_marks_each_sequences_leading_steps():
    mask = valid_step_mask(torch.tensor([3, 0, 1]), 4)
    expected = torch.tensor(
        [[True, True, True, False], [False] * 4, [True, False, False, False]]
    )
    assert torch.equal(mask, expected)


def test_masked_mean_skips_padding_and_gives_zero_for_an_empty_sequence():
    values = torch.tensor([[1.0, 3.0, 100.0], [7.0, 7.0, 7.0]]).unsqueeze(2)
    lengths = torch.tensor([2, 0])
    mask = valid_step_mask(lengths, 3).unsqueeze(2)
    torch.testing.assert_close(
        masked_mean(values, mask, lengths, dim=1), torch.tensor([[2.0], [0.0]])
    )
    kept = masked_mean(values, mask.float(), lengths, dim=1, keepdim=True)
    assert kept.shape == (2, 1, 1)


def test_masked_mean_over_the_last_axis():
    # (batch, channels, time), as the convolutional branch has it.
    values = torch.arange(12.0).reshape(2, 2, 3)
    lengths = torch.tensor([3, 1])
    mask = valid_step_mask(lengths, 3).unsqueeze(1)
    expected = torch.tensor([[1.0, 4.0], [6.0, 9.0]])
    torch.testing.assert_close(masked_mean(values, mask, lengths, dim=2), expected)
