"""
Quickstart: an RNN in a scikit-learn pipeline with a grid search
================================================================

The 8x8 digit images that ship with scikit-learn, read row by row: each image
is a sequence of 8 time steps with 8 features. A ``Pipeline`` scales the
pixels, turns each flat row of 64 pixels into such a sequence and feeds an
``RNNClassifier``; ``GridSearchCV`` picks the recurrent cell and its size.

Run it with ``python examples/quickstart.py``; it takes well under a minute on
two CPU cores.
"""

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sklearn_rnn import RNNClassifier


def images_to_rows(X):
    """(n_samples, 64) pixels -> (n_samples, 8 rows = time steps, 8 pixels)."""
    return X.reshape(len(X), 8, 8)


def main():
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    pipeline = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("rows", FunctionTransformer(images_to_rows)),
            ("rnn", RNNClassifier(max_epochs=15, lr=3e-3, random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipeline,
        {"rnn__cell_type": ["lstm", "gru"], "rnn__hidden_size": [32, 64]},
        cv=3,
    )
    search.fit(X_train, y_train)
    print(f"best parameters: {search.best_params_}")
    print(f"cross-validated accuracy: {search.best_score_:.3f}")
    print(f"test accuracy: {search.score(X_test, y_test):.3f}")
    print(f"elapsed: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
