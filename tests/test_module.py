import math
import warnings

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn import RNNModule
from sklearn_rnn._module import POOLINGS, reverse_within_lengths
from sklearn_rnn._normalization import InstanceNormalization

CONFIGS = [
    dict(cell_type=cell, bidirectional=bi, pooling=pool, num_layers=2)
    for cell in ("lstm", "gru", "rnn")
    for bi in (False, True)
    for pool in ("last", "mean", "max", "attention")
] + [
    # The convolutional branch and the instance normalization, alone and together.
    dict(conv_channels=(4, 6), conv_kernel_sizes=(3, 2)),
    dict(instance_norm=True, pooling="mean"),
    dict(conv_channels=(4,), conv_kernel_sizes=(8,), instance_norm=True),
    dict(conv_channels=(4, 6), conv_kernel_sizes=(5, 3), bidirectional=True),
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
        (
            dict(input_size=3, conv_channels=(4, 4), conv_kernel_sizes=(3,)),
            "one kernel size per entry",
        ),
        (
            dict(embedding_dim=4, vocab_size=5, instance_norm=True),
            "instance_norm applies to numeric",
        ),
        (dict(embedding_dim=4, vocab_size=5, token_dropout=1.0), "token_dropout"),
    ],
)
def test_invalid_construction(params, match):
    with pytest.raises(ValueError, match=match):
        RNNModule(**params)


def test_conv_branch_batch_statistics_skip_padding():
    # In training mode batch normalization uses the batch's statistics: they
    # must come from valid steps only, so extra padding changes nothing.
    module = _module(conv_channels=(4, 6), conv_kernel_sizes=(3, 2)).train()
    lengths = torch.tensor([7, 2, 5, 1])
    values = torch.randn(4, 7, 3)
    padded = torch.cat([values, 100 * torch.randn(4, 6, 3)], dim=1)
    running_mean = module.conv.norms[0].running_mean.clone()
    with torch.no_grad():
        out = module(values, lengths)
        assert torch.allclose(module(padded, lengths), out, atol=1e-5)
    assert not torch.equal(module.conv.norms[0].running_mean, running_mean)


def test_conv_branch_adds_its_features_to_the_head():
    module = _module(conv_channels=(4, 6), conv_kernel_sizes=(3, 2))
    assert module.head.in_features == 5 + 6
    module = _module(conv_channels=(4,), conv_kernel_sizes=(3,), instance_norm=True)
    assert module.head.in_features == 5 + 4 + 2 * 3


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


def test_token_dropout_replaces_real_ids_by_oov_in_training_only():
    from sklearn_rnn._module import _drop_tokens

    torch.manual_seed(0)
    ids = torch.randint(2, 50, (200, 50))
    ids[:, 40:] = 0  # padding
    ids[:, 0] = 1  # already out of vocabulary
    dropped = _drop_tokens(ids, 0.3)
    changed = dropped != ids
    assert (dropped[changed] == 1).all()
    assert not changed[:, 40:].any() and not changed[:, 0].any()
    share = changed[:, 1:40].float().mean().item()
    assert 0.27 < share < 0.33
    module = RNNModule(output_size=2, embedding_dim=4, vocab_size=50, token_dropout=0.5)
    lengths = torch.full((200,), 40)
    module.eval()
    torch.testing.assert_close(module(ids, lengths), module(ids, lengths))
    module.train()
    assert not torch.equal(module(ids, lengths), module(ids, lengths))


def test_recompute_batch_statistics_averages_batches_and_keeps_weights():
    from sklearn_rnn._conv import recompute_batch_statistics

    torch.manual_seed(0)
    module = RNNModule(2, 1, hidden_size=4, conv_channels=(3,), conv_kernel_sizes=(1,))
    norm = module.conv.norms[0]
    weights = {k: v.clone() for k, v in module.state_dict().items()}
    lengths = torch.tensor([5, 3])
    batches = [
        {"values": torch.randn(2, 5, 2) * scale, "lengths": lengths}
        for scale in (1.0, 3.0)
    ]
    # A batch with a single valid step cannot give batch statistics: skipped.
    batches.append({"values": torch.randn(1, 1, 2), "lengths": torch.tensor([1])})
    module.eval()
    recompute_batch_statistics(module, batches)
    assert not module.training and not norm.training
    assert norm.momentum == 0.1 and int(norm.num_batches_tracked) == 2
    # The running mean is the equal-weight mean of the two batches' means over
    # their valid steps.
    means = []
    for batch in batches[:2]:
        hidden = module.conv.convs[0](batch["values"].transpose(1, 2))
        mask = torch.arange(5) < batch["lengths"].unsqueeze(1)
        means.append(hidden.transpose(1, 2)[mask].mean(dim=0))
    torch.testing.assert_close(norm.running_mean, torch.stack(means).mean(dim=0))
    for key, value in module.state_dict().items():
        if "norms" not in key:
            assert torch.equal(value, weights[key]), key


# Every pooling, with and without the convolutional branch and the instance
# normalization (the fuzz report's 16 configurations), and the bidirectional
# core, which reverses each sequence within its length.
PADDING_CONFIGS = [
    dict(pooling=pooling, conv_channels=conv, instance_norm=norm)
    for pooling in POOLINGS
    for conv in (None, (4, 6))
    for norm in (False, True)
] + [dict(pooling=pooling, bidirectional=True) for pooling in POOLINGS]


def _pad(values, lengths, width, fill):
    padded = torch.full((len(values), width, values.shape[2]), fill)
    padded[:, : values.shape[1]] = values
    steps = torch.arange(width) < lengths.unsqueeze(1)
    return torch.where(steps.unsqueeze(2), padded, fill)


@pytest.mark.parametrize("fill", [float("nan"), float("inf"), -float("inf"), 1e38])
@pytest.mark.parametrize("params", PADDING_CONFIGS, ids=str)
def test_padding_values_never_reach_the_output(params, fill):
    # NaN is SequencePadder's padding for float data: the module must not
    # depend on what the padding holds, however wide it is.
    params = {"conv_kernel_sizes": (3, 2), **params}
    module = _module(**params)
    lengths = torch.tensor([6, 2, 4, 1, 0])
    values = _pad(torch.randn(5, 6, 3), lengths, 6, 0.0)
    with torch.no_grad():
        expected = module(values, lengths)
        for width in (6, 9):
            padded = _pad(values, lengths, width, fill)
            torch.testing.assert_close(module(padded, lengths), expected)
        # Each sequence alone, with no padding at all.
        for i, length in enumerate(lengths.tolist()[:-1]):
            alone = module(values[i : i + 1, :length], lengths[i : i + 1])
            torch.testing.assert_close(alone, expected[i : i + 1])


def test_nan_padding_gives_finite_gradients_in_training():
    torch.manual_seed(0)
    module = RNNModule(
        3,
        2,
        hidden_size=5,
        pooling="attention",
        conv_channels=(4,),
        conv_kernel_sizes=(3,),
        instance_norm=True,
    )
    lengths = torch.tensor([5, 2, 3])
    values = _pad(torch.randn(3, 5, 3), lengths, 5, float("nan"))
    values.requires_grad_(True)
    module.train()(values, lengths).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in module.parameters())
    assert torch.isfinite(values.grad).all()
    assert torch.all(values.grad[1, 2:] == 0)


def test_token_ids_in_the_padding_are_never_looked_up():
    torch.manual_seed(0)
    module = RNNModule(output_size=2, embedding_dim=4, vocab_size=10, pooling="mean")
    ids = torch.tensor([[3, 4, 0], [5, 0, 0]])
    lengths = torch.tensor([2, 1])
    out = ids.masked_fill(ids == 0, 10**6)  # out of the vocabulary
    torch.testing.assert_close(module(out, lengths), module(ids, lengths))


@pytest.mark.parametrize(
    "values, lengths, match",
    [
        (
            torch.randn(2, 4, 3),
            torch.tensor([4, 5]),
            r"between 0 and .* \(4\); got .* 4 to 5",
        ),
        (torch.randn(2, 4, 3), torch.tensor([-1, 2]), r"got lengths from -1 to 2"),
        (
            torch.randn(2, 4, 3),
            torch.tensor([4, 2, 1]),
            r"lengths must have shape \(batch,\)",
        ),
        (torch.randn(2, 4, 3), torch.tensor([[4, 2]]), r"got shape \(1, 2\)"),
        (
            torch.randn(2, 4, 3),
            torch.tensor([4.0, 2.0]),
            "integer tensor; got dtype torch.float32",
        ),
        (
            torch.randn(2, 4, 3),
            torch.tensor([True, True]),
            "integer tensor; got dtype torch.bool",
        ),
        (
            torch.randn(2, 4),
            torch.tensor([4, 2]),
            r"\(batch, time, input_size\) with input_size=3",
        ),
        (torch.randn(2, 4, 2), torch.tensor([4, 2]), r"got shape \(2, 4, 2\)"),
    ],
    ids=[
        "too-long",
        "negative",
        "too-many",
        "2-D",
        "float",
        "bool",
        "2-D-values",
        "features",
    ],
)
def test_malformed_input_raises(values, lengths, match):
    module = _module()
    with pytest.raises(ValueError, match=match):
        module(values, lengths)


def test_lengths_may_be_any_integer_dtype():
    module = _module(pooling="mean")
    values = torch.randn(2, 4, 3)
    expected = module(values, torch.tensor([4, 2]))
    for dtype in (torch.int32, torch.int16, torch.uint8):
        torch.testing.assert_close(
            module(values, torch.tensor([4, 2], dtype=dtype)), expected
        )


@pytest.mark.filterwarnings("ignore::DeprecationWarning:torch.jit")
def test_lengths_are_not_checked_while_tracing():
    # Tracing (ONNX export) must record no Python check on lengths' values:
    # the traced graph then runs on other lengths.
    module = _module(pooling="last")
    values = torch.randn(2, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", torch.jit.TracerWarning)
        warnings.filterwarnings(
            "ignore",
            category=torch.jit.TracerWarning,
            module=r"torch\.nn\.modules\.rnn$",
        )
        traced = torch.jit.trace(module, (values, torch.tensor([4, 4])))
    lengths = torch.tensor([2, 3])
    torch.testing.assert_close(traced(values, lengths), module(values, lengths))


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


def test_instance_norm_module_is_finite_at_large_scale():
    # The fuzz report's S9: predictions were NaN at |x| ~ 1e20.
    module = _module(instance_norm=True, conv_channels=(4,), conv_kernel_sizes=(3,))
    values = torch.randn(2, 5, 3)
    lengths = torch.tensor([5, 3])
    with torch.no_grad():
        for scale in (1e20, 1e30):
            assert torch.isfinite(module(values * scale, lengths)).all()
