"""RNNLanguageModel: fit, score_samples, score, sample."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNLanguageModel
from sklearn_rnn.preprocessing import Tokenizer

FAST = {
    "hidden_size": 32,
    "embedding_dim": 16,
    "lr": 0.01,
    "random_state": 0,
    "n_threads": 1,
}


def _counting(n=400, seed=0):
    """Sequences that count up by one from a random start (2 to 5), 3 to 7
    tokens long: each sequence has probability 1/4 x 1/5, the rest is
    determined, so the best mean log-likelihood per token is
    -(log 4 + log 5) / 6 (the mean number of predicted tokens, end included)."""
    rng = np.random.default_rng(seed)
    return [
        np.arange(start, start + length)
        for start, length in zip(
            rng.integers(2, 6, size=n), rng.integers(3, 8, size=n), strict=True
        )
    ]


@pytest.fixture(scope="module")
def fitted():
    X = _counting()
    return RNNLanguageModel(max_epochs=15, **FAST).fit(X), X


def test_learns_the_distribution_of_the_sequences(fitted):
    lm, _ = fitted
    best = -(np.log(4) + np.log(5)) / 6
    assert best - 0.1 < lm.score(_counting(seed=1)) <= best + 0.01
    counting, backwards = lm.score_samples([[3, 4, 5], [5, 4, 3]])
    assert counting > np.log(1 / 20) - 0.5 > backwards


def test_score_samples_is_the_log_probability_of_each_sequence(fitted):
    lm, _ = fitted
    sequences = [np.array([2, 3, 4]), np.array([5, 6, 7, 8, 9])]
    begin, end = lm.vocab_size_, lm.vocab_size_
    module = lm.module_.eval()
    expected = []
    with torch.no_grad():
        for tokens in sequences:
            inputs = torch.tensor([[begin, *tokens]])
            log_probs = torch.log_softmax(
                module(inputs, torch.tensor([len(tokens) + 1])).double(), dim=2
            )[0]
            targets = [*tokens, end]
            expected.append(sum(log_probs[t, k].item() for t, k in enumerate(targets)))
    np.testing.assert_allclose(lm.score_samples(sequences), expected, rtol=1e-5)
    # score: the mean per token, the end marker counted as one.
    total = sum(len(tokens) + 1 for tokens in sequences)
    assert lm.score(sequences) == pytest.approx(sum(expected) / total, rel=1e-5)


def test_padding_is_not_scored(fitted):
    lm, _ = fitted
    ragged = lm.score_samples([[2, 3, 4], [5, 6]])
    padded = lm.score_samples(np.array([[2, 3, 4, 0, 0], [5, 6, 0, 0, 0]]))
    np.testing.assert_allclose(ragged, padded, rtol=1e-6)


def test_sample_draws_from_the_model(fitted):
    lm, _ = fitted
    first = lm.sample(5, random_state=0)
    again = lm.sample(5, random_state=0)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(first, lm.sample(5, random_state=1), strict=True)
    )
    for tokens in first:
        assert 1 <= len(tokens) <= 100
        assert tokens.min() >= 1 and tokens.max() < lm.vocab_size_
    # Near-greedy draws follow the pattern: counting up from the prompt.
    for tokens in lm.sample(3, prompt=[4], temperature=0.05, random_state=0):
        assert tokens[0] == 4 and 3 <= len(tokens) <= 7
        np.testing.assert_array_equal(np.diff(tokens), 1)
    assert all(len(t) <= 2 for t in lm.sample(4, prompt=[2], max_length=1))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"prompt": "to be"}, TypeError, "token ids"),
        ({"prompt": [0, 2]}, ValueError, "between 1 and"),
        ({"prompt": [[2, 3]]}, ValueError, "1-D"),
        ({"temperature": 0}, ValueError, "temperature"),
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"max_length": 2.5}, TypeError, "max_length"),
    ],
)
def test_bad_generation_settings_are_refused(fitted, kwargs, error, match):
    lm, _ = fitted
    with pytest.raises(error, match=match):
        lm.sample(**kwargs)


def test_text_to_text_with_a_character_tokenizer():
    text = ["the cat sat on the mat", "the cat ate the rat", "a cat sat"] * 30
    pipe = make_pipeline(
        Tokenizer(analyzer="char"), RNNLanguageModel(max_epochs=5, **FAST)
    ).fit(text)
    assert np.isfinite(pipe.score(text)) and pipe.score(text) < 0
    assert pipe.score_samples(text[:2]).shape == (2,)
    tokenizer, lm = pipe[0], pipe[-1]
    prompt = tokenizer.transform(["the c"])[0]
    generated = tokenizer.inverse_transform(lm.sample(2, prompt=prompt, random_state=0))
    assert all(isinstance(t, str) and t.startswith("the c") for t in generated)


def test_search_picks_by_held_out_likelihood():
    X = _counting(120)
    search = GridSearchCV(
        RNNLanguageModel(max_epochs=3, **FAST), {"lr": [1e-3, 1e-2]}, cv=2
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert search.best_params_["lr"] == [1e-3, 1e-2][int(np.argmax(scores))]


def test_pickle_keeps_the_model(fitted):
    lm, X = fitted
    again = pickle.loads(pickle.dumps(lm))
    np.testing.assert_array_equal(again.score_samples(X[:10]), lm.score_samples(X[:10]))


def test_the_log_shows_perplexity(capsys):
    RNNLanguageModel(max_epochs=2, verbose=1, early_stopping=True, **FAST).fit(
        _counting(60)
    )
    header = capsys.readouterr().out.splitlines()[0]
    assert "train_perplexity" in header and "valid_perplexity" in header


def test_a_sequence_of_weight_zero_has_no_influence():
    X = _counting(60)
    plain = RNNLanguageModel(max_epochs=2, **FAST).fit(X)
    weighted = RNNLanguageModel(max_epochs=2, **FAST).fit(
        [*X, np.array([9, 2, 9])], sample_weight=np.r_[np.ones(len(X)), 0.0]
    )
    np.testing.assert_allclose(
        weighted.score_samples(X[:5]), plain.score_samples(X[:5]), rtol=1e-6
    )


def test_warm_start_continues_and_a_failed_fit_changes_nothing():
    X = _counting(60)
    lm = RNNLanguageModel(max_epochs=2, warm_start=True, **FAST).fit(X)
    before = lm.score_samples(X[:5])
    with pytest.raises(ValueError, match=r"out of range|vocab"):
        lm.fit([np.array([2, 3, 10_000])])
    np.testing.assert_array_equal(lm.score_samples(X[:5]), before)
    lm.fit(X)
    assert lm.n_iter_ == 4


@pytest.mark.parametrize(
    "X, error",
    [
        ([np.array([0.5, 1.5])], TypeError),
        ([np.array([-1, 2])], ValueError),
        ([np.array([], dtype=int)], ValueError),
    ],
)
def test_bad_input_is_refused(X, error):
    lm = RNNLanguageModel(max_epochs=1, **FAST)
    with pytest.raises(error):
        lm.fit(X)
    assert not hasattr(lm, "net_")


def test_embedding_dim_is_required():
    with pytest.raises(ValueError, match="embedding_dim"):
        RNNLanguageModel(embedding_dim=None).fit([np.array([2, 3])])
