"""RNNTagger: one label per time step of each sequence."""

from numbers import Integral

import numpy as np
import torch
from scipy.special import softmax
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRNN
from ._batching import _padded, step_outputs
from ._classifier import _label_encoder, _mixed_labels_error
from ._compat import Interval, StrOptions, _fit_context
from ._docstrings import ATTRIBUTES, PARAMETERS, fill_doc, select
from ._input import sequence_offsets
from ._input_checks import Sequences
from ._nn.crf import (
    CRFLoss,
    CRFPerStepModule,
    marginals,
    negative_log_likelihood,
    unflatten,
    viterbi,
)
from ._nn.deployment import StepClassifierHead
from ._nn.loss import StepWeightedLoss
from ._nn.per_step import PerStepModule
from ._params import RNNParameters
from ._threads import limited_threads

_PARAMETERS = (
    "cell_type",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "dropout",
    "embedding_dim",
    "vocab_size",
    "optimizer",
    "lr",
    "weight_decay",
    "batch_size",
    "max_epochs",
    "device",
    "random_state",
    "verbose",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "warm_start",
    "clip_grad_norm",
    "lr_schedule",
    "callbacks",
    "token_dropout",
    "n_threads",
    "distributed",
)
_SHARED_DOC = {
    "network": select(PARAMETERS, *_PARAMETERS[:3]),
    # optimizer ... callbacks; token_dropout has its own default here.
    "training": select(PARAMETERS, *_PARAMETERS[7:23]),
    "machine": select(PARAMETERS, *_PARAMETERS[24:]),
}


@fill_doc(
    **_SHARED_DOC,
    attributes=select(
        ATTRIBUTES,
        "n_features_in_",
        "feature_names_in_",
        "vocab_size_",
        "net_",
        "n_iter_",
        "loss_curve_",
        "history_",
        "validation_scores_",
        "best_validation_score_",
    ),
)
class RNNTagger(BaseRNN):
    """Recurrent sequence tagger: one label for every time step.

    A scikit-learn estimator for sequence labelling (part-of-speech tags,
    named entities in BIO tags, per-step activity or anomaly labels): a
    bidirectional recurrent network reads each whole sequence and a linear
    layer scores the labels at every step, trained with cross-entropy over
    all real steps through skorch (or, with ``crf=True``, a linear-chain CRF
    on top, trained on the likelihood of whole label paths). It takes X in
    every form the other estimators take; y holds one label sequence per
    sequence of X, as long as the sequence without its padding (padding
    never gets a label).

    X can be any of: an array of shape (n_samples, n_timesteps, n_features);
    an array of shape (n_samples, n_timesteps) of univariate sequences; a
    list of arrays of shape (T_i, n_features) or (T_i,); a float array whose
    trailing all-NaN steps are padding. In token mode (``embedding_dim``
    set), a 2-D integer array with 0 as padding or a list of 1-D integer
    arrays, such as :class:`~sklearn_rnn.preprocessing.Tokenizer` makes from
    pre-tokenized sentences.

    Parameters
    ----------
    %(network)s
    bidirectional : bool, default=True
        Whether each sequence is also read backwards, so that a step's label
        depends on what follows it as well as on what precedes it ("bank" in
        "the bank of the river"); the backward direction starts at each
        sequence's own last step. Set False for labels that may only use the
        past, as in online labelling of a stream.

    dropout : float, default=0.25
        Dropout on the embeddings (token mode), between stacked layers and
        before the output layer: a tagger's word embeddings overfit the
        training words quickly. Numeric inputs are never dropped.

    embedding_dim : int or None, default=None
        None: X holds numeric sequences. An int switches to token mode: X
        holds integer token ids (0 is padding), embedded in vectors of this
        size.

    vocab_size : int or None, default=None
        Token mode only: number of token ids, padding id 0 included. None
        learns it from the training data as the largest id + 1; set it (to
        ``len(tokenizer.vocabulary_)``) when test data may hold ids the
        training data lacks.

    %(training)s
    token_dropout : float, default=0.1
        Token mode only: during training, this share of the token ids (all
        but padding 0 and the out-of-vocabulary id 1) is replaced by the
        out-of-vocabulary id 1 at random, anew in every batch, so that the
        network learns to tag unknown words from their context. Lower than
        the classifiers' 0.3: a tag depends on its own word far more than a
        document's class depends on any one word.

    %(machine)s
    char_embedding_dim : int, default=30
        Token mode with character ids only (X's steps hold a token id and the
        ids of its characters, as ``Tokenizer(max_word_length=...)`` makes
        them): the size of each character's embedding in the character
        encoder, a convolution over each token's characters max-pooled into
        one vector per token (Ma and Hovy, 2016), which is concatenated with
        the token's embedding. A word never seen in training still has its
        spelling (capitals, digits, suffixes), which decides most tags of
        unknown words. Without character ids in X there is no encoder.

    char_channels : int, default=30
        Token mode with character ids only: the convolution's filters, the
        size of the vector each token's spelling adds (30 and 30, with a
        window of 3 characters, as in Ma and Hovy, 2016).

    class_weight : dict, "balanced" or None, default=None
        Weights of the labels in the loss, as in scikit-learn's classifiers:
        a dict ``{label: weight}`` (1 for labels not in it), or "balanced"
        for weights inversely proportional to the label frequencies over all
        steps of the training data. Entity tags are rare next to "O": weights
        trade precision for recall. Not with ``crf=True`` (a ValueError):
        the CRF's loss is the log-likelihood of whole label paths, with no
        per-step terms to weight; ``sample_weight`` still weights sequences.

    crf : bool, default=False
        Whether a linear-chain conditional random field (Lample et al.,
        2016; Ma and Hovy, 2016) sits on top of the per-step label scores:
        it learns a score for every pair of consecutive labels (and for the
        first and the last label), the network is trained on the
        log-likelihood of each whole gold label path, and ``predict``
        returns the most likely label path of each sequence (Viterbi
        decoding) instead of the most likely label of each step on its own.
        Use it where labels constrain their neighbours, as BIO tags do ("I-X"
        follows only "B-X" or "I-X"): without it, each step's label is chosen
        alone and a path can break such rules. ``predict_proba`` then returns
        each step's marginal probabilities under the CRF (forward-backward).
        Costs: the network outputs ``n_classes ** 2`` scores per step, and
        ``export_onnx`` refuses the fitted tagger (Viterbi decoding is not in
        the graph).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels; ``predict`` returns values from it and the columns of
        each ``predict_proba`` array follow its order.

    %(attributes)s
    char_vocab_size_ : int or None
        Token mode with character ids: the size of the character embedding
        table; None without character ids.

    module_ : PerStepModule
        The fitted torch module (``net_.module_``), one output per step
        (with ``crf=True``, a ``CRFPerStepModule`` whose outputs are the
        CRF's flattened log-potentials and whose ``crf`` holds the learned
        transition scores).

    See Also
    --------
    RNNClassifier : One label per sequence.
    sklearn_rnn.preprocessing.Tokenizer : Token ids from pre-tokenized text.

    Notes
    -----
    Tagging accuracy on new text depends on unknown words. ``token_dropout``
    (the share of training tokens replaced by the unknown id during
    training) teaches the network to tag from context when a word is
    unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNTagger
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 12, size=40)]
    >>> y = [np.where(x[:, 0] > 0, "high", "low") for x in X]
    >>> tagger = RNNTagger(hidden_size=8, max_epochs=5, random_state=0)
    >>> tagger.fit(X, y).predict(X[:2])[0].shape == (len(X[0]),)
    True
    >>> tagger.classes_
    array(['high', 'low'], dtype='<U4')
    """

    _parameter_constraints: dict = {
        **{name: RNNParameters._parameter_constraints[name] for name in _PARAMETERS},
        "char_embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "char_channels": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "crf": ["boolean"],
    }

    def __init__(
        self,
        *,
        cell_type="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.25,
        embedding_dim=None,
        vocab_size=None,
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
        token_dropout=0.1,
        n_threads="auto",
        distributed=False,
        char_embedding_dim=30,
        char_channels=30,
        class_weight=None,
        crf=False,
    ):
        self.cell_type = cell_type
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dim = embedding_dim
        self.vocab_size = vocab_size
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
        self.char_embedding_dim = char_embedding_dim
        self.char_channels = char_channels
        self.class_weight = class_weight
        self.crf = crf

    # -- the network and its loss ----------------------------------------------

    _loss = "cross_entropy"
    _output_rows = "step"
    _reads_characters = True
    _saveable = False

    @property
    def _module(self):
        return CRFPerStepModule if self.crf else PerStepModule

    @property
    def _criterion(self):
        return CRFLoss if self.crf else StepWeightedLoss

    @property
    def _validation_loss(self):
        # Flat CRF potentials are no input of the training loss, which needs
        # each sequence whole.
        return self._crf_validation_loss if self.crf else None

    def _architecture(self, n_samples):
        return None

    def _module_params(self, architecture):
        token_mode = self.embedding_dim is not None
        return {
            "input_size": None if token_mode else self.n_features_in_,
            "output_size": self._output_size(),
            "cell_type": self.cell_type,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "embedding_dim": self.embedding_dim,
            "vocab_size": self.vocab_size_ if token_mode else None,
            "token_dropout": self.token_dropout,
            "char_vocab_size": self.char_vocab_size_,
            "char_embedding_dim": self.char_embedding_dim,
            "char_channels": self.char_channels,
        }

    def _criterion_params(self):
        return {} if self.crf else {"class_weight": self._label_weights}

    def _output_size(self):
        return len(self.classes_)

    def _network_outputs(self, net, dataset):
        return step_outputs(net, dataset, self._predict_batch_size)

    def _validation_score(self, outputs, dataset):
        target = dataset.loss_target()
        if self.crf:
            predicted = _crf_decode(outputs, dataset.lengths.numpy(), viterbi)
        else:
            predicted = outputs.argmax(axis=1)
        return accuracy_score(
            target["target"].numpy(),
            predicted,
            sample_weight=target["weight"].numpy(),
        )

    def _crf_validation_loss(self, net, outputs, dataset):
        """The CRF's training loss on the flat potentials of ``dataset``."""
        target = dataset.target.numpy()
        lengths = dataset.lengths.numpy()
        weight = dataset.weight.numpy().astype(np.float64)
        nll = _crf_decode(outputs, lengths, negative_log_likelihood, target=target)
        steps = (lengths * weight).sum()
        return float((nll * weight).sum() / max(steps, 1e-12))

    def _onnx_head(self):
        if self.crf:
            raise NotImplementedError(
                "export_onnx does not support RNNTagger(crf=True): its predict "
                "runs Viterbi decoding, a loop over the steps with a trace "
                "back, which the exported graph does not include. Export a "
                "tagger fitted with crf=False."
            )
        # The graph looks each step's label up in classes_ after the argmax.
        return StepClassifierHead(), ["label_index", "probabilities"], self.classes_

    # -- the input and the target ----------------------------------------------

    def _prepare(self, X, y, sample_weight, *, resume, incremental, classes):
        prepared = super()._prepare(
            X,
            y,
            sample_weight,
            resume=resume,
            incremental=incremental,
            classes=classes,
        )
        if resume and isinstance(self.net_.module_, CRFPerStepModule) != self.crf:
            raise ValueError(
                f"crf={self.crf} but the fitted network was built with "
                f"crf={not self.crf}: training it further cannot add or remove "
                "the CRF layer. Set warm_start=False to fit a new network."
            )
        if not resume:
            values = prepared[0].values
            has_characters = self.embedding_dim is not None and values.ndim == 2
            # The character table's size, learned as vocab_size_ is (the
            # Tokenizer maps characters unseen in fit to id 1).
            self.char_vocab_size_ = (
                max(int(values[:, 1:].max()) + 1, 2) if has_characters else None
            )
        return prepared

    def _check_matches_fit(self, sequences, feature_names):
        super()._check_matches_fit(sequences, feature_names)
        if self.char_vocab_size_ is not None and sequences.values.size:
            largest = int(sequences.values[:, 1:].max())
            if largest >= self.char_vocab_size_:
                raise ValueError(
                    f"Character id {largest} is out of range: the tagger was "
                    f"fitted with {self.char_vocab_size_} character ids (0 to "
                    f"{self.char_vocab_size_ - 1}). Use the Tokenizer of fit, "
                    "which maps unseen characters to id 1."
                )

    # -- the target --------------------------------------------------------------

    def _encode_target(
        self, y, *, reset, classes=None, sample_weight=None, lengths=None
    ):
        labels = _flat_labels(y, lengths)
        try:
            check_classification_targets(labels)
        except TypeError:
            raise _mixed_labels_error(labels) from None
        if reset:
            encoder = _label_encoder(labels if classes is None else classes)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 different labels in "
                    f"y, but y holds only {encoder.classes_[0]!r}."
                )
            self.classes_ = encoder.classes_
            self._label_weights = self._weights_of_labels(labels)
        try:
            unseen = np.setdiff1d(labels, self.classes_)
        except TypeError:
            raise _mixed_labels_error(labels) from None
        if unseen.size:
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unseen[:10].tolist()}."
            )
        encoded = np.searchsorted(self.classes_, labels).astype(np.int64)
        return Sequences(encoded, np.asarray(lengths, dtype=np.int64))

    def _weights_of_labels(self, labels):
        """``class_weight`` as one weight per entry of ``classes_``, or None."""
        if self.class_weight is None:
            return None
        if self.crf:
            raise ValueError(
                "class_weight cannot be used with crf=True: the CRF's loss is "
                "the log-likelihood of each whole label path, which has no "
                "per-step terms to weight by label. Weight whole sequences "
                "with sample_weight instead, or set crf=False."
            )
        try:
            weights = compute_class_weight(
                self.class_weight, classes=self.classes_, y=labels
            )
        except ValueError as exc:
            raise ValueError(f"Invalid class_weight: {exc}") from None
        if not (np.isfinite(weights).all() and (weights >= 0).all()):
            raise ValueError(
                "class_weight values must be finite, non-negative numbers; got "
                f"{self.class_weight!r}."
            )
        return weights.astype(np.float32).tolist()

    # -- fit and predict ----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and their label sequences y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : list of array-like of shape (T_i,)
            One label sequence per sequence of X, as long as that sequence
            without padding. Labels are strings or integers.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence: every step of a sequence
            counts with its weight in the loss (with ``crf=True``, the
            sequence's negative log-likelihood counts with its weight).

        Returns
        -------
        self : RNNTagger
            The fitted tagger.
        """
        return self._fit(X, y, sample_weight)

    def predict_proba(self, X):
        """Label probabilities at every step of each sequence of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.

        Returns
        -------
        proba : ndarray of shape (n_samples,), dtype object
            One float array of shape (T_i, n_classes) per sequence; columns
            follow ``classes_`` and rows sum to 1. With ``crf=True``, the
            marginal probability of each label at each step given the whole
            sequence; its argmax at each step may differ from ``predict``,
            which returns the best path as a whole.
        """
        outputs, lengths = self._forward(X, return_lengths=True)
        if self.crf:
            # Decoding is small operations step by step, which more threads
            # do not speed up: the threads an n_threads="auto" of one
            # sequence's work gets (1), or n_threads as set.
            with limited_threads(self._n_threads(self.module_, len(lengths), 1)):
                proba = _crf_decode(outputs, lengths, marginals)
            return _split(proba.astype(np.float64), lengths)
        return _split(softmax(outputs.astype(np.float64), axis=1), lengths)

    def predict(self, X):
        """The label of every step of each sequence of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype object
            One array of shape (T_i,) of labels from ``classes_`` per
            sequence, T_i being its length without padding. With
            ``crf=True``, the most likely label path of each sequence.
        """
        outputs, lengths = self._forward(X, return_lengths=True)
        if self.crf:
            # As in predict_proba.
            with limited_threads(self._n_threads(self.module_, len(lengths), 1)):
                index = _crf_decode(outputs, lengths, viterbi)
        else:
            index = outputs.argmax(axis=1)
        return _split(self.classes_[index], lengths)

    def score(self, X, y, sample_weight=None):
        """Accuracy over all steps: the share of steps labelled correctly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.
        y : list of array-like of shape (T_i,)
            The true label sequences.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, given to each of its steps.

        Returns
        -------
        score : float
            Accuracy over the steps of all sequences (long sequences count by
            their number of steps).
        """
        check_is_fitted(self, "net_")
        y_pred = self.predict(X)
        lengths = np.fromiter(map(len, y_pred), dtype=np.int64, count=len(y_pred))
        y_true = _flat_labels(y, lengths)
        weight = None
        if sample_weight is not None:
            weight = np.repeat(np.asarray(sample_weight, dtype=np.float64), lengths)
        y_pred = np.concatenate(list(y_pred)) if len(y_pred) else y_true[:0]
        return float(accuracy_score(y_true, y_pred, sample_weight=weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
        return tags


def _flat_labels(y, lengths):
    """The label sequences of y, checked against X's ``lengths``, end to end."""
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(
            "y must be a list of label sequences, one per sequence of X; got "
            f"{type(y).__name__}."
        )
    if len(y) != len(lengths):
        raise ValueError(
            f"X has {len(lengths)} sequences but y has {len(y)} label sequences."
        )
    pieces = []
    for i, (labels, length) in enumerate(zip(y, lengths, strict=True)):
        if isinstance(labels, (str, bytes)):
            raise TypeError(
                f"Label sequence {i} is a string ({labels[:20]!r}); expected a "
                "list of labels, one per step, e.g. ['DET', 'NOUN']."
            )
        labels = _label_array(labels)
        if labels.ndim != 1:
            raise ValueError(
                f"Label sequence {i} has shape {labels.shape}; expected one "
                "label per step, a 1-D sequence."
            )
        if len(labels) != length:
            raise ValueError(
                f"Label sequence {i} has {len(labels)} labels, but sequence {i} "
                f"of X has {length} steps without its padding. Give one label "
                "per real step; padding (trailing NaN steps, or id 0 in token "
                "mode) gets none."
            )
        pieces.append(labels)
    if not pieces:
        return np.empty(0)
    return _concatenate_labels(pieces)


def _concatenate_labels(pieces):
    """Label arrays end to end; arrays of different kinds (but all integers)
    as objects, so that NumPy does not turn numbers into strings."""
    kinds = {piece.dtype.kind for piece in pieces if piece.size}
    if len(kinds) > 1 and not kinds <= set("iu"):
        pieces = [piece.astype(object) for piece in pieces]
    return np.concatenate(pieces)


def _label_array(labels):
    """``labels`` as an array, refusing a list that mixes strings and numbers
    (NumPy would turn its numbers into strings)."""
    if isinstance(labels, np.ndarray):
        return labels
    objects = np.asarray(labels, dtype=object)
    if objects.ndim == 1 and objects.size:
        is_text = [isinstance(label, (str, bytes)) for label in objects]
        if any(is_text) and not all(is_text):
            raise _mixed_labels_error(objects)
    return np.asarray(labels)


# Sequences decoded at once by _crf_decode: bounds the padded potentials'
# memory, (sequences, longest, n_labels ** 2) floats.
_DECODE_BATCH = 256


def _crf_decode(flat, lengths, decode, *, target=None):
    """``decode(potentials, mask)`` of flat CRF log-potentials.

    ``flat`` holds every valid step's flattened log-potentials end to end
    (``_forward``'s outputs); sequences are padded back in batches of
    similar length. ``viterbi`` and ``marginals`` give one row per valid
    step, returned end to end. With ``target`` (the labels of every valid
    step, end to end), ``decode(potentials, mask, tags)`` gives one value
    per sequence (its negative log-likelihood), returned in sequence order.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = sequence_offsets(lengths)
    flat = torch.from_numpy(flat)
    result = None
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), _DECODE_BATCH):
        index = order[start : start + _DECODE_BATCH]
        # A batch of empty sequences runs on one padding step, which every
        # decoding masks out, so that the result has its shape.
        width = max(int(lengths[index].max()), 1)
        valid = torch.from_numpy(np.arange(width) < lengths[index, None])
        positions = torch.from_numpy(offsets[index, None] + np.arange(width))
        potentials = unflatten(_padded(flat, positions, valid, fill=0.0).double())
        with torch.no_grad():
            if target is None:
                out = decode(potentials, valid)[valid].numpy()
            else:
                tags = _padded(torch.from_numpy(target), positions, valid, fill=0)
                out = decode(potentials, valid, tags).numpy()
        if result is None:
            rows = len(flat) if target is None else len(lengths)
            result = np.zeros((rows, *out.shape[1:]), dtype=out.dtype)
        result[positions[valid].numpy() if target is None else index] = out
    return result


def _split(flat, lengths):
    """Rows of ``flat`` (steps end to end) as one array per sequence."""
    starts = sequence_offsets(lengths)
    out = np.empty(len(lengths), dtype=object)
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        out[i] = flat[start : start + length]
    return out
