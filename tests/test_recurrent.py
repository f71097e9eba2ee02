"""The recurrent core: reversal within lengths and the bidirectional core."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn import RNNModule
from sklearn_rnn._nn.recurrent import reverse_within_lengths


@pytest.mark.parametrize("cell_type", ["lstm", "gru", "rnn"])
def test_bidirectional_core_matches_torch_packed_sequences(cell_type):
    # The reference: torch's own bidirectional cell on packed sequences, which
    # is exact but slow on CPU. Same weights, same per-step outputs.
    torch.manual_seed(0)
    module = RNNModule(
        input_size=3,
        cell_type=cell_type,
        hidden_size=4,
        num_layers=2,
        bidirectional=True,
    )
    cell = type(module.core.forward_layers[0])
    reference = cell(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    for layer in range(2):
        for direction, layers in (
            ("", module.core.forward_layers),
            ("_reverse", module.core.backward_layers),
        ):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(reference, f"{name}_l{layer}{direction}").data.copy_(
                    getattr(layers[layer], f"{name}_l0").data
                )
    values = torch.randn(3, 6, 3)
    lengths = torch.tensor([6, 2, 4])
    packed = pack_padded_sequence(
        values, lengths, batch_first=True, enforce_sorted=False
    )
    with torch.no_grad():
        expected, _ = pad_packed_sequence(reference(packed)[0], batch_first=True)
        actual = module.core(values, lengths)
    for i, length in enumerate(lengths.tolist()):
        assert torch.allclose(actual[i, :length], expected[i, :length], atol=1e-6)


def test_reverse_within_lengths_is_an_involution():
    values = torch.randn(3, 5, 2)
    lengths = torch.tensor([5, 2, 3])
    once = reverse_within_lengths(values, lengths)
    assert torch.equal(once[1, :2], values[1, :2].flip(0))
    assert torch.equal(once[1, 2:], values[1, 2:])
    assert torch.equal(reverse_within_lengths(once, lengths), values)
