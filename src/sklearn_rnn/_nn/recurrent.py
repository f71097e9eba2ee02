"""The recurrent core: the cells and a bidirectional core exact on padded batches."""

import torch
from torch import nn

from .masking import valid_step_mask

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def reverse_within_lengths(values, lengths):
    """Reverse each sequence of a right-padded batch within its own length.

    Padding steps stay where they are, so the backward direction of a
    bidirectional core starts at each sequence's true last step instead of at
    the padding. Applying it twice gives the input back.

    Parameters
    ----------
    values : torch.Tensor of shape (batch, time, features)
        Right-padded batch.
    lengths : torch.Tensor of shape (batch,)
        Number of valid steps of each sequence.

    Returns
    -------
    reversed : torch.Tensor of shape (batch, time, features)

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(4.0).reshape(1, 4, 1)
    >>> reverse_within_lengths(x, torch.tensor([3])).flatten().tolist()
    [2.0, 1.0, 0.0, 3.0]
    """
    time = values.shape[1]
    lengths = lengths.to(values.device)
    steps = torch.arange(time, device=values.device).unsqueeze(0)
    valid = valid_step_mask(lengths, time)
    index = torch.where(valid, lengths.unsqueeze(1) - 1 - steps, steps)
    return values.gather(1, index.unsqueeze(2).expand(-1, -1, values.shape[2]))


class _BidirectionalCore(nn.Module):
    """Stacked bidirectional recurrent layers that respect per-sequence lengths.

    ``nn.LSTM(bidirectional=True)`` reverses the whole padded time axis, so on a
    right-padded batch its backward direction reads the padding first and the
    result depends on how long the other sequences of the batch are. Packing
    fixes that but is several times slower on CPU. Here each layer runs two
    unidirectional cores, the backward one on sequences reversed within their
    own lengths, which is exact and as fast as the dense path.
    """

    def __init__(self, cell, input_size, hidden_size, num_layers, dropout):
        super().__init__()
        sizes = [input_size] + [2 * hidden_size] * (num_layers - 1)
        self.forward_layers = nn.ModuleList(
            cell(size, hidden_size, batch_first=True) for size in sizes
        )
        self.backward_layers = nn.ModuleList(
            cell(size, hidden_size, batch_first=True) for size in sizes
        )
        self.inter_layer_dropout = nn.Dropout(dropout)

    def forward(self, values, lengths):
        for i, (fwd, bwd) in enumerate(
            zip(self.forward_layers, self.backward_layers, strict=True)
        ):
            if i > 0:
                values = self.inter_layer_dropout(values)
            out_forward, _ = fwd(values)
            out_backward, _ = bwd(reverse_within_lengths(values, lengths))
            values = torch.cat(
                [out_forward, reverse_within_lengths(out_backward, lengths)], dim=2
            )
        return values


def build_core(cell_type, input_size, hidden_size, num_layers, bidirectional, dropout):
    """Return the recurrent core: torch's own, or ``_BidirectionalCore``.

    A unidirectional core is ``torch.nn.LSTM`` (GRU, RNN) itself, called as
    ``outputs, _ = core(values)``: read left to right, padding comes after
    each sequence's last step and cannot reach it. A bidirectional one is
    called as ``core(values, lengths)``. ``dropout`` acts between stacked
    layers only.
    """
    cell = CELLS[cell_type]
    if bidirectional:
        return _BidirectionalCore(cell, input_size, hidden_size, num_layers, dropout)
    return cell(
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
    )
