"""RNNLanguageModel: next-token prediction that scores and generates sequences."""

import math

import numpy as np
import torch
from sklearn.base import DensityMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from ._base import BaseRNN
from ._batching import SequenceDataset, sorted_batches
from ._compat import _check_sample_weight, _fit_context
from ._docstrings import ATTRIBUTES, PARAMETERS, fill_doc, select
from ._input import sequence_offsets
from ._input_checks import Sequences, check_sequences
from ._net import learned_vocab_size
from ._nn.loss import StepWeightedLoss
from ._nn.per_step import PerStepModule
from ._params import RNNParameters
from ._threads import limited_threads

_PARAMETERS = (
    "cell_type",
    "hidden_size",
    "num_layers",
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
    "n_threads",
    "distributed",
)


@fill_doc(
    network=select(PARAMETERS, "cell_type"),
    training=select(PARAMETERS, *_PARAMETERS[6:19]),
    machine=select(PARAMETERS, "lr_schedule", "callbacks", "n_threads", "distributed"),
    attributes=select(
        ATTRIBUTES, "net_", "n_iter_", "history_", "best_validation_score_"
    ),
)
class RNNLanguageModel(DensityMixin, BaseRNN):
    """Recurrent language model: scores token sequences and generates new ones.

    A scikit-learn density estimator over sequences of token ids, as
    :class:`~sklearn.neighbors.KernelDensity` is over vectors: a
    unidirectional recurrent network reads each sequence from a begin
    marker and predicts every next token and, after the last, an end marker
    (next-token prediction with teacher forcing over all steps, the same
    batching and masking as the other estimators). ``score_samples`` gives
    each sequence's log-likelihood, ``score`` the mean log-likelihood per
    token (so ``GridSearchCV`` picks by held-out likelihood), and ``sample``
    generates sequences step by step from the recurrent state.

    X is token ids: a 2-D integer array with 0 as padding, or a list of 1-D
    integer arrays, as :class:`~sklearn_rnn.preprocessing.Tokenizer` makes
    from text (words, or characters with ``analyzer="char"``). Id 1 is the
    Tokenizer's unknown token, a token like any other here.

    Parameters
    ----------
    %(network)s
    hidden_size : int, default=256
        Hidden units per layer: a language model's state carries everything
        it knows of the prefix, so it is larger than a classifier's.

    num_layers : int, default=1
        Stacked recurrent layers.

    dropout : float, default=0.2
        Dropout on the embeddings, between stacked layers and before the
        output layer: the regularizer that makes recurrent language models
        generalize (Zaremba et al., 2014).

    embedding_dim : int, default=128
        Size of the token embeddings.

    vocab_size : int or None, default=None
        Number of token ids, padding 0 included. None learns it from the
        training data as the largest id + 1; set it (to
        ``len(tokenizer.vocabulary_)``) when test data may hold ids the
        training data lacks.

    %(training)s
    clip_grad_norm : float or None, default=1.0
        Largest norm of the gradient of all weights, rescaled to it if
        larger: recurrent language models have exploding gradients on long
        sequences (Pascanu et al., 2013). None switches it off.

    %(machine)s
    Attributes
    ----------
    vocab_size_ : int
        The number of token ids the model knows (padding included); the
        begin marker is id ``vocab_size_`` inside the network, and the end
        marker its last output.

    n_features_in_ : int
        1: token ids.

    loss_curve_ : list of float
        Mean negative log-likelihood per token (natural log) of each epoch:
        the training perplexity is ``exp`` of it, which the verbose log also
        shows.

    validation_scores_ : list of float
        With ``early_stopping``: the held-out mean log-likelihood per token
        after each epoch.

    %(attributes)s
    module_ : PerStepModule
        The fitted torch module (``net_.module_``).

    See Also
    --------
    sklearn_rnn.preprocessing.Tokenizer : Token ids from text, and back.
    RNNTagger : One label per step instead of the next token.

    Notes
    -----
    The perplexity of held-out data is ``np.exp(-model.score(X))``: the
    exponential of the mean negative log-likelihood per token, end markers
    counted as tokens (as Penn Treebank figures count ``<eos>``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNLanguageModel
    >>> X = [np.array([2, 3, 4, 5]), np.array([2, 3, 4]), np.array([2, 3])] * 20
    >>> lm = RNNLanguageModel(hidden_size=16, embedding_dim=8, max_epochs=20,
    ...                       lr=0.01, random_state=0).fit(X)
    >>> bool(lm.score_samples([[2, 3, 4]])[0] > lm.score_samples([[4, 3, 2]])[0])
    True
    >>> lm.sample(2, prompt=[2], random_state=0)[0][:1]
    array([2])
    """

    _parameter_constraints: dict = {
        name: RNNParameters._parameter_constraints[name] for name in _PARAMETERS
    }
    _parameter_constraints["embedding_dim"] = [
        c for c in _parameter_constraints["embedding_dim"] if c is not None
    ]

    def __init__(
        self,
        *,
        cell_type="lstm",
        hidden_size=256,
        num_layers=1,
        dropout=0.2,
        embedding_dim=128,
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
        clip_grad_norm=1.0,
        lr_schedule="cosine",
        callbacks=None,
        n_threads="auto",
        distributed=False,
    ):
        self.cell_type = cell_type
        self.hidden_size = hidden_size
        self.num_layers = num_layers
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
        self.n_threads = n_threads
        self.distributed = distributed

    # Words are never dropped from a language model's input: the next-token
    # target would then have to be guessed from an unknown word.
    token_dropout = 0.0
    _loss = "cross_entropy"
    _module = PerStepModule
    _criterion = StepWeightedLoss
    _output_rows = "sequence"
    _saveable = False

    # -- the network -------------------------------------------------------------

    def _architecture(self, n_samples):
        return None

    def _module_params(self, architecture):
        return {
            "output_size": self._output_size(),
            "cell_type": self.cell_type,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": False,
            "dropout": self.dropout,
            "embedding_dim": self.embedding_dim,
            # The begin marker is the id after the vocabulary.
            "vocab_size": self.vocab_size_ + 1,
        }

    def _criterion_params(self):
        return {}

    def _output_size(self):
        # Every token id (padding 0 is never a target) and the end marker.
        return self.vocab_size_ + 1

    def _extra_callbacks(self):
        return [("perplexity", Perplexity())]

    @property
    def _predict_batch_size(self):
        # A batch's outputs span the whole vocabulary at every step.
        return self.batch_size

    # -- the data ------------------------------------------------------------------

    def _prepare(self, X, y, sample_weight, *, resume, incremental, classes):
        sequences = check_sequences(X, token_mode=True)
        if sequences.values.ndim == 2:
            raise ValueError(
                f"X holds {sequences.n_features} ids per step (a token id and "
                "character ids); RNNLanguageModel reads one token id per step."
            )
        if not sequences.lengths.any():
            raise ValueError(
                "X holds no token at all: every sequence is empty or all padding, "
                "so there is nothing to learn from."
            )
        if resume:
            self._check_matches_fit(sequences, None)
        weight = _check_sample_weight(
            sample_weight,
            sequences.lengths,
            dtype=np.float64,
            ensure_non_negative=True,
        )
        if weight.sum() <= 0:
            raise ValueError(
                "The sample weights sum to zero: there is nothing to learn from."
            )
        if not resume:
            self.n_features_in_ = 1
            max_id = int(sequences.values.max()) if sequences.values.size else 1
            self.vocab_size_ = learned_vocab_size(
                max_id, self.vocab_size, self.embedding_dim
            )
        inputs, targets = self._teacher_forcing(sequences)
        return inputs, targets, weight

    def _teacher_forcing(self, sequences):
        """Inputs (begin marker, then the tokens) and targets (the tokens,
        then the end marker), both one step longer than each sequence."""
        begin = end = self.vocab_size_
        starts = sequence_offsets(sequences.lengths)
        inputs = np.insert(sequences.values, starts, begin)
        targets = np.insert(sequences.values, starts + sequences.lengths, end)
        lengths = sequences.lengths + 1
        return Sequences(inputs, lengths), Sequences(targets, lengths)

    # -- scoring ---------------------------------------------------------------------

    def _network_outputs(self, net, dataset):
        """Per sequence: (log-likelihood, number of predicted tokens)."""
        return sequence_log_likelihoods(net, dataset, self._predict_batch_size)

    def _validation_score(self, outputs, dataset):
        return mean_log_likelihood(outputs, dataset)

    def _validation_loss(self, net, outputs, dataset):
        return -mean_log_likelihood(outputs, dataset)

    def _onnx_head(self):
        raise NotImplementedError(
            "export_onnx does not support RNNLanguageModel yet; pickle the model "
            "or use save_model."
        )

    def _encode_target(self, y, **kwargs):
        raise NotImplementedError  # _prepare builds the targets from X

    def _log_likelihoods(self, X):
        """(log-likelihood, predicted tokens) of each sequence of X."""
        check_is_fitted(self, "net_")
        sequences = check_sequences(X, token_mode=True)
        self._check_matches_fit(sequences, None)
        dataset = SequenceDataset(*self._teacher_forcing(sequences))
        with limited_threads(self._threads_for(len(dataset))):
            return self._network_outputs(self.net_, dataset)

    # -- the public API ----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the model to the token sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or list of arrays
            Token-id sequences; 0 is padding.
        y : None
            Ignored; present for the scikit-learn API.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence: each of its tokens counts
            with this weight in the loss.

        Returns
        -------
        self : RNNLanguageModel
            The fitted model.
        """
        return self._fit(X, None, sample_weight)

    def score_samples(self, X):
        """Log-likelihood of each sequence of X under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or list of arrays
            Token-id sequences; 0 is padding.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            Natural log of the probability of each whole sequence, its end
            included.
        """
        return self._log_likelihoods(X)[:, 0]

    def score(self, X, y=None):
        """Mean log-likelihood per token of X (end markers counted).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or list of arrays
            Token-id sequences; 0 is padding.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        score : float
            Mean log-likelihood per token, in nats; the perplexity is
            ``np.exp(-score)``.
        """
        outputs = self._log_likelihoods(X)
        return float(outputs[:, 0].sum() / outputs[:, 1].sum())

    def sample(
        self,
        n_samples=1,
        *,
        prompt=None,
        max_length=100,
        temperature=1.0,
        random_state=None,
    ):
        """Generate token sequences, one step at a time.

        Parameters
        ----------
        n_samples : int, default=1
            Number of sequences to generate.
        prompt : array-like of int or None, default=None
            Token ids every sequence starts with (for text,
            ``tokenizer.transform([text])[0]``); None starts from nothing.
        max_length : int, default=100
            Most tokens generated after the prompt; a sequence ends earlier
            when the model draws the end marker.
        temperature : float, default=1.0
            Divides the scores before the softmax: below 1 the model picks
            likely tokens more often (safer, more repetitive text), above 1
            less likely ones (more varied, more errors).
        random_state : int, RandomState instance or None, default=None
            Seeds the draws: the same int gives the same sequences.

        Returns
        -------
        sequences : list of ndarray of int
            ``n_samples`` id arrays: the prompt, then the generated tokens
            (without the end marker). ``tokenizer.inverse_transform`` turns
            them back into text.
        """
        check_is_fitted(self, "net_")
        prompt = _check_prompt(prompt, self.vocab_size_)
        _check_generation(n_samples, max_length, temperature)
        seed = int(check_random_state(random_state).randint(2**31 - 1))
        generator = torch.Generator().manual_seed(seed)
        with limited_threads(self._threads_for(n_samples)):
            generated = _generate(
                self.module_,
                self.net_.device,
                n_samples=n_samples,
                prompt=prompt,
                begin=self.vocab_size_,
                max_length=max_length,
                temperature=temperature,
                generator=generator,
            )
        return [np.concatenate([prompt, tokens]) for tokens in generated]

    def _threads_for(self, n_sequences):
        return self._n_threads(self.module_, n_sequences, self._predict_batch_size)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class Perplexity(Callback):
    """Record ``exp`` of the epoch's mean loss per token, for the log.

    ``train=False`` leaves out the training perplexity, for a training loss
    that is not the negative log-likelihood (label smoothing).
    """

    def __init__(self, train=True):
        self.train = train

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self.train:
            net.history.record(
                "train_perplexity", math.exp(min(row["train_loss"], 700))
            )
        if "valid_loss" in row:
            net.history.record(
                "valid_perplexity", math.exp(min(row["valid_loss"], 700))
            )


def sequence_log_likelihoods(net, dataset, batch_size):
    """Per sequence of ``dataset`` (with per-step targets): its log-likelihood
    and its number of predicted tokens, an array of shape (n, 2).

    Batch by batch: the full outputs (every step times the vocabulary) of a
    whole data set would not fit in memory.
    """
    result = np.zeros((len(dataset), 2))
    for index, (inputs, target) in sorted_batches(dataset, batch_size):
        logits = net.evaluation_step((inputs, target), training=False)
        log_probs = torch.log_softmax(logits.double(), dim=2)
        labels = target["target"].to(log_probs.device)
        valid = labels >= 0
        picked = log_probs.gather(2, labels.clamp(min=0).unsqueeze(2)).squeeze(2)
        result[index.numpy(), 0] = (picked * valid).sum(dim=1).cpu().numpy()
        result[index.numpy(), 1] = valid.sum(dim=1).cpu().numpy()
    return result


def mean_log_likelihood(outputs, dataset):
    """The weighted mean log-likelihood per predicted token of ``outputs``
    (``sequence_log_likelihoods`` of ``dataset``): the held-out score."""
    weight = dataset.weight.numpy()
    return float((outputs[:, 0] * weight).sum() / (outputs[:, 1] * weight).sum())


@torch.no_grad()
def _generate(
    module, device, *, n_samples, prompt, begin, max_length, temperature, generator
):
    """Sample ``n_samples`` continuations of ``prompt`` from the recurrent
    state, one token per step, until the end marker or ``max_length``."""
    was_training = module.training
    module.eval()
    try:
        start = np.concatenate([[begin], prompt]).astype(np.int64)
        state = None
        ids = torch.from_numpy(start).to(device).repeat(n_samples, 1)
        for t in range(ids.shape[1]):  # the prompt: no draws, just the state
            output, state = module.step(ids[:, t], state)
        end = output.shape[1] - 1
        tokens = np.zeros((n_samples, max_length), dtype=np.int64)
        ended = np.zeros(n_samples, dtype=bool)
        lengths = np.full(n_samples, max_length)
        for t in range(max_length):
            scores = output.double().cpu() / temperature
            scores[:, 0] = -math.inf  # padding is never a token
            drawn = torch.multinomial(
                torch.softmax(scores, dim=1), 1, generator=generator
            ).squeeze(1)
            drawn = drawn.numpy()
            newly_ended = (drawn == end) & ~ended
            lengths[newly_ended] = t
            ended |= newly_ended
            tokens[:, t] = drawn
            if ended.all():
                break
            output, state = module.step(torch.from_numpy(drawn).to(device), state)
    finally:
        module.train(was_training)
    return [tokens[i, : lengths[i]] for i in range(n_samples)]


def _check_prompt(prompt, vocab_size):
    if prompt is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(prompt, (str, bytes)):
        raise TypeError(
            "prompt must be token ids, e.g. tokenizer.transform([text])[0]; got "
            "a string."
        )
    ids = np.asarray(prompt)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError(
            "prompt must be a 1-D sequence of integer token ids; got an array of "
            f"shape {ids.shape} and dtype {ids.dtype}."
        )
    if ids.size and (ids.min() < 1 or ids.max() >= vocab_size):
        raise ValueError(
            f"prompt ids must be between 1 and {vocab_size - 1} (vocab_size_ "
            f"- 1; 0 is padding); got ids from {ids.min()} to {ids.max()}."
        )
    return ids.astype(np.int64)


def _check_generation(n_samples, max_length, temperature):
    for name, value in (("n_samples", n_samples), ("max_length", max_length)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int; got {value!r}.")
        if value < 1:
            raise ValueError(f"{name} must be at least 1; got {value}.")
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}.")
