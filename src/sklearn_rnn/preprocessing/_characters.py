"""Character ids of each token for Tokenizer(max_word_length=...).

A character-level encoder of a tagger (a character CNN, as in Ma and Hovy,
2016) reads the spelling of every token: the tokens' characters are counted
in ``fit`` into a character vocabulary and looked up in ``transform``, one
row of ``max_word_length`` ids per token. Characters keep their case, so
they come from a second analysis of the documents without lowercasing,
which is checked to give the same tokens. Lookup and layout are vectorized:
no per-character Python bytecode.
"""

from collections import Counter
from itertools import chain, repeat

import numpy as np

from .._input import sequence_offsets
from ._analyzer import check_tokens
from ._vocabulary import order_by_count, with_specials

# The id of a character that fit never saw; 0 is padding after a word's end.
UNKNOWN_CHARACTER = 1


def check_character_settings(*, max_word_length, analyzer, backend):
    """Refuse the settings whose tokens have no characters of their own."""
    if max_word_length is None:
        return
    if analyzer == "char":
        raise ValueError(
            f"max_word_length={max_word_length} cannot be combined with "
            "analyzer='char': every token is a single character already. Use "
            "analyzer='word' or 'pretokenized' for word tokens with their "
            "characters."
        )
    if backend == "huggingface":
        raise ValueError(
            f"max_word_length={max_word_length} cannot be combined with "
            "backend='huggingface': the character ids are those of whole "
            "tokens, and subword pieces are not. Use backend='python'."
        )


def check_characters_counted(max_word_length, counted, earlier):
    """Refuse max_word_length set after ``earlier`` fits that counted no characters.

    The character vocabulary is learned in fit; partial_fit would otherwise
    build it from the latest chunks only, and transform would have none.
    """
    if max_word_length is not None and not counted:
        raise ValueError(
            f"max_word_length={max_word_length} was set after earlier {earlier} "
            "without it, so the characters of their documents were not counted "
            "into character_vocabulary_. Fit again on all the documents (or "
            "partial_fit from the first chunk) with max_word_length set."
        )


def cased_tokens(token_lists, cased_lists, *, check, first_doc=0):
    """The cased tokens of a chunk end to end, aligned with its tokens.

    ``cased_lists`` is the analysis of the same documents without
    lowercasing. With ``check``, each document must give as many cased
    tokens as tokens, each the token once lowercased; splitting a lowercased
    document may differ (lowercasing "İ" gives two characters, a custom
    token pattern may depend on case), and misaligned characters would be
    wrong silently, so that is an error naming the document.
    """
    cased = list(chain.from_iterable(cased_lists))
    if not check:
        return cased
    if not all(issubclass(kind, str) for kind in set(map(type, cased))):
        check_tokens(cased, None)  # raises, naming the types
    if list(map(str.lower, cased)) == list(chain.from_iterable(token_lists)):
        return cased
    for doc, (tokens, originals) in enumerate(
        zip(token_lists, cased_lists, strict=True)
    ):
        if list(map(str.lower, originals)) != tokens:
            raise ValueError(
                f"Document {first_doc + doc} splits into the tokens {tokens[:6]} "
                f"but, without lowercasing, into {originals[:6]}: lowercasing "
                "changes its tokens (some characters, such as 'İ', lowercase to "
                "two; a token_pattern or analyzer may depend on case), so the "
                "characters of max_word_length, which keep their case, cannot be "
                "matched with its tokens. Set lowercase=False, or split the "
                "documents yourself and pass them with analyzer='pretokenized'."
            )
    raise AssertionError("cased tokens differ, yet no document does")


def add_character_counts(previous, counts):
    """``previous`` character counts plus ``counts``, ordered by (-count, char)."""
    totals = Counter(previous)
    totals.update(counts)
    return {c: totals[c] for c in order_by_count(totals)}


def count_characters(counter, cased, token_lists, stop_words):
    """Add the characters of the cased tokens to the Counter ``counter``.

    The characters of stop words are not counted: those tokens are never
    emitted, as they are not counted in ``token_counts_``.
    """
    if stop_words:
        cased = [
            original
            for original, token in zip(
                cased, chain.from_iterable(token_lists), strict=True
            )
            if token not in stop_words
        ]
    # Counter.update of one string counts its characters in C.
    counter.update("".join(cased))


def character_vocabulary(character_counts):
    """Character to id: "<pad>" 0, "<unk>" 1, then every counted character."""
    # Every character seen is kept: a rare character (an accented letter, a
    # symbol) is exactly what the spelling of an unknown word shows.
    return with_specials(list(character_counts))


def character_ids(tokens, vocabulary, width):
    """The character ids of each token, an int64 array (n_tokens, width).

    Ids are left-aligned, 0 after the word's end. A token longer than
    ``width`` keeps its first ceil(width / 2) and last floor(width / 2)
    characters: prefixes and suffixes (capitals, "-ing", "-ed") are what
    tagging reads from spelling.
    """
    lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
    text = "".join(tokens)
    ids = np.fromiter(
        map(vocabulary.get, text, repeat(UNKNOWN_CHARACTER)), np.int64, len(text)
    )
    token_of = np.repeat(np.arange(len(tokens)), lengths)
    length_of = lengths[token_of]
    position = np.arange(len(text)) - sequence_offsets(lengths)[token_of]
    head, tail = (width + 1) // 2, width // 2
    in_head = position < head
    keep = (length_of <= width) | in_head | (position >= length_of - tail)
    # The tail of a long token moves left, to end at the last column.
    column = np.where(
        (length_of > width) & ~in_head, position - length_of + width, position
    )
    out = np.zeros((len(tokens), width), dtype=np.int64)
    out[token_of[keep], column[keep]] = ids[keep]
    return out


def token_id_column(X, width):
    """Column 0, the token ids, of each sequence of X (rows of character ids)."""
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(
            "inverse_transform expects token and character ids (a list of 2-D "
            f"integer arrays or a 3-D integer array), got {type(X).__name__}."
        )
    columns = []
    for i, rows in enumerate(X):
        ids = np.asarray(rows)
        if ids.ndim != 2 or ids.shape[1] != width + 1:
            raise ValueError(
                f"Sequence {i} of X has shape {ids.shape}; with "
                f"max_word_length={width} each sequence must be of shape "
                f"(n_tokens, {width + 1}): the token id, then the ids of its "
                "characters, as transform returns."
            )
        columns.append(ids[:, 0])
    return columns
