"""The model every method of ``benchmarks/speed.py`` trains, and its settings.

One model for every method: an LSTM (8 features -> 64 units) and a linear
head on the last valid step, 2 classes, batches of 64 (prediction: 256), Adam
lr 1e-3, cross-entropy loss, seed 0. Built three ways:

- the hand-written PyTorch loops (:func:`hand_loop`, :func:`hand_predict`)
  on ``_peers.LastHiddenLSTM``, the one LSTM head of the benchmarks, with
  three ways to read a batch: dense fixed-length (:func:`dense_last`), packed
  (:func:`packed_last`) and padded to the global maximum, read at
  ``length - 1`` (:func:`global_max_gather`);
- ``RNNClassifier`` with its optional branches off (:func:`make_rnn_classifier`);
- the skorch and scikeras peers of ``benchmarks/_peers.py``, through its one
  factory (:func:`make_peer`).

:func:`estimator_method` and :func:`hand_method` wrap them as the
:class:`_timing.Method` objects that :func:`_timing.run_section` times.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from sklearn_rnn import RNNClassifier

# isort: split
import _peers
from _timing import Method

N_FEATURES = 8
N_CLASSES = 2
HIDDEN_SIZE = 64
BATCH_SIZE = 64
# RNNClassifier predicts in batches of max(batch_size, 256); every method
# predicts in batches of this size.
PREDICT_BATCH_SIZE = 256
LR = 1e-3
SEED = 0


# -- the hand-written model and loops --------------------------------------------


def build_model():
    """Seed torch and build the hand-written model."""
    torch.manual_seed(SEED)
    return _peers.LastHiddenLSTM(N_FEATURES, N_CLASSES, HIDDEN_SIZE)


# How each hand-written variant turns a batch of indices into logits.


def dense_last(model, data, index):
    return model(data["values"][index])


def packed_last(model, data, index):
    lengths = data["lengths"][index]
    values = data["values"][index, : int(lengths.max())]
    packed = pack_padded_sequence(
        values, lengths, batch_first=True, enforce_sorted=False
    )
    _, (h_n, _) = model.lstm(packed)
    return model.head(h_n[-1])


def global_max_gather(model, data, index):
    lengths = data["lengths"][index]
    output, _ = model.lstm(data["values"][index])
    last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[2])
    return model.head(output.gather(1, last).squeeze(1))


def hand_loop(forward, data, epochs, batch_size=BATCH_SIZE):
    """Train a fresh model for ``epochs`` epochs of random batches."""
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    target = data["target"]
    model.train()
    for _ in range(epochs):
        for index in torch.randperm(len(target)).split(batch_size):
            optimizer.zero_grad()
            loss = criterion(forward(model, data, index), target[index])
            loss.backward()
            optimizer.step()
    return model


def hand_predict(forward, model, data):
    """Class indices for every sequence, in batches of PREDICT_BATCH_SIZE."""
    model.eval()
    with torch.no_grad():
        logits = [
            forward(model, data, index)
            for index in torch.arange(len(data["target"])).split(PREDICT_BATCH_SIZE)
        ]
    return torch.cat(logits).argmax(1)


# -- the library-driven variants ------------------------------------------------


def like_for_like(**params):
    """RNNClassifier parameters, with every optional branch off.

    The comparisons are against a plain LSTM: the convolutional branch and
    instance normalization stay off even if their defaults change (a parameter
    this version lacks is left out).
    """
    defaults = {"conv_channels": None, "instance_norm": False}
    known = RNNClassifier().get_params()
    return {**{k: v for k, v in defaults.items() if k in known}, **params}


def make_rnn_classifier(epochs, batch_size=BATCH_SIZE, **params):
    return RNNClassifier(
        **like_for_like(
            hidden_size=HIDDEN_SIZE,
            batch_size=batch_size,
            max_epochs=epochs,
            lr=LR,
            random_state=SEED,
            **params,
        )
    )


def make_peer(name, epochs):
    """The peer ``name`` ("skorch" or "keras") with the settings above."""
    return _peers.make_peer(
        name,
        "classification",
        N_FEATURES,
        N_CLASSES,
        hidden_size=HIDDEN_SIZE,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        lr=LR,
        predict_batch_size=PREDICT_BATCH_SIZE,
        random_state=SEED,
    )


# -- as timed Methods ---------------------------------------------------------------


def head(tensors, n):
    """The first ``n`` sequences of the hand-written loops' tensors."""
    return {key: value[:n] for key, value in tensors.items()}


def estimator_method(make, X, y, limit=None):
    """The Method of an estimator ``make(epochs)`` on X (an array or a list)."""
    return Method(
        fit=lambda n, e: make(e).fit(X[:n], y[:n]),
        predict=lambda model, n: model.predict(X[:n]),
        limit=limit,
    )


def hand_method(data, batch_size=BATCH_SIZE, forward=dense_last):
    """The Method of the hand-written loop reading batches with ``forward``."""
    return Method(
        fit=lambda n, e: hand_loop(forward, head(data, n), e, batch_size),
        predict=lambda model, n: hand_predict(forward, model, head(data, n)),
    )


def peer_method(name, X, y, limit=None):
    """The Method of the peer ``name`` ("skorch" or "keras") on the array X."""
    return estimator_method(lambda e: make_peer(name, e), X, y, limit)
