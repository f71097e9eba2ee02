"""The torch module of the per-step estimators: one output vector per time step.

``[embedding (+ character encoder)] -> recurrent core -> dropout -> linear
head``, applied at every step: a tagger's label scores, a language model's
next-token scores. Unidirectional, it also runs one step at a time from a
recurrent state (``step``), which generation needs.
"""

import torch
from torch import nn

from .characters import CharacterEncoder
from .masking import valid_step_mask
from .module import (
    _drop_tokens,
    _is_traced,
    check_cell_type,
    check_token_dropout,
    token_embedding,
)
from .recurrent import build_core


class PerStepModule(nn.Module):
    """Recurrent network with one output vector per valid time step.

    Parameters
    ----------
    input_size : int or None, default=None
        Number of features per time step; None in token mode.
    output_size : int, default=1
        Number of outputs per step (labels, or the vocabulary of a language
        model).
    cell_type : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=64
        Hidden units per direction and layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Also read each sequence backwards, within its own length.
    dropout : float, default=0.0
        Dropout on the embeddings (token mode), between layers and before
        the head.
    embedding_dim : int or None, default=None
        Token mode: inputs are integer ids embedded in vectors of this size.
        With a character encoder, column 0 of each step is the token id and
        the other columns its character ids.
    vocab_size : int or None, default=None
        Number of token ids (padding 0 included); required in token mode.
    token_dropout : float, default=0.0
        Training only: share of token ids replaced by the unknown id 1.
    char_vocab_size : int or None, default=None
        Number of character ids (padding 0 included): enables the character
        encoder of each token (token mode only).
    char_embedding_dim : int, default=30
        Size of the character embeddings.
    char_channels : int, default=30
        Convolution filters of the character encoder: the size of the
        vector each token's spelling adds to its embedding.
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
        embedding_dim=None,
        vocab_size=None,
        token_dropout=0.0,
        char_vocab_size=None,
        char_embedding_dim=30,
        char_channels=30,
    ):
        super().__init__()
        check_cell_type(cell_type)
        check_token_dropout(token_dropout)
        self.embedding, input_size = token_embedding(
            input_size, embedding_dim, vocab_size
        )
        self.characters = None
        if char_vocab_size is not None:
            if self.embedding is None:
                raise ValueError(
                    "The character encoder reads the characters of tokens: it "
                    "needs token mode (embedding_dim set)."
                )
            self.characters = CharacterEncoder(
                char_vocab_size, char_embedding_dim, char_channels
            )
            input_size += self.characters.output_size
        self.token_dropout = token_dropout
        self.bidirectional = bidirectional
        self.input_dropout = nn.Dropout(dropout)
        self.core = build_core(
            cell_type, input_size, hidden_size, num_layers, bidirectional, dropout
        )
        self.head_dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)

    def forward(self, values, lengths):
        """Outputs at every step of a right-padded batch.

        Parameters
        ----------
        values : torch.Tensor
            Float (batch, time, input_size); or token ids (batch, time), or
            (batch, time, 1 + characters) with the character encoder.
        lengths : torch.Tensor of shape (batch,)
            Valid steps of each sequence.

        Returns
        -------
        output : torch.Tensor of shape (batch, time, output_size)
            Zero at padding steps, which never influence the valid ones.
        """
        if not _is_traced():
            self._check_input(values, lengths)
        lengths = lengths.to(values.device)
        mask = valid_step_mask(lengths, values.shape[1])
        inputs = self._embed(values, mask)
        if self.bidirectional:
            outputs = self.core(inputs, lengths)
        else:
            outputs, _ = self.core(inputs)
        output = self.head(self.head_dropout(outputs))
        return output.masked_fill(~mask.unsqueeze(2), 0.0)

    def step(self, ids, state=None):
        """One step of a unidirectional token model from a recurrent state.

        Parameters
        ----------
        ids : torch.Tensor of shape (batch,)
            The token at this step of each sequence.
        state : tensor, tuple of tensors or None
            The core's state after the previous steps (None: the start).

        Returns
        -------
        output : torch.Tensor of shape (batch, output_size)
        state : the core's state after this step.
        """
        if self.bidirectional or self.embedding is None or self.characters:
            raise ValueError(
                "step runs a unidirectional token model without a character encoder."
            )
        inputs = self.input_dropout(self.embedding(ids.unsqueeze(1)))
        outputs, state = self.core(inputs, state)
        return self.head(self.head_dropout(outputs[:, 0])), state

    def _embed(self, values, mask):
        if self.embedding is None:
            # No dropout on raw features: with a few of them, zeroing one in
            # four would be noise, not regularization.
            return values.masked_fill(~mask.unsqueeze(2), 0)
        ids = values if values.ndim == 2 else values[:, :, 0]
        ids = ids.masked_fill(~mask, 0)
        if self.training and self.token_dropout > 0:
            ids = _drop_tokens(ids, self.token_dropout)
        inputs = self.embedding(ids)
        if self.characters is not None:
            chars = values[:, :, 1:].masked_fill(~mask.unsqueeze(2), 0)
            inputs = torch.cat([inputs, self.characters(chars)], dim=2)
        return self.input_dropout(inputs)

    def _check_input(self, values, lengths):
        if not isinstance(values, torch.Tensor) or not isinstance(
            lengths, torch.Tensor
        ):
            raise TypeError(
                "values and lengths must be torch tensors; got "
                f"{type(values).__name__} and {type(lengths).__name__}."
            )
        expected = 3 if (self.embedding is None or self.characters) else 2
        if values.ndim != expected or lengths.shape != values.shape[:1]:
            raise ValueError(
                f"values must have {expected} dimensions (batch, time, ...) and "
                "lengths shape (batch,); got shapes "
                f"{tuple(values.shape)} and {tuple(lengths.shape)}."
            )
        if lengths.device.type == "cpu" and lengths.numel():
            low, high = (int(v) for v in torch.aminmax(lengths))
            if low < 0 or high > values.shape[1]:
                raise ValueError(
                    "lengths must be between 0 and the number of time steps "
                    f"({values.shape[1]}); got lengths from {low} to {high}."
                )
