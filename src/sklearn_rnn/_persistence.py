"""Saving a fitted estimator without pickle, and loading it back safely.

A pickle runs whatever code its author put in it when it is loaded. The file
written here holds only numbers and text: the network's weights as
safetensors tensors, and, in the safetensors header, a JSON document of the
estimator's parameters, its fitted attributes and its training history.
Loading builds the estimator from our own classes and fills in those values;
nothing in the file is executed or imported.
"""

import json
import os
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from ._base import BaseRNN
from ._compat import validate_params
from ._net import OPTIMIZERS, resolve_device
from ._version import __version__

_FORMAT = "sklearn_rnn.v1"
# What the file holds apart (the network and its history) or rebuilds.
_NOT_SAVED = ("net_", "history_")
_SCALER_ATTRIBUTES = ("mean_", "var_", "scale_", "n_samples_seen_", "n_features_in_")


@validate_params(
    # The estimator is checked below, with a message naming what is saved.
    {"estimator": [object], "path": [str, os.PathLike]},
    prefer_skip_nested_validation=True,
)
def save_model(estimator, path):
    """Save a fitted RNNClassifier or RNNRegressor to a safetensors file.

    The file holds the network's weights, and in its header the estimator's
    parameters, fitted attributes and training history as JSON: no pickled
    Python object, so :func:`load_model` runs no code from it. Parameters
    that are Python objects rather than data (``callbacks``, a callable
    ``lr_schedule``, an optimizer class not named by a string, a
    ``RandomState``) are not saved; :func:`load_model` gives them their
    default values and says so. The optimizer's state (Adam's moments) is
    not saved either: a loaded model predicts exactly as the saved one, and
    training it further starts a fresh optimizer. Needs the ``safetensors``
    package (``pip install safetensors``).

    Parameters
    ----------
    estimator : RNNClassifier or RNNRegressor
        A fitted estimator.
    path : str or os.PathLike
        The file to write, conventionally ending in ``.safetensors``.

    See Also
    --------
    load_model : Load the estimator back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier, load_model, save_model
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 2))
    >>> clf = RNNClassifier(hidden_size=4, max_epochs=2).fit(X, [0, 1] * 10)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_model(clf, path)
    >>> loaded = load_model(path)
    >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    save_file, _ = _safetensors()
    if type(estimator) not in _estimators().values():
        raise TypeError(
            "save_model saves the estimators of sklearn_rnn "
            f"({sorted(_estimators())}); got {type(estimator).__name__}."
        )
    if not estimator._saveable:
        raise TypeError(
            f"save_model does not support {type(estimator).__name__} yet: its "
            "network is not an RNNModule. Pickle it (pickle.dump or joblib.dump) "
            "instead."
        )
    check_is_fitted(estimator, "net_")
    params, unsaved = _params_as_data(estimator)
    fitted, arrays = _fitted_as_data(estimator)
    tensors = {
        f"module.{name}": tensor.detach().to("cpu").contiguous()
        for name, tensor in estimator.module_.state_dict().items()
    }
    tensors.update({f"fitted.{name}": array for name, array in arrays.items()})
    header = {
        "format": _FORMAT,
        "sklearn_rnn_version": __version__,
        "estimator": type(estimator).__name__,
        "params": params,
        "unsaved_params": unsaved,
        "fitted": fitted,
        "conv_channels": estimator.module_.conv_channels,
        "history": _to_json(list(estimator.net_.history)),
    }
    save_file(tensors, str(path), metadata={"sklearn_rnn": json.dumps(header)})


@validate_params(
    {"path": [str, os.PathLike], "device": [str, torch.device, None]},
    prefer_skip_nested_validation=True,
)
def load_model(path, *, device=None):
    """Load an estimator written by :func:`save_model`, running no code from it.

    The file's header names one of our estimator classes and holds its
    parameters and fitted attributes as JSON; the weights are safetensors
    tensors. Nothing is unpickled, imported or executed, so a file from an
    untrusted source can hold wrong numbers but not code.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_model`.
    device : str, torch.device or None, default=None
        The device of the loaded model; None keeps the saved ``device``
        parameter ("auto" picks CUDA where available).

    Returns
    -------
    RNNClassifier or RNNRegressor
        The fitted estimator: same parameters (except those listed in the
        warning, if any), fitted attributes, history and predictions.

    Warns
    -----
    UserWarning
        If the file was written by another version of sklearn_rnn, or if some
        parameters could not be saved and now have their default values.

    See Also
    --------
    save_model : Write the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor, load_model, save_model
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 2))
    >>> reg = RNNRegressor(hidden_size=4, max_epochs=2).fit(X, X[:, -1, 0])
    >>> path = os.path.join(tempfile.mkdtemp(), "regressor.safetensors")
    >>> save_model(reg, path)
    >>> load_model(path, device="cpu").n_iter_
    2
    """
    _, safe_open = _safetensors()
    with safe_open(str(path), framework="pt") as file:
        metadata = file.metadata() or {}
        if "sklearn_rnn" not in metadata:
            raise ValueError(
                f"{path} is not a file written by sklearn_rnn.save_model (its "
                "header has no 'sklearn_rnn' entry)."
            )
        tensors = {name: file.get_tensor(name) for name in file.keys()}
    header = json.loads(metadata["sklearn_rnn"])
    estimators = _estimators()
    if header.get("format") != _FORMAT or header.get("estimator") not in estimators:
        raise ValueError(
            f"{path} holds format {header.get('format')!r} for "
            f"{header.get('estimator')!r}; this version of sklearn_rnn reads "
            f"{_FORMAT!r} for {sorted(estimators)}."
        )
    version = header["sklearn_rnn_version"]
    if version != __version__:
        warnings.warn(
            f"{path} was saved with sklearn_rnn {version} and is loaded under "
            f"{__version__}: check its predictions, or refit it.",
            UserWarning,
            stacklevel=2,
        )
    if header["unsaved_params"]:
        warnings.warn(
            f"These parameters were Python objects and were not saved; they "
            f"have their default values now: {header['unsaved_params']}. Set "
            "them with set_params before training further.",
            UserWarning,
            stacklevel=2,
        )
    # JSON has no tuples: the sequence parameters (conv_channels, ...) were
    # tuples or lists, and tuples compare equal to the defaults.
    params = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in header["params"].items()
    }
    estimator = estimators[header["estimator"]](**params)
    if device is not None:
        estimator.set_params(device=device)
    _restore_fitted(estimator, header["fitted"], tensors)
    net = estimator._build_net(
        _tuple_or_none(header["conv_channels"]),
        resolve_device(estimator.device),
        callbacks=[],
        epochs=1,
    )
    net.initialize()
    prefix = "module."
    net.module_.load_state_dict(
        {
            name[len(prefix) :]: tensor
            for name, tensor in tensors.items()
            if name.startswith(prefix)
        }
    )
    net.history = History(header["history"])
    estimator.net_ = net
    estimator.history_ = net.history
    return estimator


def _estimators():
    """The only classes a file may name: our public estimators, by name.

    Loading never imports anything else.
    """
    import sklearn_rnn  # the package's public names, once it is imported

    return {
        name: cls
        for name in sklearn_rnn.__all__
        if isinstance(cls := getattr(sklearn_rnn, name), type)
        and issubclass(cls, BaseRNN)
    }


def _safetensors():
    try:
        from safetensors.torch import safe_open, save_file
    except ImportError as exc:
        raise ImportError(
            "save_model and load_model need the safetensors package: pip "
            "install safetensors (or sklearn-rnn[safetensors])."
        ) from exc
    return save_file, safe_open


def _params_as_data(estimator):
    """The parameters that are plain data, and the names of the others."""
    params, unsaved = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "optimizer" and isinstance(value, type):
            names = [key for key, cls in OPTIMIZERS.items() if cls is value]
            value = names[0] if names else value
        if name == "device" and isinstance(value, torch.device):
            value = str(value)
        if name == "callbacks" and value == []:
            value = None
        try:
            params[name] = _to_json(value)
        except TypeError:
            unsaved.append(name)
    return params, unsaved


def _fitted_as_data(estimator):
    """Fitted attributes as JSON, with the numeric arrays apart as tensors."""
    fitted, arrays = {}, {}
    # Everything fit stored beside the parameters, public or not, without
    # naming any: what a pickle would carry, minus the net.
    params = estimator.get_params(deep=False)
    names = [name for name in vars(estimator) if name not in params]
    for name in names:
        if name in _NOT_SAVED:
            continue
        value = getattr(estimator, name)
        if isinstance(value, StandardScaler):
            fitted[name] = {
                "StandardScaler": {
                    "params": value.get_params(),
                    **{
                        key: _to_json(getattr(value, key)) for key in _SCALER_ATTRIBUTES
                    },
                }
            }
        elif isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                arrays[name] = torch.from_numpy(np.ascontiguousarray(value))
                fitted[name] = {"tensor": value.dtype.str}
            elif value.dtype.kind in "UO" and all(isinstance(v, str) for v in value):
                fitted[name] = {"strings": value.tolist(), "dtype": value.dtype.str}
            else:
                raise TypeError(
                    f"save_model cannot save {name} of dtype {value.dtype}: only "
                    "numbers and strings are data."
                )
        else:
            fitted[name] = _to_json(value)
    return fitted, arrays


def _restore_fitted(estimator, fitted, tensors):
    for name, value in fitted.items():
        if isinstance(value, dict) and "StandardScaler" in value:
            state = value["StandardScaler"]
            scaler = StandardScaler(**state["params"])
            for key in _SCALER_ATTRIBUTES:
                stored = state[key]
                setattr(
                    scaler,
                    key,
                    np.asarray(stored) if key != "n_features_in_" else stored,
                )
            value = scaler
        elif isinstance(value, dict) and "tensor" in value:
            value = tensors[f"fitted.{name}"].numpy().astype(value["tensor"])
        elif isinstance(value, dict) and "strings" in value:
            strings = value["strings"]
            value = np.array(strings, dtype=value["dtype"])
        setattr(estimator, name, value)


def _to_json(value):
    """``value`` as JSON-ready data; TypeError for what is not data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _to_json(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} is not data")


def _tuple_or_none(value):
    return None if value is None else tuple(value)
