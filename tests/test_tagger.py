"""RNNTagger: one label per step, its module, loss and per-step batching."""

import itertools
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNTagger
from sklearn_rnn._batching import SequenceDataset, step_outputs, take_batch
from sklearn_rnn._input_checks import Sequences, check_sequences
from sklearn_rnn._nn.characters import CharacterEncoder
from sklearn_rnn._nn.crf import (
    CRFLoss,
    CRFPerStepModule,
    LinearChainCRF,
    log_partition,
    marginals,
    path_score,
    viterbi,
)
from sklearn_rnn._nn.loss import IGNORED_STEP, StepWeightedLoss
from sklearn_rnn._nn.per_step import PerStepModule
from sklearn_rnn.preprocessing import SequencePadder

FAST = {"hidden_size": 16, "lr": 0.01, "random_state": 0, "n_threads": 1}


def _both_sides(n=300, seed=0):
    """Numeric sequences whose step labels depend on both neighbours."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(n_steps, 2)) for n_steps in rng.integers(3, 30, size=n)]

    def labels(x):
        padded = np.pad(x[:, 0], 1)
        return np.where(padded[:-2] + padded[2:] > 0, "up", "down")

    return X, [labels(x) for x in X]


def _tokens(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.integers(1, 50, size=n_steps) for n_steps in rng.integers(3, 20, size=n)]
    return X, [np.where(x % 2 == 0, "EVEN", "ODD") for x in X]


@pytest.fixture(scope="module")
def fitted():
    X, y = _both_sides()
    return RNNTagger(max_epochs=30, **FAST).fit(X, y), X, y


def test_learns_labels_that_depend_on_both_sides(fitted):
    tagger, X, y = fitted
    assert tagger.score(X, y) >= 0.93
    # The default reads both ways: a forward-only tagger cannot see x[t+1].
    forward_only = RNNTagger(max_epochs=30, bidirectional=False, **FAST).fit(X, y)
    assert forward_only.score(X, y) < tagger.score(X, y) - 0.1


def test_predict_returns_one_label_array_per_sequence(fitted):
    tagger, X, _ = fitted
    y_pred = tagger.predict(X[:5])
    assert y_pred.dtype == object and y_pred.shape == (5,)
    for x, labels in zip(X[:5], y_pred, strict=True):
        assert labels.shape == (len(x),)
        assert set(labels) <= set(tagger.classes_)
    proba = tagger.predict_proba(X[:5])
    for x, p, labels in zip(X[:5], proba, y_pred, strict=True):
        assert p.shape == (len(x), 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_array_equal(tagger.classes_[p.argmax(axis=1)], labels)


def test_score_is_the_accuracy_over_all_steps(fitted):
    tagger, X, y = fitted
    y_pred = tagger.predict(X)
    flat_true, flat_pred = np.concatenate(y), np.concatenate(list(y_pred))
    assert tagger.score(X, y) == pytest.approx(np.mean(flat_true == flat_pred))
    weight = np.arange(len(X), dtype=float)
    steps = np.repeat(weight, [len(x) for x in X])
    expected = np.average(flat_true == flat_pred, weights=steps)
    assert tagger.score(X, y, sample_weight=weight) == pytest.approx(expected)


def test_padding_gets_no_label_and_changes_nothing(fitted):
    tagger, X, y = fitted
    padded = SequencePadder().fit_transform(X[:20])  # NaN after each sequence
    for ragged, dense in zip(
        tagger.predict_proba(X[:20]), tagger.predict_proba(padded), strict=True
    ):
        np.testing.assert_allclose(ragged, dense, rtol=1e-5, atol=1e-6)
    # Labels for the padding too are refused, with the reason.
    y_padded = [np.resize(labels, padded.shape[1]) for labels in y[:20]]
    with pytest.raises(ValueError, match="without its padding"):
        clone(tagger).fit(padded, y_padded)


def test_a_sequence_is_tagged_the_same_alone_and_in_a_batch(fitted):
    tagger, X, _ = fitted
    together = tagger.predict_proba(X[:30])
    for i in (0, 7, 29):
        alone = tagger.predict_proba([X[i]])[0]
        np.testing.assert_allclose(alone, together[i], rtol=1e-5, atol=1e-6)


def test_token_ids_in_a_pipeline_search_and_pickle():
    X, y = _tokens()
    tagger = RNNTagger(embedding_dim=8, max_epochs=20, **FAST).fit(X, y)
    assert tagger.score(X, y) >= 0.97
    again = pickle.loads(pickle.dumps(tagger))
    np.testing.assert_array_equal(
        np.concatenate(list(again.predict(X))), np.concatenate(list(tagger.predict(X)))
    )
    # A 2-D id array, padded with 0, gives the same tags.
    padded = SequencePadder().fit_transform(X)
    assert tagger.score(padded, y) == tagger.score(X, y)
    small = {"hidden_size": 8, "max_epochs": 2, "random_state": 0, "n_threads": 1}
    search = GridSearchCV(
        make_pipeline(SequencePadder(), RNNTagger(embedding_dim=4, **small)),
        {"rnntagger__lr": [1e-3, 1e-2]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["rnntagger__lr"] in (1e-3, 1e-2)
    scores = cross_val_score(RNNTagger(embedding_dim=4, **small), X, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))


def test_integer_labels_and_classes_order():
    X, y = _tokens(60)
    y = [np.where(labels == "EVEN", 7, 3) for labels in y]
    tagger = RNNTagger(embedding_dim=4, max_epochs=2, **FAST).fit(X, y)
    np.testing.assert_array_equal(tagger.classes_, [3, 7])
    assert tagger.predict(X[:1])[0].dtype.kind == "i"


def test_a_sequence_of_weight_zero_has_no_influence():
    X, y = _tokens(80)
    noise = [np.array([5, 6, 7])]
    kwargs = {"embedding_dim": 4, "max_epochs": 3, **FAST}
    plain = RNNTagger(**kwargs).fit(X, y)
    weighted = RNNTagger(**kwargs).fit(
        X + noise,
        [*y, np.array(["ODD", "ODD", "ODD"])],
        sample_weight=np.r_[np.ones(len(X)), 0.0],
    )
    for name, tensor in plain.module_.state_dict().items():
        torch.testing.assert_close(weighted.module_.state_dict()[name], tensor)


def test_class_weight_reaches_the_loss():
    X, y = _tokens(60)
    tagger = RNNTagger(embedding_dim=4, max_epochs=1, class_weight="balanced", **FAST)
    tagger.fit(X, y)
    flat = np.concatenate(y)
    expected = len(flat) / (2 * np.array([np.sum(flat == c) for c in tagger.classes_]))
    np.testing.assert_allclose(
        tagger.net_.criterion_.class_weight.numpy(), expected, rtol=1e-6
    )
    tagger.set_params(class_weight={"EVEN": 2.0})
    tagger.fit(X, y)
    np.testing.assert_array_equal(tagger.net_.criterion_.class_weight.numpy(), [2, 1])
    with pytest.raises(ValueError, match="class_weight"):
        tagger.set_params(class_weight={"EVEN": -1.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        tagger.set_params(class_weight={"MISSING": 2.0}).fit(X, y)


@pytest.mark.parametrize(
    "y, error, match",
    [
        (["DET NOUN"] * 3, TypeError, "is a string"),
        ([["A", "B"]] * 2, ValueError, "3 sequences but y has 2"),
        ([["A", "B"], ["A", "B"], ["A"]], ValueError, "has 1 labels"),
        ([["A", "A"], ["A", "A"], ["A", "A"]], ValueError, "at least 2 different"),
        ([["A", 1], ["A", "B"], ["B", "B"]], TypeError, "all strings or all numbers"),
        ([[["A"], ["B"]], ["A", "B"], ["B", "B"]], ValueError, "one label per step"),
        ("ABC", TypeError, "list of label sequences"),
    ],
)
def test_bad_label_sequences_are_refused(y, error, match):
    X = [np.array([1, 2]), np.array([3, 4]), np.array([5, 6])]
    tagger = RNNTagger(embedding_dim=4, max_epochs=1, **FAST)
    with pytest.raises(error, match=match):
        tagger.fit(X, y)
    assert not hasattr(tagger, "net_")


def test_a_failed_refit_leaves_the_fitted_tagger_as_it_was():
    X, y = _tokens(60)
    tagger = RNNTagger(embedding_dim=4, max_epochs=2, **FAST).fit(X, y)
    before = tagger.predict_proba(X)
    tagger.set_params(warm_start=True)
    with pytest.raises(ValueError, match="not in classes_"):
        tagger.fit(X, [np.full(len(labels), "NEW") for labels in y])
    for old, new in zip(before, tagger.predict_proba(X), strict=True):
        np.testing.assert_array_equal(old, new)
    assert tagger.n_iter_ == 2
    tagger.fit(X, y)
    assert tagger.n_iter_ == 4


def test_early_stopping_scores_the_held_out_steps(capsys):
    X, y = _both_sides(200)
    tagger = RNNTagger(max_epochs=5, early_stopping=True, verbose=1, **FAST)
    tagger.fit(X, y)
    assert len(tagger.validation_scores_) == tagger.n_iter_ == 5
    assert 0.5 < tagger.best_validation_score_ <= 1
    out = capsys.readouterr().out
    assert "valid_score" in out and "valid_loss" in out


def test_unknown_parameters_of_the_sequence_estimators_are_absent():
    params = RNNTagger().get_params()
    for name in ("pooling", "conv_channels", "instance_norm"):
        assert name not in params
    assert params["bidirectional"] is True


# -- the module, the loss and the batching ------------------------------------------


def test_the_loss_is_the_mean_over_valid_steps():
    torch.manual_seed(0)
    y_pred = torch.randn(3, 4, 5)
    target = torch.tensor([[1, 2, 3, 4], [0, 1, IGNORED_STEP, IGNORED_STEP], [2] * 4])
    weight = torch.tensor([1.0, 2.0, 0.0])
    loss = StepWeightedLoss()(y_pred, {"target": target, "weight": weight})
    per_step = torch.nn.functional.cross_entropy(
        y_pred[:2].reshape(-1, 5), target[:2].reshape(-1).clamp(min=0), reduction="none"
    ).view(2, 4)
    expected = (per_step[0].sum() + 2 * per_step[1, :2].sum()) / (4 + 2 * 2)
    torch.testing.assert_close(loss, expected)
    # Class weights multiply each step's loss.
    class_weight = [1.0, 1.0, 3.0, 1.0, 1.0]
    weighted = StepWeightedLoss(class_weight)(
        y_pred, {"target": target, "weight": weight}
    )
    steps = per_step * torch.tensor([[1.0, 3.0, 1.0, 1.0], [1.0, 1.0, 0, 0]])
    expected = (steps[0].sum() + 2 * steps[1].sum()) / (4 + 2 * 2)
    torch.testing.assert_close(weighted, expected)


def test_batches_pad_the_labels_with_the_ignored_value():
    sequences = check_sequences([np.arange(1, 4), np.arange(1, 2)], token_mode=True)
    labels = Sequences(np.array([5, 6, 7, 8]), sequences.lengths)
    dataset = SequenceDataset(sequences, labels)
    _, target = take_batch(dataset, torch.tensor([0, 1]))
    assert target["target"].shape == (2, 8)
    assert target["target"][0, :3].tolist() == [5, 6, 7]
    assert target["target"][1, 0] == 8
    assert (target["target"][0, 3:] == IGNORED_STEP).all()
    assert (target["target"][1, 1:] == IGNORED_STEP).all()
    with pytest.raises(ValueError, match="one label per step"):
        SequenceDataset(sequences, Sequences(np.arange(4), np.array([2, 2])))


def test_step_outputs_come_back_in_the_order_of_the_data():
    torch.manual_seed(0)
    module = PerStepModule(input_size=2, output_size=3, hidden_size=4).eval()
    X = [np.random.default_rng(i).normal(size=(n, 2)) for i, n in enumerate([5, 2, 9])]
    dataset = SequenceDataset(check_sequences(X))

    class Net:
        def evaluation_step(self, batch, training):
            with torch.no_grad():
                return module(**batch[0])

    flat = step_outputs(Net(), dataset, batch_size=2)
    assert flat.shape == (16, 3)
    with torch.no_grad():
        first = module(torch.tensor(X[0], dtype=torch.float32)[None], torch.tensor([5]))
    np.testing.assert_allclose(flat[:5], first[0].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_per_step_outputs_ignore_the_padding(bidirectional):
    torch.manual_seed(0)
    module = PerStepModule(
        output_size=3, embedding_dim=4, vocab_size=20, bidirectional=bidirectional
    ).eval()
    ids = torch.tensor([[3, 4, 5, 0, 0], [6, 7, 8, 9, 10]])
    lengths = torch.tensor([3, 5])
    out = module(ids, lengths)
    assert (out[0, 3:] == 0).all()
    garbage = ids.clone()
    garbage[0, 3:] = 19  # padding that holds ids
    torch.testing.assert_close(module(garbage, lengths), out)
    alone = module(ids[:1, :3], lengths[:1])
    torch.testing.assert_close(alone[0], out[0, :3], rtol=1e-5, atol=1e-6)


def test_one_step_at_a_time_equals_the_whole_sequence():
    torch.manual_seed(0)
    module = PerStepModule(output_size=6, embedding_dim=4, vocab_size=20).eval()
    ids = torch.tensor([[3, 4, 5, 6]])
    whole = module(ids, torch.tensor([4]))
    state = None
    for t in range(4):
        out, state = module.step(ids[:, t], state)
        torch.testing.assert_close(out, whole[:, t], rtol=1e-5, atol=1e-6)
    bidirectional = PerStepModule(
        output_size=6, embedding_dim=4, vocab_size=20, bidirectional=True
    )
    with pytest.raises(ValueError, match="unidirectional"):
        bidirectional.step(ids[:, 0])


def test_a_token_spelling_vector_does_not_depend_on_the_padding():
    torch.manual_seed(0)
    encoder = CharacterEncoder(vocab_size=30, embedding_dim=5, channels=7).eval()
    chars = torch.tensor([[[3, 4, 5, 0], [6, 0, 0, 0], [0, 0, 0, 0]]])
    out = encoder(chars)
    assert out.shape == (1, 3, 7)
    assert (out[0, 2] == 0).all()  # a padding token
    wider = torch.nn.functional.pad(chars, (0, 6))
    torch.testing.assert_close(encoder(wider), out)


def _spelled(n, seed):
    """Token ids with 6 character ids each; the label is whether the first
    character is a capital (id 2), which word ids unseen in training cannot
    tell."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for n_steps in rng.integers(3, 10, size=n):
        words = rng.integers(2, 500, size=n_steps)
        capital = rng.random(n_steps) < 0.3
        chars = rng.integers(3, 30, size=(n_steps, 6))
        chars[:, 0] = np.where(capital, 2, chars[:, 0])
        X.append(np.column_stack([words, chars]))
        y.append(np.where(capital, "CAP", "low"))
    return X, y


def test_the_spelling_of_unknown_words_reaches_the_network():
    X, y = _spelled(300, 0)
    X_new, y_new = _spelled(100, 1)  # mostly other word ids
    kwargs = {"embedding_dim": 8, "max_epochs": 20, **FAST}
    spelled = RNNTagger(**kwargs).fit(X, y)
    assert spelled.char_vocab_size_ == 30 and spelled.n_features_in_ == 7
    assert spelled.score(X_new, y_new) >= 0.97
    words_only = RNNTagger(vocab_size=500, **kwargs).fit([x[:, 0] for x in X], y)
    assert words_only.char_vocab_size_ is None
    assert words_only.score([x[:, 0] for x in X_new], y_new) < 0.85
    # Padded steps (a 3-D id array, token id 0) get no label.
    padded = np.zeros((2, 12, 7), dtype=np.int64)
    padded[0, :3], padded[1, :5] = X_new[0][:3], X_new[1][:5]
    assert [len(t) for t in spelled.predict(padded)] == [3, 5]
    too_many = [x.copy() for x in X_new[:2]]
    too_many[0][0, 3] = 30
    with pytest.raises(ValueError, match="Character id 30 is out of range"):
        spelled.predict(too_many)


def test_character_ids_are_refused_where_one_id_per_step_is_read():
    from sklearn_rnn import RNNClassifier, RNNLanguageModel

    X, _ = _spelled(10, 0)
    with pytest.raises(ValueError, match="RNNTagger for the characters"):
        RNNClassifier(embedding_dim=4, max_epochs=1).fit(X, [0, 1] * 5)
    with pytest.raises(ValueError, match="one token id per step"):
        RNNLanguageModel(embedding_dim=4, hidden_size=4, max_epochs=1).fit(X)


def test_save_model_and_onnx_say_they_do_not_support_per_step_models(tmp_path):
    pytest.importorskip("safetensors")
    from sklearn_rnn import RNNLanguageModel, export_onnx, save_model

    X, y = _tokens(20)
    for model in (
        RNNTagger(embedding_dim=4, max_epochs=1, **FAST).fit(X, y),
        RNNLanguageModel(embedding_dim=4, max_epochs=1, **FAST).fit(X),
    ):
        with pytest.raises(TypeError, match=r"does not support .* yet"):
            save_model(model, tmp_path / "model.safetensors")
    with pytest.raises(NotImplementedError, match="export_onnx does not support"):
        export_onnx(model, tmp_path / "model.onnx")


@pytest.mark.parametrize("kind", ["numeric", "tokens", "characters"])
def test_the_onnx_graph_tags_as_predict_does(kind):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from sklearn_rnn import export_onnx

    if kind == "numeric":
        X, y = _both_sides(40)
        tagger = RNNTagger(max_epochs=2, **FAST)
    elif kind == "tokens":
        X, y = _tokens(40)
        tagger = RNNTagger(embedding_dim=4, max_epochs=2, **FAST)
    else:
        X, y = _spelled(40, 0)
        tagger = RNNTagger(embedding_dim=4, max_epochs=2, **FAST)
    tagger.fit(X, y)
    padded = SequencePadder(value=0).fit_transform(X[:7])
    lengths = np.array([len(x) for x in X[:7]])
    session = onnxruntime.InferenceSession(
        export_onnx(tagger).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    values = padded.astype(np.float32 if kind == "numeric" else np.int64)
    labels, proba = session.run(None, {"values": values, "lengths": lengths})
    expected = tagger.predict_proba(X[:7])
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(proba[i, :n], expected[i], rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(labels[i, :n], tagger.predict(X[i : i + 1])[0])


# -- the CRF output layer -------------------------------------------------------


def _random_crf(n_labels=3, seed=0):
    torch.manual_seed(seed)
    crf = LinearChainCRF(n_labels)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.normal_()
    return crf


def _all_paths(crf, emissions, length):
    """Every label path of one sequence and its score, by enumeration."""
    paths = list(itertools.product(range(crf.n_labels), repeat=length))
    scores = []
    for path in paths:
        score = crf.start[path[0]] + crf.end[path[-1]]
        score = score + sum(emissions[t, label] for t, label in enumerate(path))
        score = score + sum(crf.transitions[a, b] for a, b in itertools.pairwise(path))
        scores.append(score)
    return paths, torch.stack(scores).detach()


def _crf_batch(crf, lengths, seed=0):
    emissions = torch.randn(
        len(lengths),
        max(lengths),
        crf.n_labels,
        generator=torch.Generator().manual_seed(seed),
    )
    lengths = torch.tensor(lengths)
    mask = torch.arange(emissions.shape[1]) < lengths.unsqueeze(1)
    with torch.no_grad():
        return emissions, crf(emissions, lengths), mask


def test_crf_forward_viterbi_and_marginals_equal_enumeration():
    crf = _random_crf()
    emissions, potentials, mask = _crf_batch(crf, [4, 1, 3])
    log_z = log_partition(potentials, mask)
    best = viterbi(potentials, mask)
    proba = marginals(potentials, mask)
    for i, length in enumerate([4, 1, 3]):
        paths, scores = _all_paths(crf, emissions[i], length)
        torch.testing.assert_close(log_z[i], torch.logsumexp(scores, 0))
        assert best[i, :length].tolist() == list(paths[int(scores.argmax())])
        tags = torch.zeros(1, mask.shape[1], dtype=torch.int64)
        tags[0, :length] = torch.tensor(paths[5 % len(paths)])
        torch.testing.assert_close(
            path_score(potentials[i : i + 1], tags, mask[i : i + 1])[0],
            scores[5 % len(paths)],
        )
        expected = torch.zeros(length, crf.n_labels)
        weights = torch.softmax(scores, 0)
        for path, weight in zip(paths, weights, strict=True):
            expected[torch.arange(length), torch.tensor(path)] += weight
        torch.testing.assert_close(proba[i, :length], expected)
        torch.testing.assert_close(proba[i, :length].sum(1), torch.ones(length))
        assert not proba[i, length:].any()


def test_crf_padding_changes_nothing():
    crf = _random_crf()
    emissions, potentials, mask = _crf_batch(crf, [5, 2, 0])
    # The second sequence alone, and with garbage in its padding.
    alone = crf(emissions[1:2, :2], torch.tensor([2]))
    noisy = emissions[1:2].clone()
    noisy[:, 2:] = 1e3
    padded = crf(noisy, torch.tensor([2]))
    for pots, m in ((alone, mask[1:2, :2]), (padded, mask[1:2])):
        torch.testing.assert_close(
            log_partition(pots, m), log_partition(potentials, mask)[1:2]
        )
        assert (
            viterbi(pots, m)[0, :2].tolist()
            == viterbi(potentials, mask)[1, :2].tolist()
        )
        torch.testing.assert_close(
            marginals(pots, m)[0, :2], marginals(potentials, mask)[1, :2]
        )
    # An empty sequence: one empty path of score 0.
    assert float(log_partition(potentials, mask)[2]) == 0.0
    target = {"target": torch.full((1, 5), IGNORED_STEP), "weight": torch.ones(1)}
    target["target"][0, :2] = torch.tensor([0, 2])
    torch.testing.assert_close(
        CRFLoss()(padded.flatten(2), target),
        CRFLoss()(
            alone.flatten(2),
            {"target": target["target"][:, :2], "weight": target["weight"]},
        ),
    )


def _announced(n=200, seed=0):
    """Sequences whose one label is announced only at their last step."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for length in rng.integers(3, 10, size=n):
        x = np.zeros((length, 2))
        x[:, 1] = rng.normal(size=length)
        label = rng.integers(2)
        x[-1, 0] = 1.0 if label else -1.0
        X.append(x)
        y.append(np.full(length, "yes" if label else "no"))
    return X, y


def test_the_crf_carries_what_only_transitions_can_tell():
    # Read forwards only, a step cannot see the announcement to come: alone it
    # guesses; the CRF learns that the label never changes and Viterbi
    # carries the last step's label back to the first.
    X, y = _announced()
    X_test, y_test = _announced(seed=1)
    kwargs = {"max_epochs": 15, "bidirectional": False, **FAST}
    plain = RNNTagger(**kwargs).fit(X, y)
    crf = RNNTagger(crf=True, **kwargs).fit(X, y)
    assert isinstance(crf.module_, CRFPerStepModule)
    assert crf.score(X_test, y_test) >= 0.85
    assert crf.score(X_test, y_test) > plain.score(X_test, y_test) + 0.2
    transitions = crf.module_.crf.transitions.detach()
    assert (transitions.diagonal() > transitions.fliplr().diagonal()).all()
    # Marginals are probabilities; predict is the best path as a whole.
    proba = crf.predict_proba(X_test[:10])
    for p, x in zip(proba, X_test[:10], strict=True):
        assert p.shape == (len(x), 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_the_crf_tagger_clones_pickles_stops_early_and_rolls_back():
    X, y = _tokens(60)
    tagger = RNNTagger(embedding_dim=4, max_epochs=2, crf=True, **FAST).fit(X, y)
    assert clone(tagger).get_params()["crf"] is True
    again = pickle.loads(pickle.dumps(tagger))
    for old, new in zip(tagger.predict_proba(X), again.predict_proba(X), strict=True):
        np.testing.assert_array_equal(old, new)
    before = tagger.module_.crf.transitions.detach().clone()
    tagger.set_params(warm_start=True)
    with pytest.raises(ValueError, match="not in classes_"):
        tagger.fit(X, [np.full(len(labels), "NEW") for labels in y])
    torch.testing.assert_close(tagger.module_.crf.transitions.detach(), before)
    with pytest.raises(ValueError, match="cannot add or remove the CRF"):
        tagger.set_params(crf=False).fit(X, y)
    assert tagger.n_iter_ == 2
    stopped = RNNTagger(
        embedding_dim=4, max_epochs=3, crf=True, early_stopping=True, **FAST
    ).fit(X, y)
    assert len(stopped.validation_scores_) == 3
    assert np.isfinite(stopped.history_[:, "valid_loss"]).all()


@pytest.mark.parametrize("crf", [False, True])
def test_empty_sequences_get_empty_outputs_of_the_right_shape(crf):
    X, y = _both_sides(n=40)
    tagger = RNNTagger(max_epochs=1, crf=crf, **FAST).fit(X, y)
    empty = [np.zeros((0, 2)), np.zeros((0, 2))]
    for labels in tagger.predict(empty):
        assert labels.shape == (0,)
    for proba in tagger.predict_proba(empty):
        assert proba.shape == (0, len(tagger.classes_))
    proba = tagger.predict_proba([X[0], np.zeros((0, 2))])
    assert proba[0].shape == (len(X[0]), len(tagger.classes_))
    assert proba[1].shape == (0, len(tagger.classes_))


def test_the_crf_refuses_class_weight_and_onnx(tmp_path):
    X, y = _tokens(20)
    tagger = RNNTagger(embedding_dim=4, max_epochs=1, crf=True, **FAST)
    with pytest.raises(ValueError, match="class_weight cannot be used with crf"):
        tagger.set_params(class_weight="balanced").fit(X, y)
    assert not hasattr(tagger, "net_")
    tagger.set_params(class_weight=None).fit(X, y)
    from sklearn_rnn import export_onnx

    with pytest.raises(NotImplementedError, match="Viterbi"):
        export_onnx(tagger, tmp_path / "model.onnx")
