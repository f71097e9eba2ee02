"""The convolutional branch: masked batch norm, precise BN, parameter checks."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from sklearn_rnn import RNNClassifier, RNNModule
from sklearn_rnn._nn.conv import (
    _MaskedBatchNorm1d,
    check_conv_sizes,
    recompute_batch_statistics,
)
from sklearn_rnn._nn.masking import valid_step_mask


def _norm(momentum):
    torch.manual_seed(0)
    norm = _MaskedBatchNorm1d(3, momentum=momentum)
    # Statistics and affine parameters away from their initial values, so that
    # "normalized with the running statistics" is not the identity.
    norm.running_mean.copy_(torch.tensor([1.0, -2.0, 0.5]))
    norm.running_var.copy_(torch.tensor([4.0, 0.25, 1.0]))
    norm.num_batches_tracked.fill_(5)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([2.0, 0.5, -1.0]))
        norm.bias.copy_(torch.tensor([0.1, 0.2, 0.3]))
    return norm


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize(
    "lengths, time",
    [([1], 1), ([1], 4), ([0, 0, 1], 3), ([0, 1, 0, 0], 2), ([0, 0], 2)],
    ids=["one-step", "one-of-four", "empties-then-one", "one-among-empties", "none"],
)
def test_batch_norm_of_a_single_valid_step_uses_running_statistics(
    momentum, lengths, time
):
    # One value per channel has no batch variance: torch refuses to train on
    # it. The batch is normalized as at prediction, and the running statistics
    # and the batch count stay as they were.
    norm = _norm(momentum).train()
    lengths = torch.tensor(lengths)
    values = torch.randn(len(lengths), 3, time, requires_grad=True)
    mask = valid_step_mask(lengths, time)
    before = {k: v.clone() for k, v in norm.state_dict().items()}
    out = norm(values, mask)
    expected = F.batch_norm(
        values,
        before["running_mean"],
        before["running_var"],
        norm.weight,
        norm.bias,
        training=False,
        eps=norm.eps,
    )
    torch.testing.assert_close(out, expected)
    for key, value in norm.state_dict().items():
        assert torch.equal(value, before[key]), key
    out[mask.unsqueeze(1).expand_as(out)].sum().backward()
    assert torch.isfinite(values.grad).all()
    assert torch.isfinite(norm.weight.grad).all()


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_of_two_valid_steps_still_updates_statistics(momentum):
    norm = _norm(momentum).train()
    lengths = torch.tensor([1, 0, 1])
    values = torch.randn(3, 3, 2)
    norm(values, valid_step_mask(lengths, 2))
    assert int(norm.num_batches_tracked) == 6
    steps = values.transpose(1, 2)[valid_step_mask(lengths, 2)]
    rate = 1 / 6 if momentum is None else momentum
    expected = (1 - rate) * torch.tensor([1.0, -2.0, 0.5]) + rate * steps.mean(0)
    torch.testing.assert_close(norm.running_mean, expected)


@pytest.mark.parametrize(
    "lengths, time",
    [([1], 1), ([1], 5), ([0, 0, 1], 1), ([0, 0, 1, 0], 4)],
    ids=["one-step", "padded", "empties-one-step", "empties-padded"],
)
def test_module_trains_on_a_batch_with_a_single_valid_step(lengths, time):
    torch.manual_seed(0)
    module = RNNModule(
        3, 2, hidden_size=4, conv_channels=(4, 5), conv_kernel_sizes=(3, 2)
    )
    lengths = torch.tensor(lengths)
    values = torch.randn(len(lengths), time, 3)
    out = module.train()(values, lengths)
    out.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in module.parameters())
    # The same as at prediction: the batch norms used their running statistics.
    with torch.no_grad():
        torch.testing.assert_close(out, module.eval()(values, lengths))


def test_classifier_fits_batches_with_a_single_valid_step():
    # The fuzz report's reproducers (U1): the default conv branch is built for
    # small numeric data sets.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in (3, 5, 2)] + [np.ones((1, 2))]
    clf = RNNClassifier(hidden_size=4, max_epochs=1, batch_size=1, random_state=0)
    clf.fit(X, ["a", "b", "a", "b"])
    assert clf.module_.conv is not None
    assert np.isfinite(clf.predict_proba(X)).all()
    # 33 sequences of one step: the last batch of 32 holds a single step.
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0)
    clf.fit(rng.normal(size=(33, 1, 2)), [0, 1] * 16 + [0])
    # A batch of empty sequences and one of one step.
    X = [np.empty((0, 2)), np.empty((0, 2)), np.ones((1, 2))]
    clf = RNNClassifier(hidden_size=4, max_epochs=2, batch_size=3, random_state=0)
    clf.fit(X, [0, 1, 0])
    assert np.isfinite(clf.predict_proba(X)).all()


def _conv_module():
    torch.manual_seed(0)
    return RNNModule(2, 1, hidden_size=4, conv_channels=(3,), conv_kernel_sizes=(1,))


def test_recompute_batch_statistics_keeps_statistics_no_batch_can_give():
    # Every batch holds a single valid step: no batch statistics exist, so the
    # running statistics from training must survive (not be reset to 0 and 1).
    module = _conv_module()
    norm = module.conv.norms[0]
    norm.running_mean.fill_(3.0)
    norm.running_var.fill_(2.0)
    norm.num_batches_tracked.fill_(7)
    before = {k: v.clone() for k, v in norm.state_dict().items()}
    batches = [
        {"values": torch.randn(1, 1, 2), "lengths": torch.tensor([1])},
        {"values": torch.randn(2, 1, 2), "lengths": torch.tensor([0, 1])},
    ]
    recompute_batch_statistics(module.eval(), batches)
    for key, value in norm.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert norm.momentum == 0.1 and not norm.training


def test_recompute_batch_statistics_restores_statistics_when_a_batch_fails():
    module = _conv_module()
    norm = module.conv.norms[0]
    norm.running_mean.fill_(3.0)
    before = {k: v.clone() for k, v in norm.state_dict().items()}

    def batches():
        yield {"values": torch.randn(2, 4, 2), "lengths": torch.tensor([4, 2])}
        raise RuntimeError("out of data")

    with pytest.raises(RuntimeError, match="out of data"):
        recompute_batch_statistics(module.train(), batches())
    for key, value in norm.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert norm.momentum == 0.1 and module.training


@pytest.mark.parametrize(
    "sizes, expected",
    [((4, 8), (4, 8)), ([1], (1,)), (np.array([2, 3]), (2, 3)), ((np.int32(5),), (5,))],
    ids=["tuple", "list", "array", "numpy-int"],
)
def test_check_conv_sizes_accepts_positive_integers(sizes, expected):
    checked = check_conv_sizes("conv_channels", sizes)
    assert checked == expected
    assert all(type(size) is int for size in checked)


@pytest.mark.parametrize("name", ["conv_channels", "conv_kernel_sizes"])
@pytest.mark.parametrize(
    "sizes, error, match",
    [
        ((0,), ValueError, "positive integers; got 0 at position 0"),
        ((4, -1), ValueError, "got -1 at position 1"),
        ((2.5,), TypeError, r"got 2\.5 \(float\)"),
        ((np.float64(2.0),), TypeError, "float64"),
        ((True,), TypeError, r"got True \(bool\)"),
        (("a",), TypeError, "got 'a' \\(str\\)"),
        ("abc", TypeError, "sequence of positive integers"),
        (3, TypeError, "sequence of positive integers"),
    ],
    ids=["zero", "negative", "float", "numpy-float", "bool", "str-item", "str", "int"],
)
def test_module_refuses_invalid_conv_sizes(name, sizes, error, match):
    params = {"conv_channels": (4,), "conv_kernel_sizes": (3,)}
    if isinstance(sizes, tuple) and len(sizes) == 2:
        params = {"conv_channels": (4, 4), "conv_kernel_sizes": (3, 3)}
    params[name] = sizes
    with pytest.raises(error, match=f"{name} must .*{match}"):
        RNNModule(2, 1, **params)


def test_module_takes_conv_sizes_as_numpy_arrays():
    module = RNNModule(
        2, 1, conv_channels=np.array([4, 6]), conv_kernel_sizes=np.array([3, 2])
    )
    assert module.conv_channels == (4, 6)
    assert [conv.kernel_size for conv in module.conv.convs] == [(3,), (2,)]


def test_recompute_batch_statistics_averages_batches_and_keeps_weights():
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
