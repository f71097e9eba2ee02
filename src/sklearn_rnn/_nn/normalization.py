"""Per-sequence normalization of the inputs, over valid steps only."""

import math

import torch
from torch import nn

from .masking import masked_mean, valid_step_mask


class InstanceNormalization(nn.Module):
    """Standardize each feature of each sequence over its own valid steps.

    The UCR/UEA archives z-normalize every series for a reason: what tells
    classes apart is usually the shape of a series, not its level or scale,
    and a recurrent core reads shape far better once the level is removed
    (chemometrics applies the same idea to spectra as "standard normal
    variate"). Unlike ``torch.nn.InstanceNorm1d`` the statistics skip padding,
    and they are returned as well, so the head still sees the level (mean) and
    scale (log standard deviation) that the normalization took away.

    Parameters
    ----------
    eps : float, default=1e-5
        Added to the variance so constant sequences divide by ``sqrt(eps)``.
    """

    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, values, lengths):
        """Return the normalized batch and its statistics.

        Returns
        -------
        normalized : torch.Tensor of shape (batch, time, features)
            Zero on padding steps.
        statistics : torch.Tensor of shape (batch, 2 * features)
            Each sequence's mean and log standard deviation per feature;
            zero for a sequence of length 0.
        """
        mask = valid_step_mask(lengths, values.shape[1]).unsqueeze(2)
        weights = mask.to(values.dtype)
        # Squares of values beyond about 1e19 overflow float32, so the
        # moments are taken of the values divided by a per-sequence scale
        # (their largest magnitude, at least sqrt(eps)): within [-1, 1],
        # their squares cannot overflow.
        values = values.masked_fill(~mask, 0.0)
        scale = values.abs().amax(dim=1, keepdim=True).clamp(min=self.eps**0.5)
        scaled = values / scale
        mean = masked_mean(scaled, weights, lengths, dim=1, keepdim=True)
        centered = (scaled - mean) * weights
        variance = masked_mean(centered**2, weights, lengths, dim=1, keepdim=True)
        # std / scale = sqrt(variance + eps / scale**2). The square of
        # sqrt(eps) / scale (at most 1) underflows to 0 for a scale beyond
        # about 1e20; only a constant sequence then gets 0 (its centered
        # values are 0 too), and tiny keeps 0 / 0 and sqrt'(0) away.
        tiny = torch.finfo(values.dtype).tiny
        relative_std = torch.sqrt(
            (variance + (self.eps**0.5 / scale) ** 2).clamp(min=tiny)
        )
        # The standard deviation of a constant sequence is sqrt(eps) by
        # definition, at any scale; for the others, a sum of logarithms that
        # cannot overflow.
        log_std = torch.where(
            variance > 0,
            torch.log(scale) + torch.log(relative_std),
            0.5 * math.log(self.eps),
        )
        statistics = torch.cat([mean * scale, log_std], dim=2).squeeze(1)
        statistics = statistics.masked_fill((lengths == 0).unsqueeze(1), 0.0)
        return centered / relative_std, statistics
