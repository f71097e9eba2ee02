"""The optional convolutional branch that runs beside the recurrent core.

LSTM-FCN (Karim et al., 2018) showed that a small fully convolutional network
(FCN, Wang et al., 2017) read in parallel with an LSTM fixes the recurrent
core's weak spot on short, noisy training sets: local shapes (a peak, a slope)
are found by the convolutions at any position, while the LSTM carries order and
long context. The branch here is that FCN, made exact on right-padded batches
of sequences of different lengths: padding is zeroed before every convolution
(so it acts like the convolution's own zero padding), batch normalization
learns its statistics from valid steps only, and the global average is taken
over each sequence's own valid steps.
"""

import copy
import numbers

import torch
from torch import nn
from torch.nn import functional as F

from .masking import masked_mean, valid_step_mask


def check_conv_sizes(name, sizes):
    """Return ``sizes`` as a tuple of positive Python ints, or raise.

    Floats are refused, not truncated (2.5 would silently become 2), and so
    are bools, which Python counts as integers but nobody means as a size.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    sizes : sequence of int
        Channels or kernel sizes, one per convolution block.

    Returns
    -------
    sizes : tuple of int

    Raises
    ------
    TypeError
        If ``sizes`` is not a sequence or holds something other than integers.
    ValueError
        If an entry is 0 or negative.

    Examples
    --------
    >>> import numpy as np
    >>> check_conv_sizes("conv_channels", np.array([4, 8]))
    (4, 8)
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(
            f"{name} must be a sequence of positive integers, such as (8, 5, 3); "
            f"got {sizes!r}."
        )
    sizes = tuple(sizes)
    for i, size in enumerate(sizes):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(
                f"{name} must hold positive integers; got {size!r} "
                f"({type(size).__name__}) at position {i}."
            )
        if size < 1:
            raise ValueError(
                f"{name} must hold positive integers; got {size!r} at position {i}."
            )
    return tuple(int(size) for size in sizes)


class _MaskedBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d over channels whose batch statistics skip padding steps.

    Without the mask, the statistics of a training batch would depend on how
    much padding its longest sequence forces onto the others.

    A training batch with fewer than two valid steps in all has no batch
    statistics: the variance of a single value is 0 (biased) or undefined
    (unbiased), and torch refuses it. Such a batch (``batch_size=1`` with a
    sequence of length 1, or the last, short batch of an epoch) is normalized
    with the running statistics, as at prediction, and leaves them and
    ``num_batches_tracked`` unchanged, so that the estimate of a cumulative
    average (``momentum=None``) is not diluted by a batch that gave none. The
    affine weight and bias still learn from it.
    """

    def forward(self, values, mask):
        if not self.training:
            return super().forward(values)
        # One host sync per call; boolean indexing below needs one anyway.
        n_valid = int(mask.sum())
        if n_valid < 2:
            return F.batch_norm(
                values,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                training=False,
                eps=self.eps,
            )
        if n_valid == mask.numel():
            return super().forward(values)
        # nn.BatchNorm1d's bookkeeping: momentum=None is a cumulative average.
        self.num_batches_tracked.add_(1)
        momentum = self.momentum
        if momentum is None:
            momentum = 1.0 / float(self.num_batches_tracked)
        # (batch, channels, time) -> (valid_steps, channels): torch's own
        # batch_norm then updates the running statistics as usual.
        steps = values.transpose(1, 2)
        normalized = F.batch_norm(
            steps[mask],
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=True,
            momentum=momentum,
            eps=self.eps,
        )
        out = torch.zeros_like(steps)
        out[mask] = normalized
        return out.transpose(1, 2)


def _pad_time(hidden, left, right):
    """Zero-pad the time axis of (batch, channels, time) by concatenation.

    Same values as ``F.pad(hidden, (left, right))``, but the ONNX exporter
    writes ``F.pad`` with a reversed (step -1) Slice of its pads, which its
    constant folding cannot fold and warns about on every export.
    """
    batch, channels, _ = hidden.shape
    zeros_left = hidden.new_zeros(batch, channels, left)
    zeros_right = hidden.new_zeros(batch, channels, right)
    return torch.cat([zeros_left, hidden, zeros_right], dim=2)


class ConvBranch(nn.Module):
    """Conv1d -> BatchNorm -> ReLU blocks, then a masked global average.

    Parameters
    ----------
    input_size : int
        Number of features per time step.
    channels : tuple of int
        Output channels of each convolution block.
    kernel_sizes : tuple of int
        Kernel size of each block, as many as ``channels``.
    """

    def __init__(self, input_size, channels, kernel_sizes):
        super().__init__()
        sizes = (input_size, *channels)
        self.convs = nn.ModuleList(
            nn.Conv1d(n_in, n_out, kernel)
            for n_in, n_out, kernel in zip(
                sizes[:-1], sizes[1:], kernel_sizes, strict=True
            )
        )
        # "Same" output length, padded explicitly: torch's padding="same" warns
        # (and copies anyway) for the even kernel sizes FCN uses.
        self.paddings = [((k - 1) // 2, k // 2) for k in kernel_sizes]
        self.norms = nn.ModuleList(_MaskedBatchNorm1d(n) for n in channels)
        self.output_size = channels[-1]

    def forward(self, values, lengths):
        """Return the pooled features, of shape (batch, channels[-1])."""
        mask = valid_step_mask(lengths, values.shape[1])
        weights = mask.unsqueeze(1).to(values.dtype)
        hidden = values.transpose(1, 2)  # Conv1d wants (batch, channels, time)
        for conv, norm, padding in zip(
            self.convs, self.norms, self.paddings, strict=True
        ):
            hidden = conv(_pad_time(hidden * weights, *padding))
            hidden = F.relu(norm(hidden, mask))
        return masked_mean(hidden, weights, lengths, dim=2)


def recompute_batch_statistics(module, batches):
    """Set the running statistics of every batch norm of ``module`` from data.

    During training, batch normalization keeps an exponential average of the
    statistics of the last batches, taken while the weights still moved; at
    prediction it normalizes with that average. On small, heavy-tailed data
    the two can disagree badly: on Covid3Month, a fitted regressor predicted
    its own training set with an RMSE of 0.062 from the running averages and
    0.035 from the training set's own statistics. Recomputing the statistics
    of the final weights over the training data ("precise BN", Wu and
    Johnson, 2021) removes the mismatch. Only the batch norms run in training
    mode here; dropout and token dropout stay off and no weight changes.
    (``torch.optim.swa_utils.update_bn`` does the same for models of one
    positional input, but puts the whole model in training mode.)

    Parameters
    ----------
    module : torch.nn.Module
        The fitted network.
    batches : iterable of dict
        Keyword arguments of ``module``'s forward pass (``values`` and
        ``lengths``), covering the training data, ideally in large batches.
    """
    norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm1d)]
    if not norms:
        return
    was_training = module.training
    momenta = [norm.momentum for norm in norms]
    # Put back if no batch gave statistics (every batch held a single valid
    # step: better the training's running averages than the reset 0 and 1),
    # or if a batch raises.
    saved = [copy.deepcopy(norm.state_dict()) for norm in norms]
    module.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # an equal-weight average over the batches
        norm.train()
    completed = False
    try:
        with torch.no_grad():
            for batch in batches:
                # A batch with a single valid step has no batch statistics
                # (_MaskedBatchNorm1d would leave them as they are anyway).
                if int(batch["lengths"].sum()) > 1:
                    module(**batch)
        completed = True
    finally:
        for norm, momentum, state in zip(norms, momenta, saved, strict=True):
            norm.momentum = momentum
            if not completed or int(norm.num_batches_tracked) == 0:
                norm.load_state_dict(state)
        module.train(was_training)
