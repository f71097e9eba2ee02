"""Running training: the epoch loop, the early-stopping split, and rollback.

What happens between building the net and keeping it: skorch's epoch loop
with Ctrl-C told apart from the end of training, the hold-out of early
stopping, the checks of the trained weights, and putting everything back
when a fit raises.
"""

import copy

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch.utils import to_tensor

from ._batching import SequenceDataset, sorted_batches
from ._callbacks import StopTraining
from ._input_checks import take_rows, take_sequences
from ._nn.conv import recompute_batch_statistics


def validation_split(sequences, target, weight, *, fraction, seed, stratify, min_valid):
    """Hold out ``fraction`` of the sequences for early stopping.

    Returns the training and held-out :class:`SequenceDataset`. ``stratify``
    splits by ``target``; ``min_valid`` is the fewest held-out sequences
    whose score means something.
    """
    n_samples = len(weight)
    # train_test_split's own rule for the size of the hold-out.
    n_valid = int(np.ceil(fraction * n_samples))
    if n_valid < min_valid:
        raise ValueError(
            f"early_stopping holds out validation_fraction={fraction} of the "
            f"{n_samples} training sequences, {n_valid} sequence(s); its score "
            f"needs at least {min_valid}. Raise validation_fraction, train on "
            "more sequences, or set early_stopping=False."
        )
    try:
        train_index, valid_index = train_test_split(
            np.arange(n_samples),
            test_size=fraction,
            random_state=seed % 2**32,
            stratify=target if stratify else None,
        )
    except ValueError as exc:
        raise ValueError(
            f"early_stopping cannot hold out validation_fraction={fraction} of "
            f"the {n_samples} training sequences: {exc} Change "
            "validation_fraction, train on more sequences, or set "
            "early_stopping=False."
        ) from exc
    return tuple(
        SequenceDataset(
            take_sequences(sequences, index), take_rows(target, index), weight[index]
        )
        for index in (train_index, valid_index)
    )


class Rollback:
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
            # Only modules that read token ids have it.
            self.token_dropout = getattr(net.module_, "token_dropout", None)

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
            if self.token_dropout is not None:
                net.module_.token_dropout = self.token_dropout


def run_epochs(net, train, epochs, epochs_done, validate, owner):
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


def resume_net(
    net, callbacks, *, epochs, lr, batch_size, verbose, token_dropout, shard
):
    """The fitted ``net``, set up to train ``epochs`` more with ``callbacks``."""
    net.set_params(lr=lr, batch_size=batch_size, max_epochs=epochs, verbose=verbose)
    # Set directly: skorch's set_params takes any "__" key of an initialized
    # net for a module, criterion or optimizer to re-initialize.
    net.iterator_train__shard = shard
    # Not set_params(callbacks=...): skorch would re-initialize the old
    # callbacks and keep them, so new settings (early_stopping,
    # clip_grad_norm, lr_schedule, callbacks) would never take effect.
    net.callbacks = callbacks
    net.initialize_callbacks()
    for group in net.optimizer_.param_groups:
        # A schedule takes its base rate from "initial_lr" when present: the
        # previous fit's lr, not this one's.
        group.pop("initial_lr", None)
    if hasattr(net.module_, "token_dropout"):  # modules that read token ids
        net.module_.token_dropout = token_dropout
    return net


def recompute_statistics(net, train, batch_size):
    """Precise batch-norm statistics over ``train``, in prediction batches.

    ``recompute_batch_statistics`` puts the previous statistics back if it
    is interrupted (Ctrl-C) or fails.
    """
    inputs = (
        to_tensor(batch_inputs, device=net.device)
        for _, (batch_inputs, _) in sorted_batches(train, batch_size)
    )
    recompute_batch_statistics(net.module_, inputs)
