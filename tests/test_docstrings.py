"""numpydoc validation of the public API: every object in __all__."""

import inspect

import pytest
from numpydoc.validate import validate

import sklearn_rnn
import sklearn_rnn.preprocessing

# Methods, like scikit-learn's, carry no extended summary, See Also or example
# of their own (the class has them), and name their return value ("self :").
METHOD_IGNORED = {"ES01", "SA01", "EX01", "RT02"}


def _public_objects():
    for module in (sklearn_rnn, sklearn_rnn.preprocessing):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj) and not inspect.isfunction(obj):
                continue
            yield f"{module.__name__}.{name}", set()
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{module.__name__}.{name}.{attr}", METHOD_IGNORED


@pytest.mark.parametrize("name, ignored", list(_public_objects()), ids=str)
def test_docstring_is_valid_numpydoc(name, ignored):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code not in ignored
    ]
    assert not errors, "\n".join(errors)
