"""BaseRNN: the abstract base of the estimators, and their fit/predict flow.

The flow every estimator shares: validate the input, encode the target,
build (or reuse) the skorch net, train it, keep the result, and predict in
length-sorted batches. The pieces live below: reading and checking input
(``_input``, ``_input_checks``), batching (``_batching``), building the net
and its callbacks (``_net``), running and rolling back training
(``_training``), the torch modules (``_nn``). Each estimator is a thin
subclass that fills in the hooks declared here.
"""

import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._batching import SequenceDataset, network_outputs
from ._compat import _check_sample_weight
from ._distributed import ProcessShard, process_device, process_group, rank_zero_value
from ._input_checks import (
    check_input_matches_fit,
    check_sequences,
    read_feature_names,
    take_rows,
    take_sequences,
    token_ids,
)
from ._net import (
    auto_conv_channels,
    auto_epochs,
    build_callbacks,
    build_net,
    learned_vocab_size,
    resolve_device,
    rnn_module_params,
)
from ._nn.loss import WeightedLoss
from ._nn.module import RNNModule
from ._params import RNNParameters
from ._threads import limited_threads, resolve_n_threads, step_work
from ._training import (
    Rollback,
    check_finite_weights,
    recompute_statistics,
    resume_net,
    run_epochs,
    validation_split,
)
from ._version import VersionedPickleMixin

# Prediction (and recomputing batch-norm statistics) needs no gradients, so
# it can afford larger batches than training.
_MIN_PREDICT_BATCH_SIZE = 256


class BaseRNN(VersionedPickleMixin, RNNParameters, metaclass=ABCMeta):
    """Base class of the recurrent estimators; not meant to be used directly.

    A subclass is a thin file that declares what its target is. It must
    define (abstract, enforced at instantiation):

    - ``_loss``: the training loss, a key of ``_loss.LOSSES`` (a class
      attribute or a property);
    - ``_encode_target(y, *, reset, classes=None, sample_weight=None,
      lengths=None)``: the validated y as the array the loss takes (or, for
      one target per step, a ``Sequences`` of X's ``lengths``); ``reset``
      learns the encoding (and sets the fitted attributes that describe it),
      otherwise the fitted one is used;
    - ``_output_size()``: the number of network outputs, once the encoding
      is known;
    - ``_validation_score(outputs, dataset)``: the early-stopping score (higher
      is better) of network outputs on a held-out ``SequenceDataset``;
    - ``_onnx_head()``: what ``export_onnx`` needs, ``(head, output_names,
      labels)``: a torch module from network outputs to the graph's outputs,
      their names, and the labels the graph looks up (or None).

    It may override:

    - ``_class_weight(y)``: per-sample weights from y (default 1.0);
    - ``_stratify_validation``: whether the hold-out is stratified by the
      encoded target (default False);
    - ``_min_validation_samples``: the fewest held-out sequences whose score
      means something (default 1);
    - ``_start_partial_fit(classes)``: checks on each ``partial_fit`` call
      (default none);
    - ``_module`` and ``_module_params(conv_channels)``: the torch module
      class and its arguments (default: :class:`RNNModule`, one output per
      sequence, from the shared parameters);
      ``_architecture(n_samples)``: what a first fit decides from the data,
      passed to ``_module_params`` (default: the convolutional branch);
    - ``_criterion`` and ``_criterion_params()``: the loss module and its
      arguments (default: ``WeightedLoss`` of ``_loss``);
    - ``_network_outputs(net, dataset)``: the network's outputs on a
      data set, as ``_validation_score`` takes them (default: one row per
      sequence), and ``_validation_loss(net, outputs, dataset)`` when the
      training loss cannot take them (default None);
    - ``_extra_callbacks()``: the estimator's own skorch ``(name,
      callback)`` pairs (default none).
    """

    # -- fitted state -----------------------------------------------------------

    @property
    def module_(self):
        """The fitted :class:`RNNModule` (the same object as ``net_.module_``)."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    # -- hooks ------------------------------------------------------------------

    @property
    @abstractmethod
    def _loss(self):
        """The training loss, a key of ``_loss.LOSSES``."""

    @abstractmethod
    def _encode_target(
        self, y, *, reset, classes=None, sample_weight=None, lengths=None
    ):
        """The validated y as the array the loss takes."""

    @abstractmethod
    def _output_size(self):
        """The number of network outputs."""

    @abstractmethod
    def _validation_score(self, outputs, dataset):
        """The early-stopping score of ``outputs`` on ``dataset``."""

    @abstractmethod
    def _onnx_head(self):
        """``(head, output_names, labels)`` for ``export_onnx``."""

    def _class_weight(self, y):
        return 1.0

    _stratify_validation = False
    _min_validation_samples = 1

    def _start_partial_fit(self, classes):
        pass

    _module = RNNModule
    _criterion = WeightedLoss
    # Whether save_model can write it (an RNNModule and its fitted state).
    _saveable = True
    # Whether token mode takes character ids beside each token id.
    _reads_characters = False
    # What a row of the network's outputs is, for messages.
    _output_rows = "sequence"
    # ValidationScore's loss of outputs that the training loss cannot take.
    _validation_loss = None

    def _extra_callbacks(self):
        return []

    def _architecture(self, n_samples):
        # The branch follows the size of X as given, so that a hold-out or
        # zero weights never change the architecture.
        return auto_conv_channels(
            self.conv_channels,
            hidden_size=self.hidden_size,
            token_mode=self.embedding_dim is not None,
            n_samples=n_samples,
        )

    def _module_params(self, conv_channels):
        token_mode = self.embedding_dim is not None
        return rnn_module_params(
            self,
            input_size=None if token_mode else self.n_features_in_,
            vocab_size=self.vocab_size_ if token_mode else None,
            output_size=self._output_size(),
            conv_channels=conv_channels,
        )

    def _criterion_params(self):
        return {"loss": self._loss}

    # -- fitting ----------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None):
        """Train on (X, y): ``max_epochs`` epochs, or one with ``incremental``.

        A fitted model is trained further instead of anew with ``warm_start``
        and with ``incremental`` (``partial_fit``). A fit that raises leaves
        the estimator as it was before the call. Ctrl-C (KeyboardInterrupt)
        keeps the epochs completed, if any, and propagates.
        """
        resume = (incremental or self.warm_start) and hasattr(self, "net_")
        rollback = Rollback(self, self.net_ if resume else None)
        try:
            sequences, target, weight = self._prepare(
                X,
                y,
                sample_weight,
                resume=resume,
                incremental=incremental,
                classes=classes,
            )
            net, epochs_done, validate, interrupt = self._train(
                sequences, target, weight, resume=resume, incremental=incremental
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

    def _prepare(self, X, y, sample_weight, *, resume, incremental, classes):
        """Validate (X, y, sample_weight) and encode y.

        A first fit also learns the encoding and the input's description
        (``n_features_in_``, ``feature_names_in_``, ``vocab_size_``). Returns
        ``(sequences, target, weight)``.
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
        if token_mode and sequences.values.ndim == 2 and not self._reads_characters:
            raise ValueError(
                f"X holds {sequences.n_features} ids per step, a token id and its "
                "character ids (as Tokenizer(max_word_length=...) makes them); "
                f"{type(self).__name__} reads one token id per step. Use RNNTagger "
                "for the characters, or a Tokenizer without them."
            )
        feature_names = read_feature_names(X)
        if resume:
            self._check_matches_fit(sequences, feature_names)
        n_samples = len(sequences.lengths)
        n_targets = len(y) if hasattr(y, "__len__") else len(np.asarray(y))
        if n_targets != n_samples:
            raise ValueError(
                f"X has {n_samples} sequences but y has {n_targets} targets; they "
                "must have the same length."
            )
        raw_weight = _check_sample_weight(
            sample_weight, sequences.lengths, dtype=np.float64, ensure_non_negative=True
        )
        if incremental:
            self._start_partial_fit(classes)
        target = self._encode_target(
            y,
            reset=not resume,
            classes=classes,
            sample_weight=raw_weight,
            lengths=sequences.lengths,
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
                self.vocab_size_ = learned_vocab_size(
                    int(token_ids(sequences).max()), self.vocab_size, self.embedding_dim
                )
        return sequences, target, weight

    def _train(self, sequences, target, weight, *, resume, incremental):
        """Build or reuse the net and train it on the prepared data.

        Returns ``(net, epochs_done, validate, interrupt)``: the trained net,
        its epochs before this call, whether a hold-out was scored, and the
        KeyboardInterrupt to re-raise once the completed epochs are kept.
        """
        n_samples = len(sequences.lengths)
        # A sample of weight 0 must have no influence, but batch normalization
        # (in the convolutional branch) would still see it in its batch
        # statistics: leave such samples out of training altogether.
        kept = np.flatnonzero(weight > 0)
        if len(kept) < n_samples:
            sequences = take_sequences(sequences, kept)
            target, weight = take_rows(target, kept), weight[kept]
        # A mean of 1 keeps the loss, and so the learning rate, on the scale of
        # the unweighted mean loss.
        weight = (weight / weight.mean()).astype(np.float32)

        device = resolve_device(self.device)
        shard = None
        if self.distributed:
            shard = ProcessShard(*process_group())
            device = process_device(device)
        epochs_done = len(self.net_.history) if resume else 0
        # Continued training draws fresh batch orders, still fixed by the seed.
        seed_sequence = np.random.SeedSequence([self._draw_seed(), epochs_done])
        seed = int(seed_sequence.generate_state(1)[0])
        if shard is not None:
            # One hold-out and one initialization for all processes.
            seed = rank_zero_value(seed)
        # sklearn's MLP does the same: partial_fit never holds data out.
        validate = self.early_stopping and not incremental
        if validate:
            train, valid = validation_split(
                sequences,
                target,
                weight,
                fraction=self.validation_fraction,
                seed=seed,
                stratify=self._stratify_validation,
                min_valid=self._min_validation_samples,
            )
        else:
            train, valid = SequenceDataset(sequences, target, weight), None
        # Forking restores the caller's global torch RNG state once fit is done;
        # every random draw of training (initial weights, batch order, dropout)
        # happens inside and is fixed by the seed.
        devices = [device] if device.type == "cuda" else []
        # The step budget counts the batches actually trained on.
        epochs = (
            1
            if incremental
            else auto_epochs(
                self.max_epochs,
                len(train),
                self.batch_size,
                n_processes=1 if shard is None else shard.world_size,
            )
        )
        callbacks = build_callbacks(
            self,
            valid,
            epochs,
            incremental=incremental,
            score=self._validation_score,
            outputs=self._network_outputs,
            loss=self._validation_loss,
            extra=self._extra_callbacks(),
        )
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            if resume:
                net = resume_net(
                    self.net_,
                    callbacks,
                    epochs=epochs,
                    lr=self.lr,
                    batch_size=self.batch_size,
                    verbose=int(self.verbose),
                    token_dropout=self.token_dropout,
                    shard=shard,
                )
            else:
                architecture = self._architecture(n_samples)
                net = self._build_net(architecture, device, callbacks, epochs, shard)
                net.initialize()
            if shard is not None:
                # The processes' own draws (dropout) from here on differ; the
                # batch order is shared by the shard.
                torch.manual_seed(seed + shard.rank)
            n_threads = self._n_threads(net.module_, len(train), self.batch_size)
            with limited_threads(n_threads):
                interrupt = run_epochs(
                    net, train, epochs, epochs_done, validate, type(self).__name__
                )
                check_finite_weights(net.module_)
                # Not for a chunk of partial_fit, which is no sample of the
                # data, nor under early stopping, which kept the weights and
                # statistics whose held-out score it reports, nor after Ctrl-C.
                if not incremental and not validate and interrupt is None:
                    try:
                        recompute_statistics(net, train, self._predict_batch_size)
                    except KeyboardInterrupt as exc:
                        # Training itself completed: keep it.
                        interrupt = exc
        return net, epochs_done, validate, interrupt

    def _build_net(self, architecture, device, callbacks, epochs, shard=None):
        """A new skorch net for the fitted encoding and input description.

        Used by a first fit and by ``load_model``, which passes the saved
        ``architecture`` (the convolutional branch's channels).
        """
        return build_net(
            self,
            module=self._module,
            module_params=self._module_params(architecture),
            criterion=self._criterion,
            criterion_params=self._criterion_params(),
            callbacks=callbacks,
            epochs=epochs,
            device=device,
            shard=shard,
        )

    def _n_threads(self, module, n_sequences, batch_size):
        """Intra-op threads for ``module`` on batches of ``n_sequences``."""
        work = step_work(module) * min(batch_size, n_sequences)
        return resolve_n_threads(self.n_threads, work)

    def _check_matches_fit(self, sequences, feature_names):
        check_input_matches_fit(
            type(self).__name__,
            sequences,
            feature_names,
            n_features=self.n_features_in_,
            fitted_names=getattr(self, "feature_names_in_", None),
            vocab_size=self.vocab_size_ if self.embedding_dim is not None else None,
        )

    def _draw_seed(self):
        if self.random_state is None:
            # Fresh OS entropy: unlike np.random's global generator, drawing it
            # leaves the caller's RNG state untouched.
            return int(np.random.SeedSequence().generate_state(1)[0])
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    # -- prediction -------------------------------------------------------------

    def _forward(self, X, *, return_lengths=False):
        """Network outputs for X, as float32 of shape (n_samples, n_outputs)
        (per step: (total_steps, n_outputs)), and the sequences' lengths
        with ``return_lengths``."""
        check_is_fitted(self, "net_")
        sequences = check_sequences(
            X, token_mode=self.embedding_dim is not None, n_features=self.n_features_in_
        )
        self._check_matches_fit(sequences, read_feature_names(X))
        n_threads = self._n_threads(
            self.module_, len(sequences.lengths), self._predict_batch_size
        )
        with limited_threads(n_threads):
            outputs = self._network_outputs(self.net_, SequenceDataset(sequences))
        not_finite = np.flatnonzero(~np.isfinite(outputs).all(axis=1))
        if not_finite.size:
            warnings.warn(
                f"The network's outputs are not finite for {not_finite.size} "
                f"{self._output_rows}(s) (at index {not_finite[:10].tolist()}): "
                "their values "
                "are far outside the range of the training data. Their "
                "predictions are meaningless.",
                RuntimeWarning,
                stacklevel=3,
            )
        if return_lengths:
            return outputs, sequences.lengths
        return outputs

    @property
    def _predict_batch_size(self):
        # Prediction needs no gradients, so it can afford larger batches.
        return max(self.batch_size, _MIN_PREDICT_BATCH_SIZE)

    def _network_outputs(self, net, dataset):
        """Outputs of ``net`` for every sequence of ``dataset``, in its order."""
        return network_outputs(net, dataset, self._predict_batch_size)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
