"""The README's Python examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0])
def test_readme_example_runs(block):
    exec(compile(block, str(README), "exec"), {})


def test_readme_names_every_parameter():
    from sklearn_rnn import RNNClassifier, RNNRegressor

    text = README.read_text()
    params = set(RNNClassifier().get_params()) | set(RNNRegressor().get_params())
    missing = sorted(name for name in params if f"`{name}`" not in text)
    assert not missing, f"README's parameter list lacks {missing}"
