import inspect
import warnings

import pytest
import torch

from sklearn_rnn import RNNClassifier, RNNModule, RNNRegressor
from sklearn_rnn._nn.module import POOLINGS

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


def test_token_mode_embeds_ids_with_zero_padding():
    torch.manual_seed(0)
    module = RNNModule(output_size=1, embedding_dim=4, vocab_size=10, hidden_size=3)
    assert torch.all(module.embedding.weight[0] == 0)
    ids = torch.tensor([[3, 4, 0], [5, 0, 0]])
    assert module(ids, torch.tensor([2, 1])).shape == (2, 1)


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


def test_token_dropout_replaces_real_ids_by_oov_in_training_only():
    from sklearn_rnn._nn.module import _drop_tokens

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


def test_instance_norm_module_is_finite_at_large_scale():
    # The fuzz report's S9: predictions were NaN at |x| ~ 1e20.
    module = _module(instance_norm=True, conv_channels=(4,), conv_kernel_sizes=(3,))
    values = torch.randn(2, 5, 3)
    lengths = torch.tensor([5, 3])
    with torch.no_grad():
        for scale in (1e20, 1e30):
            assert torch.isfinite(module(values * scale, lengths)).all()


# The estimators' defaults that RNNModule's deliberately does not share: an
# estimator resolves "auto" settings from the data and trains with a tuned
# recipe, while the torch module builds exactly what it is asked for.
# - pooling: "auto" ("max" in token mode, else "last") vs "last";
# - conv_channels: "auto" (a branch sized to the data set) vs None (no branch);
# - token_dropout: 0.3, the estimators' training recipe, vs 0.0 (off).
# input_size, output_size and vocab_size come from the data.
DELIBERATE_DIFFERENCES = {
    "pooling": ("auto", "last"),
    "conv_channels": ("auto", None),
    "token_dropout": (0.3, 0.0),
}


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_module_defaults_agree_with_the_estimators(Estimator):
    # RNNModule's signature is a third copy of the defaults: it must not drift.
    parameters = inspect.signature(RNNModule).parameters.values()
    module_defaults = {p.name: p.default for p in parameters}
    estimator_defaults = Estimator().get_params()
    shared = module_defaults.keys() & estimator_defaults.keys()
    assert shared >= {
        "cell_type",
        "hidden_size",
        "num_layers",
        "bidirectional",
        "dropout",
        "embedding_dim",
        "conv_kernel_sizes",
        "instance_norm",
        *DELIBERATE_DIFFERENCES,
    }
    for name in shared:
        expected = DELIBERATE_DIFFERENCES.get(name, (estimator_defaults[name],) * 2)
        assert (estimator_defaults[name], module_defaults[name]) == expected, name
