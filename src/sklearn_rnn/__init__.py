"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

from ._classifier import RNNClassifier
from ._display import TrainingCurveDisplay
from ._module import RNNModule
from ._onnx import export_onnx
from ._regressor import RNNRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "RNNClassifier",
    "RNNModule",
    "RNNRegressor",
    "TrainingCurveDisplay",
    "__version__",
    "export_onnx",
]
