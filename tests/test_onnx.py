"""export_onnx: the ONNX graph predicts what the estimator predicts."""

import io
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._onnx import export_onnx

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

RTOL, ATOL = 1e-4, 1e-5
TINY = {
    "hidden_size": 4,
    "conv_channels": (4, 4, 4),
    "max_epochs": 1,
    "random_state": 0,
}

# Each cell type and each pooling, each with and without the bidirectional core.
CONFIGS = [
    {"cell_type": "lstm", "pooling": "last"},
    {"cell_type": "gru", "pooling": "mean"},
    {"cell_type": "rnn", "pooling": "max"},
    {"cell_type": "lstm", "pooling": "attention", "num_layers": 2},
    {"cell_type": "lstm", "pooling": "last", "bidirectional": True, "num_layers": 2},
    {"cell_type": "gru", "pooling": "attention", "bidirectional": True},
    {"cell_type": "rnn", "pooling": "mean", "bidirectional": True},
    {"cell_type": "gru", "pooling": "max", "bidirectional": True},
]


def _config_id(config):
    return "-".join(str(v) for v in config.values())


def _pad(sequences, *, width=None, fill=np.nan, dtype=np.float32):
    """Right-pad ragged sequences: the inputs of the graph."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    width = max(width or 0, int(lengths.max()), 1)
    shape = (len(sequences), width, *np.shape(sequences[0])[1:])
    values = np.full(shape, fill, dtype=dtype)
    for i, s in enumerate(sequences):
        values[i, : len(s)] = s
    return values, lengths


def _export(estimator, *args, **kwargs):
    """export_onnx, which must not emit a single warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = export_onnx(estimator, *args, **kwargs)
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
    return model


def _session(model):
    return onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def _run(session, sequences, **pad_params):
    values, lengths = _pad(sequences, **pad_params)
    return session.run(None, {"values": values, "lengths": lengths})


def _batches(X):
    """All of X padded to its longest sequence, then a smaller batch padded
    beyond its longest one and holding an empty sequence: other batch sizes
    and time lengths than the export example's, with ragged lengths."""
    n_features = X[0].shape[1:]
    return [
        (X, {}),
        ([X[3], np.empty((0, *n_features)), X[0], X[7], X[1]], {"width": 20}),
    ]


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_classifier_matches_estimator(ragged_data, config):
    X, y = ragged_data
    labels = np.array(["cat", "dog", "eel"])[y + (np.arange(len(y)) % 3 == 0)]
    clf = RNNClassifier(**config, **TINY).fit(X, labels)
    session = _session(_export(clf))
    for batch, pad_params in _batches(X):
        label, proba = _run(session, batch, **pad_params)
        np.testing.assert_allclose(
            proba, clf.predict_proba(batch), rtol=RTOL, atol=ATOL
        )
        np.testing.assert_array_equal(label, clf.predict(batch))


@pytest.mark.parametrize(
    "config, y_ndim",
    [(CONFIGS[0], 1), (CONFIGS[5], 2), (CONFIGS[6], 1)],
    ids=["lstm-1d", "bidirectional-gru-2d", "bidirectional-rnn-1d"],
)
def test_regressor_matches_estimator(ragged_data, config, y_ndim):
    X, _ = ragged_data
    y = np.array([10 * x[:, 0].mean() + 5 for x in X])
    if y_ndim == 2:
        y = np.column_stack([y, [-3 * x[:, 1].sum() for x in X]])
    reg = RNNRegressor(**config, **TINY).fit(X, y)
    session = _session(_export(reg))
    for batch, pad_params in _batches(X):
        (predictions,) = _run(session, batch, **pad_params)
        expected = reg.predict(batch)
        assert predictions.shape == expected.shape
        np.testing.assert_allclose(predictions, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_token_mode_matches_estimator(Estimator):
    rng = np.random.default_rng(0)
    X = [rng.integers(1, 9, size=n) for n in rng.integers(1, 12, size=30)]
    y = np.array([int((x > 4).mean() > 0.5) for x in X])
    config = {"cell_type": "gru", "pooling": "max", "bidirectional": True}
    if Estimator is RNNRegressor:
        config = {"cell_type": "lstm", "pooling": "last"}
    est = Estimator(embedding_dim=3, **config, **TINY).fit(X, y)
    session = _session(_export(est))
    # Token ids out of the vocabulary in the padding do not matter either.
    batch = [X[2], np.array([], dtype=np.int64), X[5], X[0]]
    for pad_params in [{"fill": 0}, {"fill": 10**6, "width": 15}]:
        outputs = _run(session, batch, dtype=np.int64, **pad_params)
        if Estimator is RNNClassifier:
            np.testing.assert_array_equal(outputs[0], est.predict(batch))
            expected = est.predict_proba(batch)
        else:
            expected = est.predict(batch)
        np.testing.assert_allclose(outputs[-1], expected, rtol=RTOL, atol=ATOL)


def test_padding_values_do_not_matter(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(pooling="mean", bidirectional=True, **TINY).fit(X, y)
    session = _session(_export(clf))
    batch = X[:6]
    _, proba_nan = _run(session, batch, fill=np.nan)
    for fill in (0.0, 1e30):
        _, proba = _run(session, batch, fill=fill, width=18)
        np.testing.assert_allclose(proba, proba_nan, rtol=RTOL, atol=ATOL)
    # A batch of empty sequences needs one (padding) time step.
    empty = [np.empty((0, 2))] * 2
    _, proba = _run(session, empty)
    np.testing.assert_allclose(proba, clf.predict_proba(empty), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "labels",
    [np.array([-1, 7]), np.array([False, True]), np.array([0.0, 2.0])],
    ids=["int", "bool", "float"],
)
def test_label_keeps_the_type_of_classes(ragged_data, labels):
    X, y = ragged_data
    clf = RNNClassifier(**TINY).fit(X, labels[y])
    label, _ = _run(_session(_export(clf)), X)
    assert label.dtype.kind == clf.classes_.dtype.kind
    np.testing.assert_array_equal(label, clf.predict(X))


def test_multilabel_matches_estimator(ragged_data):
    X, y = ragged_data
    Y = np.column_stack([y, 1 - y, [len(x) > 7 for x in X]]).astype(int)
    clf = RNNClassifier(**TINY).fit(X, Y)
    label, proba = _run(_session(_export(clf)), X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_graph_inputs_outputs_and_saving(ragged_data, tmp_path):
    X, y = ragged_data
    clf = RNNClassifier(**TINY).fit(X, y)
    path = tmp_path / "model.onnx"
    model = _export(clf, path, opset_version=17)
    assert onnx.load(path) == model
    assert model.opset_import[0].version == 17

    def signature(values):
        return [
            (
                v.name,
                onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type),
                [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim],
            )
            for v in values
        ]

    assert signature(model.graph.input) == [
        ("values", "FLOAT", ["batch", "time", 2]),
        ("lengths", "INT64", ["batch"]),
    ]
    assert signature(model.graph.output) == [
        ("label", "INT64", ["batch"]),
        ("probabilities", "FLOAT", ["batch", 2]),
    ]
    buffer = io.BytesIO()
    _export(clf, buffer)
    assert onnx.load_model_from_string(buffer.getvalue()) == _export(clf)

    reg = RNNRegressor(embedding_dim=2, **TINY).fit([[1, 2], [3]], [0.0, 1.0])
    model = _export(reg)
    assert signature(model.graph.input)[0] == ("values", "INT64", ["batch", "time"])
    assert signature(model.graph.output) == [("predictions", "FLOAT", ["batch"])]


def test_unfitted_estimator_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        export_onnx(RNNClassifier())


@pytest.mark.parametrize(
    "estimator, match",
    [
        (LogisticRegression(), "got LogisticRegression"),
        (make_pipeline(RNNClassifier()), "export its last step"),
        ("model.onnx", "RNNClassifier or RNNRegressor"),
    ],
    ids=["estimator", "pipeline", "str"],
)
def test_wrong_type_raises(estimator, match):
    with pytest.raises(TypeError, match=match):
        export_onnx(estimator)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_instance_norm_matches_estimator(ragged_data, Estimator):
    X, y = ragged_data
    config = {"cell_type": "gru", "pooling": "attention", "instance_norm": True}
    est = Estimator(**config, **TINY).fit(X, y)
    session = _session(_export(est))
    predict = est.predict_proba if Estimator is RNNClassifier else est.predict
    # Inputs of any scale: their squares overflow float32 beyond about 1e19.
    for scale in (1.0, 1e20, 1e36):
        batch = [x * scale for x in X[:8]] + [np.empty((0, 2))]
        outputs = _run(session, batch, width=16)
        expected = predict(batch)
        assert np.isfinite(expected).all()
        np.testing.assert_allclose(outputs[-1], expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset_version", [None, 17])
def test_export_emits_no_warnings(ragged_data, opset_version):
    # Every part of the network at once: the exporter's notes that need no
    # action are silenced, and anything else would show (see _export).
    X, y = ragged_data
    config = {"bidirectional": True, "pooling": "attention", "instance_norm": True}
    clf = RNNClassifier(**config, **TINY).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_onnx(clf, opset_version=opset_version)
