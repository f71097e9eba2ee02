"""RNNSeq2Seq: fit, predict (greedy and beam), score, log_likelihood, attention."""

import copy
import itertools
import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNSeq2Seq, export_onnx, save_model
from sklearn_rnn._nn.decoding import beam_search, greedy_decode
from sklearn_rnn._nn.seq2seq import Seq2SeqModule
from sklearn_rnn.preprocessing import Tokenizer

FAST = {
    "embedding_dim": 8,
    "hidden_size": 32,
    "lr": 0.01,
    "random_state": 0,
    "n_threads": 1,
}


def _reversal(n=500, seed=0):
    """Token sequences of 2 to 6 ids from 1 to 6, and each reversed."""
    rng = np.random.default_rng(seed)
    X = [rng.integers(1, 7, size=rng.integers(2, 7)) for _ in range(n)]
    return X, [x[::-1].copy() for x in X]


@pytest.fixture(scope="module")
def fitted():
    X, y = _reversal()
    return RNNSeq2Seq(max_epochs=40, **FAST).fit(X, y)


def _decoding_with(fitted, **params):
    """The fitted model, decoding with other parameters (no refit: only
    predict reads them)."""
    return copy.copy(fitted).set_params(**params)


def _random_module(**params):
    torch.manual_seed(0)
    module = Seq2SeqModule(
        target_vocab_size=4, embedding_dim=4, vocab_size=6, hidden_size=8, **params
    )
    return module.eval()


# -- learning -----------------------------------------------------------------------


def test_learns_to_reverse_sequences_it_has_not_seen(fitted):
    X_test, y_test = _reversal(n=200, seed=1)
    assert fitted.score(X_test, y_test) >= 0.95
    predicted = fitted.predict([[1, 2, 3], [6, 5, 4, 4]])
    assert predicted.dtype == object and predicted.shape == (2,)
    np.testing.assert_array_equal(predicted[0], [3, 2, 1])
    np.testing.assert_array_equal(predicted[1], [4, 4, 5, 6])
    np.testing.assert_array_equal(fitted.target_tokens_, np.arange(1, 7))


def test_beam_search_also_solves_the_learned_task(fitted):
    X_test, y_test = _reversal(n=100, seed=2)
    beam = _decoding_with(fitted, beam_width=3)
    assert beam.score(X_test, y_test) >= 0.95


def test_string_tokens_and_targets_of_other_lengths():
    # Each odd id is written as a word, each even one dropped: targets are
    # shorter than their sources, some empty.
    rng = np.random.default_rng(0)
    words = {1: "one", 3: "three", 5: "five"}
    X = [rng.integers(1, 7, size=rng.integers(1, 6)) for _ in range(300)]
    y = [[words[i] for i in x if i in words] for x in X]
    model = RNNSeq2Seq(max_epochs=40, **FAST).fit(X, y)
    assert model.target_tokens_.tolist() == ["five", "one", "three"]
    predicted = model.predict([[1, 2, 3], [2, 4]])
    assert predicted[0].tolist() == ["one", "three"]
    assert predicted[1].tolist() == []
    assert model.score(X, y) >= 0.9


def test_numeric_sources():
    # Run-length summary of the signs of a numeric sequence: "+", "-", "+"...
    rng = np.random.default_rng(0)
    X = [rng.choice([-1.0, 1.0], size=(n, 1)) for n in rng.integers(2, 7, size=300)]
    y = [
        [k for k, _ in itertools.groupby("+" if v > 0 else "-" for v in x[:, 0])]
        for x in X
    ]
    params = {**FAST, "embedding_dim": None}
    model = RNNSeq2Seq(max_epochs=40, **params).fit(X, y)
    assert model.n_features_in_ == 1
    assert model.score(X, y) >= 0.9


def test_text_to_text_with_a_target_tokenizer():
    rng = np.random.default_rng(0)
    texts = [
        "".join(rng.choice(list("abcde"), size=rng.integers(2, 6))) for _ in range(300)
    ]
    reversed_texts = [text[::-1] for text in texts]
    model = make_pipeline(
        Tokenizer(analyzer="char"),
        RNNSeq2Seq(target_tokenizer=Tokenizer(analyzer="char"), max_epochs=30, **FAST),
    ).fit(texts, reversed_texts)
    predicted = model.predict(["abc", "edd"])
    assert predicted.tolist() == ["cba", "dde"]
    assert model.score(texts[:100], reversed_texts[:100]) >= 0.95
    seq2seq = model[-1]
    assert seq2seq.target_tokenizer_ is not seq2seq.target_tokenizer
    assert not hasattr(seq2seq.target_tokenizer, "vocabulary_")  # a clone was fitted


# -- decoding -------------------------------------------------------------------------


def test_beam_search_finds_the_best_hypothesis_of_all():
    """With a beam wider than all hypotheses, beam search is exhaustive: compare
    with the enumeration of every target of up to 3 tokens."""
    module = _random_module()
    values, lengths = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]), torch.tensor([3, 2])
    max_length, tokens, end = 3, [1, 2, 3], module.begin
    for penalty in (0.0, 1.0):
        found = beam_search(module, values, lengths, max_length, 64, penalty)
        for row in range(2):
            best, best_score = None, -math.inf
            for n in range(max_length + 1):
                for hypothesis in itertools.product(tokens, repeat=n):
                    ends = n < max_length  # at max_length, scored without the end
                    score = _log_probability(
                        module,
                        values[row : row + 1],
                        lengths[row : row + 1],
                        list(hypothesis) + ([end] if ends else []),
                    )
                    score /= ((5 + n) / 6) ** penalty
                    if score > best_score:
                        best, best_score = list(hypothesis), score
            assert found[row].tolist() == best


def _log_probability(module, values, lengths, targets):
    with torch.no_grad():
        output = module(values, lengths, torch.tensor([targets]))
        log_probs = torch.log_softmax(output.double(), dim=2)[0]
    return float(sum(log_probs[t, token] for t, token in enumerate(targets)))


def test_a_beam_of_one_is_greedy_decoding():
    for cell_type in ("lstm", "gru"):
        module = _random_module(cell_type=cell_type)
        values = torch.randint(1, 6, (8, 5), generator=torch.Generator().manual_seed(1))
        lengths = torch.tensor([5, 4, 3, 2, 1, 5, 4, 0])
        greedy = greedy_decode(module, values, lengths, 6)
        beam = beam_search(module, values, lengths, 6, 1, 0.0)
        for g, b in zip(greedy, beam, strict=True):
            np.testing.assert_array_equal(g, b)


def test_step_by_step_decoding_equals_teacher_forcing():
    module = _random_module(attention="additive")
    values, lengths = torch.tensor([[1, 2, 3, 4], [5, 1, 0, 0]]), torch.tensor([4, 2])
    targets = torch.tensor([[1, 3, 2, 4], [2, 2, 4, -100]])
    with torch.no_grad():
        forced, forced_weights = module(values, lengths, targets, return_attention=True)
        memory, mask, state = module.encode(values, lengths)
        ids = torch.full((2,), module.begin)
        for t in range(targets.shape[1]):
            output, state, weights = module.step(ids, state, memory, mask)
            torch.testing.assert_close(output, forced[:, t], rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(weights, forced_weights[:, t])
            ids = targets[:, t].clamp(min=0)
    # Padding gets no attention.
    assert (forced_weights[1, :, 2:] == 0).all()


@pytest.mark.parametrize("beam_width", [1, 3])
def test_a_source_decodes_the_same_alone_or_in_a_batch(fitted, beam_width):
    model = _decoding_with(fitted, beam_width=beam_width)
    X, _ = _reversal(n=50, seed=3)
    together = model.predict(X)
    for i in (0, 7, 31):
        alone = model.predict([X[i]])[0]
        np.testing.assert_array_equal(alone, together[i])
    padded = np.zeros((3, 10), dtype=np.int64)
    for row, i in enumerate((0, 7, 31)):
        padded[row, : len(X[i])] = X[i]
    for row, i in enumerate((0, 7, 31)):
        np.testing.assert_array_equal(model.predict(padded)[row], together[i])


def test_max_output_length_caps_the_output(fitted):
    assert fitted.max_output_length_ == 12  # twice the longest target
    capped = _decoding_with(fitted, max_output_length=2)
    assert all(len(p) <= 2 for p in capped.predict([[1, 2, 3, 4, 5]]))


def test_an_empty_source_decodes_without_nan(fitted):
    predicted = fitted.predict([np.array([], dtype=np.int64), np.array([1, 2])])
    assert len(predicted) == 2
    weights = fitted.attention_weights([np.array([], dtype=np.int64)], [[1]])
    assert weights[0].shape == (2, 0)


# -- scoring --------------------------------------------------------------------------


def test_log_likelihood_is_the_log_probability_of_each_target(fitted):
    X, y = [np.array([1, 2, 3]), np.array([4, 5])], [np.array([3, 2, 1]), [5, 5, 4]]
    module = fitted.module_.eval()
    end = len(fitted.target_tokens_) + 1
    expected = [
        _log_probability(
            module, torch.tensor(x[np.newaxis]), torch.tensor([len(x)]), [*t, end]
        )
        for x, t in zip(X, y, strict=True)
    ]
    np.testing.assert_allclose(fitted.log_likelihood(X, y), expected, rtol=1e-5)
    assert expected[0] > math.log(0.9) > expected[1]


def test_score_is_exact_sequence_accuracy(fitted):
    X = [[1, 2, 3], [4, 5], [6, 6, 1]]
    y = [[3, 2, 1], [5, 4, 4], [1, 6, 6]]  # the second is wrong by one token
    assert fitted.score(X, y) == pytest.approx(2 / 3)
    assert fitted.score(X, y, sample_weight=[1, 2, 1]) == pytest.approx(0.5)


def test_attention_weights_are_a_distribution_over_source_steps(fitted):
    weights = fitted.attention_weights([[1, 2, 3, 4], [5, 6]])
    assert [w.shape for w in weights] == [(5, 4), (3, 2)]
    for w in weights:
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)
    # Reversal: the first output token looks at the last source token.
    assert weights[0][0].argmax() == 3


# -- the estimator contract -----------------------------------------------------------


def test_seeded_refits_are_bit_identical():
    X, y = _reversal(n=100)
    first = RNNSeq2Seq(max_epochs=3, dropout=0.3, **FAST).fit(X, y)
    second = RNNSeq2Seq(max_epochs=3, dropout=0.3, **FAST).fit(X, y)
    for a, b in zip(
        first.module_.state_dict().values(),
        second.module_.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)
    assert first.loss_curve_ == second.loss_curve_


def test_pickle_and_clone(fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    X, _ = _reversal(n=20, seed=4)
    for a, b in zip(restored.predict(X), fitted.predict(X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not hasattr(clone(fitted), "net_")


def test_grid_search_and_cross_validation():
    X, y = _reversal(n=120)
    search = GridSearchCV(
        RNNSeq2Seq(max_epochs=3, **FAST), {"hidden_size": [8, 16]}, cv=2
    ).fit(X, y)
    assert search.best_params_["hidden_size"] in (8, 16)
    scores = cross_val_score(RNNSeq2Seq(max_epochs=2, **FAST), X, y, cv=2)
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()


def test_early_stopping_scores_held_out_likelihood():
    X, y = _reversal(n=200)
    model = RNNSeq2Seq(
        max_epochs=40, early_stopping=True, n_iter_no_change=3, **FAST
    ).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_validation_score_ > math.log(0.5)  # per target token


def test_warm_start_trains_further(fitted):
    X, y = _reversal(n=100)
    model = RNNSeq2Seq(max_epochs=2, warm_start=True, **FAST).fit(X, y)
    model.fit(X, y)
    assert model.n_iter_ == 4


def test_verbose_log_shows_perplexity(capsys):
    X, y = _reversal(n=50)
    RNNSeq2Seq(max_epochs=1, verbose=1, **FAST).fit(X, y)
    assert "train_perplexity" in capsys.readouterr().out


def test_label_smoothing_trains_on_the_smoothed_loss_and_scores_unsmoothed():
    X, y = _reversal(n=200)
    params = {"max_epochs": 15, "early_stopping": True, **FAST}
    plain = RNNSeq2Seq(**params).fit(X, y)
    smoothed = RNNSeq2Seq(label_smoothing=0.2, **params).fit(X, y)
    # No distribution has a smoothed loss below the entropy of the smoothed
    # target: 0.8 of it on the token, 0.2 spread over the K = 8 outputs
    # (6 tokens, the end marker and padding). The plain loss goes below it.
    k, share = 8, 0.2 / 8
    floor = -(1 - 0.2 + share) * math.log(1 - 0.2 + share)
    floor -= (k - 1) * share * math.log(share)
    assert plain.loss_curve_[-1] < floor <= smoothed.loss_curve_[-1]
    history = smoothed.history_[-1]
    assert "train_perplexity" not in history
    assert history["valid_perplexity"] == pytest.approx(
        math.exp(-smoothed.validation_scores_[-1])
    )
    assert "train_perplexity" in plain.history_[-1]


def test_label_smoothing_is_torch_cross_entropy_with_weights():
    from sklearn_rnn._nn.loss import StepWeightedLoss

    torch.manual_seed(0)
    logits = torch.randn(2, 3, 5)
    target = torch.tensor([[1, 4, -100], [0, 2, 3]])
    weight = torch.tensor([1.0, 3.0])
    loss = StepWeightedLoss(label_smoothing=0.3)(
        logits, {"target": target, "weight": weight}
    )
    per_step = torch.nn.functional.cross_entropy(
        logits.reshape(6, 5),
        target.reshape(6),
        reduction="none",
        label_smoothing=0.3,
    )
    step_weight = torch.tensor([1.0, 1.0, 0.0, 3.0, 3.0, 3.0])
    torch.testing.assert_close(loss, (per_step * step_weight).sum() / step_weight.sum())


def test_token_dropout_replaces_source_ids_by_unknown_in_training_only():
    module = _random_module(token_dropout=0.5)
    seen = []
    module.embedding.register_forward_hook(
        lambda layer, args, output: seen.append(args[0].clone())
    )
    values = torch.randint(2, 6, (64, 10))
    lengths = torch.full((64,), 10)
    lengths[0] = 4
    targets = torch.ones(64, 3, dtype=torch.long)
    module(values, lengths, targets)  # eval mode: nothing dropped
    module.train()
    torch.manual_seed(1)
    module(values, lengths, targets)
    evaluated, trained = seen
    torch.testing.assert_close(evaluated[1:], values[1:])
    dropped = trained != evaluated
    assert (trained[dropped] == 1).all()
    assert 0.4 < dropped[1:].float().mean() < 0.6
    assert not dropped[0, 4:].any()  # padding stays padding


def test_token_dropout_reaches_the_fitted_module():
    X, y = _reversal(n=50)
    model = RNNSeq2Seq(max_epochs=1, token_dropout=0.2, **FAST).fit(X, y)
    assert model.module_.token_dropout == 0.2


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"label_smoothing": -0.1}, "label_smoothing"),
        ({"token_dropout": 1.0}, "token_dropout"),
    ],
)
def test_bad_regularization_is_refused(params, match):
    with pytest.raises(ValueError, match=match):
        RNNSeq2Seq(max_epochs=1, **FAST, **params).fit([[1, 2], [3]], [[1], [2]])


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        ("ab", TypeError, "list of target sequences"),
        (["ab", "cd"], TypeError, "Target sequence 0 is a string"),
        ([[[1, 2]], [[3]]], ValueError, "expected a 1-D"),
        ([[1.5, 2.0], [1.0]], TypeError, "integers or strings"),
        ([[1, "a"], [2]], TypeError, "all strings or all numbers"),
        ([[], []], ValueError, "no target token"),
        ([[1]], ValueError, "2 sequences but y has 1"),
    ],
)
def test_bad_targets_are_refused(y, error, match):
    with pytest.raises(error, match=match):
        RNNSeq2Seq(max_epochs=1, **FAST).fit([[1, 2], [3]], y)


def test_unknown_target_tokens_are_refused_when_scoring(fitted):
    with pytest.raises(ValueError, match="not seen in fit: \\[9\\]"):
        fitted.log_likelihood([[1, 2]], [[9]])


def test_character_ids_are_refused():
    X = [np.array([[1, 3, 4], [2, 5, 0]])]
    with pytest.raises(ValueError, match="character ids"):
        RNNSeq2Seq(max_epochs=1, **FAST).fit(X, [[1]])


def test_a_target_tokenizer_needs_inverse_transform():
    with pytest.raises(ValueError, match="target_tokenizer"):
        RNNSeq2Seq(target_tokenizer=object()).fit([[1]], ["a"])


def test_a_failed_refit_leaves_the_model_as_it_was(fitted):
    model = pickle.loads(pickle.dumps(fitted))
    before = {k: v for k, v in vars(model).items() if k.endswith("_")}
    weights = {k: v.clone() for k, v in model.module_.state_dict().items()}
    with pytest.raises(TypeError):
        model.fit([[1, 2], [3]], ["ab", "cd"])
    assert {
        k: v for k, v in vars(model).items() if k.endswith("_")
    }.keys() == before.keys()
    assert model.net_ is before["net_"]
    for name, value in model.module_.state_dict().items():
        assert torch.equal(value, weights[name])


def test_onnx_export_and_save_model_refuse_with_a_reason(fitted, tmp_path):
    with pytest.raises(NotImplementedError, match="decoding is a loop"):
        export_onnx(fitted, tmp_path / "model.onnx")
    with pytest.raises(
        (TypeError, ValueError, NotImplementedError), match="RNNSeq2Seq"
    ):
        save_model(fitted, tmp_path / "model")


def test_pairs_of_weight_zero_have_no_influence():
    X, y = _reversal(n=100)
    noise_X, _ = _reversal(n=30, seed=5)
    noise_y = [x.copy() for x in noise_X]  # not reversed: the wrong target
    weighted = RNNSeq2Seq(max_epochs=2, **FAST).fit(
        X + noise_X, y + noise_y, sample_weight=[1.0] * 100 + [0.0] * 30
    )
    plain = RNNSeq2Seq(max_epochs=2, **FAST).fit(X, y)
    for a, b in zip(
        weighted.module_.state_dict().values(),
        plain.module_.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)
