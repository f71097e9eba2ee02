"""Random data of ``benchmarks/speed.py``: fixed-length and ragged sequences.

Each sequence has ``_models.N_FEATURES`` standard normal float32 features;
its label is whether its first feature's mean is positive. Each maker returns
the estimators' form of the data (a 3-D array, or a list of ``(T_i, F)``
arrays), the labels, and the hand-written loops' tensors (``"values"``, padded
to the longest for ragged data, ``"lengths"`` and ``"target"``).
"""

import numpy as np
import torch

# isort: split
from _models import N_FEATURES


def labels_of(first_feature_means):
    return (np.asarray(first_feature_means) > 0).astype(np.int64)


def make_fixed(n_samples, n_steps, rng):
    X = rng.standard_normal((n_samples, n_steps, N_FEATURES), dtype=np.float32)
    y = labels_of(X[:, :, 0].mean(axis=1))
    tensors = {"values": torch.from_numpy(X), "target": torch.from_numpy(y)}
    return X, y, tensors


def make_ragged(n_samples, min_len, max_len, rng):
    lengths = rng.integers(min_len, max_len + 1, size=n_samples)
    X = [rng.standard_normal((n, N_FEATURES), dtype=np.float32) for n in lengths]
    y = labels_of([x[:, 0].mean() for x in X])
    padded = np.zeros((n_samples, lengths.max(), N_FEATURES), dtype=np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    tensors = {
        "values": torch.from_numpy(padded),
        "lengths": torch.from_numpy(lengths.astype(np.int64)),
        "target": torch.from_numpy(y),
    }
    return X, y, tensors
