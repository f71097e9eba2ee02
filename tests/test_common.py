"""scikit-learn's compliance suite over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import RNNClassifier, RNNRegressor

# Fast settings: the checks fit hundreds of times on tiny data.
FAST = dict(hidden_size=16, max_epochs=30, batch_size=16, lr=0.01, random_state=0)

# Each reason is tied to sequence semantics: a 2-D array is (n_samples,
# n_timesteps), so its second axis counts time steps, which may change between
# fit and predict, and n_features_in_ counts features per time step.
SEQUENCE_EXPECTED_FAILURES = {
    "check_n_features_in": (
        "n_features_in_ is the number of features per time step (1 for a 2-D "
        "array of univariate sequences), not X.shape[1], which counts time steps."
    ),
    "check_n_features_in_after_fitting": (
        "A 2-D array holds univariate sequences; predicting on sequences with a "
        "different number of time steps is supported, not an error."
    ),
}
CLASSIFIER_EXPECTED_FAILURES = {
    "check_classifiers_train": (
        "Calls predict(X.T) and expects an error, but X.T is a valid batch of "
        "univariate sequences of another length. The accuracy part of this "
        "check is covered by test_classifier.py::test_learns_blobs_like_the_check."
    ),
}


def expected_failed_checks(estimator):
    failures = dict(SEQUENCE_EXPECTED_FAILURES)
    if isinstance(estimator, RNNClassifier):
        failures.update(CLASSIFIER_EXPECTED_FAILURES)
    return failures


@parametrize_with_checks(
    [RNNClassifier(**FAST), RNNRegressor(**FAST)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
