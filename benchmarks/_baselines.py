"""Classical baselines for the tagging and language-model benchmarks.

* Linear-chain CRF (``crf_tagger``): sklearn-crfsuite with the hand-made word
  features of its CoNLL-2002 tutorial and the tutorial's settings (L-BFGS,
  ``c1=0.1``, ``c2=0.1``, ``max_iterations=100``,
  ``all_possible_transitions=True``). Scored by token accuracy on
  Porttinari (``porttinari_crf``) and by seqeval's entity-level F1 on WNUT16
  (``wnut16_crf``).
* Character n-gram language model (``KneserNeyCharLM``): nltk.lm's
  ``KneserNeyInterpolated`` computed with numpy count tables instead of nltk's
  own code. nltk recounts continuations over the whole n-gram table for every
  character it scores: trained on two plays (215,000 characters) it took
  4 ms per character at order 5 and 36 ms at order 8, and the tables grow
  with the training text, so scoring the 460,000 held-out characters after
  training on 4.26 million would take hours (order 5) to days (order 8).
  ``check_against_nltk`` shows that both give the same log-probabilities (to
  1e-14) on a small sample, for orders 2 to 8 and several discounts.
  ``shakespeare_kneser_ney`` trains it on all characters of the 32 training
  plays (no subset), picks the order and discount on the 2 validation plays
  and reports bits per character on the 4 held-out test plays.
* Penn Treebank: the published Kneser-Ney 5-gram test perplexity
  (``PTB_KNESER_NEY_5GRAM_PERPLEXITY``), not recomputed.

Run from the repository root (each uses one core)::

    python benchmarks/_baselines.py porttinari   # CRF, about 20 s
    python benchmarks/_baselines.py wnut16       # CRF, under 10 s
    python benchmarks/_baselines.py shakespeare  # orders 2-8, about 1 minute
    python benchmarks/_baselines.py check-nltk   # numpy KN == nltk.lm KN, 10 s

``--seed`` picks the tagging split, ``--discounts`` the Kneser-Ney discounts
tried.
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import _corpora

# Mikolov, Deoras, Kombrink, Burget and Cernocky (2011), "Empirical evaluation
# and combination of advanced language modeling techniques", Interspeech:
# test perplexity of a Kneser-Ney smoothed 5-gram on Mikolov's Penn Treebank.
PTB_KNESER_NEY_5GRAM_PERPLEXITY = 141.2

CRF_PARAMS = dict(
    algorithm="lbfgs",
    c1=0.1,
    c2=0.1,
    max_iterations=100,
    all_possible_transitions=True,
)


# --------------------------------------------------------------------------
# Linear-chain CRF
# --------------------------------------------------------------------------


def word2features(tokens, i):
    """The sklearn-crfsuite tutorial's features of token ``i``.

    The tutorial's ``word2features`` without its part-of-speech features
    (these corpora carry none as input): the lower-cased word, its last three
    and last two characters, ``isupper``, ``istitle``, ``isdigit``; the
    lower-cased word, ``istitle`` and ``isupper`` of the previous and the next
    token; ``BOS`` / ``EOS`` at the ends of the sentence.
    """
    word = tokens[i]
    features = {
        "bias": 1.0,
        "word.lower()": word.lower(),
        "word[-3:]": word[-3:],
        "word[-2:]": word[-2:],
        "word.isupper()": word.isupper(),
        "word.istitle()": word.istitle(),
        "word.isdigit()": word.isdigit(),
    }
    if i > 0:
        previous = tokens[i - 1]
        features.update(
            {
                "-1:word.lower()": previous.lower(),
                "-1:word.istitle()": previous.istitle(),
                "-1:word.isupper()": previous.isupper(),
            }
        )
    else:
        features["BOS"] = True
    if i < len(tokens) - 1:
        following = tokens[i + 1]
        features.update(
            {
                "+1:word.lower()": following.lower(),
                "+1:word.istitle()": following.istitle(),
                "+1:word.isupper()": following.isupper(),
            }
        )
    else:
        features["EOS"] = True
    return features


def sent2features(tokens):
    return [word2features(tokens, i) for i in range(len(tokens))]


def crf_tagger(X_train, y_train, X_test, **params):
    """Fit a linear-chain CRF on token lists and tag ``X_test``.

    Parameters
    ----------
    X_train, X_test : list of list of str
        Sentences as token lists.
    y_train : list of list of str
        One tag per training token.
    **params
        Overrides of ``CRF_PARAMS`` (the tutorial's settings).

    Returns
    -------
    y_pred : list of list of str
        One tag per test token.
    """
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF(**{**CRF_PARAMS, **params})
    crf.fit([sent2features(tokens) for tokens in X_train], y_train)
    # sklearn-crfsuite 0.5 returns a numpy array (2-D when all sentences have
    # the same length): hand back plain lists of str.
    y_pred = crf.predict([sent2features(tokens) for tokens in X_test])
    return [[str(tag) for tag in tags] for tags in y_pred]


def token_accuracy(y_true, y_pred):
    """Share of tokens tagged right, over all tokens of all sentences."""
    true = np.concatenate([np.asarray(tags, dtype=object) for tags in y_true])
    pred = np.concatenate([np.asarray(tags, dtype=object) for tags in y_pred])
    return float(np.mean(true == pred))


def porttinari_crf(seed=0):
    """CRF token accuracy on Porttinari's test sentences (split ``seed``)."""
    X_train, y_train, X_test, y_test = _corpora.load_porttinari(seed=seed)
    start = time.perf_counter()
    y_pred = crf_tagger(X_train, y_train, X_test)
    seconds = time.perf_counter() - start
    return {"accuracy": token_accuracy(y_test, y_pred), "seconds": seconds}


def wnut16_crf(seed=0):
    """CRF entity-level scores on WNUT16's test tweets (split ``seed``).

    seqeval's default (conlleval-compatible) micro-averaged precision, recall
    and F1 over entity spans, and its strict IOB2 F1 beside them.
    """
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    X_train, y_train, X_test, y_test = _corpora.load_wnut16(seed=seed)
    start = time.perf_counter()
    y_pred = crf_tagger(X_train, y_train, X_test)
    seconds = time.perf_counter() - start
    return {
        "f1": f1_score(y_test, y_pred),
        "precision": precision_score(y_test, y_pred),
        "recall": recall_score(y_test, y_pred),
        "f1_strict": f1_score(y_test, y_pred, mode="strict", scheme=IOB2),
        "token_accuracy": token_accuracy(y_test, y_pred),
        "seconds": seconds,
    }


# --------------------------------------------------------------------------
# Character n-gram language model: nltk.lm's KneserNeyInterpolated, in numpy
# --------------------------------------------------------------------------

_BOS, _EOS = 1, 2  # nltk's "<s>" and "</s>"; characters are coded from 3 on


def _window_keys(codes, length, base):
    """One int64 key per window of ``length`` symbols (base-``base`` digits)."""
    n = len(codes) - length + 1
    keys = np.zeros(max(n, 0), dtype=np.int64)
    for j in range(length):
        keys = keys * base + codes[j : j + n]
    return keys


def _lookup(keys, values, queries):
    """``values`` at ``queries`` in the sorted ``keys``; 0 where absent."""
    index = np.searchsorted(keys, queries)
    index[index == len(keys)] = 0
    found = keys[index] == queries
    return np.where(found, values[index], 0)


def _group_count(keys):
    """Sorted distinct keys and how many times each occurs."""
    return np.unique(keys, return_counts=True)


class KneserNeyCharLM:
    """Interpolated Kneser-Ney character language model, as nltk.lm has it.

    The probabilities are those of
    ``nltk.lm.KneserNeyInterpolated(order, discount=discount)`` fitted with
    ``padded_everygram_pipeline(order, [list(text) for text in texts])``:
    each text is one "sentence" padded with ``order - 1`` start and end
    symbols, and every n-gram of length 1 to ``order`` counts. At the highest
    order the raw counts are discounted; below it the continuation counts
    (how many distinct symbols precede an n-gram); the unigram level is the
    continuation distribution, without a uniform floor, so a character never
    seen in training gets probability 0. A context never seen passes the
    lower order's probability through unchanged. One discount serves every
    order (nltk's default is 0.1).

    Everything is count tables of int64 keys (one base-``V`` digit per
    symbol) held in sorted numpy arrays, so fitting counts the training text
    once per n-gram length and scoring is a few binary searches per order for
    all characters at once.
    """

    def __init__(self, order=5, discount=0.1):
        self.order = order
        self.discount = discount

    def _encode(self, text, pad_end):
        codes = np.fromiter(
            (self.codes_.get(ch, 0) for ch in text), dtype=np.int64, count=len(text)
        )
        if (codes == 0).any():
            unseen = sorted({ch for ch in text if ch not in self.codes_})
            raise ValueError(
                f"Characters never seen in training: {unseen!r}; an "
                "interpolated Kneser-Ney model as nltk.lm has it gives them "
                "probability 0."
            )
        pad = self.order - 1
        start = np.full(pad, _BOS, dtype=np.int64)
        end = np.full(pad if pad_end else 0, _EOS, dtype=np.int64)
        return np.concatenate([start, codes, end])

    def fit(self, texts):
        order = self.order
        alphabet = sorted(set().union(*map(set, texts)))
        self.codes_ = {ch: i + 3 for i, ch in enumerate(alphabet)}
        self.base_ = len(alphabet) + 3
        if order * math.log2(self.base_) >= 62:
            raise ValueError("order too high for int64 n-gram keys")
        sequences = [self._encode(text, pad_end=True) for text in texts]
        base = self.base_
        # ngrams[k]: sorted distinct k-gram keys and their raw counts.
        ngrams = {}
        for k in range(1, order + 1):
            keys = np.concatenate([_window_keys(s, k, base) for s in sequences])
            ngrams[k] = _group_count(keys)
        self.levels_ = {}
        # Unigram: N1+(. w) / N1+(. .), from the distinct bigrams.
        bigrams = ngrams[2][0]
        self.unigram_ = (*_group_count(bigrams % base), len(bigrams))
        for k in range(2, order + 1):
            keys, counts = ngrams[k]
            prefixes = keys // base
            contexts, followers = _group_count(prefixes)
            if k == order:
                numerators = (keys, counts)
                # keys are sorted, so each context's k-grams are contiguous.
                starts = np.concatenate([[0], np.cumsum(followers)[:-1]])
                totals = (contexts, np.add.reduceat(counts, starts))
            else:
                higher = ngrams[k + 1][0] % base**k  # drop the first symbol
                numerators = _group_count(higher)
                totals = _group_count(higher // base)
            self.levels_[k] = (numerators, totals, (contexts, followers))
        return self

    def log2_proba(self, text):
        """log2 p(character | previous ``order - 1``) for every character."""
        order, base, d = self.order, self.base_, self.discount
        codes = self._encode(text, pad_end=False)
        n = len(text)
        # keys[k][i]: the k-gram that ends at character i.
        keys = {
            k: _window_keys(codes, k, base)[order - k :] for k in range(1, order + 1)
        }
        uni_keys, uni_counts, n_bigrams = self.unigram_
        proba = _lookup(uni_keys, uni_counts, keys[1]) / n_bigrams
        for k in range(2, order + 1):
            (num_keys, num_vals), (tot_keys, tot_vals), (ctx_keys, ctx_vals) = (
                self.levels_[k]
            )
            context = keys[k] // base
            numerator = _lookup(num_keys, num_vals, keys[k])
            total = _lookup(tot_keys, tot_vals, context)
            followers = _lookup(ctx_keys, ctx_vals, context)
            seen = followers > 0
            if (total[seen] == 0).any():
                raise ZeroDivisionError("a seen context without continuations")
            total = np.where(seen, total, 1)
            alpha = np.maximum(numerator - d, 0.0) / total
            gamma = d * followers / total
            proba = np.where(seen, alpha + gamma * proba, proba)
        assert len(proba) == n
        with np.errstate(divide="ignore"):
            return np.log2(proba)

    def bits_per_character(self, texts):
        """Mean of -log2 p over every character of every text."""
        logs = [self.log2_proba(text) for text in texts]
        return float(-np.concatenate(logs).mean())


def nltk_kneser_ney_log2(train_texts, text, order, discount=0.1):
    """The same log2 probabilities computed by nltk.lm itself (slow)."""
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    lm = KneserNeyInterpolated(order, discount=discount)
    ngrams, vocabulary = padded_everygram_pipeline(
        order, [list(t) for t in train_texts]
    )
    lm.fit(ngrams, vocabulary)
    history = ["<s>"] * (order - 1) + list(text)
    return np.array(
        [lm.logscore(ch, history[i : i + order - 1]) for i, ch in enumerate(text)]
    )


def check_against_nltk(
    n_train=4000, n_test=400, orders=(2, 3, 5, 8), discounts=(0.1, 0.9)
):
    """Compare ``KneserNeyCharLM`` with nltk.lm on small Shakespeare samples.

    Trains on the first ``n_train`` characters of three training plays and
    scores ``n_test`` characters from the middle of a test play (the
    characters the small training sample lacks are dropped from it). Returns
    the largest absolute difference of log2 probabilities per (order,
    discount), and the seconds nltk took.
    """
    plays = _corpora.load_shakespeare()
    train, test = _corpora.split_plays(plays)
    train_texts = [text[:n_train] for text in list(train.values())[:3]]
    known = set("".join(train_texts))
    middle = next(iter(test.values()))
    middle = middle[len(middle) // 2 :]
    text = "".join(ch for ch in middle if ch in known)[:n_test]
    result = {}
    for order in orders:
        for discount in discounts:
            lm = KneserNeyCharLM(order, discount).fit(train_texts)
            ours = lm.log2_proba(text)
            start = time.perf_counter()
            theirs = nltk_kneser_ney_log2(train_texts, text, order, discount)
            seconds = time.perf_counter() - start
            gap = float(np.max(np.abs(ours - theirs)))
            result[order, discount] = (gap, seconds)
    return result


def shakespeare_kneser_ney(orders=range(2, 9), discounts=(0.1,)):
    """Bits per character of ``KneserNeyCharLM`` on held-out plays.

    Trained on all characters of the 32 training plays (4.26 million),
    scored on every character of the 2 validation plays and of the 4 test
    plays (``_corpora.SHAKESPEARE_VALID_PLAYS``, ``SHAKESPEARE_TEST_PLAYS``),
    each play scored from its first character with a context of start
    symbols.

    Returns
    -------
    rows : list of dict
        One per (order, discount): ``valid_bpc``, ``test_bpc``,
        ``fit_seconds`` (counting, once per order) and ``score_seconds``
        (scoring the validation and test plays).
    """
    plays = _corpora.load_shakespeare()
    train, test = _corpora.split_plays(plays)
    train, valid = _corpora.split_plays(train, _corpora.SHAKESPEARE_VALID_PLAYS)
    rows = []
    for order in orders:
        start = time.perf_counter()
        lm = KneserNeyCharLM(order).fit(list(train.values()))
        fit_seconds = time.perf_counter() - start
        for discount in discounts:
            # The counts do not depend on the discount: only scoring reruns.
            start = time.perf_counter()
            lm.discount = discount
            row = {
                "order": order,
                "discount": discount,
                "valid_bpc": lm.bits_per_character(valid.values()),
                "test_bpc": lm.bits_per_character(test.values()),
                "fit_seconds": fit_seconds,
            }
            row["score_seconds"] = time.perf_counter() - start
            rows.append(row)
        del lm
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "what", choices=["porttinari", "wnut16", "shakespeare", "check-nltk"]
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--discounts",
        type=float,
        nargs="+",
        default=[0.1, 0.5, 0.75, 0.9, 0.95, 1.0],
        help="Kneser-Ney discounts to try (shakespeare); nltk's default is 0.1",
    )
    args = parser.parse_args()
    if args.what == "porttinari":
        result = porttinari_crf(args.seed)
        print(
            f"Porttinari CRF (split seed {args.seed}): token accuracy "
            f"{result['accuracy']:.4f}, fit + predict {result['seconds']:.1f} s"
        )
    elif args.what == "wnut16":
        r = wnut16_crf(args.seed)
        print(
            f"WNUT16 CRF (split seed {args.seed}): entity F1 {r['f1']:.4f} "
            f"(precision {r['precision']:.4f}, recall {r['recall']:.4f}; "
            f"strict IOB2 F1 {r['f1_strict']:.4f}), token accuracy "
            f"{r['token_accuracy']:.4f}, fit + predict {r['seconds']:.1f} s"
        )
    elif args.what == "shakespeare":
        rows = shakespeare_kneser_ney(discounts=args.discounts)
        print("order  discount  valid bpc  test bpc  fit s  score s")
        for r in rows:
            print(
                f"{r['order']:5d}  {r['discount']:8.2f}  {r['valid_bpc']:9.4f}"
                f"  {r['test_bpc']:8.4f}  {r['fit_seconds']:5.1f}"
                f"  {r['score_seconds']:7.1f}"
            )
        for label, candidates in (
            ("nltk's default discount 0.1", [r for r in rows if r["discount"] == 0.1]),
            ("all discounts", rows),
        ):
            if not candidates:
                continue
            best = min(candidates, key=lambda r: r["valid_bpc"])
            print(
                f"best on the validation plays ({label}): order {best['order']}, "
                f"discount {best['discount']}: test {best['test_bpc']:.4f} "
                "bits per character"
            )
    else:
        for (order, discount), (gap, seconds) in check_against_nltk().items():
            print(
                f"order {order}, discount {discount}: max |log2 p - nltk's| = "
                f"{gap:.2e} (nltk fitted and scored in {seconds:.1f} s)"
            )


if __name__ == "__main__":
    main()
