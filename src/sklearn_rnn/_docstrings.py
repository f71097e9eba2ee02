"""Docstring text shared by the estimators, and the decorator that fills it in.

The estimators' docstrings are written out in their class bodies, with
``%(parameters)s``-style placeholders where the shared text goes (the
pattern of imbalanced-learn's ``Substitution``): ``help()``, IDEs that
import the class, numpydoc and Sphinx see the filled-in docstring, and the
shared parameters are described once.
"""

import re
import textwrap


def fill_doc(**fragments):
    """Class decorator: replace each ``%(name)s`` line of ``__doc__``.

    A placeholder stands alone on its line; the fragment takes the line's
    indentation, so the docstring stays indented as written (and as code
    formatters keep it).
    """

    def fill(match):
        indent, name = match.group(1), match.group(2)
        return textwrap.indent(textwrap.dedent(fragments[name]), indent).rstrip(" ")

    def decorate(obj):
        obj.__doc__ = re.sub(r"^([ \t]*)%\((\w+)\)s$", fill, obj.__doc__, flags=re.M)
        return obj

    return decorate


PARAMETERS = """\
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

    distributed : bool, default=False
        Train data-parallel across the processes of the initialized
        ``torch.distributed`` process group, one per GPU, as started by
        ``torchrun``: every process calls ``fit`` on the same data, trains on
        its share of each epoch's batches, and the gradients are averaged
        before every step, so all processes end with the same model.
        ``batch_size`` is per process. Without a process group, ``fit``
        raises a ValueError. Prediction is never distributed. See "Several
        GPUs" in the user guide.
"""

ATTRIBUTES = """\
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

INPUTS = """\
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


def _entries(section):
    """``{name: text}`` of a numpydoc section written as above."""
    parts = re.split(r"^(?=    \w+ : )", section, flags=re.M)
    return {part.split(" : ", 1)[0].strip(): part for part in parts if part.strip()}


def select(section, *names):
    """The entries ``names`` of a shared section, in that order.

    For the estimators that share only part of the parameters or attributes
    (the per-step estimators have no pooling or convolutional branch).
    """
    entries = _entries(section)
    # Entries apart by a blank line; the placeholder's own line break adds
    # the blank line after the last, as for the whole sections above.
    return "\n".join(entries[name].rstrip("\n") + "\n" for name in names)
