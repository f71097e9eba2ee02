"""The peer models of the benchmarks, written the way a user would write them.

Shared by ``benchmarks/speed.py`` (through ``benchmarks/_models.py``) and
``benchmarks/accuracy.py``. Nothing here uses sklearn_rnn: these are what
people do without it.

- :func:`pad_to_longest` z-scores a list of ``(T_i, F)`` arrays (statistics
  over all steps, per feature) and zero-pads them after their data to one
  dense float32 array of shape ``(n, T_max, F)``: the whole padded data set in
  memory at once.
- :class:`LastHiddenLSTM`: ``nn.LSTM(batch_first=True)`` + ``nn.Linear`` on
  the last hidden state ``h_n[-1]``, the one LSTM head of the benchmarks: the
  skorch peer's module here, and the model of ``speed.py``'s hand-written
  loops.
- :func:`make_peer` is the one factory of the peers, with one set of
  settings (Adam lr 1e-3, 100 epochs, batch size 32, shuffled batches, no
  validation split, seeded) for both:

  - ``"skorch"``: :class:`LastHiddenLSTM` on the *padded* sequence (a naive
    user reads past the padding), trained by plain
    ``skorch.NeuralNetClassifier`` / ``NeuralNetRegressor``, seeded with
    ``torch.manual_seed``. Labels are encoded with a ``LabelEncoder``, as
    skorch wants class indices.
  - ``"keras"``: scikeras's ``KerasClassifier`` / ``KerasRegressor`` around a
    Keras 3 ``LSTM`` + ``Dense`` on the torch backend; ``mask_value`` adds the
    ``Masking`` layer with which a Keras user makes the LSTM skip padding.
    :func:`keras_unavailable_reason` says why it cannot run here, if it
    cannot.

Each peer has ``fit(X_padded, y)``, ``predict(X_padded)`` (and
``predict_proba`` for classifiers).

``KERAS_BACKEND`` must be set before keras is first imported; this module sets
it to ``"torch"`` (unless already set) and imports keras only when a Keras
peer is asked for.
"""

import os
from functools import partial

import numpy as np
import skorch
import torch
from sklearn.preprocessing import LabelEncoder
from torch import nn

__all__ = [
    "PEERS",
    "LastHiddenLSTM",
    "keras_unavailable_reason",
    "make_peer",
    "pad_to_longest",
    "zscore_stats",
]

TASKS = ("classification", "regression")
PEERS = ("skorch", "keras")


# -- data ---------------------------------------------------------------------


def _as_steps(sequence):
    array = np.asarray(sequence, dtype=np.float32)
    return array[:, np.newaxis] if array.ndim == 1 else array


def zscore_stats(sequences):
    """Per-feature mean and standard deviation over all steps of all sequences.

    ``sequences`` is a list of ``(T_i, F)`` (or ``(T_i,)``) arrays or a 3-D
    array. Returns two float32 arrays of shape (F,); a constant feature gets a
    standard deviation of 1.
    """
    steps = np.concatenate([_as_steps(s) for s in sequences])
    mean = steps.mean(axis=0, dtype=np.float64)
    std = steps.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def pad_to_longest(sequences, *, mean=None, std=None, maxlen=None, pad_value=0.0):
    """Z-score ``sequences`` and pad them to one dense float32 array.

    Parameters
    ----------
    sequences : list of array-like of shape (T_i, F) or (T_i,), or 3-D array
        The sequences.
    mean, std : array-like of shape (F,), default=None
        Statistics to z-score with (those of the training set, for test data);
        when None, :func:`zscore_stats` of ``sequences`` itself.
    maxlen : int, default=None
        Width of the output; the longest sequence when None. Longer sequences
        keep their last ``maxlen`` steps.
    pad_value : float, default=0.0
        Value of the padding steps, after the data of each sequence.

    Returns
    -------
    padded : ndarray of shape (n, maxlen, F), float32
    """
    sequences = [_as_steps(s) for s in sequences]
    if mean is None or std is None:
        mean, std = zscore_stats(sequences)
    mean = np.asarray(mean, dtype=np.float32)
    std = np.asarray(std, dtype=np.float32)
    if maxlen is None:
        maxlen = max(len(s) for s in sequences)
    n_features = sequences[0].shape[1]
    padded = np.full((len(sequences), maxlen, n_features), pad_value, np.float32)
    for i, s in enumerate(sequences):
        s = s[-maxlen:] if maxlen else s[:0]
        padded[i, : len(s)] = (s - mean) / std
    return padded


# -- the one factory ----------------------------------------------------------


def make_peer(
    name,
    task,
    n_features=None,
    n_outputs=None,
    *,
    hidden_size=64,
    max_epochs=100,
    batch_size=32,
    lr=1e-3,
    predict_batch_size=None,
    mask_value=None,
    random_state=0,
):
    """The LSTM peer ``name`` ("skorch" or "keras") for ``task``.

    ``task`` is "classification" or "regression"; ``n_outputs`` the number of
    classes, or of regression targets. The model takes :func:`pad_to_longest`'s
    ``(n, T, F)`` output. The skorch peer needs ``n_features`` and
    ``n_outputs``; scikeras reads both from the data and takes input of any
    ``T``. ``predict_batch_size`` is the batch size of prediction (default:
    skorch's ``batch_size``, Keras's 32). ``mask_value`` (e.g. the
    ``pad_value`` given to :func:`pad_to_longest`) adds Keras's ``Masking``
    layer, so that the LSTM skips padding steps; the skorch peer has none.
    The Keras peer raises ``ImportError`` with
    :func:`keras_unavailable_reason`'s text when it cannot run.
    """
    if name not in PEERS:
        raise ValueError(f"name must be one of {PEERS}, got {name!r}.")
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    settings = {
        "hidden_size": hidden_size,
        "max_epochs": max_epochs,
        "batch_size": batch_size,
        "lr": lr,
        "predict_batch_size": predict_batch_size,
        "random_state": random_state,
    }
    if name == "keras":
        return _keras_lstm(task, mask_value=mask_value, **settings)
    if mask_value is not None:
        raise ValueError("mask_value is for the Keras peer only.")
    return _skorch_lstm(task, n_features, n_outputs, **settings)


# -- plain skorch ---------------------------------------------------------------


class LastHiddenLSTM(nn.Module):
    """``nn.LSTM(batch_first=True)`` + ``nn.Linear`` on ``h_n[-1]``.

    The one LSTM head of the benchmarks. For this one-layer, one-direction
    LSTM, ``h_n[-1]`` is the output of the last step, ``output[:, -1]``.
    """

    def __init__(self, n_features=1, n_outputs=2, hidden_size=64):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_outputs)

    def forward(self, X):
        _, (h_n, _) = self.lstm(X)
        return self.head(h_n[-1])


class SkorchLSTM:
    """A plain skorch net with the label encoding and seeding a user adds."""

    def __init__(self, task, net, random_state):
        self.task = task
        self.net = net
        self.random_state = random_state

    def fit(self, X, y):
        y = np.asarray(y)
        if self.task == "classification":
            self.encoder_ = LabelEncoder().fit(y)
            target = self.encoder_.transform(y).astype(np.int64)
        else:
            target = y.astype(np.float32).reshape(len(y), -1)
        torch.manual_seed(self.random_state)
        self.net.fit(np.asarray(X, dtype=np.float32), target)
        return self

    def predict(self, X):
        prediction = self.net.predict(np.asarray(X, dtype=np.float32))
        if self.task == "classification":
            return self.encoder_.inverse_transform(prediction)
        return prediction[:, 0] if prediction.shape[1] == 1 else prediction

    def predict_proba(self, X):
        return self.net.predict_proba(np.asarray(X, dtype=np.float32))


def _skorch_lstm(
    task,
    n_features,
    n_outputs,
    *,
    hidden_size,
    max_epochs,
    batch_size,
    lr,
    predict_batch_size,
    random_state,
):
    kwargs = {}
    if predict_batch_size is not None:
        kwargs["iterator_valid__batch_size"] = predict_batch_size
    if task == "classification":
        net_class, criterion = skorch.NeuralNetClassifier, nn.CrossEntropyLoss
    else:
        net_class, criterion = skorch.NeuralNetRegressor, nn.MSELoss
    net = net_class(
        LastHiddenLSTM,
        module__n_features=n_features,
        module__n_outputs=n_outputs,
        module__hidden_size=hidden_size,
        criterion=criterion,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        verbose=0,
        **kwargs,
    )
    return SkorchLSTM(task, net, random_state)


# -- scikeras ---------------------------------------------------------------------


def keras_unavailable_reason():
    """None when scikeras and Keras 3 on the torch backend can run, else why not."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
        import scikeras
    except ImportError as exc:
        return f"not installed ({exc}); pip install scikeras keras"
    backend = keras.backend.backend()
    if backend != "torch":
        return (
            f"keras was imported with the {backend!r} backend before this module "
            "could set KERAS_BACKEND=torch"
        )
    if int(keras.__version__.split(".")[0]) < 3:
        return f"keras {keras.__version__} is not Keras 3"
    del scikeras
    return None


def _build_keras_lstm(meta, *, task, hidden_size, mask_value, random_state):
    import keras

    # scikeras's random_state seeds only TensorFlow (and Python and NumPy):
    # on the torch backend the weights and the shuffling need Keras's own seed.
    keras.utils.set_random_seed(random_state)
    inputs = keras.Input(shape=(None, meta["X_shape_"][2]))
    x = inputs
    if mask_value is not None:
        x = keras.layers.Masking(mask_value=mask_value)(x)
    x = keras.layers.LSTM(hidden_size)(x)
    if task == "classification":
        outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(x)
    else:
        outputs = keras.layers.Dense(meta["n_outputs_expected_"])(x)
    return keras.Model(inputs, outputs)


def _keras_lstm(
    task,
    *,
    hidden_size,
    max_epochs,
    batch_size,
    lr,
    predict_batch_size,
    mask_value,
    random_state,
):
    reason = keras_unavailable_reason()
    if reason is not None:
        raise ImportError(f"scikeras peer unavailable: {reason}")
    import keras
    from scikeras.wrappers import KerasClassifier, KerasRegressor

    if task == "classification":
        wrapper, loss = KerasClassifier, "sparse_categorical_crossentropy"
    else:
        wrapper, loss = KerasRegressor, "mse"
    model = partial(
        _build_keras_lstm,
        task=task,
        hidden_size=hidden_size,
        mask_value=mask_value,
        random_state=random_state,
    )
    kwargs = {}
    if predict_batch_size is not None:
        kwargs["predict__batch_size"] = predict_batch_size
    return wrapper(
        model=model,
        loss=loss,
        optimizer=keras.optimizers.Adam,
        optimizer__learning_rate=lr,
        epochs=max_epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        random_state=random_state,
        **kwargs,
    )
