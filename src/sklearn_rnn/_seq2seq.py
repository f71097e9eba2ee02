"""RNNSeq2Seq: an encoder-decoder with attention, one target sequence per source."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRNN
from ._batching import SequenceDataset, sorted_batches
from ._classifier import _mixed_labels_error
from ._compat import HasMethods, Interval, StrOptions, _fit_context
from ._docstrings import ATTRIBUTES, PARAMETERS, fill_doc, select
from ._input import sequence_offsets
from ._input_checks import DecoderTargets, check_sequences, read_feature_names
from ._language_model import Perplexity, mean_log_likelihood, sequence_log_likelihoods
from ._nn.decoding import beam_search, greedy_decode
from ._nn.loss import StepWeightedLoss
from ._nn.seq2seq import ATTENTION_SCORES, Seq2SeqModule
from ._params import RNNParameters
from ._tagger import _concatenate_labels, _label_array
from ._threads import limited_threads

_PARAMETERS = (
    "cell_type",
    "num_layers",
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
    "n_threads",
    "distributed",
    "hidden_size",
    "bidirectional",
    "dropout",
)


@fill_doc(
    network=select(PARAMETERS, "cell_type"),
    layers=select(PARAMETERS, "num_layers"),
    tokens=select(PARAMETERS, "embedding_dim", "vocab_size"),
    training=select(PARAMETERS, *_PARAMETERS[4:12]),
    stopping=select(PARAMETERS, *_PARAMETERS[13:17]),
    machine=select(PARAMETERS, "lr_schedule", "callbacks", "n_threads", "distributed"),
    attributes=select(
        ATTRIBUTES,
        "n_features_in_",
        "feature_names_in_",
        "vocab_size_",
        "net_",
        "n_iter_",
        "history_",
        "best_validation_score_",
    ),
)
class RNNSeq2Seq(BaseRNN):
    """Recurrent encoder-decoder with attention: a target sequence for each source.

    A scikit-learn estimator for sequence-to-sequence tasks (translation,
    transliteration, normalizing dates, numbers or addresses, spelling
    correction), where source and target differ in length. A recurrent
    encoder reads the source; a recurrent decoder, started from the mean of
    the encoder's outputs, writes the target one token at a time, attending
    at every step over the source steps (Luong et al., 2015; padding never
    gets attention). It is trained with teacher forcing and the same
    batching, masking and training loop as the other estimators, and
    decodes greedily or with beam search.

    X holds the sources in every form the other estimators take: numeric
    sequences (3-D arrays, ragged lists, NaN-padded arrays) or, with
    ``embedding_dim`` set, token ids such as
    :class:`~sklearn_rnn.preprocessing.Tokenizer` makes. y holds one target
    sequence per source: a list of tokens (strings or integers; the target
    vocabulary ``target_tokens_`` is learned from them), or, with a
    ``target_tokenizer``, one text per source, which it tokenizes (as
    :class:`~sklearn.compose.TransformedTargetRegressor` transforms its
    target); ``predict`` then returns texts. Begin and end markers are
    added internally.

    Parameters
    ----------
    %(network)s
    hidden_size : int, default=128
        Hidden units of the decoder's layers and of each direction of the
        encoder's.

    %(layers)s
    bidirectional : bool, default=True
        Whether the encoder also reads each source backwards, so that every
        source step it attends to carries both sides of its context. The
        decoder always reads forwards.

    dropout : float, default=0.2
        Dropout on the embeddings, between stacked layers and before the
        output layer.

    token_dropout : float, default=0.0
        Token mode only: the share of source token ids that training replaces
        by the unknown id 1 (source word dropout). It trains the unknown
        word's embedding, which new text needs, and regularizes small
        corpora; 0.1 to 0.3 is usual there (Sennrich and Zhang, 2019).

    label_smoothing : float, default=0.0
        Training only: each target token's training target is a mixture of
        the token (weight ``1 - label_smoothing``) and the uniform
        distribution over the target vocabulary, as in torch's
        ``cross_entropy``. It keeps the decoder from growing overconfident
        on small corpora (0.1 to 0.2 is usual). ``loss_curve_`` is then the
        smoothed loss and the log shows no training perplexity; held-out
        scores (``validation_scores_``, ``log_likelihood``) are unsmoothed.

    %(tokens)s
    target_embedding_dim : int, default=64
        Size of the target token embeddings that the decoder reads.

    attention : {"general", "additive"}, default="general"
        The attention score of a decoder state ``h`` and an encoder output
        ``m``: ``h^T W m`` (Luong's "general") or ``v^T tanh(W_1 h + W_2 m)``
        (Bahdanau's additive score).

    beam_width : int, default=1
        Hypotheses kept at each decoding step of ``predict``: 1 is greedy
        decoding (the most likely token at each step); larger widths search
        more and cost several times the time: the decoder runs on
        ``beam_width`` rows per source, and a source is done only once that
        many hypotheses have ended (in the Greek-English benchmark's runs 4
        and 5, a beam of 5 took 4 to 9 times as long as greedy decoding).

    length_penalty : float, default=0.0
        Beam search only: the winning hypothesis has the highest
        log-probability divided by ``((5 + length) / 6) ** length_penalty``
        (Wu et al., 2016). 0 ranks by log-probability alone, which favours
        short outputs; 0.6 to 1 is usual for translation.

    max_output_length : int or None, default=None
        Most tokens ``predict`` writes per sequence (the end marker
        excluded); a sequence ends earlier when the decoder writes the end
        marker. None: twice the longest training target, at least 10
        (``max_output_length_``).

    target_tokenizer : transformer or None, default=None
        A :class:`~sklearn_rnn.preprocessing.Tokenizer` (or any transformer
        with ``fit``, ``transform`` to token ids and ``inverse_transform``
        back) for text targets: ``fit`` fits a clone on y, ``predict``
        returns texts. None: y holds token sequences.

    %(training)s
    early_stopping : bool, default=False
        If True, ``fit`` holds out ``validation_fraction`` of the pairs
        (drawn with ``random_state``), scores the held-out mean
        log-likelihood per target token after each epoch (teacher-forced,
        which is cheap; decoding is not run), stops when it has not improved
        by at least ``tol`` for ``n_iter_no_change`` epochs, and restores the
        weights of the best epoch.

    %(stopping)s
    clip_grad_norm : float or None, default=1.0
        Largest norm of the gradient of all weights, rescaled to it if
        larger. None switches it off.

    %(machine)s
    Attributes
    ----------
    target_tokens_ : ndarray of shape (n_target_tokens,)
        The target vocabulary, sorted: the tokens of y (with a
        ``target_tokenizer``, its token ids).

    target_tokenizer_ : transformer
        With a ``target_tokenizer``: the clone fitted on y.

    max_output_length_ : int
        The ``max_output_length`` that ``predict`` uses when none is set.

    loss_curve_ : list of float
        Mean negative log-likelihood per target token (natural log, the end
        marker counted) of each epoch; with ``label_smoothing``, the
        smoothed loss.

    validation_scores_ : list of float
        With ``early_stopping``: the held-out mean log-likelihood per target
        token after each epoch (teacher-forced: no decoding).

    %(attributes)s
    module_ : Seq2SeqModule
        The fitted torch module (``net_.module_``).

    See Also
    --------
    RNNTagger : One label per source step instead of a new sequence.
    RNNLanguageModel : Scores and generates sequences without a source.

    Notes
    -----
    ``score`` is exact-sequence accuracy. For translation, BLEU is the usual
    measure: ``sacrebleu.corpus_bleu(list(model.predict(X)), [references])``
    on texts; token-level measures are in the user guide.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNSeq2Seq
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.integers(1, 6, size=rng.integers(2, 6)) for _ in range(200)]
    >>> y = [x[::-1] for x in X]  # learn to reverse
    >>> model = RNNSeq2Seq(embedding_dim=8, hidden_size=32, lr=0.01,
    ...                    max_epochs=30, random_state=0).fit(X, y)
    >>> model.predict([[1, 2, 3]])[0]
    array([3, 2, 1])
    """

    _parameter_constraints: dict = {
        **{name: RNNParameters._parameter_constraints[name] for name in _PARAMETERS},
        "token_dropout": RNNParameters._parameter_constraints["token_dropout"],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "target_embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "attention": [StrOptions(set(ATTENTION_SCORES))],
        "beam_width": [Interval(Integral, 1, None, closed="left")],
        "length_penalty": [Interval(Real, 0, None, closed="left")],
        "max_output_length": [Interval(Integral, 1, None, closed="left"), None],
        "target_tokenizer": [
            HasMethods(["fit", "transform", "inverse_transform"]),
            None,
        ],
    }

    def __init__(
        self,
        *,
        cell_type="lstm",
        hidden_size=128,
        num_layers=1,
        bidirectional=True,
        dropout=0.2,
        token_dropout=0.0,
        label_smoothing=0.0,
        embedding_dim=None,
        vocab_size=None,
        target_embedding_dim=64,
        attention="general",
        beam_width=1,
        length_penalty=0.0,
        max_output_length=None,
        target_tokenizer=None,
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
        clip_grad_norm=1.0,
        lr_schedule="cosine",
        callbacks=None,
        n_threads="auto",
        distributed=False,
    ):
        self.cell_type = cell_type
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.token_dropout = token_dropout
        self.label_smoothing = label_smoothing
        self.embedding_dim = embedding_dim
        self.vocab_size = vocab_size
        self.target_embedding_dim = target_embedding_dim
        self.attention = attention
        self.beam_width = beam_width
        self.length_penalty = length_penalty
        self.max_output_length = max_output_length
        self.target_tokenizer = target_tokenizer
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
        self.n_threads = n_threads
        self.distributed = distributed

    _loss = "cross_entropy"
    _module = Seq2SeqModule
    _criterion = StepWeightedLoss
    _saveable = False

    # -- the network ----------------------------------------------------------------

    def _architecture(self, n_samples):
        return None

    def _module_params(self, architecture):
        token_mode = self.embedding_dim is not None
        return {
            "input_size": None if token_mode else self.n_features_in_,
            "target_vocab_size": len(self.target_tokens_) + 1,
            "cell_type": self.cell_type,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "embedding_dim": self.embedding_dim,
            "vocab_size": self.vocab_size_ if token_mode else None,
            "target_embedding_dim": self.target_embedding_dim,
            "attention": self.attention,
            "token_dropout": self.token_dropout,
        }

    def _criterion_params(self):
        return {"label_smoothing": self.label_smoothing}

    def _output_size(self):
        # Every target id (padding 0 is never a target) and the end marker.
        return len(self.target_tokens_) + 2

    def _extra_callbacks(self):
        return [("perplexity", Perplexity(train=self.label_smoothing == 0))]

    # -- the target -------------------------------------------------------------------

    def _encode_target(
        self, y, *, reset, classes=None, sample_weight=None, lengths=None
    ):
        """y as :class:`DecoderTargets`: target ids (1 ..), each sequence
        followed by the end marker."""
        if reset:
            self.__dict__.pop("target_tokenizer_", None)
            if self.target_tokenizer is not None:
                self.target_tokenizer_ = clone(self.target_tokenizer).fit(y)
        tokens, target_lengths = self._target_tokens(y)
        if reset:
            try:
                self.target_tokens_ = np.unique(tokens)
            except TypeError:
                raise _mixed_labels_error(tokens) from None
            if not len(self.target_tokens_):
                raise ValueError(
                    "y holds no target token at all: every target sequence is "
                    "empty, so there is nothing to learn."
                )
            self.max_output_length_ = max(10, 2 * int(target_lengths.max()))
        return self._decoder_targets(self._token_ids(tokens), target_lengths)

    def _decoder_targets(self, ids, lengths):
        """Target ids end to end, each sequence followed by the end marker."""
        end = len(self.target_tokens_) + 1
        ends = sequence_offsets(lengths) + lengths
        return DecoderTargets(np.insert(ids, ends, end), lengths + 1)

    def _target_tokens(self, y):
        """The target tokens of y end to end, and each sequence's length."""
        if hasattr(self, "target_tokenizer_"):
            y = _check_texts(y)
            ids = check_sequences(self.target_tokenizer_.transform(y), token_mode=True)
            if ids.values.ndim != 1:
                raise ValueError(
                    "target_tokenizer must give one token id per step; it gives "
                    f"{ids.n_features} (set no max_word_length)."
                )
            return ids.values, ids.lengths
        return _flat_target_tokens(y)

    def _token_ids(self, tokens):
        """Target ids (from 1) of ``tokens``; unknown tokens are an error."""
        try:
            unseen = np.setdiff1d(tokens, self.target_tokens_)
        except TypeError:
            raise _mixed_labels_error(tokens) from None
        if unseen.size:
            hint = ""
            if hasattr(self, "target_tokenizer_"):
                hint = (
                    " With a target_tokenizer these are its token ids; id 1 is "
                    "its unknown token, which fit learns only if the tokenizer "
                    "maps some training words to it (e.g. with min_freq=2)."
                )
            raise ValueError(
                f"y contains target tokens not seen in fit: {unseen[:10].tolist()}. "
                f"The model can only write tokens of target_tokens_.{hint}"
            )
        return np.searchsorted(self.target_tokens_, tokens).astype(np.int64) + 1

    def _target_dataset(self, X, y):
        """Sources and encoded targets for teacher-forced scoring."""
        sequences = self._check_sources(X)
        if len(y) != len(sequences.lengths):
            raise ValueError(
                f"X has {len(sequences.lengths)} sequences but y has {len(y)} "
                "target sequences; they must have the same length."
            )
        return SequenceDataset(sequences, self._encode_target(y, reset=False))

    # -- scoring held-out data -------------------------------------------------------

    def _network_outputs(self, net, dataset):
        """Per pair: (log-likelihood of the target, its tokens + end marker)."""
        # Training batches, not prediction's larger ones: teacher-forced
        # scoring holds the whole target vocabulary at every step of a batch.
        return sequence_log_likelihoods(net, dataset, self.batch_size)

    def _validation_score(self, outputs, dataset):
        return mean_log_likelihood(outputs, dataset)

    def _validation_loss(self, net, outputs, dataset):
        return -mean_log_likelihood(outputs, dataset)

    def _onnx_head(self):
        raise NotImplementedError(
            "export_onnx does not support RNNSeq2Seq: decoding is a loop around "
            "the network, not one graph (see 'Sequence outputs' in the user "
            "guide). Pickle the model instead."
        )

    # -- the public API ----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the encoder-decoder to source sequences X and target sequences y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Source sequences, in any form listed in the class docstring.
        y : list of array-like of shape (L_i,), or list of str
            One target sequence per source: tokens (strings or integers), of
            any length; with ``target_tokenizer``, one text per source.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each pair: every target token of a pair
            counts with its weight in the loss.

        Returns
        -------
        self : RNNSeq2Seq
            The fitted model.
        """
        return self._fit(X, y, sample_weight)

    def predict(self, X):
        """Decode a target sequence for each source of X.

        Greedy with ``beam_width=1``, beam search otherwise, up to
        ``max_output_length`` tokens. A source decodes the same alone or in
        a batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Source sequences, in any form listed in the class docstring.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype object
            One array of tokens from ``target_tokens_`` per source; with a
            ``target_tokenizer``, one text per source (its
            ``inverse_transform``).
        """
        decoded = self._decode(self._check_sources(X))
        if self.target_tokenizer is not None:
            texts = self.target_tokenizer_.inverse_transform(
                [self.target_tokens_[ids - 1] for ids in decoded]
            )
            return _object_array(texts)
        return _object_array([self.target_tokens_[ids - 1] for ids in decoded])

    def score(self, X, y, sample_weight=None):
        """Exact-sequence accuracy: the share of sources decoded exactly as y.

        With a ``target_tokenizer``, predictions and y are compared as token
        ids, after the tokenizer's normalization (e.g. lowercasing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Source sequences.
        y : list of array-like, or list of str
            The true target sequences (texts with ``target_tokenizer``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each pair.

        Returns
        -------
        score : float
            Weighted share of exact matches.
        """
        sources = self._check_sources(X)
        tokens, lengths = self._target_tokens(y)
        if len(lengths) != len(sources.lengths):
            raise ValueError(
                f"X has {len(sources.lengths)} sequences but y has {len(lengths)} "
                "target sequences; they must have the same length."
            )
        decoded = self._decode(sources)
        starts = sequence_offsets(lengths)
        predicted = [self.target_tokens_[ids - 1] for ids in decoded]
        correct = np.array(
            [
                np.array_equal(tokens[start : start + length], pred)
                for start, length, pred in zip(starts, lengths, predicted, strict=True)
            ],
            dtype=np.float64,
        )
        return float(np.average(correct, weights=sample_weight))

    def log_likelihood(self, X, y):
        """Log-probability of each target sequence of y given its source.

        Teacher-forced: the probability the model gives to writing exactly
        y (its end included), not to what it would decode.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Source sequences.
        y : list of array-like, or list of str
            Target sequences made of tokens of ``target_tokens_`` (texts with
            ``target_tokenizer``).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            Natural log of the probability of each target.
        """
        dataset = self._target_dataset(X, y)
        with limited_threads(self._threads_for(len(dataset))):
            return self._network_outputs(self.net_, dataset)[:, 0]

    def attention_weights(self, X, y=None):
        """Where the decoder looks: attention over source steps for each target step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Source sequences.
        y : list of array-like, list of str or None, default=None
            The target sequences to explain; None: the model's own
            predictions.

        Returns
        -------
        weights : list of ndarray
            For each pair, an array of shape (L_i + 1, T_i): a row per target
            token and one for the end marker, a column per source step
            (without padding); each row sums to 1 (0 for an empty source).
        """
        if y is None:
            # The decoded ids themselves: a tokenizer's round trip through
            # text need not give them back.
            sources = self._check_sources(X)
            decoded = self._decode(sources)
            lengths = np.fromiter(map(len, decoded), np.int64, count=len(decoded))
            ids = np.concatenate([np.zeros(0, np.int64), *decoded])
            dataset = SequenceDataset(sources, self._decoder_targets(ids, lengths))
        else:
            dataset = self._target_dataset(X, y)
        module, device = self.module_, self.net_.device
        result = [None] * len(dataset)
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad(), limited_threads(self._threads_for(len(dataset))):
                for index, (inputs, _) in sorted_batches(dataset, self.batch_size):
                    _, weights = module(
                        inputs["values"].to(device),
                        inputs["lengths"],
                        inputs["targets"].to(device),
                        return_attention=True,
                    )
                    weights = weights.cpu().numpy()
                    for row, i in enumerate(index.tolist()):
                        rows = int(dataset.target_lengths[i])
                        result[i] = weights[row, :rows, : int(dataset.lengths[i])]
        finally:
            module.train(was_training)
        return result

    # -- decoding -------------------------------------------------------------------

    def _check_sources(self, X):
        check_is_fitted(self, "net_")
        sequences = check_sequences(
            X, token_mode=self.embedding_dim is not None, n_features=self.n_features_in_
        )
        self._check_matches_fit(sequences, read_feature_names(X))
        return sequences

    def _decode(self, sources):
        """Target ids (from 1) decoded for each of the checked ``sources``
        (``_check_sources``), in their order."""
        dataset = SequenceDataset(sources)
        max_length = self.max_output_length or self.max_output_length_
        module, device = self.module_, self.net_.device
        batch_size = self._predict_batch_size
        decoded = [None] * len(dataset)
        was_training = module.training
        module.eval()
        try:
            with limited_threads(self._threads_for(len(dataset), batch_size)):
                for index, (inputs, _) in sorted_batches(dataset, batch_size):
                    values = inputs["values"].to(device)
                    if self.beam_width == 1:
                        tokens = greedy_decode(
                            module, values, inputs["lengths"], max_length
                        )
                    else:
                        tokens = beam_search(
                            module,
                            values,
                            inputs["lengths"],
                            max_length,
                            self.beam_width,
                            self.length_penalty,
                        )
                    for i, ids in zip(index.tolist(), tokens, strict=True):
                        decoded[i] = ids
        finally:
            module.train(was_training)
        return decoded

    def _threads_for(self, n_sequences, batch_size=None):
        batch_size = self.batch_size if batch_size is None else batch_size
        return self._n_threads(self.module_, n_sequences, batch_size)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
        return tags


def _flat_target_tokens(y):
    """The target sequences of y end to end (one array), and their lengths."""
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(
            "y must be a list of target sequences, one per source; got "
            f"{type(y).__name__}."
        )
    pieces = []
    for i, tokens in enumerate(y):
        if isinstance(tokens, (str, bytes)):
            raise TypeError(
                f"Target sequence {i} is a string ({tokens[:20]!r}); expected a "
                "list of tokens, e.g. ['the', 'cat'] or [4, 2]. For text "
                "targets, set target_tokenizer=Tokenizer(...)."
            )
        tokens = _label_array(tokens)
        if tokens.ndim != 1:
            raise ValueError(
                f"Target sequence {i} has shape {tokens.shape}; expected a 1-D "
                "sequence of tokens."
            )
        if tokens.size and tokens.dtype.kind not in "iuUSO":
            raise TypeError(
                f"Target sequence {i} holds {tokens.dtype} values; target tokens "
                "must be integers or strings."
            )
        pieces.append(tokens)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    if not pieces:
        return np.empty(0, dtype=np.int64), lengths
    return _concatenate_labels(pieces), lengths


def _check_texts(y):
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(
            "With a target_tokenizer, y must be a list of texts, one per source; "
            f"got {type(y).__name__}."
        )
    return y


def _object_array(items):
    """A 1-D object array of ``items`` (NumPy would stack equal-length arrays)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out
