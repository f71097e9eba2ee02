"""Repository-wide pytest setup, shared by tests/ and the doctests under src/."""

import importlib.util

import pytest
import torch
from _pytest.doctest import DoctestItem

# The test and doctest models are tiny: a second thread buys nothing, and on a
# loaded 2-core machine OpenMP threads fighting over cores made each fit ~100x
# slower.
torch.set_num_threads(1)

# Doctest name suffix -> the packages its example needs.
_EXTRAS = {
    "export_onnx": ("onnx", "onnxruntime"),
    "save_model": ("safetensors",),
    "load_model": ("safetensors",),
}


def pytest_collection_modifyitems(config, items):
    """Skip, not fail, the examples that need an optional package where it is
    not installed (scikit-learn's conftest gates its doctests the same way);
    the docstrings themselves stay untouched."""
    for item in items:
        if not isinstance(item, DoctestItem):
            continue
        for suffix, packages in _EXTRAS.items():
            missing = [p for p in packages if importlib.util.find_spec(p) is None]
            if item.name.endswith(suffix) and missing:
                item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)}"))
