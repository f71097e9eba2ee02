"""The public API is exactly what ``__all__`` exports."""

import inspect

import pytest

import sklearn_rnn
import sklearn_rnn.preprocessing

PACKAGES = [sklearn_rnn, sklearn_rnn.preprocessing]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_all_names_exist_once(package):
    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert hasattr(package, name), name


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_public_class_and_function_is_in_all(package):
    # A class or function of ours reachable without an underscore is public,
    # so it must be declared (and documented) as such.
    exported = set(package.__all__)
    for name, value in vars(package).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if getattr(value, "__module__", "").startswith("sklearn_rnn"):
            assert name in exported, f"{package.__name__}.{name} is not in __all__"


def test_private_modules_stay_private():
    # Every module of the package but the two packages is private.
    import pkgutil

    for info in pkgutil.walk_packages(sklearn_rnn.__path__, "sklearn_rnn."):
        leaf = info.name.rsplit(".", 1)[-1]
        parent = info.name.rsplit(".", 1)[0]
        if info.name == "sklearn_rnn.preprocessing" or parent.rsplit(".", 1)[
            -1
        ].startswith("_"):
            continue
        assert leaf.startswith("_"), f"{info.name} is a public module"
