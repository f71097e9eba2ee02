"""The package version, and recording it in pickles.

In a module of its own so that the build reads the version without importing
torch.
"""

import warnings

__version__ = "0.1.0.dev0"


class VersionedPickleMixin:
    """Record the sklearn_rnn version in pickles; warn when loading another.

    scikit-learn does the same for its own version (``_sklearn_version``).
    """

    def __getstate__(self):
        state = super().__getstate__()
        state["_sklearn_rnn_version"] = __version__
        return state

    def __setstate__(self, state):
        version = state.pop("_sklearn_rnn_version", "unknown")
        if version != __version__:
            warnings.warn(
                f"Unpickling {type(self).__name__} saved with sklearn_rnn "
                f"{version} under sklearn_rnn {__version__}: the fitted network "
                "may not load or predict as it did. Refit it, or load it under "
                f"sklearn_rnn {version}.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
