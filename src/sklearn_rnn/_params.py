"""The hyperparameters every recurrent estimator shares.

Their constraints (checked by scikit-learn's parameter validation) and the
constructor that stores them, as scikit-learn's estimators do; what they mean
is in ``_docstrings.PARAMETERS``, what they become in ``_net``.
"""

from numbers import Integral, Real

import torch
from sklearn.base import BaseEstimator

from ._compat import Interval, StrOptions
from ._net import OPTIMIZERS
from ._nn.module import POOLINGS
from ._nn.recurrent import CELLS as _CELLS


class RNNParameters(BaseEstimator):
    """The shared hyperparameters: constraints and constructor."""

    _parameter_constraints: dict = {
        "cell_type": [StrOptions(set(_CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions({*POOLINGS, "auto"})],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "vocab_size": [Interval(Integral, 2, None, closed="left"), None],
        "conv_channels": [StrOptions({"auto"}), "array-like", None],
        "conv_kernel_sizes": ["array-like"],
        "instance_norm": ["boolean"],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "lr_schedule": [StrOptions({"plateau", "cosine"}), callable, None],
        "callbacks": [list, None],
        "token_dropout": [Interval(Real, 0, 1, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "distributed": ["boolean"],
    }

    def __init__(
        self,
        *,
        cell_type="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="auto",
        embedding_dim=None,
        vocab_size=None,
        conv_channels="auto",
        conv_kernel_sizes=(8, 5, 3),
        instance_norm=False,
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        batch_size=32,
        max_epochs="auto",
        device="auto",
        random_state=None,
        verbose=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        clip_grad_norm=None,
        lr_schedule="cosine",
        callbacks=None,
        token_dropout=0.3,
        n_threads="auto",
        distributed=False,
    ):
        self.cell_type = cell_type
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.embedding_dim = embedding_dim
        self.vocab_size = vocab_size
        self.conv_channels = conv_channels
        self.conv_kernel_sizes = conv_kernel_sizes
        self.instance_norm = instance_norm
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.clip_grad_norm = clip_grad_norm
        self.lr_schedule = lr_schedule
        self.callbacks = callbacks
        self.token_dropout = token_dropout
        self.n_threads = n_threads
        self.distributed = distributed
