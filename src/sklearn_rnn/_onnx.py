"""Export a fitted estimator's network to ONNX, for deployment without Python.

The optional dependency ``onnx`` is imported only when :func:`export_onnx` is
called, so that ``import sklearn_rnn`` never requires it.
"""

import copy
import io
import os
import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import BaseRNN
from ._compat import HasMethods, Interval, validate_params
from ._version import __version__

# Lengths of the example batch that the exporter traces (2 sequences padded to
# 3 steps). The graph's batch and time axes are dynamic: any shape runs.
_EXAMPLE_LENGTHS = (3, 1)


class _DeployedNetwork(nn.Module):
    """RNNModule, then the estimator's head: what ``predict`` computes.

    (Padding needs nothing here: RNNModule zeroes it itself, so any padding
    value, NaN as ``SequencePadder`` writes for float data or an arbitrary
    token id, gives the same result.)
    """

    def __init__(self, module, head):
        super().__init__()
        self.module = module
        self.head = head

    def forward(self, values, lengths):
        return self.head(self.module(values, lengths))


def _ignore_export_warnings():
    """Silence the exporter's warnings that say nothing the user can act on.

    Filtered by category and by the module they are attributed to, never by
    their text; any other warning, and any tracer warning about our own code
    (a Python branch on a tensor that the trace would freeze), still shows.
    Call it inside ``warnings.catch_warnings()``.
    """
    # PyTorch 2.9 and later deprecate the TorchScript-based exporter (the
    # warning points at our call); we choose it on purpose: the torch.export
    # one unrolls the recurrent cores over the example's time steps, so its
    # graphs reject other sequence lengths. Its internals also warn about
    # their own deprecated helpers.
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"sklearn_rnn\._onnx$"
    )
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"torch\.onnx(\.|$)"
    )
    # torch.nn.RNNBase checks the input and hidden sizes in Python; the tracer
    # warns that these checks become constants, which for one model they are.
    warnings.filterwarnings(
        "ignore", category=torch.jit.TracerWarning, module=r"torch\.nn\.modules\.rnn$"
    )
    # The recurrent operators' symbolic functions warn, unconditionally, that
    # a graph without initial states as inputs may fail at another batch
    # size. Without them the ONNX operators start from zeros at any batch
    # size, which the tests check.
    warnings.filterwarnings(
        "ignore",
        category=UserWarning,
        module=r"torch\.onnx\.(.+\.)?symbolic_opset\d+$",
    )


def _classes_tensor(onnx, name, classes):
    """``classes_`` as an ONNX tensor, and its element type."""
    classes = np.asarray(classes)
    if classes.dtype == object:
        # e.g. labels that came from a pandas object column: infer their type.
        classes = np.asarray(classes.tolist())
    kind = classes.dtype.kind
    if kind == "b":
        elem_type, values = onnx.TensorProto.BOOL, classes.tolist()
    elif kind in "iu":
        elem_type, values = onnx.TensorProto.INT64, classes.astype(np.int64).tolist()
    elif kind == "f":
        classes = classes.astype(np.float64)
        elem_type, values = onnx.TensorProto.DOUBLE, classes.tolist()
    elif kind in "US":
        elem_type = onnx.TensorProto.STRING
        values = [c.encode() if isinstance(c, str) else c for c in classes.tolist()]
    else:
        raise TypeError(
            f"classes_ of dtype {classes.dtype} cannot be stored in an ONNX graph; "
            "labels must be strings, integers, floats or booleans."
        )
    tensor = onnx.helper.make_tensor(name, elem_type, [len(values)], values)
    return tensor, elem_type


def _add_label_lookup(onnx, model, classes, shape):
    """Replace the graph output ``label_index`` by ``label = classes_[index]``,
    of the dynamic ``shape`` (``["batch"]``, or per step ``["batch",
    "time"]``)."""
    graph = model.graph
    tensor, elem_type = _classes_tensor(onnx, "classes_", classes)
    graph.initializer.append(tensor)
    graph.node.append(
        onnx.helper.make_node(
            "Gather", ["classes_", "label_index"], ["label"], axis=0, name="classes"
        )
    )
    outputs = [o for o in graph.output if o.name != "label_index"]
    del graph.output[:]
    graph.output.append(onnx.helper.make_tensor_value_info("label", elem_type, shape))
    graph.output.extend(outputs)


@validate_params(
    {
        # The estimator is checked below, with a hint for pipelines.
        "estimator": [object],
        "path": [str, os.PathLike, HasMethods(["write"]), None],
        "opset_version": [Interval(Integral, 7, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def export_onnx(estimator, path=None, *, opset_version=None):
    """Export the network of a fitted estimator to an ONNX graph.

    The graph computes what the estimator's ``predict`` (and, for a
    classifier, ``predict_proba``) returns, from a right-padded batch of
    sequences and their lengths, so that the model can be served by ONNX
    Runtime or any other ONNX runtime, without Python or PyTorch.

    Inputs of the graph (batch and time axes are dynamic: one graph takes
    batches of any size, padded to any number of steps):

    - ``values``: float32 of shape (batch, time, n_features), or in token
      mode int64 token ids of shape (batch, time). Sequences are right-padded
      ("post"): sequence ``i`` occupies steps ``0`` to ``lengths[i] - 1``.
      The padding values do not matter (NaN, 0, any id): the graph zeroes
      padding steps before the network sees them. ``time`` must be at least
      1, even if every sequence is empty.
    - ``lengths``: int64 of shape (batch,), the number of valid steps of each
      sequence, between 0 and ``time``. A sequence of length 0 gets the
      estimator's prediction for an empty sequence.

    Outputs of the graph:

    - :class:`RNNClassifier`: ``label`` of shape (batch,), the predicted
      labels, taken from ``classes_`` (string, int64, double or bool tensor,
      as the labels are); ``probabilities``, float32 of shape (batch,
      n_classes), whose columns follow ``classes_``. For a multilabel
      classifier, ``label`` is the int64 indicator matrix of shape (batch,
      n_labels) and ``probabilities`` the probability of each label.
    - :class:`RNNRegressor`: ``predictions``, float32 of shape (batch,), or
      (batch, n_outputs) when the training y was 2-D; the target
      standardization is undone inside the graph.

    Parameters
    ----------
    estimator : RNNClassifier or RNNRegressor
        A fitted estimator. A ``Pipeline`` is not accepted: its other steps
        are not part of the network, so export its last step and apply the
        preprocessing before the runtime.
    path : str, path-like, file-like object or None, default=None
        Where to save the graph (an ``.onnx`` file or a binary file object).
        None only returns it.
    opset_version : int or None, default=None
        ONNX opset of the graph. None uses the default of the installed
        PyTorch exporter.

    Returns
    -------
    onnx.ModelProto
        The exported graph, checked with ``onnx.checker``.

    See Also
    --------
    sklearn_rnn.preprocessing.SequencePadder : Pads ragged sequences into one
        array; the lengths must still be passed.

    Notes
    -----
    The graph holds the network only: the caller pads the sequences (ragged
    lists cannot enter a graph) and passes their lengths, e.g.
    ``np.array([len(x) for x in X], dtype=np.int64)``. The graph does not
    validate its input as the estimators do: NaN or infinity inside the valid
    steps gives NaN outputs, and token ids of ``vocab_size_`` or more (within
    the valid steps) make the runtime raise an error. Outputs are computed in
    float32 and match the estimator's to about 1e-6.

    The export uses PyTorch's TorchScript-based exporter
    (``torch.onnx.export(..., dynamo=False)``), which writes the recurrent
    cores as ONNX ``LSTM``, ``GRU`` and ``RNN`` operators with dynamic batch
    and time axes. Requires the ``onnx`` package (``pip install
    "sklearn-rnn[onnx]"``, which also installs ``onnxruntime``).

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklearn_rnn import RNNClassifier, export_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 12, size=40)]
    >>> y = np.array(["up" if x[:, 0].sum() > 0 else "down" for x in X])
    >>> clf = RNNClassifier(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    >>> model = export_onnx(clf)  # export_onnx(clf, "model.onnx") also saves it
    >>> [output.name for output in model.graph.output]
    ['label', 'probabilities']

    Pad a batch on the right and pass the lengths:

    >>> batch = X[:3]
    >>> lengths = np.array([len(x) for x in batch], dtype=np.int64)
    >>> values = np.full((3, lengths.max(), 2), np.nan, dtype=np.float32)
    >>> for i, x in enumerate(batch):
    ...     values[i, : len(x)] = x
    >>> session = onnxruntime.InferenceSession(model.SerializeToString())
    >>> label, proba = session.run(None, {"values": values, "lengths": lengths})
    >>> bool((label == clf.predict(batch)).all())
    True
    >>> np.allclose(proba, clf.predict_proba(batch), atol=1e-5)
    True
    """
    if not isinstance(estimator, BaseRNN):
        hint = ""
        if hasattr(estimator, "steps"):
            hint = (
                " For a Pipeline, export its last step (pipeline[-1]) and apply "
                "the other steps before the runtime."
            )
        raise TypeError(
            "export_onnx expects a fitted RNNClassifier or RNNRegressor, got "
            f"{type(estimator).__name__}.{hint}"
        )
    check_is_fitted(estimator, "net_")
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(
            "export_onnx requires the onnx package: pip install onnx (or "
            '"sklearn-rnn[onnx]", which also installs onnxruntime).'
        ) from exc

    token_mode = estimator.embedding_dim is not None
    module = copy.deepcopy(estimator.module_).to("cpu").eval()
    head, output_names, labels = estimator._onnx_head()
    network = _DeployedNetwork(module, head)

    lengths = torch.tensor(_EXAMPLE_LENGTHS, dtype=torch.int64)
    shape = (len(_EXAMPLE_LENGTHS), max(_EXAMPLE_LENGTHS))
    if token_mode and estimator.n_features_in_ == 1:
        values = torch.ones(shape, dtype=torch.int64)
    elif token_mode:  # a token id and its character ids per step
        values = torch.ones((*shape, estimator.n_features_in_), dtype=torch.int64)
    else:
        values = torch.zeros((*shape, estimator.n_features_in_))
    per_step = estimator._output_rows == "step"
    output_axes = {0: "batch", 1: "time"} if per_step else {0: "batch"}
    dynamic_axes = {"values": {0: "batch", 1: "time"}, "lengths": {0: "batch"}}
    dynamic_axes.update({name: output_axes for name in output_names})
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        _ignore_export_warnings()
        torch.onnx.export(
            network,
            (values, lengths),
            buffer,
            dynamo=False,
            input_names=["values", "lengths"],
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=opset_version,
        )
    model = onnx.load_model_from_string(buffer.getvalue())
    if labels is not None:
        _add_label_lookup(onnx, model, labels, list(output_axes.values()))

    model.doc_string = (
        f"{type(estimator).__name__} exported by sklearn_rnn.export_onnx. Inputs: "
        "right-padded values (batch, time[, features]) and int64 lengths (batch,)."
    )
    onnx.helper.set_model_props(
        model,
        {"estimator": type(estimator).__name__, "sklearn_rnn_version": __version__},
    )
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save_model(model, path)
    return model
