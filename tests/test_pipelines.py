"""End-to-end pipelines: preprocessing and estimators inside model selection."""

import numpy as np
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, Tokenizer


def test_scaler_padder_regressor_in_cross_val_score():
    # Ragged series on a large, shifted scale: the target is the mean of the
    # first feature, which the scaler and padder must keep readable.
    rng = np.random.default_rng(0)
    X = [rng.normal(100, 20, size=(rng.integers(3, 20), 2)) for _ in range(150)]
    y = np.array([x[:, 0].mean() for x in X])
    pipeline = make_pipeline(
        SequenceScaler(),
        SequencePadder(),
        RNNRegressor(hidden_size=16, max_epochs=40, lr=0.01, random_state=0),
    )
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.7


def test_tokenizer_and_network_parameters_searched_together():
    rng = np.random.default_rng(0)
    filler = ["the", "movie", "was", "plot", "actors", "and", "really", "a", "film"]
    positive, negative = ["good", "great", "fine"], ["bad", "awful", "dull"]
    docs, labels = [], []
    for i in range(160):
        words = list(rng.choice(filler, size=rng.integers(3, 9)))
        cue = positive if i % 2 else negative
        words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(cue)))
        docs.append(" ".join(words).capitalize() + ".")
        labels.append("pos" if i % 2 else "neg")
    pipeline = make_pipeline(
        Tokenizer(),
        RNNClassifier(
            embedding_dim=8,
            hidden_size=8,
            max_epochs=15,
            lr=0.01,
            lr_schedule=None,
            random_state=0,
        ),
    )
    search = GridSearchCV(
        pipeline,
        {
            "tokenizer__max_tokens": [None, 5],
            "rnnclassifier__pooling": ["last", "max"],
        },
        cv=2,
    )
    search.fit(docs[:120], labels[:120])
    # A vocabulary of 5 ids (padding, OOV and 3 words) cannot hold the cue
    # words, so the search must prefer the full vocabulary.
    assert search.best_params_["tokenizer__max_tokens"] is None
    assert search.score(docs[120:], labels[120:]) > 0.9
    # A document without a single token is an empty sequence: it still gets a
    # prediction, the network's answer for an empty input.
    assert search.predict(["!!!", ""]).tolist()[0] in ("pos", "neg")
