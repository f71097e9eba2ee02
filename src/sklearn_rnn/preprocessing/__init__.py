"""Preprocessing for sequences: padding, tokenization, scaling, windowing, tables.

Each transformer is a scikit-learn transformer (keyword-only parameters, state
learned in ``fit``, picklable, clonable). Windowing and long-format conversion
change the number of samples and create targets, which a ``Pipeline`` step
cannot do, so they are functions applied before the pipeline.
"""

from ._padding import SequencePadder
from ._scaling import SequenceScaler
from ._tables import long_to_sequences
from ._text import Tokenizer
from ._windows import make_windows

__all__ = [
    "SequencePadder",
    "SequenceScaler",
    "Tokenizer",
    "long_to_sequences",
    "make_windows",
]
