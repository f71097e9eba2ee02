"""The vocabulary of Tokenizer: counting, ordering, special tokens, lookup.

Id 0 is padding ("<pad>") and id 1 out-of-vocabulary ("<unk>"); the learned
tokens follow, ordered by (-count, token) so that the ids do not depend on
the order of the documents. A fixed vocabulary given by the user is checked
against those rules here too. Looking tokens up (the python backend) has no
per-token Python bytecode: ``map(dict.get, ...)`` straight into one
``np.fromiter`` buffer.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import chain, count, repeat
from numbers import Integral

import numpy as np

PAD_TOKEN = "<pad>"
OOV_TOKEN = "<unk>"
SPECIAL_TOKENS = (PAD_TOKEN, OOV_TOKEN)
# Sentinel ids of the lookup: never emitted, removed before output.
UNKNOWN = -1
STOP = -2


def order_by_count(counts):
    """Tokens sorted by (-count, token): independent of document order."""
    # reverse=True keeps the alphabetical order of equal counts (sort is stable).
    return sorted(sorted(counts), key=counts.__getitem__, reverse=True)


def with_specials(tokens):
    """Vocabulary dict: the special tokens as ids 0 and 1, then ``tokens``."""
    vocabulary = dict(zip(SPECIAL_TOKENS, range(len(SPECIAL_TOKENS)), strict=True))
    vocabulary.update(zip(tokens, range(2, len(tokens) + 2), strict=True))
    return vocabulary


def count_tokens(token_chunks, *, keep_ids, every):
    """Count the tokens of an iterable of chunks of token lists.

    Returns the distinct tokens in order of first appearance, their counts
    and, with ``keep_ids``, every token as its index in that list, end to
    end, with the number of tokens of each document (else None, None).
    Counts are folded in (an O(vocabulary) bincount) every ``every`` tokens.
    """
    # A missing key calls count().__next__: new tokens get the next index
    # without any Python-level code per token.
    index = defaultdict(count().__next__)
    get_index = index.__getitem__
    counts = np.zeros(0, dtype=np.int64)
    flats, lengths, pending = [], [], []

    def add_pending(counts):
        if not pending:
            return counts
        new = np.bincount(np.concatenate(pending), minlength=len(index))
        new[: len(counts)] += counts
        pending.clear()
        return new

    n_pending = 0
    for token_lists in token_chunks:
        sizes = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        ids = np.fromiter(
            map(get_index, chain.from_iterable(token_lists)),
            np.int64,
            int(sizes.sum()),
        )
        pending.append(ids)
        n_pending += len(ids)
        if n_pending >= every:
            counts, n_pending = add_pending(counts), 0
        if keep_ids:
            flats.append(ids)
            lengths.append(sizes)
    counts = add_pending(counts)
    if not keep_ids:
        return list(index), counts, None, None
    return list(index), counts, np.concatenate(flats), np.concatenate(lengths)


def add_counts(previous, tokens, counts, *, ignored):
    """``previous`` counts plus those of ``tokens``, ordered by (-count, token)."""
    totals = dict(previous)
    for token, n in zip(tokens, counts.tolist(), strict=True):
        if token not in ignored:
            totals[token] = totals.get(token, 0) + n
    return {t: totals[t] for t in order_by_count(totals)}


def learned_vocabulary(token_counts, *, min_freq, max_tokens):
    """The vocabulary of the most frequent tokens (counts already ordered)."""
    kept = [t for t, c in token_counts.items() if c >= min_freq]
    if max_tokens is not None:
        kept = kept[: max_tokens - len(SPECIAL_TOKENS)]
    return with_specials(kept)


def fixed_vocabulary(given):
    """Check a vocabulary given by the user and return it as a dict in id order.

    ``given`` is a mapping of token to id (ids run from 0 without gaps,
    "<pad>" is 0 and "<unk>" is 1, added if both are missing) or an iterable
    of tokens, which get ids 2, 3, ... (it may start with "<pad>", "<unk>").
    """
    if isinstance(given, Mapping):
        for token, index in given.items():
            if not isinstance(token, str):
                raise TypeError(
                    f"vocabulary keys must be strings; got {token!r} of type "
                    f"{type(token).__name__}."
                )
            if isinstance(index, bool) or not isinstance(index, Integral):
                raise TypeError(
                    f"vocabulary ids must be integers; {token!r} maps to {index!r}."
                )
        vocabulary = {t: int(i) for t, i in given.items()}
        if PAD_TOKEN not in vocabulary and OOV_TOKEN not in vocabulary:
            vocabulary.update({PAD_TOKEN: 0, OOV_TOKEN: 1})
        for index, special in enumerate(SPECIAL_TOKENS):
            if vocabulary.get(special) != index:
                raise ValueError(
                    f"vocabulary must map {special!r} to {index} (ids 0 and 1 "
                    f"are padding and out-of-vocabulary), got "
                    f"{vocabulary.get(special)!r}."
                )
        ids = sorted(vocabulary.values())
        if ids != list(range(len(ids))):
            missing = sorted(set(range(len(ids))) - set(ids))
            repeated = sorted(i for i, c in Counter(ids).items() if c > 1)
            raise ValueError(
                f"vocabulary ids must run from 0 to {len(ids) - 1} without "
                "gaps, each used once (padding 0 and out-of-vocabulary 1 "
                f"included); missing ids: {missing[:5]}, repeated ids: "
                f"{repeated[:5]}."
            )
        vocabulary = dict(sorted(vocabulary.items(), key=lambda kv: kv[1]))
    else:
        tokens = list(given)
        if tokens[:2] == list(SPECIAL_TOKENS):
            tokens = tokens[2:]
        for token in tokens:
            if not isinstance(token, str):
                raise TypeError(
                    f"vocabulary must hold strings; got {token!r} of type "
                    f"{type(token).__name__}."
                )
            if token in SPECIAL_TOKENS:
                raise ValueError(
                    f"vocabulary holds the special token {token!r} at position "
                    f"{tokens.index(token)}; it may only appear as the first "
                    "two entries '<pad>', '<unk>' (ids 0 and 1)."
                )
        repeated = [t for t, c in Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"vocabulary holds repeated tokens, e.g. {repeated[:5]}; each "
                "token needs a single id."
            )
        vocabulary = with_specials(tokens)
    if len(vocabulary) == len(SPECIAL_TOKENS):
        raise ValueError(
            "The vocabulary is empty: the fixed vocabulary holds no token "
            "besides the special tokens."
        )
    return vocabulary


def lookup_encoder(vocabulary, stop_words, default):
    """Function (token lists, their sizes) -> (ids end to end, token_at).

    Ids are the vocabulary's, with the sentinel STOP for stop words and
    ``default`` (id 1, or the sentinel UNKNOWN) for unknown tokens;
    ``token_at(doc, step)`` names the token behind an id.
    """
    lookup = vocabulary
    if stop_words:
        # Stop words are removed like unknown tokens: no per-document filter.
        lookup = {**lookup, **dict.fromkeys(stop_words, STOP)}
    get = lookup.get

    def encode(token_lists, sizes):
        flat = np.fromiter(
            map(get, chain.from_iterable(token_lists), repeat(default)),
            np.int64,
            int(sizes.sum()),
        )
        # Only the tokens "<pad>" and "<unk>" map to 0 and 1: they are
        # unknown, so that padding never appears inside text.
        flat[(flat == 0) | (flat == 1)] = default
        return flat, lambda doc, step: token_lists[doc][step]

    return encode


def ids_without_padding(X, size):
    """Each sequence of token ids of X as int64, without its padding ids (0).

    Refuses what is not a collection of 1-D integer sequences, and ids
    outside a vocabulary of ``size`` tokens.
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(
            "inverse_transform expects token ids (a list of integer arrays "
            f"or a 2-D integer array), got {type(X).__name__}."
        )
    sequences = []
    for i, row in enumerate(X):
        ids = np.asarray(row)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            raise ValueError(
                f"Sequence {i} of X is not a 1-D sequence of integer token ids "
                f"(shape {ids.shape}, dtype {ids.dtype})."
            )
        ids = ids[ids != 0].astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= size):
            bad = ids[(ids < 0) | (ids >= size)][0]
            raise ValueError(
                f"Sequence {i} of X holds the id {bad}, outside the vocabulary "
                f"(ids 0 to {size - 1})."
            )
        sequences.append(ids)
    return sequences
