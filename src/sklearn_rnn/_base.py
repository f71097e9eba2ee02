"""BaseRNN: what the classifier and the regressor share.

Parameter constraints, input validation, building and seeding the skorch net,
batched prediction and the scikit-learn tags. skorch is composed, not
subclassed: its ``**kwargs`` constructor, 20 % validation hold-out, missing
``random_state`` and index-valued ``predict`` stay behind ``net_``.
"""

import copy
import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback, GradientNormClipping, LRScheduler
from skorch.utils import to_tensor

from ._batching import BucketBatchIterator, SequenceDataset, batch_indices, take_batch
from ._callbacks import (
    BestWeightsEarlyStopping,
    EpochLog,
    FiniteLossCheck,
    StopTraining,
    TerminalProgressBar,
    ValidationScore,
)
from ._compat import Interval, StrOptions
from ._conv import recompute_batch_statistics
from ._input_checks import (
    check_feature_names,
    check_sequences,
    read_feature_names,
    take_sequences,
)
from ._loss import WeightedLoss
from ._module import _CELLS, POOLINGS, RNNModule
from ._threads import limited_threads, resolve_n_threads, step_work
from ._version import __version__

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}
# conv_channels="auto": FCN's three blocks (Wang et al., 2017) at FCN's
# proportions (1 : 2 : 1) but scaled to the recurrent core, hidden_size,
# twice it and hidden_size channels, instead of FCN's fixed 128-256-128, so
# that a small network stays small. At hidden_size=64 that is 64-128-64.
_CONV_WIDTHS = (1, 2, 1)
# ... and only for training sets of at most this many sequences, the sizes of
# the UCR/UEA archives where the FCN family earned its reputation and where
# the branch bought 30 points of accuracy (GunPoint, BasicMotions). It costs
# about 3.4 times the LSTM's own time per step; above this size the branch is
# off, as scikit-learn's HistGradientBoosting switches early_stopping="auto"
# on by the number of samples.
_AUTO_CONV_MAX_SEQUENCES = 2000
# max_epochs="auto": enough epochs for at least this many optimizer steps,
# and at least _MIN_AUTO_EPOCHS passes over the data, at most _MAX_AUTO_EPOCHS.
_MIN_AUTO_STEPS = 2000
_MIN_AUTO_EPOCHS = 10
_MAX_AUTO_EPOCHS = 1000
# vocab_size=None learns the embedding table's size from the largest token id;
# one stray id (a hash, a uint64 that wrapped) must not allocate terabytes.
_MAX_LEARNED_EMBEDDING_BYTES = 2**30
# Prediction (and recomputing batch-norm statistics) needs no gradients, so
# it can afford larger batches than training.
_MIN_PREDICT_BATCH_SIZE = 256


class BaseRNN(BaseEstimator):
    """Base class of RNNClassifier and RNNRegressor; not meant to be used directly.

    Subclasses set ``_loss`` (a key of ``_loss._LOSSES``) and implement
    ``_encode_target(y, *, reset, classes)`` (validated y -> the array the loss
    takes; ``reset`` learns the encoding, otherwise the fitted one is used) and
    ``_output_size()`` (number of network outputs, once the encoding is known).
    """

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
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
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

    # -- pickling ---------------------------------------------------------------

    def __getstate__(self):
        state = super().__getstate__()
        state["_sklearn_rnn_version"] = __version__
        return state

    def __setstate__(self, state):
        version = state.pop("_sklearn_rnn_version", "unknown")
        if version != __version__:
            warnings.warn(
                f"Unpickling {type(self).__name__} saved with sklearn_rnn "
                f"{version} under sklearn_rnn {__version__}: the fitted network "
                "may not load or predict as it did. Refit it, or load it under "
                f"sklearn_rnn {version}.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)

    # -- fitted state -----------------------------------------------------------

    @property
    def module_(self):
        """The fitted :class:`RNNModule` (the same object as ``net_.module_``)."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    # -- fitting ----------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None):
        """Train on (X, y): ``max_epochs`` epochs, or one with ``incremental``.

        A fitted model is trained further instead of anew with ``warm_start``
        and with ``incremental`` (``partial_fit``). A fit that raises leaves
        the estimator as it was before the call. Ctrl-C (KeyboardInterrupt)
        keeps the epochs completed, if any, and propagates.
        """
        resume = (incremental or self.warm_start) and hasattr(self, "net_")
        rollback = _Rollback(self, self.net_ if resume else None)
        try:
            net, epochs_done, validate, interrupt = self._train(
                X,
                y,
                sample_weight,
                resume=resume,
                incremental=incremental,
                classes=classes,
            )
        except BaseException:
            rollback()
            raise
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.loss_curve_ = [float(loss) for loss in net.history[:, "train_loss"]]
        if validate:
            scores = net.history[epochs_done:, "valid_score"]
            self.validation_scores_ = [float(score) for score in scores]
            # The score of the epoch whose weights early stopping restored.
            best_epoch = dict(net.callbacks_)["early_stopping"].best_epoch_
            self.best_validation_score_ = float(
                net.history[best_epoch - 1, "valid_score"]
            )
        if interrupt is not None:
            raise interrupt
        return self

    def _train(self, X, y, sample_weight, *, resume, incremental, classes):
        """Validate, build or reuse the net and train it.

        Returns ``(net, epochs_done, validate, interrupt)``: the trained net,
        its epochs before this call, whether a hold-out was scored, and the
        KeyboardInterrupt to re-raise once the completed epochs are kept.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        token_mode = self.embedding_dim is not None
        sequences = check_sequences(
            X, token_mode=token_mode, n_features=self.n_features_in_ if resume else None
        )
        if not sequences.lengths.any():
            raise ValueError(
                "X holds no valid time step at all: every sequence is empty or all "
                "padding, so there is nothing to learn from."
            )
        feature_names = read_feature_names(X)
        if resume:
            self._check_input_matches_fit(sequences, feature_names)
        n_samples = len(sequences.lengths)
        n_targets = len(np.asarray(y))
        if n_targets != n_samples:
            raise ValueError(
                f"X has {n_samples} sequences but y has {n_targets} targets; they "
                "must have the same length."
            )
        raw_weight = self._check_sample_weight(sample_weight, n_samples)
        target = self._encode_target(
            y, reset=not resume, classes=classes, sample_weight=raw_weight
        )
        weight = raw_weight * self._class_weight(y)
        if weight.sum() <= 0:
            raise ValueError(
                "The sample weights sum to zero: there is nothing to learn from."
            )
        if not resume:
            self.n_features_in_ = sequences.n_features
            if feature_names is None:
                self.__dict__.pop("feature_names_in_", None)
            else:
                self.feature_names_in_ = feature_names
            if token_mode:
                self.vocab_size_ = self._learn_vocab_size(sequences)
        # A sample of weight 0 must have no influence, but batch normalization
        # (in the convolutional branch) would still see it in its batch
        # statistics: leave such samples out of training altogether.
        kept = np.flatnonzero(weight > 0)
        if len(kept) < n_samples:
            sequences = take_sequences(sequences, kept)
            target, weight = target[kept], weight[kept]
        # A mean of 1 keeps the loss, and so the learning rate, on the scale of
        # the unweighted mean loss.
        weight = (weight / weight.mean()).astype(np.float32)

        device = self._resolve_device()
        epochs_done = len(self.net_.history) if resume else 0
        # Continued training draws fresh batch orders, still fixed by the seed.
        seed_sequence = np.random.SeedSequence([self._draw_seed(), epochs_done])
        seed = int(seed_sequence.generate_state(1)[0])
        # sklearn's MLP does the same: partial_fit never holds data out.
        validate = self.early_stopping and not incremental
        if validate:
            train, valid = self._validation_split(sequences, target, weight, seed)
        else:
            train, valid = SequenceDataset(sequences, target, weight), None
        # Forking restores the caller's global torch RNG state once fit is done;
        # every random draw of training (initial weights, batch order, dropout)
        # happens inside and is fixed by the seed.
        devices = [device] if device.type == "cuda" else []
        # The step budget counts the batches actually trained on.
        epochs = 1 if incremental else self._n_epochs(len(train))
        callbacks = self._callbacks(valid, epochs, incremental=incremental)
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            if resume:
                net = self._resume_net(callbacks, epochs)
            else:
                # The branch follows the size of X as given, so that a
                # hold-out or zero weights never change the architecture.
                channels = self._conv_channels(n_samples)
                net = self._build_net(
                    self._output_size(), device, callbacks, epochs, channels
                )
                net.initialize()
            n_threads = self._n_threads(net.module_, len(train), self.batch_size)
            with limited_threads(n_threads):
                interrupt = _run_epochs(
                    net, train, epochs, epochs_done, validate, type(self).__name__
                )
                check_finite_weights(net.module_)
                # Not for a chunk of partial_fit, which is no sample of the
                # data, nor under early stopping, which kept the weights and
                # statistics whose held-out score it reports, nor after Ctrl-C.
                if not incremental and not validate and interrupt is None:
                    try:
                        self._recompute_batch_statistics(net, train)
                    except KeyboardInterrupt as exc:
                        # Training itself completed: keep it.
                        interrupt = exc
        return net, epochs_done, validate, interrupt

    def _resume_net(self, callbacks, epochs):
        """The fitted net, set up to train ``epochs`` more with ``callbacks``."""
        net = self.net_
        net.set_params(
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=epochs,
            verbose=int(self.verbose),
        )
        # Not set_params(callbacks=...): skorch would re-initialize the old
        # callbacks and keep them, so new settings (early_stopping,
        # clip_grad_norm, lr_schedule, callbacks) would never take effect.
        net.callbacks = callbacks
        net.initialize_callbacks()
        for group in net.optimizer_.param_groups:
            # A schedule takes its base rate from "initial_lr" when present:
            # the previous fit's lr, not this one's.
            group.pop("initial_lr", None)
        net.module_.token_dropout = self.token_dropout
        return net

    def _recompute_batch_statistics(self, net, train):
        """Precise batch-norm statistics; left as they were on Ctrl-C."""
        buffers = {name: buffer.clone() for name, buffer in net.module_.named_buffers()}
        inputs = (
            to_tensor(batch_inputs, device=net.device)
            for _, (batch_inputs, _) in self._sorted_batches(train)
        )
        try:
            recompute_batch_statistics(net.module_, inputs)
        except BaseException:
            net.module_.load_state_dict(buffers, strict=False)
            raise

    def _check_sample_weight(self, sample_weight, n_samples):
        if sample_weight is None:
            return np.ones(n_samples)
        weight = check_array(
            sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
        )
        if weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},), one weight per "
                f"sequence; got shape {weight.shape}."
            )
        if (weight < 0).any():
            raise ValueError("sample_weight must be non-negative.")
        if weight.sum() <= 0:
            raise ValueError(
                "The sample weights sum to zero: there is nothing to learn from."
            )
        return weight

    def _class_weight(self, y):
        return 1.0

    def _n_epochs(self, n_train):
        """``max_epochs``, or under "auto" the epochs of the step budget.

        "auto" trains for enough epochs to take at least ``_MIN_AUTO_STEPS``
        optimizer steps, clipped to [``_MIN_AUTO_EPOCHS``,
        ``_MAX_AUTO_EPOCHS``]: 40 sequences in batches of 32 get 1000
        epochs (2000 steps) instead of 100 (200 steps), and 400,000 get 10
        epochs instead of 100.
        """
        if self.max_epochs != "auto":
            return self.max_epochs
        batches = -(-n_train // self.batch_size)
        epochs = -(-_MIN_AUTO_STEPS // batches)
        return int(np.clip(epochs, _MIN_AUTO_EPOCHS, _MAX_AUTO_EPOCHS))

    def _n_threads(self, module, n_sequences, batch_size):
        """Intra-op threads for ``module`` on batches of ``n_sequences``."""
        work = step_work(module) * min(batch_size, n_sequences)
        return resolve_n_threads(self.n_threads, work)

    def _validation_split(self, sequences, target, weight, seed):
        n_samples = len(target)
        stratify = target if self._stratify_validation() else None
        # train_test_split's own rule for the size of the hold-out.
        n_valid = int(np.ceil(self.validation_fraction * n_samples))
        if n_valid < self._min_validation_samples:
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} training "
                f"sequences, {n_valid} sequence(s); its score needs at least "
                f"{self._min_validation_samples}. Raise validation_fraction, "
                "train on more sequences, or set early_stopping=False."
            )
        try:
            train_index, valid_index = train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=seed % 2**32,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping cannot hold out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} training "
                f"sequences: {exc} Change validation_fraction, train on more "
                "sequences, or set early_stopping=False."
            ) from exc
        return tuple(
            SequenceDataset(
                take_sequences(sequences, index), target[index], weight[index]
            )
            for index in (train_index, valid_index)
        )

    # The fewest held-out sequences whose score means something.
    _min_validation_samples = 1

    def _stratify_validation(self):
        return False

    def _check_input_matches_fit(self, sequences, feature_names):
        if sequences.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {sequences.n_features} features per time step, but "
                f"{type(self).__name__} is expecting {self.n_features_in_} features "
                "as input."
            )
        check_feature_names(
            type(self).__name__,
            getattr(self, "feature_names_in_", None),
            feature_names,
        )
        if self.embedding_dim is not None and sequences.values.size:
            max_id = int(sequences.values.max())
            if max_id >= self.vocab_size_:
                raise ValueError(
                    f"Token id {max_id} is out of range: the model was fitted with "
                    f"vocab_size_={self.vocab_size_} (ids 0 to {self.vocab_size_ - 1})."
                    " Map unseen tokens to the out-of-vocabulary id 1."
                )

    def _callbacks(self, valid, epochs, *, incremental=False):
        """skorch callbacks for the training options, then the user's own."""
        # First: a diverged epoch must stop training before anything else
        # (scoring, schedules, logs) reads its loss.
        callbacks = [("finite_loss", FiniteLossCheck())]
        if valid is not None:
            # Scoring must run before early stopping reads the score.
            callbacks.append(
                (
                    "valid_score",
                    ValidationScore(
                        valid, self._validation_score, self._network_outputs
                    ),
                )
            )
        if self.clip_grad_norm is not None:
            callbacks.append(
                ("clip_grad_norm", GradientNormClipping(self.clip_grad_norm))
            )
        # partial_fit trains one epoch per call at lr: a schedule is built
        # per fit and would restart with every call, so it does not apply.
        if self.lr_schedule is not None and not incremental:
            callbacks.append(("lr_schedule", self._lr_scheduler(valid, epochs)))
        if self.verbose >= 2:
            callbacks.append(("progress_bar", TerminalProgressBar()))
        for i, callback in enumerate(self.callbacks or []):
            if not isinstance(callback, Callback):
                raise TypeError(
                    "callbacks must be a list of skorch.callbacks.Callback "
                    f"instances; item {i} is {callback!r}."
                )
            callbacks.append((f"callback_{i}", callback))
        if self.verbose >= 1:
            # After every callback, so that its table shows what they
            # recorded. Only when printed: skorch's default PrintLog formats
            # its table every epoch even at verbose=0 (time on small data)
            # and prints whenever its sink is not ``print`` (as under Ray,
            # which replaces it).
            callbacks.append(("epoch_log", EpochLog()))
        if valid is not None:
            # Last: it ends training by raising, and every callback, the
            # epoch log included, must have seen the final epoch.
            callbacks.append(
                (
                    "early_stopping",
                    BestWeightsEarlyStopping(
                        monitor="valid_score",
                        lower_is_better=False,
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                    ),
                )
            )
        return callbacks

    def _lr_scheduler(self, valid, epochs):
        if self.lr_schedule == "plateau":
            # With a held-out split, the schedule follows its score.
            return LRScheduler(
                torch.optim.lr_scheduler.ReduceLROnPlateau,
                monitor="train_loss" if valid is None else "valid_score",
                mode="min" if valid is None else "max",
            )
        # last_epoch=-1: every fit runs its schedule from lr over its own
        # epochs. skorch would otherwise resume a warm start at the epoch
        # count of the history, on an optimizer whose lr was reset, and
        # torch's recursive formulas then climb far above lr.
        if self.lr_schedule == "cosine":
            return LRScheduler(
                torch.optim.lr_scheduler.CosineAnnealingLR,
                T_max=epochs,
                last_epoch=-1,
            )
        _check_scheduler_factory(self.lr_schedule)
        return LRScheduler(self.lr_schedule, last_epoch=-1)

    def _pooling(self):
        if self.pooling != "auto":
            return self.pooling
        # Text: the strongest feature of a review is a word or phrase
        # anywhere in it, which max pooling keeps and the last step forgets
        # (BiLSTM-max in InferSent, max over time in Kim's CNN). Numeric
        # series: the last step, which has read the whole sequence.
        return "max" if self.embedding_dim is not None else "last"

    def _conv_channels(self, n_samples):
        """The branch's channels for a first fit on ``n_samples`` sequences."""
        if self.conv_channels is None:
            return None
        if not isinstance(self.conv_channels, str):
            # As given: RNNModule refuses what is not a positive integer
            # rather than truncating 2.5 to 2.
            return tuple(self.conv_channels)
        # None for token ids, where the branch cost twice the time for no
        # gain in our measurements.
        if self.embedding_dim is not None or n_samples > _AUTO_CONV_MAX_SEQUENCES:
            return None
        return tuple(w * self.hidden_size for w in _CONV_WIDTHS)

    def _build_net(self, output_size, device, callbacks, epochs, conv_channels):
        token_mode = self.embedding_dim is not None
        # Plain NeuralNet: the classifier and regressor subclasses only add
        # callbacks and checks for data that skorch itself splits and scores.
        return NeuralNet(
            module=RNNModule,
            module__input_size=None if token_mode else self.n_features_in_,
            module__output_size=output_size,
            module__cell_type=self.cell_type,
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__pooling=self._pooling(),
            module__embedding_dim=self.embedding_dim,
            module__vocab_size=self.vocab_size_ if token_mode else None,
            module__conv_channels=conv_channels,
            module__conv_kernel_sizes=tuple(self.conv_kernel_sizes),
            module__instance_norm=self.instance_norm,
            module__token_dropout=self.token_dropout,
            criterion=WeightedLoss,
            criterion__loss=self._loss,
            optimizer=self._optimizer_class(),
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=epochs,
            batch_size=self.batch_size,
            iterator_train=BucketBatchIterator,
            iterator_train__shuffle=True,
            iterator_valid=BucketBatchIterator,
            # skorch holds out 20 % of the data by default; we train on all of it.
            train_split=None,
            callbacks=callbacks,
            # Never fed: skorch gets no validation split (train_split=None).
            callbacks__valid_loss=None,
            # _callbacks adds the epoch log where it is printed.
            callbacks__print_log=None,
            device=str(device),
            verbose=int(self.verbose),
        )

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            return _OPTIMIZERS[self.optimizer]
        if not issubclass(self.optimizer, torch.optim.Optimizer):
            raise TypeError(
                "optimizer must be one of "
                f"{sorted(_OPTIMIZERS)} or a torch.optim.Optimizer subclass; got "
                f"{self.optimizer!r}."
            )
        return self.optimizer

    def _resolve_device(self):
        if isinstance(self.device, str) and self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                "device must be 'auto' or a torch device such as 'cpu' or 'cuda:0'; "
                f"got {self.device!r}."
            ) from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but CUDA is not available; "
                "use device='auto' or 'cpu'."
            )
        return device

    def _draw_seed(self):
        if self.random_state is None:
            # Fresh OS entropy: unlike np.random's global generator, drawing it
            # leaves the caller's RNG state untouched.
            return int(np.random.SeedSequence().generate_state(1)[0])
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _output_size(self):
        raise NotImplementedError

    def _learn_vocab_size(self, sequences):
        max_id = int(sequences.values.max())
        if self.vocab_size is None:
            vocab_size = max(max_id + 1, 2)
            table_bytes = vocab_size * self.embedding_dim * 4
            if table_bytes > _MAX_LEARNED_EMBEDDING_BYTES:
                raise ValueError(
                    f"The largest token id is {max_id}, so vocab_size=None would "
                    f"build an embedding table of {vocab_size} x "
                    f"{self.embedding_dim} float32 ({table_bytes / 2**30:.3g} "
                    "GiB), more than the 1 GiB learned from data at most. Ids "
                    "index that table: number the tokens 0, 1, 2, ... (Tokenizer "
                    "does), or set vocab_size to the size you mean."
                )
            return vocab_size
        if max_id >= self.vocab_size:
            raise ValueError(
                f"Token id {max_id} is out of range for vocab_size={self.vocab_size} "
                f"(ids must be in [0, {self.vocab_size - 1}])."
            )
        return self.vocab_size

    # -- prediction -------------------------------------------------------------

    def _forward(self, X):
        """Network outputs for X, as float32 of shape (n_samples, n_outputs)."""
        check_is_fitted(self, "net_")
        sequences = check_sequences(
            X, token_mode=self.embedding_dim is not None, n_features=self.n_features_in_
        )
        self._check_input_matches_fit(sequences, read_feature_names(X))
        n_threads = self._n_threads(
            self.module_, len(sequences.lengths), self._predict_batch_size()
        )
        with limited_threads(n_threads):
            outputs = self._network_outputs(self.net_, SequenceDataset(sequences))
        not_finite = np.flatnonzero(~np.isfinite(outputs).all(axis=1))
        if not_finite.size:
            warnings.warn(
                f"The network's outputs are not finite for {not_finite.size} "
                f"sequence(s) (at index {not_finite[:10].tolist()}): their values "
                "are far outside the range of the training data. Their "
                "predictions are meaningless.",
                RuntimeWarning,
                stacklevel=3,
            )
        return outputs

    def _predict_batch_size(self):
        # Prediction needs no gradients, so it can afford larger batches.
        return max(self.batch_size, _MIN_PREDICT_BATCH_SIZE)

    def _sorted_batches(self, dataset):
        """``(index, batch)`` over ``dataset`` in prediction batches, by length."""
        batch_size = self._predict_batch_size()
        for index in batch_indices(dataset.lengths, batch_size, shuffle=False):
            yield index, take_batch(dataset, index)

    def _network_outputs(self, net, dataset):
        """Outputs of ``net`` for every sequence of ``dataset``, in its order."""
        outputs = None
        for index, batch in self._sorted_batches(dataset):
            output = net.evaluation_step(batch, training=False)
            output = output.detach().to("cpu").numpy()
            if outputs is None:
                outputs = np.empty((len(dataset), output.shape[1]), output.dtype)
            outputs[index.numpy()] = output
        return outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags


class _Rollback:
    """Put an estimator, and the fitted net it trains further, back as it was.

    Called when a fit raises: the estimator's attributes are restored from a
    shallow copy (a fit assigns new objects; it mutates only the net), and a
    net trained further gets back its weights, optimizer state, history and
    settings.
    """

    def __init__(self, estimator, net=None):
        self.estimator = estimator
        self.state = dict(estimator.__dict__)
        self.net = net
        if net is not None:
            self.net_state = dict(net.__dict__)
            self.module_state = copy.deepcopy(net.module_.state_dict())
            self.optimizer_state = copy.deepcopy(net.optimizer_.state_dict())
            self.n_epochs = len(net.history)
            self.token_dropout = net.module_.token_dropout

    def __call__(self):
        self.estimator.__dict__.clear()
        self.estimator.__dict__.update(self.state)
        net = self.net
        if net is not None:
            net.__dict__.clear()
            net.__dict__.update(self.net_state)
            net.module_.load_state_dict(self.module_state)
            net.optimizer_.load_state_dict(self.optimizer_state)
            del net.history[self.n_epochs :]
            net.module_.token_dropout = self.token_dropout


def _run_epochs(net, train, epochs, epochs_done, validate, owner):
    """Train ``net`` for ``epochs`` epochs: skorch's ``partial_fit``, but
    with Ctrl-C told apart from the end of training.

    skorch swallows every ``KeyboardInterrupt``, its own early stopping's
    and Ctrl-C's alike, and a ``fit`` interrupted by the user then returns as
    if complete. Here :class:`StopTraining` ends training and a
    ``KeyboardInterrupt`` is returned, to be raised once the estimator has
    kept the epochs completed. Either way an epoch left unfinished is dropped
    from the history, so ``n_iter_ == len(loss_curve_)``. With no epoch
    completed, there is nothing to keep: a ``KeyboardInterrupt`` propagates
    at once, and ``StopTraining`` becomes a ValueError.
    """
    net.notify("on_train_begin", X=train, y=None)
    interrupt = None
    try:
        net.fit_loop(train, None, epochs=epochs)
    except StopTraining:
        completed = _drop_unfinished_epoch(net.history, epochs_done, validate)
        if not completed:
            raise ValueError(
                "StopTraining was raised before the first epoch of this fit "
                "completed, so it trained nothing; the estimator is left as it "
                "was. Raise it from on_epoch_end to stop after an epoch."
            ) from None
    except KeyboardInterrupt as exc:
        interrupt = exc
        completed = _drop_unfinished_epoch(net.history, epochs_done, validate)
        if not completed:
            _add_note(
                exc,
                f"{owner} was interrupted before completing an epoch; "
                "the estimator is left as it was before this fit.",
            )
            raise
        _add_note(
            exc,
            f"{owner} was interrupted after {completed} of {epochs} epochs; the "
            "estimator keeps them (n_iter_, loss_curve_) and the weights "
            "reached, and can predict or train further.",
        )
    net.notify("on_train_end", X=train, y=None)
    return interrupt


def _drop_unfinished_epoch(history, epochs_done, validate):
    """Drop the last epoch of ``history`` if it lacks its scores; return the
    number of epochs this fit completed."""
    required = ("train_loss", "valid_score") if validate else ("train_loss",)
    if len(history) > epochs_done and not all(key in history[-1] for key in required):
        history.pop()
    return len(history) - epochs_done


def _add_note(exc, note):
    # BaseException.add_note is Python 3.11+; the traceback shows the note.
    if hasattr(exc, "add_note"):
        exc.add_note(note)


def check_finite_weights(module):
    """Refuse a trained network whose weights or statistics are not finite."""
    for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(
                f"Training produced non-finite values in {name}: the network "
                "diverged. Lower lr, set clip_grad_norm (e.g. 1.0), or scale "
                "the inputs (e.g. with SequenceScaler)."
            )


def _check_scheduler_factory(factory):
    """Refuse an ``lr_schedule`` callable that cannot build a scheduler."""
    try:
        inspect.signature(factory).bind(object(), last_epoch=-1)
    except TypeError as exc:
        raise TypeError(
            "lr_schedule must be 'cosine', 'plateau', None or a callable that "
            "builds a torch scheduler from the optimizer and accepts "
            "last_epoch, such as a torch.optim.lr_scheduler class or "
            "functools.partial(torch.optim.lr_scheduler.StepLR, step_size=10); "
            f"{factory!r} cannot be called that way: {exc}."
        ) from None
    except ValueError:
        pass  # no signature to inspect (some builtins): let torch decide


# Shared by the docstrings of RNNClassifier and RNNRegressor.
_PARAMETERS_DOC = """\
    cell_type : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell: ``torch.nn.LSTM``, ``torch.nn.GRU`` or a plain tanh
        ``torch.nn.RNN``.

    hidden_size : int, default=64
        Number of hidden units per layer and direction.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Whether each sequence is also read backwards. The backward direction
        starts at each sequence's own last step, never at padding.

    dropout : float, default=0.0
        Dropout probability between stacked layers and before the output layer.

    pooling : {"auto", "last", "mean", "max", "attention"}, default="auto"
        How the outputs of all time steps become one vector per sequence: the
        output at the last valid step, the mean or max over the valid steps,
        or a learned attention-weighted mean. Padding never enters. "auto" is
        "max" in token mode (the telling word of a text can be anywhere in
        it) and "last" for numeric sequences.

    embedding_dim : int or None, default=None
        None: X holds numeric sequences. An int switches to token mode: X
        holds integer token ids (0 is padding), embedded in vectors of this
        size. Token mode is never guessed from the dtype of X.

    vocab_size : int or None, default=None
        Token mode only: number of token ids, padding id 0 included. None
        learns it from the training data as the largest id + 1; set it (for
        example to ``len(tokenizer.vocabulary_)``) when test data may hold
        ids the training data lacks.

    conv_channels : "auto", array-like of int or None, default="auto"
        A convolutional branch beside the recurrent core, as in LSTM-FCN
        (Karim et al., 2018): one ``Conv1d -> BatchNorm -> ReLU`` block per
        entry (its number of channels), then the mean over each sequence's
        valid steps, concatenated with the pooled recurrent output before the
        head. "auto" is the three blocks of the FCN of Wang et al. (2017)
        at its 1 : 2 : 1 proportions, scaled to the recurrent core
        (``hidden_size``, twice it and ``hidden_size`` channels: ``(64, 128,
        64)`` at the default ``hidden_size=64``), for numeric training sets of
        at most 2,000 sequences; None in token mode and on larger training
        sets, where its cost (about 3.4 times the LSTM's per step) matters
        more than its help (see "Why these defaults" in the user guide). The
        first fit decides; ``module_.conv_channels`` tells what was built.
        ``(128, 256, 128)`` is FCN's original width. The convolutions
        find local shapes (a peak, a slope) wherever they occur, which a
        recurrent core trained on a few hundred sequences learns slowly; the
        recurrent core keeps order and long context. Padding never enters the
        branch. None switches it off: a purely recurrent network, faster on
        long sequences and in token mode.

    conv_kernel_sizes : array-like of int, default=(8, 5, 3)
        Kernel size of each convolution block, one per entry of
        ``conv_channels``: set both together when changing the number of
        blocks.

    instance_norm : bool, default=False
        Standardize each feature of each sequence over its own valid steps
        before the recurrent core and the convolutions (the UCR archive's
        z-normalization, done inside the network), and give the head each
        sequence's mean and log standard deviation, so the level and scale
        are not lost. Helps when the shape of a series matters more than its
        level (spectra, sensor traces with drifting offsets). Numeric inputs
        only.

    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or type, default="adam"
        Optimizer, by name or as a ``torch.optim.Optimizer`` subclass.

    lr : float, default=1e-3
        Learning rate.

    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.

    batch_size : int, default=32
        Number of sequences per training batch. Batches group sequences of
        similar length, so each is padded only to its own longest member
        (rounded up to a multiple of 8 steps).

    max_epochs : int or "auto", default="auto"
        Number of passes over the training data. "auto" sets a budget of
        optimizer steps instead: enough epochs for at least 2000 steps
        (batches), but at least 10 and at most 1000 epochs. 40 sequences in
        batches of 32 then train for 1000 epochs (2000 steps), 10,000
        sequences for 10 epochs (3130 steps). An int is used as given.

    device : str or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU; any torch device
        string ("cpu", "cuda", "cuda:1", ...) is used as given.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, batch order and dropout. Fitting twice
        with the same int and data gives the same model, bit for bit on CPU
        for the same number of threads (see ``n_threads``: "auto" can take
        fewer threads when other processes keep the cores busy; set an int
        for reruns that must match bit for bit). The caller's global torch
        and numpy random states are left as they were. None draws a fresh
        seed.

    verbose : int, default=0
        0 is silent; 1 prints one line per epoch (epoch, training loss, time,
        and any score recorded), the best values so far marked with ``*``; 2
        adds a progress bar within each epoch where it can redraw (a
        terminal or a notebook).

    early_stopping : bool, default=False
        If True, ``fit`` holds out ``validation_fraction`` of the training
        data (stratified for classifiers, drawn with ``random_state``),
        scores the network on it after each epoch (accuracy, or R² for
        regression), stops when the score has not improved by at least
        ``tol`` for ``n_iter_no_change`` epochs, and restores the weights of
        the best epoch. ``partial_fit`` never holds data out.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without improvement of the held-out score before stopping.

    tol : float, default=1e-4
        Smallest improvement of the held-out score that counts.

    warm_start : bool, default=False
        If True, ``fit`` on a fitted model trains the existing network further
        (``max_epochs`` more epochs, with the current ``lr``, ``batch_size``
        and ``verbose``) instead of starting anew. X must have the fitted
        number of features, and y the fitted classes or outputs. The current
        ``callbacks``, ``clip_grad_norm``, ``lr_schedule`` and
        ``early_stopping`` apply to the continued training.

    clip_grad_norm : float or None, default=None
        If set, the gradient norm of all parameters together is clipped to
        this value before each step (``torch.nn.utils.clip_grad_norm_``),
        which keeps recurrent networks from exploding gradients.

    lr_schedule : {"plateau", "cosine"}, callable or None, default="cosine"
        Learning-rate schedule, stepped once per epoch: "plateau" divides the
        learning rate by 10 when the training loss (the held-out score under
        ``early_stopping``) stops improving for 10 epochs
        (``ReduceLROnPlateau``), "cosine" anneals it to 0 over
        ``max_epochs`` (``CosineAnnealingLR``). A callable builds a torch
        scheduler from the optimizer, e.g.
        ``functools.partial(torch.optim.lr_scheduler.StepLR, step_size=10)``;
        None keeps ``lr`` constant. Every fit runs the schedule from ``lr``
        over its own epochs, a ``warm_start`` fit included; ``partial_fit``
        runs none (one epoch at ``lr`` per call). The default cosine schedule
        ends training
        with small steps, so the final weights settle instead of jumping
        around the minimum as they do at a constant learning rate, and the
        result depends less on the exact ``max_epochs``.

    callbacks : list of skorch.callbacks.Callback or None, default=None
        The escape hatch for advanced users: extra skorch callbacks run during
        training, after the ones the parameters above create (see skorch's
        documentation). The fitted net (``net_``) holds their fitted state.
        A callback ends training early by raising :class:`StopTraining`.

    token_dropout : float, default=0.3
        Token mode only: during training, this share of the token ids (all
        but padding 0 and the out-of-vocabulary id 1) is replaced by the
        out-of-vocabulary id 1 at random, anew in every batch ("word
        dropout", 0.3 as in Iyyer et al., 2015). The training data hold no
        unknown word, so without it the out-of-vocabulary embedding is never
        trained and every unseen word at predict time feeds the network an
        arbitrary vector. Assumes the
        :class:`~sklearn_rnn.preprocessing.Tokenizer` convention that id 1
        means "unknown"; set 0 for ids without that convention.

    n_threads : int or "auto", default="auto"
        Intra-op threads torch uses while this estimator fits or predicts;
        the previous setting is restored afterwards. "auto" uses one thread
        per 250,000 multiply-adds of a batch's time step (batch size times the
        network's work per step), at least 1 and at most the smaller of
        ``torch.get_num_threads()`` and the cores other processes leave free
        when the fit or prediction starts (Linux): one thread for small
        networks, where a second gains little and, when another process is
        busy, costs several times the run time. Bit-for-bit reproducibility
        holds for a fixed number of threads: other thread counts can round
        differently.
"""

_ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of features per time step (F), not the number of time steps.
        1 for univariate sequences and in token mode.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        The column names of X's items when they are DataFrames with string
        column names (the same for every item). Prediction then requires the
        same columns in the same order, as scikit-learn does. A wide DataFrame
        (one univariate sequence per row) has time steps as columns, not
        features, and records none.

    vocab_size_ : int
        Token mode only: the size of the embedding table.

    net_ : skorch.NeuralNet
        The fitted skorch net.

    module_ : RNNModule
        The fitted torch module (``net_.module_``).

    n_iter_ : int
        Number of epochs run.

    loss_curve_ : list of float
        Mean training loss of each epoch.

    history_ : skorch.History
        skorch's per-epoch and per-batch training record.

    validation_scores_ : list of float
        With ``early_stopping``: the held-out score after each epoch.

    best_validation_score_ : float
        With ``early_stopping``: the best held-out score, whose weights the
        model keeps.
"""

_INPUTS_DOC = """\
    X can be any of: an array of shape (n_samples, n_timesteps, n_features);
    an array or wide DataFrame of shape (n_samples, n_timesteps) of univariate
    sequences; a list, tuple or object array of arrays of shape (T_i,
    n_features) or (T_i,) with lengths T_i that may differ; a float array
    whose trailing all-NaN steps are padding. In token mode, a 2-D integer
    array with 0 as padding or a list of 1-D integer arrays. Sequences at
    predict time may be longer or shorter than at fit time.

    A sequence may be empty (length 0): an empty item, a row that is all NaN
    or all padding ids, e.g. a document whose words are all unknown. It
    carries no information, so its pooled representation is the zero vector
    and its prediction is the network's output for an empty input (set by the
    output layer's bias). Training data must hold at least one valid step.
"""
