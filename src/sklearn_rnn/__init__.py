"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

from ._callbacks import StopTraining
from ._classifier import RNNClassifier
from ._display import TrainingCurveDisplay
from ._language_model import RNNLanguageModel
from ._nn.module import RNNModule
from ._onnx import export_onnx
from ._persistence import load_model, save_model
from ._regressor import RNNRegressor
from ._seq2seq import RNNSeq2Seq
from ._tagger import RNNTagger
from ._version import __version__

__all__ = [
    "RNNClassifier",
    "RNNLanguageModel",
    "RNNModule",
    "RNNRegressor",
    "RNNSeq2Seq",
    "RNNTagger",
    "StopTraining",
    "TrainingCurveDisplay",
    "__version__",
    "export_onnx",
    "load_model",
    "save_model",
]
