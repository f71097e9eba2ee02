"""Tokenizer throughput against a plain regex + dict loop and HuggingFace.

A synthetic corpus is generated deterministically: made-up words drawn from a
Zipf distribution (exponent 1.1) over a vocabulary of 20,000, 5 to 30 words
per document, some capitalized, some followed by punctuation. Three methods
fit a word vocabulary and turn every document into an int64 id array:

1. ``Tokenizer()`` (defaults: lowercase, token pattern ``(?u)\\b\\w+\\b``,
   out-of-vocabulary id 1), ``fit`` and ``transform``;
2. the plain loop -- the reference: ``re.findall`` with the same compiled
   pattern on ``doc.lower()``, counts in a dict, ids by ``dict.get(token, 1)``,
   one ``np.array(..., dtype=np.int64)`` per document;
3. HuggingFace ``tokenizers``: a ``WordLevel`` model with the ``Lowercase``
   normalizer and the ``Whitespace`` pre-tokenizer, trained with
   ``WordLevelTrainer`` and applied with ``encode_batch``, ids converted to one
   int64 array per document. It keeps punctuation as tokens, so it emits more
   tokens than the other two, and ``encode_batch`` runs on all cores (Rust
   threads) while the other two use one.

Goal: Tokenizer transform <= 1.2x the plain loop's time.

The methods run interleaved (A, B, C, A, B, C, ...) after one untimed warm-up
each on a small slice; the table shows median times and throughput, and the
ratios are medians of per-repeat ratios. Corpus generation is not timed.

Run from the repository root::

    python benchmarks/tokenizer.py              # 200,000 documents, ~1 minute
    python benchmarks/tokenizer.py --quick      # smoke run, a few seconds
    python benchmarks/tokenizer.py --n-docs 50000 --repeats 3
"""

import argparse
import gc
import os
import platform
import re
import statistics
import time

import numpy as np

import sklearn_rnn
from sklearn_rnn.preprocessing import Tokenizer

VOCAB_SIZE = 20_000
ZIPF_EXPONENT = 1.1
MIN_WORDS, MAX_WORDS = 5, 30
SEED = 0
TOKEN_PATTERN = r"(?u)\b\w+\b"
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "th"]


def make_corpus(n_docs, seed=SEED):
    """Deterministic synthetic documents (same seed, same corpus)."""
    rng = np.random.default_rng(seed)
    words = set()
    while len(words) < VOCAB_SIZE:
        n = rng.integers(1, 5)
        words.add("".join(SYLLABLES[i] for i in rng.integers(len(SYLLABLES), size=n)))
    words = sorted(words)
    rng.shuffle(words)
    weights = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** ZIPF_EXPONENT
    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=n_docs)
    picks = rng.choice(VOCAB_SIZE, size=int(lengths.sum()), p=weights / weights.sum())
    capital = rng.random(len(picks)) < 0.1
    marks = rng.choice(["", "", "", "", "", "", ",", ".", "!", "?"], size=len(picks))
    tokens = [
        (w.capitalize() if c else w) + m
        for w, c, m in zip(
            np.asarray(words, dtype=object)[picks], capital, marks, strict=True
        )
    ]
    ends = np.cumsum(lengths)
    return [
        " ".join(tokens[start:end]).capitalize()
        for start, end in zip(ends - lengths, ends, strict=True)
    ]


# -- the plain loop (reference) ---------------------------------------------------


def plain_fit(docs):
    findall = re.compile(TOKEN_PATTERN).findall
    counts = {}
    for doc in docs:
        for token in findall(doc.lower()):
            counts[token] = counts.get(token, 0) + 1
    order = sorted(counts, key=lambda t: (-counts[t], t))
    return dict(zip(order, range(2, len(order) + 2), strict=True))


def plain_transform(docs, vocabulary):
    findall = re.compile(TOKEN_PATTERN).findall
    get = vocabulary.get
    return [
        np.array([get(token, 1) for token in findall(doc.lower())], dtype=np.int64)
        for doc in docs
    ]


# -- HuggingFace word level -------------------------------------------------------


def hf_fit(docs):
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import models, normalizers, pre_tokenizers, trainers

    tokenizer = HFTokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(
        special_tokens=["<pad>", "<unk>"], show_progress=False
    )
    tokenizer.train_from_iterator(docs, trainer=trainer)
    return tokenizer


def hf_transform(docs, tokenizer):
    encodings = tokenizer.encode_batch(docs, add_special_tokens=False)
    return [np.array(e.ids, dtype=np.int64) for e in encodings]


# -- timing -----------------------------------------------------------------------


def run_interleaved(methods, warmup, repeats):
    for method in warmup.values():
        method()
    times = {name: [] for name in methods}
    for _ in range(repeats):
        for name, method in methods.items():
            gc.collect()
            start = time.perf_counter()
            method()
            times[name].append(time.perf_counter() - start)
    return times


def median_ratio(times, numerator, denominator):
    return statistics.median(
        a / b for a, b in zip(times[numerator], times[denominator], strict=True)
    )


def print_times(times, n_docs, n_tokens):
    for name, values in times.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.3f}" for v in values)
        print(
            f"  {name:<30} {median:7.3f} s  {n_docs / median / 1e3:7.0f}k docs/s  "
            f"{n_tokens / median / 1e6:6.2f}M tokens/s   [{runs}]"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="20,000 documents and 3 repeats"
    )
    args = parser.parse_args()
    if args.quick:
        args.n_docs, args.repeats = 20_000, 3
    try:
        import tokenizers
    except ImportError:
        tokenizers = None

    print("sklearn_rnn Tokenizer throughput benchmark")
    print(
        f"  sklearn_rnn {sklearn_rnn.__version__}, numpy {np.__version__}, "
        f"tokenizers {tokenizers.__version__ if tokenizers else 'not installed'}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
    )
    docs = make_corpus(args.n_docs)
    n_tokens = sum(len(re.findall(TOKEN_PATTERN, d)) for d in docs)
    print(
        f"  corpus: {len(docs)} documents, {n_tokens} word tokens, "
        f"{sum(map(len, docs)) / 1e6:.1f}M characters, Zipf({ZIPF_EXPONENT}) over "
        f"{VOCAB_SIZE} made-up words; {args.repeats} interleaved repeat(s), "
        "times are medians"
    )
    print(f"  e.g. {docs[0]!r}")
    if args.quick:
        print("  --quick: sizes too small for PASS/MISS to mean much")
    small = docs[:2000]

    tokenizer = Tokenizer().fit(docs)
    vocabulary = plain_fit(docs)
    # Same vocabulary, same ids: the comparison is like for like.
    assert vocabulary == {t: i for t, i in tokenizer.vocabulary_.items() if i > 1}
    ours, plain = (
        tokenizer.transform(docs[:1000]),
        plain_transform(docs[:1000], vocabulary),
    )
    assert all(np.array_equal(a, b) for a, b in zip(ours, plain, strict=True))

    fit_methods = {
        "Tokenizer.fit": lambda: Tokenizer().fit(docs),
        "plain loop fit": lambda: plain_fit(docs),
    }
    fit_warmup = {
        "Tokenizer.fit": lambda: Tokenizer().fit(small),
        "plain loop fit": lambda: plain_fit(small),
    }
    transform_methods = {
        "Tokenizer.transform": lambda: tokenizer.transform(docs),
        "plain loop transform": lambda: plain_transform(docs, vocabulary),
    }
    transform_warmup = {
        "Tokenizer.transform": lambda: tokenizer.transform(small),
        "plain loop transform": lambda: plain_transform(small, vocabulary),
    }
    if tokenizers is not None:
        hf = hf_fit(docs)
        fit_methods["HF WordLevel train"] = lambda: hf_fit(docs)
        fit_warmup["HF WordLevel train"] = lambda: hf_fit(small)
        transform_methods["HF WordLevel encode_batch"] = lambda: hf_transform(docs, hf)
        transform_warmup["HF WordLevel encode_batch"] = lambda: hf_transform(small, hf)

    print("\nfit (learn the vocabulary)")
    times = run_interleaved(fit_methods, fit_warmup, args.repeats)
    print_times(times, len(docs), n_tokens)
    print("  ratios to the plain loop (median of per-repeat ratios):")
    for name in times:
        ratio = median_ratio(times, name, "plain loop fit")
        print(f"    {name + ' / plain loop':<44} {ratio:6.2f}x")

    print("\ntransform (documents to int64 id arrays)")
    times = run_interleaved(transform_methods, transform_warmup, args.repeats)
    print_times(times, len(docs), n_tokens)
    print("  ratios to the plain loop (median of per-repeat ratios):")
    for name in times:
        ratio = median_ratio(times, name, "plain loop transform")
        goal = ""
        if name == "Tokenizer.transform":
            goal = f"   goal <= 1.20x   {'PASS' if ratio <= 1.2 else 'MISS'}"
        print(f"    {name + ' / plain loop':<44} {ratio:6.2f}x{goal}")


if __name__ == "__main__":
    main()
