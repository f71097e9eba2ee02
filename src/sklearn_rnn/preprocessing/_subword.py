"""The subword backend of Tokenizer: BPE learning, HuggingFace, encoding.

Subword models (BPE, WordPiece) are learned here from the word counts, with
deterministic tie-breaking, and run by the optional HuggingFace
``tokenizers`` package, which is imported only when needed.
"""

import heapq
from collections import Counter, defaultdict
from itertools import chain, pairwise
from operator import attrgetter

import numpy as np

from ._vocabulary import OOV_TOKEN, SPECIAL_TOKENS, order_by_count, with_specials

# Marks a continuation piece of a word in the subword vocabulary ("play",
# "##ing"), as BERT's WordPiece does; it lets decoding restore word breaks.
SUBWORD_PREFIX = "##"


def import_tokenizers():
    """The tokenizers package, or an ImportError naming the extra to install."""
    try:
        import tokenizers
    except ImportError as exc:
        raise ImportError(
            "backend='huggingface' needs the HuggingFace tokenizers package: "
            "pip install 'sklearn-rnn[huggingface]' (or pip install tokenizers)."
        ) from exc
    return tokenizers


def learn_subwords(word_counts, max_size, min_freq):
    """Learn BPE merges from word counts, deterministically.

    Returns ``(token_counts, merges)``: every subword token (the initial
    alphabet and each merge result) with its count in the final segmentation
    of the words, and the merges in the order learned. Ties between pairs of
    equal count go to the smallest pair of strings, so neither document order
    nor hashing changes the result (HuggingFace's own trainers break ties by
    hash order and differ between runs).
    """
    words = sorted(word_counts)
    counts = [word_counts[w] for w in words]
    symbols = [[w[0], *(SUBWORD_PREFIX + c for c in w[1:])] for w in words]
    alphabet = Counter()
    for syms, n in zip(symbols, counts, strict=True):
        for s in syms:
            alphabet[s] += n
    if max_size is not None and len(alphabet) + 2 > max_size:
        raise ValueError(
            f"max_tokens={max_size} is too small for the subword model: the words "
            f"hold {len(alphabet)} distinct characters (with their '##' "
            "continuation forms), which with the 2 special tokens need "
            f"max_tokens >= {len(alphabet) + 2}."
        )
    tokens = set(alphabet)
    pair_counts = defaultdict(int)
    where = defaultdict(set)
    for i, (syms, n) in enumerate(zip(symbols, counts, strict=True)):
        for pair in pairwise(syms):
            pair_counts[pair] += n
            where[pair].add(i)
    heap = [(-n, a, b) for (a, b), n in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    cut = len(SUBWORD_PREFIX)
    while heap and (max_size is None or len(tokens) + 2 < max_size):
        negative, a, b = heapq.heappop(heap)
        if pair_counts.get((a, b)) != -negative:
            continue  # stale entry: the pair's count changed since it was pushed
        if -negative < min_freq:
            break
        merged = a + b[cut:]
        merges.append((a, b))
        tokens.add(merged)
        del pair_counts[(a, b)]
        changed = set()
        for i in where.pop((a, b)):
            syms = symbols[i]
            new, j = [], 0
            while j < len(syms):
                if j + 1 < len(syms) and syms[j] == a and syms[j + 1] == b:
                    new.append(merged)
                    j += 2
                else:
                    new.append(syms[j])
                    j += 1
            if len(new) == len(syms):
                continue
            delta = Counter(pairwise(new))
            delta.subtract(pairwise(syms))
            for pair, d in delta.items():
                if d and pair != (a, b):
                    pair_counts[pair] += d * counts[i]
                    changed.add(pair)
                    if d > 0:
                        where[pair].add(i)
            symbols[i] = new
        for pair in changed:
            n = pair_counts[pair]
            if n > 0:
                heapq.heappush(heap, (-n, *pair))
            else:
                del pair_counts[pair]
    final = dict.fromkeys(tokens, 0)
    for syms, n in zip(symbols, counts, strict=True):
        for s in syms:
            final[s] += n
    return final, merges


def build_hf_tokenizer(vocabulary, merges, subword):
    tokenizers = import_tokenizers()
    if subword == "bpe":
        model = tokenizers.models.BPE(
            vocab=vocabulary,
            merges=merges,
            unk_token=OOV_TOKEN,
            continuing_subword_prefix=SUBWORD_PREFIX,
        )
    else:
        model = tokenizers.models.WordPiece(
            vocab=vocabulary,
            unk_token=OOV_TOKEN,
            continuing_subword_prefix=SUBWORD_PREFIX,
        )
    tokenizer = tokenizers.Tokenizer(model)
    # Words arrive pre-split by the analyzer; the decoder glues "##" pieces.
    tokenizer.decoder = tokenizers.decoders.WordPiece(
        prefix=SUBWORD_PREFIX, cleanup=False
    )
    return tokenizer


def learn_subword_vocabulary(word_counts, *, max_tokens, min_freq, subword):
    """Return the subword vocabulary and the HuggingFace tokenizer that runs it."""
    counts, merges = learn_subwords(word_counts, max_tokens, min_freq)
    tokens = [t for t in order_by_count(counts) if t not in SPECIAL_TOKENS]
    vocabulary = with_specials(tokens)
    return vocabulary, build_hf_tokenizer(vocabulary, merges, subword)


def subword_encoder(hf_tokenizer, stop_words, default):
    """Function (word lists, their sizes) -> (ids end to end, token_at).

    As ``_vocabulary.lookup_encoder``, for the pieces of each word:
    ``sizes`` becomes the number of pieces of each document, in place, and
    ``token_at(doc, step)`` names the word behind a piece.
    """
    encode_batch = hf_tokenizer.encode_batch
    # Each distinct word is encoded by HuggingFace once per transform call
    # (a word's pieces do not depend on its neighbours); occurrences are
    # then looked up. Stop words have no pieces, so they vanish.
    pieces = dict.fromkeys(stop_words, ())

    def encode(token_lists, sizes):
        tokens = list(chain.from_iterable(token_lists))
        new = sorted(set(tokens).difference(pieces))
        if new:
            encodings = encode_batch(
                [[word] for word in new],
                is_pretokenized=True,
                add_special_tokens=False,
            )
            pieces.update(zip(new, map(attrgetter("ids"), encodings), strict=True))
        per_token = list(map(pieces.__getitem__, tokens))
        n_pieces = np.fromiter(map(len, per_token), np.int64, len(per_token))
        doc_of = np.repeat(np.arange(len(sizes)), sizes)
        sizes[:] = np.bincount(doc_of, weights=n_pieces, minlength=len(sizes))
        flat = np.fromiter(
            chain.from_iterable(per_token), np.int64, int(n_pieces.sum())
        )
        # "<unk>", and "<pad>" if the model spells a word with it: unknown.
        flat[(flat == 0) | (flat == 1)] = default

        def token_at(doc, step):
            # The unknown piece belongs to one word of the document.
            for word in token_lists[doc]:
                step -= len(pieces[word])
                if step < 0:
                    return word

        return flat, token_at

    return encode
