"""Which steps of a right-padded batch are valid, and means over them.

The one place where the rule "a sequence's first ``length`` steps are valid,
the rest is padding" is written; every module, the batching and the ONNX
graph take their masks and masked means from here.
"""

import torch


def valid_step_mask(lengths, time):
    """Boolean mask of shape (batch, time), True on each sequence's valid steps."""
    steps = torch.arange(time, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def masked_mean(values, mask, lengths, *, dim, keepdim=False):
    """Mean of ``values`` over the valid steps of the time axis ``dim``.

    ``mask`` is 1 (or True) on valid steps and broadcasts to ``values``;
    ``lengths`` counts them per sequence (batch first). An empty sequence's
    mean is 0, not NaN.
    """
    summed = (values * mask).sum(dim=dim, keepdim=keepdim)
    count = lengths.clamp(min=1).to(values.dtype)
    return summed / count.view(-1, *([1] * (summed.ndim - 1)))
