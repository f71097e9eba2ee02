"""The torch module behind the estimators.

``[embedding] -> [instance norm] -> recurrent core -> pooling (+ conv branch
features, + instance-norm statistics) -> linear head``; the recurrent core is
in ``recurrent.py``, the branch in ``conv.py``, the normalization in
``normalization.py``.
"""

import torch
from torch import nn

from .conv import ConvBranch, check_conv_sizes
from .masking import masked_mean, valid_step_mask
from .normalization import InstanceNormalization
from .recurrent import CELLS, build_core

POOLINGS = ("last", "mean", "max", "attention")


# The Tokenizer's out-of-vocabulary id; 0 is padding.
_OOV_ID = 1


def _is_traced():
    """Whether the forward pass is being traced or compiled, not run eagerly.

    Python checks on tensor values would then be baked into the graph as
    constants (and each one would wait for the device), so they are skipped.
    """
    # torch.compiler.is_compiling is new in PyTorch 2.3.
    is_compiling = getattr(torch.compiler, "is_compiling", None)
    return torch.jit.is_tracing() or (is_compiling is not None and is_compiling())


def _drop_tokens(ids, rate):
    """Replace a random share ``rate`` of the real token ids by the OOV id.

    Without it the OOV embedding is never trained (the training data hold no
    unknown word), and each unknown word at predict time feeds the network a
    random vector.
    """
    dropped = (torch.rand(ids.shape, device=ids.device) < rate) & (ids > _OOV_ID)
    return ids.masked_fill(dropped, _OOV_ID)


def check_token_dropout(rate):
    if not 0 <= rate < 1:
        raise ValueError(f"token_dropout must be in [0, 1); got {rate!r}.")


def check_cell_type(cell_type):
    if cell_type not in CELLS:
        raise ValueError(
            f"cell_type must be one of {sorted(CELLS)}, got {cell_type!r}."
        )


def token_embedding(input_size, embedding_dim, vocab_size):
    """``(embedding, core input size)``: the token embedding (None for
    numeric input, where ``input_size`` is the core's input size)."""
    if embedding_dim is None:
        if input_size is None:
            raise ValueError("input_size is required when embedding_dim is None.")
        return None, input_size
    if vocab_size is None:
        raise ValueError("vocab_size is required when embedding_dim is set.")
    if input_size is not None:
        raise ValueError(
            "input_size must be None in token mode (embedding_dim set); "
            f"got input_size={input_size!r}."
        )
    return nn.Embedding(vocab_size, embedding_dim, padding_idx=0), embedding_dim


class RNNModule(nn.Module):
    """Recurrent network for sequence classification and regression.

    The network is ``[embedding] -> [instance norm] -> recurrent core ->
    pooling over time (+ conv branch features, + instance-norm statistics) ->
    linear head``: the optional convolutional branch reads the same
    (normalized) inputs as the core, and its features and the per-sequence
    statistics of the instance normalization are concatenated with the
    pooled output before dropout and the head. It takes a right-padded batch
    and the true length of each sequence, and returns one output vector per
    sequence (logits for classification, values for regression); it never
    returns hidden states.
    The output for a sequence does not depend on the other sequences of its
    batch, nor on how much padding follows it, nor on the values the padding
    holds.

    Parameters
    ----------
    input_size : int or None, default=None
        Number of features per time step. Must be None in token mode (when
        ``embedding_dim`` is set), where the embedding size is the input size.
    output_size : int, default=1
        Number of outputs per sequence (classes, or regression targets).
    cell_type : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: ``torch.nn.LSTM``, ``torch.nn.GRU`` or ``torch.nn.RNN``
        (tanh).
    hidden_size : int, default=64
        Number of hidden units per direction and layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether to also read each sequence backwards (within its own length).
    dropout : float, default=0.0
        Dropout between stacked recurrent layers and before the head.
    pooling : {"last", "mean", "max", "attention"}, default="last"
        How the per-step outputs become one vector per sequence: the output at
        the last valid step (for the backward direction, at the first step), the
        mean or max over valid steps, or an attention-weighted mean whose
        weights are learned. Padding never enters the pooling.
    embedding_dim : int or None, default=None
        If set, inputs are integer token ids and go through
        ``torch.nn.Embedding(vocab_size, embedding_dim, padding_idx=0)``.
    vocab_size : int or None, default=None
        Number of token ids (padding id 0 included); required in token mode.
    conv_channels : tuple of int or None, default=None
        If set, a convolutional branch reads the same inputs beside the
        recurrent core, as in LSTM-FCN: one ``Conv1d -> BatchNorm -> ReLU``
        block per entry (its output channels), then the mean over valid steps.
        Its features are concatenated with the pooled recurrent output before
        the head. Padding never enters it. The property ``conv_channels``
        gives what was built (a tuple, or None without a branch).
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel size of each convolution block, one per entry of
        ``conv_channels``.
    instance_norm : bool, default=False
        If True, each feature of each sequence is standardized over its own
        valid steps before the recurrent core and the convolutions, and the
        per-sequence mean and log standard deviation are concatenated to the
        head's input, so the level and scale are not lost. Numeric inputs only.
    token_dropout : float, default=0.0
        Token mode only: in training, the share of token ids (other than
        padding 0 and the out-of-vocabulary id 1) replaced by the
        out-of-vocabulary id 1, so that the embedding of unknown words is
        trained too (word dropout). No effect in evaluation mode.

    See Also
    --------
    RNNClassifier : The scikit-learn classifier that trains this module.
    RNNRegressor : The scikit-learn regressor that trains this module.

    Notes
    -----
    A sequence of length 0 is all padding: its pooled representation is the zero
    vector, so its output is the head's bias (the network's answer for an
    empty input). It never affects the other sequences of its batch.

    Examples
    --------
    >>> import torch
    >>> from sklearn_rnn import RNNModule
    >>> module = RNNModule(input_size=3, output_size=2, hidden_size=8)
    >>> values = torch.randn(4, 10, 3)  # 4 sequences, padded to 10 steps
    >>> lengths = torch.tensor([10, 7, 3, 1])
    >>> module(values, lengths).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        input_size=None,
        output_size=1,
        *,
        cell_type="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="last",
        embedding_dim=None,
        vocab_size=None,
        conv_channels=None,
        conv_kernel_sizes=(8, 5, 3),
        instance_norm=False,
        token_dropout=0.0,
    ):
        super().__init__()
        check_cell_type(cell_type)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        self.embedding, input_size = token_embedding(
            input_size, embedding_dim, vocab_size
        )

        if instance_norm and self.embedding is not None:
            raise ValueError(
                "instance_norm applies to numeric sequences; it cannot be used "
                "in token mode (embedding_dim set)."
            )
        self.instance_norm = InstanceNormalization() if instance_norm else None
        check_token_dropout(token_dropout)
        self.token_dropout = token_dropout
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.core = build_core(
            cell_type, input_size, hidden_size, num_layers, bidirectional, dropout
        )
        pooled_size = hidden_size * (2 if bidirectional else 1)
        self.attention = nn.Linear(pooled_size, 1) if pooling == "attention" else None
        if conv_channels is not None:
            conv_channels = check_conv_sizes("conv_channels", conv_channels)
        conv_kernel_sizes = check_conv_sizes("conv_kernel_sizes", conv_kernel_sizes)
        if conv_channels:
            if len(conv_kernel_sizes) != len(conv_channels):
                raise ValueError(
                    "conv_kernel_sizes must give one kernel size per entry of "
                    f"conv_channels; got {len(conv_kernel_sizes)} kernel sizes for "
                    f"{len(conv_channels)} channels."
                )
            self.conv = ConvBranch(input_size, conv_channels, conv_kernel_sizes)
            pooled_size += self.conv.output_size
        else:
            self.conv = None
        if instance_norm:
            pooled_size += 2 * input_size
        self.head_dropout = nn.Dropout(dropout)
        self.head = nn.Linear(pooled_size, output_size)

    @property
    def conv_channels(self):
        """Output channels of each convolution block; None without a branch."""
        if self.conv is None:
            return None
        return tuple(conv.out_channels for conv in self.conv.convs)

    def forward(self, values, lengths):
        """Compute one output vector per sequence.

        Parameters
        ----------
        values : torch.Tensor
            Right-padded batch: float of shape (batch, time, input_size), or
            int64 token ids of shape (batch, time) in token mode.
        lengths : torch.Tensor of shape (batch,)
            Number of valid (leading) steps of each sequence: integers between
            0 and ``time``. The steps after them are padding, whose values
            are never read (NaN, infinity or any token id give the same
            output).

        Returns
        -------
        output : torch.Tensor of shape (batch, output_size)
            Logits (classification) or predicted values (regression).

        Raises
        ------
        TypeError
            If ``values`` or ``lengths`` is not a tensor.
        ValueError
            If ``values`` or ``lengths`` has the wrong shape, ``lengths`` is
            not an integer tensor, or (for ``lengths`` on the CPU, where
            reading them costs no wait for a device) a length is negative or
            longer than ``time``. Nothing is checked while traced (as for
            ONNX export) or compiled.
        """
        no_padding = False
        if not _is_traced():
            lengths_range = self._check_input(values, lengths)
            # Equal lengths, no padding: "last" pooling takes the last step.
            no_padding = (
                lengths_range is not None and lengths_range[0] == values.shape[1]
            )
        lengths = lengths.to(values.device)
        mask = valid_step_mask(lengths, values.shape[1])
        # Padding never reaches a computation, whatever it holds (NaN from
        # SequencePadder, inf, out-of-vocabulary ids): one select here rather
        # than a guard in every later operation where 0 * NaN would leak.
        if not no_padding:
            valid = mask if values.ndim == 2 else mask.unsqueeze(2)
            values = values.masked_fill(~valid, 0)
        if self.embedding is not None:
            if self.training and self.token_dropout > 0:
                values = _drop_tokens(values, self.token_dropout)
            values = self.embedding(values)
        statistics = None
        if self.instance_norm is not None:
            values, statistics = self.instance_norm(values, lengths)
        if self.bidirectional:
            outputs = self.core(values, lengths)
        else:
            outputs, _ = self.core(values)
        pooled = self._pool(outputs, lengths, mask, no_padding)
        if self.conv is not None:
            pooled = torch.cat([pooled, self.conv(values, lengths)], dim=1)
        if statistics is not None:
            pooled = torch.cat([pooled, statistics], dim=1)
        return self.head(self.head_dropout(pooled))

    def _check_input(self, values, lengths):
        """Raise on malformed input; return the (min, max) of ``lengths``.

        The range of ``lengths`` is read only where they are on the CPU, for
        free. On an accelerator, reading it would make every training batch
        wait for the device, so it is not checked there and None is returned.
        """
        token_mode = self.embedding is not None
        if not isinstance(values, torch.Tensor) or not isinstance(
            lengths, torch.Tensor
        ):
            raise TypeError(
                "values and lengths must be torch tensors; got "
                f"{type(values).__name__} and {type(lengths).__name__}."
            )
        if token_mode and values.ndim != 2:
            raise ValueError(
                "In token mode, values must be token ids of shape (batch, time); "
                f"got shape {tuple(values.shape)}."
            )
        if not token_mode:
            first_layer = (
                self.core.forward_layers[0] if self.bidirectional else self.core
            )
            n_features = first_layer.input_size
            if values.ndim != 3 or values.shape[2] != n_features:
                raise ValueError(
                    "values must have shape (batch, time, input_size) with "
                    f"input_size={n_features}; got shape {tuple(values.shape)}."
                )
        if lengths.shape != values.shape[:1]:
            raise ValueError(
                "lengths must have shape (batch,), one length per sequence, with "
                f"batch={values.shape[0]}; got shape {tuple(lengths.shape)}."
            )
        if (
            lengths.dtype.is_floating_point
            or lengths.dtype.is_complex
            or (lengths.dtype == torch.bool)
        ):
            raise ValueError(
                f"lengths must be an integer tensor; got dtype {lengths.dtype}."
            )
        if lengths.device.type != "cpu" or lengths.numel() == 0:
            return None
        low, high = (int(v) for v in torch.aminmax(lengths))
        time = values.shape[1]
        if low < 0 or high > time:
            raise ValueError(
                f"lengths must be between 0 and the number of time steps ({time}); "
                f"got lengths from {low} to {high}."
            )
        return low, high

    def _pool(self, outputs, lengths, mask, no_padding):
        batch, _, size = outputs.shape
        empty = (lengths == 0).unsqueeze(1)
        if self.pooling == "last":
            if no_padding and not self.bidirectional:
                return outputs[:, -1]
            last = (lengths - 1).clamp(min=0)
            index = last.view(batch, 1, 1).expand(-1, 1, size)
            pooled = outputs.gather(1, index).squeeze(1)
            if self.bidirectional:
                # The backward direction has read the whole sequence at step 0.
                half = size // 2
                pooled = torch.cat([pooled[:, :half], outputs[:, 0, half:]], dim=1)
            return pooled.masked_fill(empty, 0.0)
        if self.pooling == "mean":
            return masked_mean(outputs, mask.unsqueeze(2), lengths, dim=1)
        if self.pooling == "max":
            filled = outputs.masked_fill(~mask.unsqueeze(2), float("-inf"))
            return filled.max(dim=1).values.masked_fill(empty, 0.0)
        scores = self.attention(outputs).squeeze(2)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        # Multiplying by the mask zeroes the uniform weights of an all-padding row.
        weights = torch.softmax(scores, dim=1) * mask
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)
