"""Building the skorch net that trains an estimator's network.

What the estimators' parameters become inside skorch: the "auto" settings
resolved, the optimizer class, the callbacks (in the order they must run) and
the ``NeuralNet`` itself. skorch is composed, not subclassed: its
``**kwargs`` constructor, 20 % validation hold-out, missing ``random_state``
and index-valued ``predict`` stay behind ``net_``. ``params`` below is the
estimator, of which only public parameters are read.
"""

import inspect

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, GradientNormClipping, LRScheduler

from ._batching import BucketBatchIterator
from ._callbacks import (
    BestWeightsEarlyStopping,
    EpochLog,
    FiniteLossCheck,
    TerminalProgressBar,
    ValidationScore,
)
from ._distributed import AverageGradients, ShareValidationScores

OPTIMIZERS = {
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


# -- "auto" settings -------------------------------------------------------------


def auto_epochs(max_epochs, n_train, batch_size, n_processes=1):
    """``max_epochs``, or under "auto" the epochs of the step budget.

    "auto" trains for enough epochs to take at least ``_MIN_AUTO_STEPS``
    optimizer steps, clipped to [``_MIN_AUTO_EPOCHS``, ``_MAX_AUTO_EPOCHS``]:
    40 sequences in batches of 32 get 1000 epochs (2000 steps) instead of 100
    (200 steps), and 400,000 get 10 epochs instead of 100. Data-parallel
    processes share each epoch's batches, one step for ``n_processes``.
    """
    if max_epochs != "auto":
        return max_epochs
    batches = -(-n_train // batch_size)
    steps_per_epoch = -(-batches // n_processes)
    epochs = -(-_MIN_AUTO_STEPS // steps_per_epoch)
    return int(np.clip(epochs, _MIN_AUTO_EPOCHS, _MAX_AUTO_EPOCHS))


def auto_pooling(pooling, token_mode):
    if pooling != "auto":
        return pooling
    # Text: the strongest feature of a review is a word or phrase anywhere in
    # it, which max pooling keeps and the last step forgets (BiLSTM-max in
    # InferSent, max over time in Kim's CNN). Numeric series: the last step,
    # which has read the whole sequence.
    return "max" if token_mode else "last"


def auto_conv_channels(conv_channels, *, hidden_size, token_mode, n_samples):
    """The branch's channels for a first fit on ``n_samples`` sequences."""
    if conv_channels is None:
        return None
    if not isinstance(conv_channels, str):
        # As given: RNNModule refuses what is not a positive integer rather
        # than truncating 2.5 to 2.
        return tuple(conv_channels)
    # None for token ids, where the branch cost twice the time for no gain in
    # our measurements.
    if token_mode or n_samples > _AUTO_CONV_MAX_SEQUENCES:
        return None
    return tuple(w * hidden_size for w in _CONV_WIDTHS)


def learned_vocab_size(max_id, vocab_size, embedding_dim):
    """The embedding table's size: ``vocab_size``, or learned from the ids."""
    if vocab_size is None:
        vocab_size = max(max_id + 1, 2)
        table_bytes = vocab_size * embedding_dim * 4
        if table_bytes > _MAX_LEARNED_EMBEDDING_BYTES:
            raise ValueError(
                f"The largest token id is {max_id}, so vocab_size=None would "
                f"build an embedding table of {vocab_size} x {embedding_dim} "
                f"float32 ({table_bytes / 2**30:.3g} GiB), more than the 1 GiB "
                "learned from data at most. Ids index that table: number the "
                "tokens 0, 1, 2, ... (Tokenizer does), or set vocab_size to the "
                "size you mean."
            )
        return vocab_size
    if max_id >= vocab_size:
        raise ValueError(
            f"Token id {max_id} is out of range for vocab_size={vocab_size} "
            f"(ids must be in [0, {vocab_size - 1}])."
        )
    return vocab_size


def resolve_device(device):
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            "device must be 'auto' or a torch device such as 'cpu' or 'cuda:0'; "
            f"got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; "
            "use device='auto' or 'cpu'."
        )
    return resolved


def optimizer_class(optimizer):
    if isinstance(optimizer, str):
        return OPTIMIZERS[optimizer]
    if not issubclass(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or a "
            f"torch.optim.Optimizer subclass; got {optimizer!r}."
        )
    return optimizer


# -- callbacks --------------------------------------------------------------------


def build_callbacks(
    params, valid, epochs, *, incremental, score, outputs, loss=None, extra=()
):
    """skorch callbacks for the training options, then the user's own.

    ``valid`` is the early-stopping hold-out (or None), scored after each
    epoch with ``score(outputs(net, valid), valid)`` (and ``loss``, see
    ``ValidationScore``). ``extra`` are the estimator's own ``(name,
    callback)`` pairs, run after the scoring and before the user's.
    """
    callbacks = []
    if params.distributed:
        # First: the gradients are averaged before clipping, and the epoch's
        # loss and batch-norm statistics before anything reads them.
        callbacks.append(("average_gradients", AverageGradients()))
    # A diverged epoch must stop training before anything else (scoring,
    # schedules, logs) reads its loss.
    callbacks.append(("finite_loss", FiniteLossCheck()))
    if valid is not None:
        # Scoring must run before early stopping reads the score.
        callbacks.append(("valid_score", ValidationScore(valid, score, outputs, loss)))
        if params.distributed:
            callbacks.append(("share_scores", ShareValidationScores()))
    if params.clip_grad_norm is not None:
        callbacks.append(
            ("clip_grad_norm", GradientNormClipping(params.clip_grad_norm))
        )
    # partial_fit trains one epoch per call at lr: a schedule is built per fit
    # and would restart with every call, so it does not apply.
    if params.lr_schedule is not None and not incremental:
        callbacks.append(
            ("lr_schedule", _lr_scheduler(params.lr_schedule, valid, epochs))
        )
    callbacks.extend(extra)
    if params.verbose >= 2:
        callbacks.append(("progress_bar", TerminalProgressBar()))
    for i, callback in enumerate(params.callbacks or []):
        if not isinstance(callback, Callback):
            raise TypeError(
                "callbacks must be a list of skorch.callbacks.Callback "
                f"instances; item {i} is {callback!r}."
            )
        callbacks.append((f"callback_{i}", callback))
    if params.verbose >= 1:
        # After every callback, so that its table shows what they recorded.
        # Only when printed: skorch's default PrintLog formats its table every
        # epoch even at verbose=0 (time on small data) and prints whenever its
        # sink is not ``print`` (as under Ray, which replaces it).
        callbacks.append(("epoch_log", EpochLog()))
    if valid is not None:
        # Last: it ends training by raising, and every callback, the epoch
        # log included, must have seen the final epoch.
        stopping = BestWeightsEarlyStopping(
            monitor="valid_score",
            lower_is_better=False,
            patience=params.n_iter_no_change,
            threshold=params.tol,
            threshold_mode="abs",
            load_best=True,
        )
        callbacks.append(("early_stopping", stopping))
    return callbacks


def _lr_scheduler(schedule, valid, epochs):
    if schedule == "plateau":
        # With a held-out split, the schedule follows its score.
        return LRScheduler(
            torch.optim.lr_scheduler.ReduceLROnPlateau,
            monitor="train_loss" if valid is None else "valid_score",
            mode="min" if valid is None else "max",
        )
    # last_epoch=-1: every fit runs its schedule from lr over its own epochs.
    # skorch would otherwise resume a warm start at the epoch count of the
    # history, on an optimizer whose lr was reset, and torch's recursive
    # formulas then climb far above lr.
    if schedule == "cosine":
        return LRScheduler(
            torch.optim.lr_scheduler.CosineAnnealingLR, T_max=epochs, last_epoch=-1
        )
    _check_scheduler_factory(schedule)
    return LRScheduler(schedule, last_epoch=-1)


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


# -- the net ---------------------------------------------------------------------


def build_net(
    params,
    *,
    module,
    module_params,
    criterion,
    criterion_params,
    callbacks,
    epochs,
    device,
    shard=None,
):
    """The skorch ``NeuralNet`` of an estimator, not yet initialized.

    ``module`` and ``criterion`` are torch module classes, built with
    ``module_params`` and ``criterion_params``; ``shard`` is the
    ``_distributed.ProcessShard`` of data-parallel training.
    """
    # Plain NeuralNet: skorch's classifier and regressor subclasses only add
    # callbacks and checks for data that skorch itself splits and scores.
    return NeuralNet(
        module=module,
        **{f"module__{name}": value for name, value in module_params.items()},
        criterion=criterion,
        **{f"criterion__{name}": value for name, value in criterion_params.items()},
        optimizer=optimizer_class(params.optimizer),
        optimizer__weight_decay=params.weight_decay,
        lr=params.lr,
        max_epochs=epochs,
        batch_size=params.batch_size,
        iterator_train=BucketBatchIterator,
        iterator_train__shuffle=True,
        iterator_train__shard=shard,
        # skorch holds out 20 % of the data by default; we train on all of it
        # (early stopping holds out its own, scored by a callback).
        train_split=None,
        callbacks=callbacks,
        # Never fed: skorch gets no validation split (train_split=None).
        callbacks__valid_loss=None,
        # build_callbacks adds the epoch log where it is printed.
        callbacks__print_log=None,
        device=str(device),
        verbose=int(params.verbose),
    )


def rnn_module_params(params, *, input_size, vocab_size, output_size, conv_channels):
    """The :class:`RNNModule` arguments of the sequence-level estimators.

    ``input_size`` is None in token mode, ``vocab_size`` None outside it.
    """
    token_mode = params.embedding_dim is not None
    return {
        "input_size": input_size,
        "output_size": output_size,
        "cell_type": params.cell_type,
        "hidden_size": params.hidden_size,
        "num_layers": params.num_layers,
        "bidirectional": params.bidirectional,
        "dropout": params.dropout,
        "pooling": auto_pooling(params.pooling, token_mode),
        "embedding_dim": params.embedding_dim,
        "vocab_size": vocab_size,
        "conv_channels": conv_channels,
        "conv_kernel_sizes": tuple(params.conv_kernel_sizes),
        "instance_norm": params.instance_norm,
        "token_dropout": params.token_dropout,
    }
