"""The torch module of the sequence-to-sequence estimator: encoder, attention, decoder.

``source -> [embedding] -> recurrent encoder (bidirectional allowed) ->
memory``; the decoder starts from a state computed from the memory's mean,
reads the target shifted right by a begin marker (teacher forcing) and, at
every step, attends over the valid steps of the memory (Luong et al., 2015:
global attention, without input feeding, so that teacher forcing runs the
decoder over all steps at once). ``step`` runs the decoder one token at a
time, which decoding (``_nn.decoding``) needs.

Target ids: 0 is padding, ``1 .. target_vocab_size - 1`` the tokens. The
begin marker is input id ``target_vocab_size`` and the end marker output
``target_vocab_size``: the network has ``target_vocab_size + 1`` outputs,
of which 0 (padding) is never a target.
"""

import torch
from torch import nn

from .masking import masked_mean, valid_step_mask
from .module import (
    _drop_tokens,
    _is_traced,
    check_cell_type,
    check_token_dropout,
    token_embedding,
)
from .recurrent import build_core

ATTENTION_SCORES = ("general", "additive")


class Attention(nn.Module):
    """Attention of decoder states over the valid steps of the encoder memory.

    ``"general"``: score ``h_t^T W m_s`` (Luong et al., 2015);
    ``"additive"``: score ``v^T tanh(W_q h_t + W_m m_s)`` (Bahdanau et al.,
    2015), computed from the decoder's current state as Luong places it.
    Padding steps of the memory get weight 0; a sequence without any valid
    step (an empty source) gets all-zero weights, hence a zero context.
    """

    def __init__(self, score, query_size, memory_size):
        super().__init__()
        if score not in ATTENTION_SCORES:
            raise ValueError(
                f"attention must be one of {ATTENTION_SCORES}; got {score!r}."
            )
        self.score = score
        if score == "general":
            self.query = nn.Linear(query_size, memory_size, bias=False)
        else:
            self.query = nn.Linear(query_size, query_size, bias=False)
            self.key = nn.Linear(memory_size, query_size, bias=True)
            self.energy = nn.Linear(query_size, 1, bias=False)

    def forward(self, queries, memory, mask):
        """Context vectors and weights of ``queries`` (batch, T_out, H) over
        ``memory`` (batch, T_in, M) with ``mask`` (batch, T_in)."""
        if self.score == "general":
            scores = self.query(queries) @ memory.transpose(1, 2)
        else:
            scores = self.energy(
                torch.tanh(
                    self.query(queries).unsqueeze(2) + self.key(memory).unsqueeze(1)
                )
            ).squeeze(3)
        # The dtype's lowest value, not -inf: an empty source's row stays
        # finite, and the mask below zeroes it.
        valid = mask.unsqueeze(1)
        scores = scores.masked_fill(~valid, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=2) * valid
        return weights @ memory, weights


class Seq2SeqModule(nn.Module):
    """Recurrent encoder-decoder with attention.

    Parameters
    ----------
    input_size : int or None, default=None
        Number of features per source step; None in token mode.
    target_vocab_size : int, default=2
        Number of target ids, padding 0 included.
    cell_type : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell of the encoder and the decoder.
    hidden_size : int, default=64
        Hidden units per layer (and direction, in the encoder).
    num_layers : int, default=1
        Stacked layers of the encoder and of the decoder.
    bidirectional : bool, default=True
        Whether the encoder also reads each source backwards.
    dropout : float, default=0.0
        Dropout on the embeddings, between stacked layers and before the
        output layer.
    embedding_dim : int or None, default=None
        Token mode: source steps are integer ids embedded in vectors of this
        size.
    vocab_size : int or None, default=None
        Number of source token ids (padding 0 included); token mode only.
    target_embedding_dim : int, default=64
        Size of the target token embeddings the decoder reads.
    attention : {"general", "additive"}, default="general"
        The attention score; see :class:`Attention`.
    token_dropout : float, default=0.0
        Token mode, training only: the share of source token ids replaced by
        the unknown id 1 (source word dropout, Sennrich and Zhang, 2019).
    """

    def __init__(
        self,
        input_size=None,
        target_vocab_size=2,
        *,
        cell_type="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        embedding_dim=None,
        vocab_size=None,
        target_embedding_dim=64,
        attention="general",
        token_dropout=0.0,
    ):
        super().__init__()
        check_cell_type(cell_type)
        check_token_dropout(token_dropout)
        self.token_dropout = token_dropout
        self.cell_type = cell_type
        self.num_layers = num_layers
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.embedding, input_size = token_embedding(
            input_size, embedding_dim, vocab_size
        )
        self.input_dropout = nn.Dropout(dropout)
        self.encoder = build_core(
            cell_type, input_size, hidden_size, num_layers, bidirectional, dropout
        )
        memory_size = hidden_size * (2 if bidirectional else 1)
        # The decoder's initial state, from the mean of the memory (Sennrich
        # et al., 2017): one vector per layer, independent of the padding.
        self.bridge = nn.Linear(memory_size, hidden_size * num_layers)
        # Target ids, and the begin marker after them.
        self.target_embedding = nn.Embedding(
            target_vocab_size + 1, target_embedding_dim, padding_idx=0
        )
        self.decoder = build_core(
            cell_type, target_embedding_dim, hidden_size, num_layers, False, dropout
        )
        self.attention = Attention(attention, hidden_size, memory_size)
        self.combine = nn.Linear(hidden_size + memory_size, hidden_size)
        self.head_dropout = nn.Dropout(dropout)
        # Every target id and the end marker (id target_vocab_size).
        self.head = nn.Linear(hidden_size, target_vocab_size + 1)

    @property
    def begin(self):
        """The begin marker's input id (= the end marker's output index)."""
        return self.target_embedding.num_embeddings - 1

    def forward(self, values, lengths, targets, return_attention=False):
        """Scores of every target step given the previous ones (teacher forcing).

        Parameters
        ----------
        values : torch.Tensor
            Source batch, right-padded: float (batch, T_in, input_size), or
            token ids (batch, T_in).
        lengths : torch.Tensor of shape (batch,)
            Valid steps of each source sequence.
        targets : torch.Tensor of shape (batch, T_out)
            Target ids, the end marker last; padding is any negative id.
        return_attention : bool, default=False
            Also return the attention weights.

        Returns
        -------
        output : torch.Tensor of shape (batch, T_out, target_vocab_size + 1)
            Scores of the next token at every target step.
        weights : torch.Tensor of shape (batch, T_out, T_in)
            With ``return_attention``: the attention over source steps.
        """
        if not _is_traced():
            self._check_input(values, lengths)
        memory, mask, state = self.encode(values, lengths)
        targets = targets.to(values.device).clamp(min=0)
        # The decoder reads the begin marker, then each target but the last.
        begin = torch.full_like(targets[:, :1], self.begin)
        inputs = torch.cat([begin, targets[:, :-1]], dim=1)
        hidden, _ = self.decoder(self._embed_targets(inputs), state)
        output, weights = self._attend(hidden, memory, mask)
        return (output, weights) if return_attention else output

    def encode(self, values, lengths):
        """The memory (batch, T_in, M), its valid-step mask and the decoder's
        initial state."""
        lengths = lengths.to(values.device)
        mask = valid_step_mask(lengths, values.shape[1])
        if self.embedding is None:
            inputs = values.masked_fill(~mask.unsqueeze(2), 0)
        else:
            ids = values.masked_fill(~mask, 0)
            if self.training and self.token_dropout > 0:
                ids = _drop_tokens(ids, self.token_dropout)
            inputs = self.input_dropout(self.embedding(ids))
        if self.bidirectional:
            memory = self.encoder(inputs, lengths)
        else:
            memory, _ = self.encoder(inputs)
        memory = memory.masked_fill(~mask.unsqueeze(2), 0)
        summary = masked_mean(memory, mask.unsqueeze(2), lengths, dim=1)
        hidden = torch.tanh(self.bridge(summary))
        hidden = hidden.view(-1, self.num_layers, self.hidden_size).transpose(0, 1)
        hidden = hidden.contiguous()
        if self.cell_type == "lstm":
            return memory, mask, (hidden, torch.zeros_like(hidden))
        return memory, mask, hidden

    def step(self, ids, state, memory, mask):
        """One decoder step: the previous token ``ids`` (batch,) and state to
        the next token's scores (batch, target_vocab_size + 1), the new state
        and the attention weights (batch, T_in)."""
        hidden, state = self.decoder(self._embed_targets(ids.unsqueeze(1)), state)
        output, weights = self._attend(hidden, memory, mask)
        return output[:, 0], state, weights[:, 0]

    def _embed_targets(self, ids):
        return self.input_dropout(self.target_embedding(ids))

    def _attend(self, hidden, memory, mask):
        context, weights = self.attention(hidden, memory, mask)
        combined = torch.tanh(self.combine(torch.cat([context, hidden], dim=2)))
        return self.head(self.head_dropout(combined)), weights

    def _check_input(self, values, lengths):
        if not isinstance(values, torch.Tensor) or not isinstance(
            lengths, torch.Tensor
        ):
            raise TypeError(
                "values and lengths must be torch tensors; got "
                f"{type(values).__name__} and {type(lengths).__name__}."
            )
        expected = 3 if self.embedding is None else 2
        if values.ndim != expected or lengths.shape != values.shape[:1]:
            raise ValueError(
                f"values must have {expected} dimensions (batch, time, ...) and "
                "lengths shape (batch,); got shapes "
                f"{tuple(values.shape)} and {tuple(lengths.shape)}."
            )
