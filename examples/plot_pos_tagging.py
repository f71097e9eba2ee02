"""
=====================================================
Part-of-speech tagging: a tag for every word
=====================================================

:class:`~sklearn_rnn.RNNTagger` gives one label per step of a sequence. Here
the sequences are Portuguese news sentences and the labels their universal
part-of-speech tags (NOUN, VERB, ADP, ...), from the Porttinari treebank. A
:class:`~sklearn_rnn.preprocessing.Tokenizer` with
``analyzer="pretokenized"`` turns each sentence, a list of words, into one id
per word, plus the ids of each word's characters (``max_word_length``), so
that the network sees how a word it never met in training is spelled.

The data come from the `dante-corpora <https://pypi.org/project/dante-corpora/>`_
wheel, an optional dependency of this example
(``pip install --no-deps dante-corpora==2.0.5``); without it, a small
synthetic corpus is used instead.
"""

# %%
# Loading the sentences
# ---------------------
#
# The CoNLL-U file is read from the installed package's folder (``importlib``
# only locates it; nothing is imported). Lines of multiword tokens (``3-4``)
# are skipped, so that every word has exactly one tag. To keep this example
# fast, 2,000 sentences train the model and 500 others test it.

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNTagger
from sklearn_rnn.preprocessing import Tokenizer


def porttinari_path():
    """The annotated CoNLL-U file inside the dante package, or None."""
    spec = importlib.util.find_spec("dante")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0], "data", "porttinari")
    path = path / "annotated.conllu"
    return path if path.exists() else None


def read_conllu(text):
    """Sentences as (words, tags) lists; word lines only."""
    sentences, words, tags = [], [], []
    for line in text.splitlines():
        if not line.strip():
            if words:
                sentences.append((words, tags))
            words, tags = [], []
        elif not line.startswith("#"):
            fields = line.split("\t")
            if fields[0].isdigit():  # not "3-4" (multiword) nor "3.1"
                words.append(fields[1])
                tags.append(fields[3])
    if words:
        sentences.append((words, tags))
    return sentences


def synthetic_sentences(n, rng):
    """Made-up words in DET (ADJ) NOUN VERB (ADP DET NOUN) sentences."""

    def word(kind):
        stems = ["bal", "cor", "dim", "fen", "gul", "hor", "lim", "mar", "nup"]
        endings = {"NOUN": "o", "ADJ": "oso", "VERB": "ava"}
        return rng.choice(stems) + rng.choice(stems)[:2] + endings[kind]

    sentences = []
    for _ in range(n):
        tags = ["DET", "NOUN", "VERB"]
        if rng.random() < 0.5:
            tags.insert(1, "ADJ")
        if rng.random() < 0.5:
            tags += ["ADP", "DET", "NOUN"]
        closed = {"DET": ["o", "a", "um"], "ADP": ["de", "em", "para"]}
        words = [rng.choice(closed[t]) if t in closed else word(t) for t in tags]
        sentences.append((words, tags))
    return sentences


rng = np.random.default_rng(0)
path = porttinari_path()
if path is not None:
    sentences = read_conllu(path.read_text(encoding="utf-8"))
    data_name = "Porttinari (Portuguese news, gold UPOS tags)"
else:
    sentences = synthetic_sentences(2500, rng)
    data_name = "synthetic sentences (dante-corpora is not installed)"
order = rng.permutation(len(sentences))
train = [sentences[i] for i in order[:2000]]
test = [sentences[i] for i in order[2000:2500]]
X_train, y_train = [w for w, _ in train], [t for _, t in train]
X_test, y_test = [w for w, _ in test], [t for _, t in test]
print(f"{data_name}: {len(X_train)} training and {len(X_test)} test sentences")
print(X_train[0][:8], y_train[0][:8])

# %%
# A tagger in a pipeline
# ----------------------
#
# The tagger reads each sentence both ways (``bidirectional=True``, the
# default): the tag of a word depends on the words after it as much as on
# those before. Raw word lists go in, tag arrays come out.

model = make_pipeline(
    Tokenizer(analyzer="pretokenized", max_word_length=16),
    RNNTagger(
        embedding_dim=64,
        hidden_size=64,
        dropout=0.5,
        batch_size=16,
        lr=2e-3,
        max_epochs=16,
        random_state=0,
    ),
)
model.fit(X_train, y_train)
y_pred = model.predict(X_test)
print("token accuracy:", round(model.score(X_test, y_test), 4))
print(list(zip(X_test[0], y_pred[0], strict=True))[:8])

# %%
# Where the errors are
# --------------------
#
# Words never seen in training are the hard part: their embedding is the
# unknown one, and only their spelling and context tell their tag.

seen = {word.lower() for words in X_train for word in words}
words = np.concatenate([np.asarray(w) for w in X_test])
truth = np.concatenate([np.asarray(t) for t in y_test])
predicted = np.concatenate(list(y_pred))
unknown = np.array([word.lower() not in seen for word in words])
print(f"unknown words: {unknown.mean():.1%} of the test tokens")
print("accuracy on known words:", round(np.mean((predicted == truth)[~unknown]), 4))
print("accuracy on unknown words:", round(np.mean((predicted == truth)[unknown]), 4))

tags, counts = np.unique(truth, return_counts=True)
tags = tags[np.argsort(-counts)]
accuracy = [np.mean(predicted[truth == tag] == tag) for tag in tags]
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.bar(tags, accuracy, color="tab:blue")
ax.set_ylim(0, 1.05)
ax.set_ylabel("accuracy")
ax.set_title("Accuracy per tag (most frequent first)")
ax.tick_params(axis="x", rotation=60)
fig.tight_layout()
plt.show()
