"""Sequences stored end to end, scattered into one padded array.

The one implementation of padding and truncation: :class:`SequencePadder`
pads any sequences with it, and :class:`Tokenizer` pads token ids to
``max_length`` with it.
"""

import numpy as np

from .._input import sequence_offsets


def pad_flat(
    flat, lengths, width, *, value, padding="post", truncating="pre", starts=None
):
    """Pad or truncate sequences stored end to end to ``width`` steps each.

    Parameters
    ----------
    flat : ndarray of shape (total_steps,) or (total_steps, n_features)
        The steps of every sequence, one sequence after the other.
    lengths : ndarray of int of shape (n_sequences,)
        The number of steps of each sequence to pad (its valid steps).
    width : int
        The number of steps of the output.
    value : scalar
        The padding value, already of the dtype of ``flat``.
    padding : {"post", "pre"}, default="post"
        Whether shorter sequences get their padding after or before their
        steps.
    truncating : {"pre", "post"}, default="pre"
        Whether longer sequences lose their first steps ("pre", keeping the
        most recent ones) or their last ones ("post").
    starts : ndarray of int of shape (n_sequences,), default=None
        Where each sequence starts in ``flat``, when sequences are followed
        by steps not to pad (such as their trailing padding). None: the
        sequences are stored without gaps, each at the end of the previous.

    Returns
    -------
    out : ndarray of shape (n_sequences, width) or (n_sequences, width, \
n_features)
        The padded sequences, in the dtype of ``flat``.
    """
    n_sequences = len(lengths)
    if starts is None:
        starts = sequence_offsets(lengths)
    kept = np.minimum(lengths, width)
    source = starts + (lengths - kept) if truncating == "pre" else starts
    target = width - kept if padding == "pre" else np.zeros_like(kept)
    # One vectorized copy: step j of the kept part of sequence i goes from
    # flat[source[i] + j] to out[i, target[i] + j].
    step = np.arange(kept.sum()) - np.repeat(sequence_offsets(kept), kept)
    out = np.full((n_sequences, width, *flat.shape[1:]), value, dtype=flat.dtype)
    out[np.repeat(np.arange(n_sequences), kept), np.repeat(target, kept) + step] = flat[
        np.repeat(source, kept) + step
    ]
    return out
