"""The only module that imports scikit-learn's private APIs.

Keeping them here means a scikit-learn release that moves them breaks one file.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = ["HasMethods", "Interval", "StrOptions", "_fit_context"]
