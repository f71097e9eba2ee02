import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn import RNNModule
from sklearn_rnn._module import reverse_within_lengths

CONFIGS = [
    dict(cell_type=cell, bidirectional=bi, pooling=pool, num_layers=2)
    for cell in ("lstm", "gru", "rnn")
    for bi in (False, True)
    for pool in ("last", "mean", "max", "attention")
]


def _module(**params):
    torch.manual_seed(0)
    return RNNModule(input_size=3, output_size=2, hidden_size=5, **params).eval()


@pytest.mark.parametrize("params", CONFIGS, ids=str)
def test_output_ignores_padding_and_batch_mates(params):
    module = _module(**params)
    lengths = torch.tensor([7, 2, 5, 1])
    values = torch.randn(4, 7, 3)
    with torch.no_grad():
        batch = module(values, lengths)
        # More padding (with garbage in it) must not change anything...
        padded = torch.cat([values, 100 * torch.randn(4, 6, 3)], dim=1)
        steps = torch.arange(13).unsqueeze(0) < lengths.unsqueeze(1)
        padded = padded.masked_fill(~steps.unsqueeze(2), 1e3)
        assert torch.allclose(module(padded, lengths), batch, atol=1e-6)
        # ...nor does running each sequence alone, trimmed to its length.
        for i, length in enumerate(lengths.tolist()):
            alone = module(values[i : i + 1, :length], lengths[i : i + 1])
            assert torch.allclose(alone, batch[i : i + 1], atol=1e-6)


@pytest.mark.parametrize("params", CONFIGS, ids=str)
def test_zero_length_sequence_gives_head_bias(params):
    module = _module(**params)
    with torch.no_grad():
        out = module(torch.randn(2, 4, 3), torch.tensor([0, 4]))
    assert torch.isfinite(out).all()
    assert torch.allclose(out[0], module.head.bias)


def test_forward_returns_only_the_output_tensor():
    module = _module()
    out = module(torch.randn(3, 5, 3), torch.tensor([5, 3, 1]))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (3, 2)


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


def test_token_mode_embeds_ids_with_zero_padding():
    torch.manual_seed(0)
    module = RNNModule(output_size=1, embedding_dim=4, vocab_size=10, hidden_size=3)
    assert torch.all(module.embedding.weight[0] == 0)
    ids = torch.tensor([[3, 4, 0], [5, 0, 0]])
    assert module(ids, torch.tensor([2, 1])).shape == (2, 1)


def test_reverse_within_lengths_is_an_involution():
    values = torch.randn(3, 5, 2)
    lengths = torch.tensor([5, 2, 3])
    once = reverse_within_lengths(values, lengths)
    assert torch.equal(once[1, :2], values[1, :2].flip(0))
    assert torch.equal(once[1, 2:], values[1, 2:])
    assert torch.equal(reverse_within_lengths(once, lengths), values)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(input_size=3, cell_type="transformer"), "cell_type"),
        (dict(input_size=3, pooling="sum"), "pooling"),
        (dict(), "input_size is required"),
        (dict(embedding_dim=4), "vocab_size is required"),
        (dict(input_size=3, embedding_dim=4, vocab_size=5), "input_size must be None"),
    ],
)
def test_invalid_construction(params, match):
    with pytest.raises(ValueError, match=match):
        RNNModule(**params)
