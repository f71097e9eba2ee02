"""Per-sequence normalization of the inputs, over valid steps only."""

import torch
from torch import nn

from ._conv import valid_step_mask


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
        weights = valid_step_mask(lengths, values.shape[1]).unsqueeze(2)
        weights = weights.to(values.dtype)
        count = lengths.clamp(min=1).view(-1, 1, 1).to(values.dtype)
        mean = (values * weights).sum(dim=1, keepdim=True) / count
        centered = (values - mean) * weights
        variance = (centered**2).sum(dim=1, keepdim=True) / count
        std = torch.sqrt(variance + self.eps)
        statistics = torch.cat([mean, torch.log(std)], dim=2).squeeze(1)
        statistics = statistics.masked_fill((lengths == 0).unsqueeze(1), 0.0)
        return centered / std, statistics
