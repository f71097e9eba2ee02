"""Hypothesis properties: input forms, invariants, faults and bad input (issue 12).

Every drawn case must end in a correct result or in a ValueError/TypeError,
raised by the package, whose message names the problem. The example budget is
small and the draws are derandomized, so the suite is reproducible in CI and
the whole file runs in well under a minute on two cores. Networks are tiny
(hidden_size=4, one thread, one or two epochs); most tests share one fitted
model per module and draw only the prediction inputs.

Tolerances: equivalent input forms must give the same outputs to 1e-6 (the
same batches reach the same kernels, in practice bit for bit). Outputs that
come from other batch compositions (a subset, a permutation, one sequence at
a time) are compared at rtol=1e-5, atol=1e-6, never for bit equality: oneDNN
picks float32 kernels per batch size and CPU, and they round differently (up
to ~2e-7 on an AVX-512 EPYC). Reruns that repeat the same computation (pickle,
clone and refit, save_model/load_model) must be bit-identical.
"""

import copy
import os
import pickle
import re
import tempfile
import traceback

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from sklearn_rnn import (
    RNNClassifier,
    RNNModule,
    RNNRegressor,
    StopTraining,
    load_model,
    save_model,
)
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, Tokenizer

# Small, fixed and reproducible: one thread for bit-identical reruns.
SMALL = dict(hidden_size=4, random_state=0, n_threads=1, device="cpu")
CONV = dict(conv_channels=(4,), conv_kernel_sizes=(3,))
NO_CONV = dict(conv_channels=None)
# Forms and batches: see the module docstring.
FORM_TOL = dict(rtol=1e-6, atol=1e-6)
BATCH_TOL = dict(rtol=1e-5, atol=1e-6)


def budget(max_examples):
    """Hypothesis settings of this file: few examples, derandomized, no database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- strategies ---------------------------------------------------------------

finite_values = st.floats(-5, 5, allow_subnormal=False)


@st.composite
def lengths(draw, min_size=1, max_size=6, max_len=8):
    """Sequence lengths from 0 to ``max_len``, at least one of them non-zero."""
    sizes = draw(
        st.lists(st.integers(0, max_len), min_size=min_size, max_size=max_size)
    )
    if not any(sizes):
        sizes[draw(st.integers(0, len(sizes) - 1))] = draw(st.integers(1, max_len))
    return sizes


@st.composite
def ragged(draw, n_features, **kwargs):
    """A list of (T_i, n_features) float64 arrays, T_i from 0 to 8."""
    return [
        draw(hnp.arrays(np.float64, (size, n_features), elements=finite_values))
        for size in draw(lengths(**kwargs))
    ]


@st.composite
def token_ids(draw, vocab_size, **kwargs):
    """A list of lists of token ids in [1, vocab_size), some of them empty."""
    return [
        draw(st.lists(st.integers(1, vocab_size - 1), min_size=size, max_size=size))
        for size in draw(lengths(**kwargs))
    ]


def nan_padded(sequences, extra=0):
    """The (n, T, F) array of ``sequences``, NaN after each one's steps."""
    width = max(len(s) for s in sequences) + extra
    out = np.full((len(sequences), width, sequences[0].shape[1]), np.nan)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out


def zero_padded(ids, extra=0, dtype=np.int64):
    """The (n, T) array of token ids ``ids``, 0 after each one's tokens."""
    out = np.zeros((len(ids), max(map(len, ids)) + extra), dtype=dtype)
    for i, s in enumerate(ids):
        out[i, : len(s)] = s
    return out


def random_sequences(seed, n=12, n_features=2, min_len=1, max_len=8):
    """``n`` ragged float sequences drawn from ``seed``, for the fault tests."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(t, n_features))
        for t in rng.integers(min_len, max_len + 1, size=n)
    ]


def class_labels(sequences, labels=("a", "b")):
    """Alternating labels, so that every class is present in any 2+ sequences."""
    return np.array([labels[i % len(labels)] for i in range(len(sequences))])


def sum_targets(sequences):
    return np.array([float(s[:, 0].sum()) if len(s) else 0.0 for s in sequences])


def outputs(model, X):
    """What the model predicts, as floats: probabilities or regression values."""
    if isinstance(model, RNNClassifier):
        return model.predict_proba(X)
    return model.predict(X)


# -- shared fitted models -------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    """One fitted model per kind; the tests draw only what they predict on."""
    rng = np.random.default_rng(0)
    X2 = [rng.normal(size=(t, 2)) for t in rng.integers(1, 9, size=24)]
    X1 = [rng.normal(size=(t, 1)) for t in rng.integers(1, 9, size=24)]
    ids = [rng.integers(1, 12, size=t) for t in rng.integers(1, 9, size=24)]
    return {
        "classifier": RNNClassifier(max_epochs=2, batch_size=8, **CONV, **SMALL).fit(
            X2, class_labels(X2, ("a", "b", "c"))
        ),
        "regressor": RNNRegressor(
            max_epochs=2,
            batch_size=8,
            pooling="mean",
            bidirectional=True,
            **NO_CONV,
            **SMALL,
        ).fit(X1, sum_targets(X1)),
        "tokens": RNNClassifier(
            max_epochs=2, batch_size=8, embedding_dim=3, vocab_size=12, **SMALL
        ).fit(ids, class_labels(ids)),
    }


# -- 1. input forms -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@budget(25)
@given(data=st.data())
def test_numeric_forms_predict_alike(models, kind, data):
    """Ragged arrays, NaN-padded 3-D arrays, DataFrames, lists, (T,) and (T, 1)."""
    model = models[kind]
    n_features = model.n_features_in_
    X = data.draw(ragged(n_features))
    extra = data.draw(st.integers(0, 3), label="extra padding")
    expected = outputs(model, X)
    assert expected.shape[0] == len(X)
    assert np.isfinite(expected).all()
    forms = {
        "nan_padded": nan_padded(X, extra),
        "dataframes": [pd.DataFrame(x) for x in X],
        "lists": [x.tolist() for x in X],
        "tuple": tuple(X),
        "float32": [x.astype(np.float32) for x in X],
    }
    if n_features == 1:
        forms["1d_items"] = [x[:, 0] for x in X]
        forms["2d_nan_padded"] = nan_padded(X, extra)[:, :, 0]
        forms["series"] = [pd.Series(x[:, 0]) for x in X]
    for name, form in forms.items():
        got = outputs(model, form)
        np.testing.assert_allclose(got, expected, **FORM_TOL, err_msg=name)
    if kind == "classifier":
        proba = expected
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
        np.testing.assert_array_equal(
            model.predict(X), model.classes_[proba.argmax(axis=1)]
        )


@budget(10)
@given(
    X=ragged(2, min_size=4, max_size=10),
    extra=st.integers(0, 3),
    conv=st.booleans(),
)
def test_fit_on_nan_padded_equals_fit_on_ragged(X, extra, conv):
    """Training on the NaN-padded array is training on the ragged list."""
    params = dict(max_epochs=2, batch_size=4, **(CONV if conv else NO_CONV), **SMALL)
    y = class_labels(X)
    ragged_model = RNNClassifier(**params).fit(X, y)
    padded_model = RNNClassifier(**params).fit(nan_padded(X, extra), y)
    np.testing.assert_allclose(
        padded_model.loss_curve_, ragged_model.loss_curve_, **FORM_TOL
    )
    np.testing.assert_allclose(
        padded_model.predict_proba(X), ragged_model.predict_proba(X), **FORM_TOL
    )


@budget(25)
@given(ids=token_ids(12), extra=st.integers(0, 3))
def test_token_forms_predict_alike(models, ids, extra):
    """Ragged id lists, id arrays and 0-padded 2-D arrays (any int dtype)."""
    model = models["tokens"]
    expected = model.predict_proba(ids)
    assert np.isfinite(expected).all()
    forms = {
        "arrays": [np.asarray(s, dtype=np.int64) for s in ids],
        "int32 arrays": [np.asarray(s, dtype=np.int32) for s in ids],
        "zero_padded": zero_padded(ids, extra),
        "zero_padded int32": zero_padded(ids, extra, np.int32),
        "zero_padded uint16": zero_padded(ids, extra, np.uint16),
    }
    for name, form in forms.items():
        np.testing.assert_allclose(
            model.predict_proba(form), expected, **FORM_TOL, err_msg=name
        )


# -- 2. invariants --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["classifier", "regressor", "tokens"])
@budget(20)
@given(data=st.data())
def test_batch_composition_does_not_change_outputs(models, kind, data):
    """A subset, a permutation or one sequence at a time: the same outputs."""
    model = models[kind]
    if kind == "tokens":
        X = [np.asarray(s, dtype=np.int64) for s in data.draw(token_ids(12))]
    else:
        X = data.draw(ragged(model.n_features_in_, max_size=10))
    n = len(X)
    expected = outputs(model, X)
    order = data.draw(st.permutations(range(n)), label="permutation")
    np.testing.assert_allclose(
        outputs(model, [X[i] for i in order]), expected[order], **BATCH_TOL
    )
    subset = data.draw(
        st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
        label="subset",
    )
    np.testing.assert_allclose(
        outputs(model, [X[i] for i in subset]), expected[subset], **BATCH_TOL
    )
    one_by_one = np.concatenate([outputs(model, [x]) for x in X])
    np.testing.assert_allclose(one_by_one, expected, **BATCH_TOL)


model_settings = st.fixed_dictionaries(
    {
        "cell_type": st.sampled_from(["lstm", "gru", "rnn"]),
        "pooling": st.sampled_from(["last", "mean", "max", "attention"]),
        "bidirectional": st.booleans(),
        "instance_norm": st.booleans(),
        "conv": st.booleans(),
        "early_stopping": st.booleans(),
    }
)


def build(kind, settings_, **params):
    """An estimator of ``kind`` with the drawn ``settings_``."""
    settings_ = dict(settings_)
    conv = CONV if settings_.pop("conv") else NO_CONV
    if settings_["early_stopping"]:
        settings_.update(validation_fraction=0.34, n_iter_no_change=5)
    cls = RNNClassifier if kind == "classifier" else RNNRegressor
    return cls(**settings_, **conv, **SMALL, **params)


def fit_data(kind, X):
    return X, class_labels(X) if kind == "classifier" else sum_targets(X)


@budget(12)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    settings_=model_settings,
    X=ragged(2, min_size=6, max_size=10),
)
def test_pickle_and_clone_refit_are_bit_identical(kind, settings_, X):
    """Same random_state, same data: the same model, bit for bit."""
    model = build(kind, settings_, max_epochs=2, batch_size=4)
    X, y = fit_data(kind, X)
    model.fit(X, y)
    expected = outputs(model, X)

    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(outputs(restored, X), expected)
    assert restored.loss_curve_ == model.loss_curve_

    refit = clone(model).fit(X, y)
    np.testing.assert_array_equal(outputs(refit, X), expected)
    assert refit.loss_curve_ == model.loss_curve_
    for name, tensor in model.module_.state_dict().items():
        assert torch.equal(tensor, refit.module_.state_dict()[name]), name


@budget(12)
@given(
    kind=st.sampled_from(["classifier", "regressor", "tokens"]),
    settings_=model_settings,
    X=ragged(2, min_size=6, max_size=10),
)
def test_save_load_round_trip_is_bit_identical(kind, settings_, X):
    """save_model then load_model: the same parameters, attributes and outputs."""
    if kind == "tokens":
        settings_ = dict(settings_, instance_norm=False, conv=False)
        ids = [np.arange(1, len(x) + 1) % 7 + 1 for x in X]
        model = build("classifier", settings_, max_epochs=2, embedding_dim=3)
        X, y = ids, class_labels(ids)
    else:
        model = build(kind, settings_, max_epochs=2)
        X, y = fit_data(kind, X)
    model.fit(X, y)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.safetensors")
        save_model(model, path)
        loaded = load_model(path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(outputs(loaded, X), outputs(model, X))
    if kind != "regressor":
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert loaded.n_iter_ == model.n_iter_
    assert loaded.loss_curve_ == model.loss_curve_
    assert loaded.n_features_in_ == model.n_features_in_


values_f32 = st.floats(-5, 5, width=32, allow_subnormal=False)


@st.composite
def module_case(draw):
    """An RNNModule in eval mode, a padded batch and its lengths."""
    token_mode = draw(st.booleans())
    config = dict(
        cell_type=draw(st.sampled_from(["lstm", "gru", "rnn"])),
        pooling=draw(st.sampled_from(["last", "mean", "max", "attention"])),
        bidirectional=draw(st.booleans()),
        hidden_size=4,
        output_size=2,
    )
    if draw(st.booleans()):
        config.update(conv_channels=(4,), conv_kernel_sizes=(3,))
    batch = draw(st.integers(1, 4))
    time = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(0, time), min_size=batch, max_size=batch))
    # The longest sequence fills the time axis, as in the estimators' batches.
    sizes[draw(st.integers(0, batch - 1))] = time
    if token_mode:
        config.update(embedding_dim=3, vocab_size=9)
        values = torch.tensor(
            draw(hnp.arrays(np.int64, (batch, time), elements=st.integers(1, 8)))
        )
        fills = st.sampled_from([0, 1, 8, 10**6, -5])
    else:
        config.update(input_size=2, instance_norm=draw(st.booleans()))
        values = torch.tensor(
            draw(hnp.arrays(np.float32, (batch, time, 2), elements=values_f32))
        )
        fills = st.sampled_from([np.nan, np.inf, -np.inf, 1e30, 0.0])
    with torch.random.fork_rng():
        torch.manual_seed(draw(st.integers(0, 100)))
        module = RNNModule(**config).eval()
    return module, values, torch.tensor(sizes), draw(fills)


def with_padding(values, lengths, fill):
    steps = torch.arange(values.shape[1]).unsqueeze(0)
    padding = steps >= lengths.unsqueeze(1)
    if values.ndim == 3:
        padding = padding.unsqueeze(2).expand_as(values)
    return values.masked_fill(padding, fill)


@budget(40)
@given(case=module_case())
def test_module_padding_never_reaches_a_computation(case):
    """RNNModule: NaN, inf or any id as padding gives the zero-padding output,
    and each sequence alone (padded to its own length) gives the same."""
    module, values, lengths, fill = case
    with torch.no_grad():
        expected = module(with_padding(values, lengths, 0), lengths)
        got = module(with_padding(values, lengths, fill), lengths)
        assert torch.isfinite(expected).all()
        np.testing.assert_allclose(got.numpy(), expected.numpy(), **FORM_TOL)
        for i, length in enumerate(lengths.tolist()):
            alone = module(values[i : i + 1, : max(length, 1)], lengths[i : i + 1])
            np.testing.assert_allclose(
                alone.numpy(), expected[i : i + 1].numpy(), **BATCH_TOL
            )


@budget(30)
@given(
    case=module_case(),
    bad=st.sampled_from(["negative", "too_long", "float", "shape", "not_tensor"]),
)
def test_module_refuses_bad_lengths(case, bad):
    """Lengths below 0 or beyond the time axis, of a float dtype or of the
    wrong shape: a ValueError (TypeError for a non-tensor) naming lengths."""
    module, values, lengths, _ = case
    time = values.shape[1]
    bad_lengths = {
        "negative": lambda: lengths.clone().index_fill_(0, torch.tensor([0]), -1),
        "too_long": lambda: lengths.clone().index_fill_(0, torch.tensor([0]), time + 1),
        "float": lambda: lengths.float(),
        "shape": lambda: torch.cat([lengths, lengths[:1]]),
        "not_tensor": lambda: lengths.tolist(),
    }[bad]()
    error = TypeError if bad == "not_tensor" else ValueError
    with torch.no_grad(), pytest.raises(error, match="lengths"):
        module(values, bad_lengths)


# SequencePadder ---------------------------------------------------------------

padder_floats = st.one_of(
    st.sampled_from([0.0, -0.0, np.nan, 1e300, -5e-324, 1.5]),
    st.floats(-3, 3, width=32),
)


@st.composite
def padder_case(draw):
    """Sequences of one dtype and shape, and a SequencePadder's parameters."""
    dtype = draw(st.sampled_from([np.int64, np.float64, np.float32, np.bool_]))
    scalar_steps = draw(st.booleans())
    n_features = 1 if scalar_steps else draw(st.integers(1, 2))
    elements = {
        np.int64: st.integers(-2, 3),
        np.float64: padder_floats,
        np.float32: st.one_of(
            st.sampled_from([0.0, -0.0, np.nan, 1.5]), st.floats(-3, 3, width=32)
        ),
        np.bool_: st.booleans(),
    }[dtype]
    X = []
    for size in draw(lengths(max_size=5, max_len=6)):
        shape = (size,) if scalar_steps else (size, n_features)
        X.append(draw(hnp.arrays(dtype, shape, elements=elements)))
    value = draw(
        st.sampled_from(
            {
                np.int64: ["auto", -1, 7],
                np.float64: ["auto", 0.0, -1.5],
                np.float32: ["auto", 0.0],
                np.bool_: ["auto"],
            }[dtype]
        )
    )
    maxlen = draw(st.one_of(st.none(), st.integers(1, 6), st.sampled_from([0.5, 1.0])))
    params = dict(
        max_length=maxlen,
        padding=draw(st.sampled_from(["post", "pre"])),
        truncating=draw(st.sampled_from(["pre", "post"])),
        value=value,
    )
    return X, params


def kept_steps(x, maxlen, truncating):
    """What transform keeps of ``x``: trailing all-NaN steps dropped, truncated."""
    if x.dtype.kind == "f":
        is_nan = np.isnan(x) if x.ndim == 1 else np.isnan(x).all(axis=1)
        valid = np.flatnonzero(~is_nan)
        x = x[: valid[-1] + 1 if valid.size else 0]
    return x[max(len(x) - maxlen, 0) :] if truncating == "pre" else x[:maxlen]


def equals_padding(step, value, dtype):
    if value == "auto":
        value = np.nan if np.dtype(dtype).kind == "f" else 0
    step = np.atleast_1d(step)
    if isinstance(value, float) and np.isnan(value):
        return bool(np.isnan(step).all())
    return bool((step == value).all())


@budget(60)
@given(case=padder_case())
def test_padder_round_trip_is_exact_or_refused(case):
    """inverse_transform(fit_transform(X)) gives back what transform kept.

    Or a ValueError, exactly when a kept sequence ends ("pre" padding:
    starts) with a step equal to the padding value in every feature.
    """
    X, params = case
    dtype = X[0].dtype
    if not any(len(kept_steps(x, 10**9, "pre")) for x in X):
        # Float sequences that are all NaN padding: nothing to learn a width from.
        with pytest.raises(ValueError, match=r"no time step"):
            SequencePadder(**params).fit(X)
        return
    padder = SequencePadder(**params).fit(X)
    if params["max_length"] is None:
        assert padder.max_length_ == max(len(kept_steps(x, 10**9, "pre")) for x in X)
    elif isinstance(params["max_length"], int):
        assert padder.max_length_ == params["max_length"]
    kept = [kept_steps(x, padder.max_length_, params["truncating"]) for x in X]
    edge = -1 if params["padding"] == "post" else 0
    ambiguous = [
        i
        for i, k in enumerate(kept)
        if len(k) and equals_padding(k[edge], params["value"], dtype)
    ]
    note(f"kept={kept!r}, ambiguous={ambiguous}")
    if ambiguous:
        with pytest.raises(ValueError, match=r"padding value"):
            SequencePadder(**params).fit_transform(X)
        return
    out = SequencePadder(**params).fit_transform(X)
    np.testing.assert_array_equal(padder.transform(X), out)
    assert out.dtype == dtype
    assert out.shape[:2] == (len(X), padder.max_length_)
    assert out.ndim == (2 if X[0].ndim == 1 else 3)
    back = padder.inverse_transform(out)
    assert len(back) == len(X)
    for i, (got, want) in enumerate(zip(back, kept, strict=True)):
        assert got.dtype == want.dtype, i
        assert got.shape == want.shape, i
        # Bytes: NaN where NaN was, -0.0 where -0.0 was.
        assert got.tobytes() == want.tobytes(), i


# SequenceScaler ---------------------------------------------------------------


@st.composite
def scaler_data(draw):
    n_features = draw(st.integers(1, 3))
    finite = st.floats(-1e3, 1e3, allow_subnormal=False)
    elements = st.one_of(finite, finite, finite, st.just(np.nan))
    return [
        draw(hnp.arrays(np.float64, (size, n_features), elements=elements))
        for size in draw(lengths(max_len=6))
    ]


def assert_close_or_both_nan(got, want):
    scale = 1 + np.nanmax(np.abs(want), initial=0)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale)


# A feature that is NaN at every step has no statistics: sklearn's mean
# warns ("invalid value encountered in divide") and gives NaN, kept as NaN.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@budget(40)
@given(
    X=scaler_data(),
    with_mean=st.booleans(),
    with_std=st.booleans(),
    form=st.sampled_from(["list", "padded", "dataframes"]),
)
def test_scaler_inverse_transform_undoes_transform(X, with_mean, with_std, form):
    """inverse_transform(transform(X)) == X in every form, NaN kept in place."""
    if all(np.isnan(x).all() for x in X):
        X[0] = np.zeros((1, X[0].shape[1]))
    given_ = {
        "list": lambda: [x.copy() for x in X],
        "padded": lambda: nan_padded(X),
        "dataframes": lambda: [pd.DataFrame(x) for x in X],
    }[form]
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(given_())
    original = given_()
    scaled = scaler.transform(original)
    back = scaler.inverse_transform(scaled)
    if form == "padded":
        assert isinstance(back, np.ndarray) and back.shape == original.shape
        assert_close_or_both_nan(back, original)
        # Padding stays padding.
        np.testing.assert_array_equal(np.isnan(scaled), np.isnan(original))
    else:
        assert isinstance(back, list) and len(back) == len(X)
        for got, want in zip(back, original, strict=True):
            assert type(got) is type(want)
            assert_close_or_both_nan(np.asarray(got), np.asarray(want))
    # transform with copy=True leaves its input alone.
    if form == "list":
        for x, y in zip(original, X, strict=True):
            np.testing.assert_array_equal(x, y)


@st.composite
def aliased_items(draw):
    """Bases, and items that are bases themselves or (overlapping) views of them."""
    n_features = draw(st.integers(1, 2))
    bases = [
        draw(hnp.arrays(np.float64, (size, n_features), elements=finite_values))
        for size in draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    ]
    specs = []
    for _ in range(draw(st.integers(1, 6))):
        j = draw(st.integers(0, len(bases) - 1))
        start = draw(st.integers(0, len(bases[j])))
        stop = draw(st.integers(start, len(bases[j])))
        specs.append((j, draw(st.booleans()), start, stop))
    return bases, specs


def materialize(bases, specs):
    """Items over fresh copies of ``bases``: whole bases or views into them."""
    bases = [b.copy() for b in bases]
    return [
        bases[j] if whole else bases[j][start:stop] for j, whole, start, stop in specs
    ]


@budget(40)
@given(case=aliased_items(), with_mean=st.booleans(), with_std=st.booleans())
def test_scaler_copy_false_equals_copy_true(case, with_mean, with_std):
    """copy=False scales each step once, even for aliased or overlapping items."""
    bases, specs = case
    params = dict(with_mean=with_mean, with_std=with_std)
    fitted_on = [b.copy() for b in bases]
    expected = (
        SequenceScaler(**params).fit(fitted_on).transform(materialize(bases, specs))
    )
    in_place = SequenceScaler(copy=False, **params).fit(fitted_on)
    got = in_place.transform(materialize(bases, specs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    back = in_place.inverse_transform(got)
    for b, want in zip(back, materialize(bases, specs), strict=True):
        np.testing.assert_allclose(b, want, rtol=1e-9, atol=1e-9)


# Tokenizer --------------------------------------------------------------------

words = st.sampled_from(["good", "Bad", "film", "the", "plot", "a", "was", "not"])


@st.composite
def documents(draw):
    docs = []
    for tokens in draw(st.lists(st.lists(words, max_size=8), min_size=1, max_size=8)):
        separators = draw(
            st.lists(
                st.sampled_from([" ", ", ", "! ", "  "]),
                min_size=len(tokens),
                max_size=len(tokens),
            )
        )
        docs.append("".join(t + s for t, s in zip(tokens, separators, strict=True)))
    if not any(re.search(r"\w", d) for d in docs):
        docs[0] = "film"
    return docs


def same_ids(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
        assert np.asarray(x).dtype == np.asarray(y).dtype


@budget(25)
@given(
    docs=documents(),
    order=st.randoms(use_true_random=False),
    backend=st.sampled_from(["python", "huggingface"]),
    max_length=st.one_of(st.none(), st.integers(1, 10)),
)
def test_tokenizer_is_deterministic(docs, order, backend, max_length):
    """Repeated transforms, refits, fit_transform and shuffled docs agree."""
    params = dict(backend=backend, max_length=max_length)
    tokenizer = Tokenizer(**params).fit(docs)
    ids = tokenizer.transform(docs)
    same_ids(tokenizer.transform(docs), ids)
    same_ids(Tokenizer(**params).fit(docs).transform(docs), ids)
    same_ids(Tokenizer(**params).fit_transform(docs), ids)
    same_ids(pickle.loads(pickle.dumps(tokenizer)).transform(docs), ids)
    shuffled = list(docs)
    order.shuffle(shuffled)
    refit = Tokenizer(**params).fit(shuffled)
    assert refit.vocabulary_ == tokenizer.vocabulary_
    same_ids(refit.transform(docs), ids)
    if max_length is None:
        longest = max(map(len, ids))
        padded = tokenizer.set_params(max_length=max(longest, 1))
        np.testing.assert_array_equal(
            padded.transform(docs), zero_padded(ids, extra=max(longest, 1) - longest)
        )


# -- 3. faults ------------------------------------------------------------------


class Boom(Exception):
    pass


class Abort(BaseException):
    """Not an Exception: only ``except BaseException`` sees it."""


HOOKS = (
    "on_train_begin",
    "on_epoch_begin",
    "on_batch_begin",
    "on_grad_computed",
    "on_batch_end",
    "on_epoch_end",
    "on_train_end",
)
# Hooks that run inside an epoch, before its loss is recorded.
IN_EPOCH_HOOKS = (
    "on_epoch_begin",
    "on_batch_begin",
    "on_grad_computed",
    "on_batch_end",
)


class RaiseAt(Callback):
    """Raises ``exception`` at ``hook`` in ``epoch`` and training ``batch``.

    Epochs and batches are 1-based and counted from the start of the call.
    ``fired`` tells whether it raised.
    """

    def __init__(self, exception, hook, epoch=1, batch=1):
        self.exception = exception
        self.hook = hook
        self.epoch = epoch
        self.batch = batch
        self.fired = False

    def _maybe_raise(self, net, hook, check_batch=True):
        if hook != self.hook or self.fired:
            return
        if len(net.history) - self.start_ != self.epoch:
            return
        if check_batch and self.batches_ != self.batch:
            return
        self.fired = True
        raise self.exception

    def on_train_begin(self, net, **kwargs):
        self.start_ = len(net.history)
        self.batches_ = 0
        if self.hook == "on_train_begin":
            self.fired = True
            raise self.exception

    def on_epoch_begin(self, net, **kwargs):
        self.batches_ = 0
        self._maybe_raise(net, "on_epoch_begin", check_batch=False)

    def on_batch_begin(self, net, training=False, **kwargs):
        if training:
            self.batches_ += 1
            self._maybe_raise(net, "on_batch_begin")

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self._maybe_raise(net, "on_grad_computed")

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self._maybe_raise(net, "on_batch_end")

    def on_epoch_end(self, net, **kwargs):
        self._maybe_raise(net, "on_epoch_end", check_batch=False)

    def on_train_end(self, net, **kwargs):
        if self.hook == "on_train_end" and not self.fired:
            self.fired = True
            raise self.exception


def same(a, b):
    """Deep equality of fitted attributes: arrays, tensors, containers, objects."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(same(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a):
        return np.isnan(b)
    if hasattr(a, "__dict__") and not isinstance(a, (type, Callback)):
        return type(a) is type(b) and same(vars(a), vars(b))
    return a == b


def snapshot(model, probe):
    """Everything a fit writes, copied, and the model's outputs on ``probe``."""
    state = {
        key: copy.deepcopy(value)
        for key, value in vars(model).items()
        if key not in ("net_", "history_", "callbacks")
    }
    state["callbacks"] = model.callbacks
    if hasattr(model, "net_"):
        net = model.net_
        state["net_"] = {
            "weights": copy.deepcopy(net.module_.state_dict()),
            "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
            "history": copy.deepcopy(list(net.history)),
            "history_is_net_history": model.history_ is net.history,
            "outputs": outputs(model, probe),
        }
    return state


def assert_unchanged(model, before, probe):
    after = snapshot(model, probe)
    assert after.keys() == before.keys(), set(after) ^ set(before)
    for key in before:
        assert same(before[key], after[key]), key
    if "net_" not in before:
        with pytest.raises(NotFittedError):
            check_is_fitted(model)
        with pytest.raises(NotFittedError):
            model.predict(probe)


FIT_MODES = ("fit", "refit", "warm_start", "partial_fit", "first_partial_fit")


def prepare(kind, mode, seed, conv, early_stopping, **params):
    """The model, before the call of ``mode``, and the call's data.

    A refit gets new targets: new labels, or targets on another scale, which
    a half-done refit would leave behind.
    """
    X = random_sequences(seed)
    cls = RNNClassifier if kind == "classifier" else RNNRegressor
    params = {
        "batch_size": 4,
        "warm_start": mode == "warm_start",
        "early_stopping": early_stopping and "partial" not in mode,
        "validation_fraction": 0.34,
        **(CONV if conv else NO_CONV),
        **SMALL,
        **params,
    }
    model = cls(**params)
    y = class_labels(X) if kind == "classifier" else sum_targets(X)
    if mode in ("refit", "warm_start", "partial_fit"):
        model.fit(X, y)
    X_new = random_sequences(seed + 1)
    if mode == "refit":
        y_new = (
            class_labels(X_new, ("yes", "no"))
            if kind == "classifier"
            else sum_targets(X_new) * 1000 + 5000
        )
    else:
        y_new = class_labels(X_new) if kind == "classifier" else sum_targets(X_new)
    return model, X_new, y_new


def call(model, mode, X, y):
    if mode == "first_partial_fit" and isinstance(model, RNNClassifier):
        return model.partial_fit(X, y, classes=["a", "b"])
    if "partial" in mode:
        return model.partial_fit(X, y)
    return model.fit(X, y)


exceptions = st.sampled_from(
    [RuntimeError, ValueError, ZeroDivisionError, OSError, MemoryError, Boom, Abort]
).map(lambda cls: cls("raised by a callback"))


@budget(40)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    mode=st.sampled_from(FIT_MODES),
    exception=exceptions,
    hook=st.sampled_from(HOOKS),
    epoch=st.integers(1, 2),
    batch=st.integers(1, 2),
    seed=st.integers(0, 2**16),
    conv=st.booleans(),
    early_stopping=st.booleans(),
)
def test_a_failed_call_leaves_the_estimator_as_it_was(
    kind, mode, exception, hook, epoch, batch, seed, conv, early_stopping
):
    """An exception in a callback: fit, refit, warm start or partial_fit."""
    model, X, y = prepare(kind, mode, seed, conv, early_stopping, max_epochs=2)
    if "partial" in mode:
        epoch = 1
    raiser = RaiseAt(exception, hook, epoch, batch)
    model.set_params(callbacks=[raiser])
    probe = random_sequences(seed + 2, n=5)
    before = snapshot(model, probe)
    with pytest.raises(type(exception)):
        call(model, mode, X, y)
    assert raiser.fired
    assert_unchanged(model, before, probe)


@budget(30)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    mode=st.sampled_from(FIT_MODES),
    hook=st.sampled_from([*IN_EPOCH_HOOKS, "on_epoch_end"]),
    epoch=st.integers(1, 3),
    batch=st.integers(1, 2),
    seed=st.integers(0, 2**16),
    conv=st.booleans(),
    early_stopping=st.booleans(),
)
def test_keyboard_interrupt_keeps_completed_epochs_and_propagates(
    kind, mode, hook, epoch, batch, seed, conv, early_stopping
):
    """Ctrl-C in epoch k: the k - 1 epochs before it are kept (k, once the
    epoch's loss is recorded, in on_epoch_end), or, with none, the estimator
    is left as it was. KeyboardInterrupt always propagates."""
    model, X, y = prepare(kind, mode, seed, conv, early_stopping, max_epochs=3)
    if "partial" in mode:
        epoch = 1
    model.set_params(callbacks=[RaiseAt(KeyboardInterrupt(), hook, epoch, batch)])
    probe = random_sequences(seed + 2, n=5)
    before = snapshot(model, probe)
    epochs_before = model.n_iter_ if mode in ("warm_start", "partial_fit") else 0
    completed = epoch if hook == "on_epoch_end" else epoch - 1
    with pytest.raises(KeyboardInterrupt):
        call(model, mode, X, y)
    if not completed:
        assert_unchanged(model, before, probe)
        return
    check_is_fitted(model)
    assert model.n_iter_ == len(model.loss_curve_) == epochs_before + completed
    assert len(model.history_) == model.n_iter_
    assert model.history_ is model.net_.history
    assert np.isfinite(model.loss_curve_).all()
    if model.early_stopping:
        assert len(model.validation_scores_) == completed
    got = outputs(model, probe)
    assert got.shape[0] == len(probe) and np.isfinite(got).all()
    if kind == "classifier":
        assert set(model.predict(probe)) <= set(model.classes_)
        assert set(model.classes_) == set(y)


@budget(15)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    epoch=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    early_stopping=st.booleans(),
)
def test_stop_training_at_the_end_of_an_epoch_ends_fit_normally(
    kind, epoch, seed, early_stopping
):
    """StopTraining from on_epoch_end: fit returns after that epoch."""
    model, X, y = prepare(kind, "fit", seed, False, early_stopping, max_epochs=3)
    model.set_params(callbacks=[RaiseAt(StopTraining(), "on_epoch_end", epoch)])
    assert model.fit(X, y) is model
    assert model.n_iter_ == len(model.loss_curve_) == epoch
    assert np.isfinite(outputs(model, X)).all()


# Not a hypothesis test: four cases cover the hooks inside an epoch.
@pytest.mark.parametrize("hook", ["on_epoch_begin", "on_batch_end"])
@pytest.mark.parametrize("epoch", [1, 2])
def test_stop_training_inside_an_epoch_ends_fit_normally(hook, epoch):
    """StopTraining mid-epoch: fit returns with the epochs completed before it
    (or refuses clearly when there are none), n_iter_ == len(loss_curve_)."""
    model, X, y = prepare("classifier", "fit", 0, False, False, max_epochs=3)
    model.set_params(callbacks=[RaiseAt(StopTraining(), hook, epoch)])
    try:
        returned = model.fit(X, y)
    except (ValueError, TypeError) as exc:
        # Stopping before any epoch completed may be refused, clearly.
        assert epoch == 1 and "epoch" in str(exc), exc
        assert_unchanged_unfitted(model)
        return
    assert returned is model
    assert model.n_iter_ == len(model.loss_curve_) == len(model.history_)
    assert model.n_iter_ in (epoch - 1, epoch)
    assert np.isfinite(outputs(model, X)).all()


def assert_unchanged_unfitted(model):
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


@budget(20)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    mode=st.sampled_from(FIT_MODES),
    optimizer_lr=st.sampled_from(
        [("sgd", 1e5), ("sgd", 1e6), ("sgd", 1e8), ("rmsprop", 1e38)]
    ),
    seed=st.integers(0, 2**16),
)
def test_a_diverging_fit_raises_and_leaves_the_estimator_as_it_was(
    kind, mode, optimizer_lr, seed
):
    """A loss that becomes NaN or inf: a ValueError that names it and says what
    to change, the estimator as it was; or, if training did not diverge,
    finite losses and outputs (never a silent NaN model)."""
    optimizer, lr = optimizer_lr
    model, X, y = prepare(
        kind, mode, seed, False, False, max_epochs=3, optimizer=optimizer, lr=1e-3
    )
    model.set_params(lr=lr, lr_schedule=None)
    probe = random_sequences(seed + 2, n=5)
    before = snapshot(model, probe)
    try:
        call(model, mode, X, y)
    except ValueError as exc:
        event(f"diverged: ValueError ({str(exc)[:30]}...)")
        assert re.search(r"loss|diverge", str(exc)), exc
        assert re.search(r"lr|clip_grad_norm", str(exc)), exc
        assert_unchanged(model, before, probe)
        return
    event("did not diverge")
    assert np.isfinite(model.loss_curve_).all()
    assert np.isfinite(outputs(model, probe)).all()


# Bad input --------------------------------------------------------------------

# corruption -> what the message must name
PROBLEMS = {
    "nan_inside": r"nan",
    "none_inside": r"nan|none|missing",
    "inf": r"inf",
    "beyond_float32": r"float32|range|inf",
    "string": r"number|numeric|string|str",
    "none_item": r"none|scalar|sequence 1|number",
    "ragged_rows": r"rectangular|same number|inhomogeneous|shape",
    "wrong_n_features": r"features",
    "len_y": r"target|y has|samples",
    "negative_id": r"negative|>= 0",
    "float_ids": r"integer|int",
}


@st.composite
def bad_input(draw, problem, at_fit):
    """Valid sequences with the corruption ``problem`` (a key of PROBLEMS)."""
    seed = draw(st.integers(0, 2**16))
    X = random_sequences(seed, n=8, min_len=2)
    target = draw(st.integers(0, len(X) - 1))
    x = X[target].copy()
    step = draw(st.integers(0, len(x) - 1))
    feature = draw(st.integers(0, 1))
    form = draw(st.sampled_from(["arrays", "lists", "padded"]))
    y_length = len(X)
    if problem in ("nan_inside", "none_inside"):
        # Not a trailing all-NaN step, which is padding: an inner step, or
        # one feature of the last step.
        step = draw(st.integers(0, len(x) - 2))
        if draw(st.booleans()):
            x[step] = np.nan
        else:
            x[len(x) - 1, feature] = np.nan
        if problem == "none_inside":
            x = x.astype(object)
            x[pd.isna(x)] = None
            form = "objects"
    elif problem == "inf":
        x[step, feature] = draw(st.sampled_from([np.inf, -np.inf]))
    elif problem == "beyond_float32":
        x[step, feature] = draw(st.sampled_from([1e39, -1e39, 1e300]))
    elif problem == "string":
        x = x.astype(object)
        x[step, feature] = draw(st.sampled_from(["abc", "", "1,5"]))
        form = draw(st.sampled_from(["objects", "lists"]))
    elif problem == "none_item":
        x = None
        form = "arrays"
    elif problem == "ragged_rows":
        x = x.tolist()
        x[step] = x[step][:1] if draw(st.booleans()) else [*x[step], 1.0]
        form = "lists"
    elif problem == "wrong_n_features":
        n_features = draw(st.sampled_from([1, 3]))
        # At fit, only sequences that disagree with each other are wrong.
        if not at_fit and draw(st.booleans()):  # every sequence
            X = random_sequences(seed, n=8, n_features=n_features, min_len=2)
            x = X[target]
        else:  # one sequence
            x = random_sequences(seed, n=1, n_features=n_features, min_len=2)[0]
    elif problem == "len_y":
        y_length += draw(st.sampled_from([-1, 1]))
    X[target] = x
    if problem in ("negative_id", "float_ids"):
        X = [np.arange(1, len(s) + 1) % 7 + 1 for s in X]
        X[target] = X[target].astype(np.int64)
        if problem == "negative_id":
            X[target][step] = draw(st.sampled_from([-1, -(2**40)]))
        else:
            X[target] = X[target] + 0.5
        form = draw(st.sampled_from(["arrays", "lists"]))
    if form == "lists":
        X = [s if isinstance(s, list) else s.tolist() for s in X]
    elif form == "padded" and problem not in ("wrong_n_features",):
        X = nan_padded(X)
    return X, y_length


def assert_clear_error(excinfo, problem):
    message = str(excinfo.value)
    assert re.search(PROBLEMS[problem], message, flags=re.IGNORECASE), message
    # Raised by us (or scikit-learn's validation), not a raw numpy/torch error.
    origin = traceback.extract_tb(excinfo.tb)[-1].filename
    assert "sklearn" in origin, (origin, message)


@pytest.mark.parametrize("problem", PROBLEMS)
@budget(6)
@given(data=st.data(), kind=st.sampled_from(["classifier", "regressor"]))
def test_bad_input_to_fit_is_refused_clearly(problem, data, kind):
    X, y_length = data.draw(bad_input(problem, at_fit=True))
    token_mode = problem in ("negative_id", "float_ids")
    cls = RNNClassifier if kind == "classifier" else RNNRegressor
    model = cls(
        max_epochs=1,
        embedding_dim=3 if token_mode else None,
        **NO_CONV,
        **SMALL,
    )
    y = (np.arange(y_length) % 2).astype(float)
    with pytest.raises((ValueError, TypeError)) as excinfo:
        model.fit(X, y)
    assert_clear_error(excinfo, problem)
    assert_unchanged_unfitted(model)


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p != "len_y"])
@budget(6)
@given(data=st.data())
def test_bad_input_to_predict_is_refused_clearly(models, problem, data):
    X, _ = data.draw(bad_input(problem, at_fit=False))
    if problem in ("negative_id", "float_ids"):
        model = models["tokens"]
    else:
        model = models["classifier"]
    for method in (model.predict, model.predict_proba):
        with pytest.raises((ValueError, TypeError)) as excinfo:
            method(X)
        assert_clear_error(excinfo, problem)
