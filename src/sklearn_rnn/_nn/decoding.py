"""Decoding a target sequence from a :class:`Seq2SeqModule`: greedy and beam search.

Both run the decoder one token at a time from its recurrent state, over a
batch of sources, and stop a sequence at the end marker or after
``max_length`` tokens. Every operation works row by row, so a source
decodes the same alone or in a batch. The module must be in eval mode.
"""

import math

import numpy as np
import torch


@torch.no_grad()
def greedy_decode(module, values, lengths, max_length):
    """The most likely token at each step, for each source of the batch.

    Returns
    -------
    tokens : list of ndarray of int64
        Target ids of each source, without the end marker.
    """
    memory, mask, state = module.encode(values, lengths)
    batch, end = memory.shape[0], module.begin
    ids = torch.full((batch,), module.begin, dtype=torch.long, device=memory.device)
    tokens = torch.zeros(batch, max_length, dtype=torch.long)
    found = torch.full((batch,), max_length)
    ended = torch.zeros(batch, dtype=torch.bool)
    for t in range(max_length):
        output, state, _ = module.step(ids, state, memory, mask)
        output[:, 0] = -math.inf  # padding is never a token
        ids = output.argmax(dim=1)
        drawn = ids.cpu()
        newly_ended = (drawn == end) & ~ended
        found[newly_ended] = t
        ended |= newly_ended
        tokens[:, t] = drawn
        if ended.all():
            break
    return [tokens[i, : found[i]].numpy() for i in range(batch)]


@torch.no_grad()
def beam_search(module, values, lengths, max_length, beam_width, length_penalty):
    """The best of ``beam_width`` hypotheses kept at each step, per source.

    A hypothesis that draws the end marker among the best ``beam_width``
    candidates is finished; the beam goes on with the best unfinished ones
    (hence ``2 * beam_width`` candidates per step, of which at most
    ``beam_width`` end). A source is done once it has ``beam_width``
    finished hypotheses; at ``max_length`` its unfinished ones count as
    finished. The winner has the highest log-probability divided by the
    length penalty ``((5 + length) / 6) ** length_penalty`` (Wu et al.,
    2016; 0 is none, as in OpenNMT's default).

    Returns
    -------
    tokens : list of ndarray of int64
        Target ids of each source, without the end marker.
    """
    memory, mask, state = module.encode(values, lengths)
    batch, width, end = memory.shape[0], beam_width, module.begin
    device = memory.device
    memory = memory.repeat_interleave(width, dim=0)
    mask = mask.repeat_interleave(width, dim=0)
    state = _map_state(state, lambda s: s.repeat_interleave(width, dim=1))
    # Only the first hypothesis is alive at the start: the others would
    # repeat it.
    scores = torch.full((batch, width), -math.inf, dtype=torch.float64)
    scores[:, 0] = 0.0
    history = torch.zeros(batch, width, 0, dtype=torch.long)
    ids = torch.full((batch * width,), end, dtype=torch.long, device=device)
    finished = [[] for _ in range(batch)]
    n_finished = np.zeros(batch, dtype=np.int64)
    rows = torch.arange(batch).unsqueeze(1)
    for _ in range(max_length):
        output, state, _ = module.step(ids, state, memory, mask)
        log_probs = torch.log_softmax(output.double().cpu(), dim=1)
        log_probs[:, 0] = -math.inf  # padding is never a token
        n_outputs = log_probs.shape[1]
        total = (scores.view(-1, 1) + log_probs).view(batch, width * n_outputs)
        top_scores, top_index = total.topk(2 * width, dim=1)
        beam, token = top_index // n_outputs, top_index % n_outputs
        is_end = token == end
        # Finished: an end marker that would have made the beam.
        done = n_finished >= width  # before this step's hypotheses
        for b, j in torch.nonzero(is_end[:, :width]).tolist():
            if not done[b] and math.isfinite(top_scores[b, j]):
                tokens = history[b, beam[b, j]]
                _finish(finished[b], top_scores[b, j], tokens, length_penalty)
                n_finished[b] += 1
        # Alive: the best width candidates that do not end.
        rank = torch.cumsum(~is_end, dim=1) - 1
        keep = torch.nonzero(~is_end & (rank < width))[:, 1].view(batch, width)
        beam, token = beam.gather(1, keep), token.gather(1, keep)
        scores = top_scores.gather(1, keep)
        history = torch.cat([history[rows, beam], token.unsqueeze(2)], dim=2)
        if (n_finished >= width).all():
            break
        chosen = (rows * width + beam).view(-1).to(device)
        state = _map_state(state, lambda s, c=chosen: s.index_select(1, c))
        ids = token.view(-1).to(device)
    for b in np.flatnonzero(n_finished < width):
        for j in range(width):
            if math.isfinite(scores[b, j]):
                _finish(finished[b], scores[b, j], history[b, j], length_penalty)
    return [max(hypotheses, key=lambda h: h[0])[1] for hypotheses in finished]


def _finish(hypotheses, score, tokens, length_penalty):
    penalty = ((5 + len(tokens)) / 6) ** length_penalty
    hypotheses.append((float(score) / penalty, tokens.numpy().copy()))


def _map_state(state, function):
    """``function`` of each tensor of a recurrent state (an LSTM's is a pair)."""
    if isinstance(state, tuple):
        return tuple(function(s) for s in state)
    return function(state)
