"""RNNRegressor: sequence regression with a recurrent network."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import BaseRNN
from ._compat import _fit_context
from ._docstrings import ATTRIBUTES, INPUTS, PARAMETERS, fill_doc
from ._nn.deployment import RegressionHead


@fill_doc(inputs=INPUTS, parameters=PARAMETERS, attributes=ATTRIBUTES)
class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor for sequences.

    A scikit-learn regressor whose model is a PyTorch recurrent network
    (:class:`RNNModule`) trained with the mean squared error through skorch.
    Targets are standardized for training (like wrapping the model in
    ``TransformedTargetRegressor`` with a ``StandardScaler``) and mapped back at
    prediction, so the default learning rate suits targets of any scale.

    %(inputs)s
    Parameters
    ----------
    %(parameters)s
    Attributes
    ----------
    n_outputs_ : int
        Number of regression targets.

    target_scaler_ : sklearn.preprocessing.StandardScaler
        The standardization of the training targets; ``loss_curve_`` is in
        its standardized units.

    %(attributes)s
    See Also
    --------
    RNNClassifier : The same network for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 3))  # 40 sequences, 10 steps, 3 features
    >>> y = X[:, -1, 0] + 2.0
    >>> reg = RNNRegressor(hidden_size=8, max_epochs=5, random_state=0)
    >>> reg.fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _loss = "squared_error"
    # R² is undefined on a single sample.
    _min_validation_samples = 2

    def _validation_score(self, outputs, dataset):
        # R² is the same on the standardized scale the network works on.
        return r2_score(
            dataset.target.numpy(), outputs, sample_weight=dataset.weight.numpy()
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets. Predictions have the same number of dimensions.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss. A sequence of
            weight 0 has no influence.

        Returns
        -------
        self : RNNRegressor
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on (X, y), continuing from the current network.

        The target standardization is learned on the first call's y and kept
        for later calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Training sequences, in any form listed in the class docstring.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with the same number of outputs on every call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss.

        Returns
        -------
        self : RNNRegressor
            The regressor, trained one more epoch.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_target(
        self, y, *, reset, classes=None, sample_weight=None, lengths=None
    ):
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if reset:
            self._y_ndim = y.ndim
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            # Weighted, so that samples of weight 0 do not move the scaling.
            with np.errstate(over="ignore", invalid="ignore"):
                self.target_scaler_ = StandardScaler().fit(
                    y.reshape(len(y), -1), sample_weight=sample_weight
                )
            if not np.isfinite(self.target_scaler_.scale_).all():
                raise ValueError(
                    "y is too large to standardize: its variance overflows "
                    f"float64 (largest |y| is {np.abs(y).max():.3g}). Rescale y, "
                    "e.g. divide it by a power of 10."
                )
        y = y.reshape(len(y), -1)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return self.target_scaler_.transform(y).astype(np.float32)

    def _output_size(self):
        return self.n_outputs_

    def _onnx_head(self):
        scaler = self.target_scaler_
        head = RegressionHead(scaler.mean_, scaler.scale_, ravel=self._y_ndim == 1)
        return head, ["predictions"], None

    def predict(self, X):
        """Predict the target of each sequence of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
            Sequences, in any form listed in the class docstring.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, with as many dimensions as the training y.
        """
        check_is_fitted(self, "net_")
        output = self._forward(X).astype(np.float64)
        y_pred = self.target_scaler_.inverse_transform(output)
        return y_pred.ravel() if self._y_ndim == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
