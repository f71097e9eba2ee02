"""RNNClassifier: sequence classification with a recurrent network."""

from numbers import Real

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseRNN
from ._compat import StrOptions, _check_partial_fit_first_call, _fit_context
from ._docstrings import ATTRIBUTES, INPUTS, PARAMETERS, fill_doc
from ._nn.deployment import ClassifierHead


@fill_doc(inputs=INPUTS, parameters=PARAMETERS, attributes=ATTRIBUTES)
class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier for sequences.

    A scikit-learn classifier whose model is a PyTorch recurrent network
    (:class:`RNNModule`) trained with cross-entropy through skorch. It works
    unchanged in ``Pipeline``, ``GridSearchCV``, ``cross_val_score``,
    ``clone`` and ``pickle``.

    %(inputs)s
    Parameters
    ----------
    %(parameters)s
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn's classifiers:
        a dict ``{label: weight}``, or "balanced" for weights inversely
        proportional to the class frequencies in y. They multiply
        ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``predict`` returns values from it and the columns of
        ``predict_proba`` follow its order.

    %(attributes)s
    See Also
    --------
    RNNRegressor : The same network for regression.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 12, size=40)]
    >>> y = np.array(["up" if x[:, 0].sum() > 0 else "down" for x in X])
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=5, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    """

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
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
        class_weight=None,
    ):
        super().__init__(
            cell_type=cell_type,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            pooling=pooling,
            embedding_dim=embedding_dim,
            vocab_size=vocab_size,
            conv_channels=conv_channels,
            conv_kernel_sizes=conv_kernel_sizes,
            instance_norm=instance_norm,
            optimizer=optimizer,
            lr=lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            device=device,
            random_state=random_state,
            verbose=verbose,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            clip_grad_norm=clip_grad_norm,
            lr_schedule=lr_schedule,
            callbacks=callbacks,
            token_dropout=token_dropout,
            n_threads=n_threads,
            distributed=distributed,
        )
        self.class_weight = class_weight

    @property
    def _loss(self):
        # Multilabel: one independent yes/no decision per label.
        return "binary_cross_entropy" if self._multilabel else "cross_entropy"

    def _class_weight(self, y):
        if self.class_weight is None:
            return 1.0
        if isinstance(self.class_weight, dict):
            for label, weight in self.class_weight.items():
                if not (
                    isinstance(weight, Real) and np.isfinite(weight) and weight >= 0
                ):
                    raise ValueError(
                        "class_weight values must be finite, non-negative "
                        f"numbers, as sample_weight's; got {weight!r} for class "
                        f"{label!r}."
                    )
        return compute_sample_weight(self.class_weight, y)

    @property
    def _stratify_validation(self):
        return not self._multilabel

    def _validation_score(self, outputs, dataset):
        target = dataset.target.numpy()
        predicted = (outputs > 0) if self._multilabel else outputs.argmax(axis=1)
        return accuracy_score(target, predicted, sample_weight=dataset.weight.numpy())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (strings, integers or booleans), or a multilabel
            indicator matrix of 0 and 1 (one column per label).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss (multiplied by
            ``class_weight``). A sequence of weight 0 has no influence.

        Returns
        -------
        self : RNNClassifier
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on (X, y), continuing from the current network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : array-like of shape (n_samples,)
            Class labels, all of them in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class the model will ever see. Required on the first call,
            since later batches may lack some classes; ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss.

        Returns
        -------
        self : RNNClassifier
            The classifier, trained one more epoch.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _start_partial_fit(self, classes):
        # scikit-learn's rule for partial_fit: classes on the first call (the
        # first batch may not hold every class), the same ones if given again.
        _check_partial_fit_first_call(self, classes)

    def _encode_target(
        self, y, *, reset, classes=None, sample_weight=None, lengths=None
    ):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] > 1:
            return self._encode_multilabel(y, reset=reset)
        y = column_or_1d(y, warn=True)
        try:
            check_classification_targets(y)
        except TypeError:
            raise _mixed_labels_error(y) from None
        if reset:
            self._multilabel = False
            encoder = _label_encoder(y if classes is None else classes)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"y, but y contains only one class: {encoder.classes_[0]!r}."
                )
            self.classes_ = encoder.classes_
        elif self._multilabel:
            raise ValueError(
                "y is 1-D, but the model was fitted on a multilabel indicator "
                f"matrix of {len(self.classes_)} labels."
            )
        try:
            unseen = np.setdiff1d(y, self.classes_)
        except TypeError:
            raise _mixed_labels_error(y) from None
        if unseen.size:
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unseen[:10].tolist()}."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _encode_multilabel(self, y, *, reset):
        if type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                "A 2-D y must be a multilabel indicator matrix of 0 and 1 (one "
                f"column per label); got y of type {type_of_target(y)!r}."
            )
        if reset:
            self._multilabel = True
            self.classes_ = np.arange(y.shape[1])
        elif not self._multilabel or y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y has {y.shape[1]} label columns, which does not match the "
                "fitted target."
            )
        return y.astype(np.float32)

    def _output_size(self):
        return len(self.classes_)

    def _onnx_head(self):
        if self._multilabel:
            return ClassifierHead(multilabel=True), ["label", "probabilities"], None
        # The graph looks the label up in classes_ after the argmax.
        head = ClassifierHead(multilabel=False)
        return head, ["label_index", "probabilities"], self.classes_

    def predict_proba(self, X):
        """Class probabilities of sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities; columns follow ``classes_`` and rows sum to 1. For
            a multilabel model, the probability of each label, independently.
        """
        logits = self._forward(X).astype(np.float64)
        if self._multilabel:
            return expit(logits)
        return softmax(logits, axis=1)

    def predict(self, X):
        """Predict the class of each sequence of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels taken from ``classes_``, or, for a multilabel model, the
            indicator matrix of the labels whose probability exceeds 0.5.
        """
        logits = self._forward(X)
        if self._multilabel:
            return (logits > 0).astype(np.int64)
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _label_encoder(labels):
    try:
        return LabelEncoder().fit(labels)
    except TypeError:
        # NumPy cannot sort labels that mix types (["a", 1], or None).
        raise _mixed_labels_error(labels) from None


def _mixed_labels_error(labels):
    types = sorted({type(label).__name__ for label in np.asarray(labels).ravel()})
    return TypeError(
        f"Class labels must be all strings or all numbers; y mixes {types}. Cast "
        "them to one type, e.g. y.astype(str)."
    )
