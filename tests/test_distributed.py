"""Searches on real local Dask and Ray clusters, what travels to their workers.

Each backend starts once per module, as a user would start it: a Dask
``LocalCluster`` of 2 worker processes behind a ``Client``, used through
``joblib.parallel_backend("dask")``, and a local Ray instance of 2 CPUs through
``ray.util.joblib``. A search run there must give the results of the same
search run serially, and an estimator at ``verbose=0`` must print nothing in
the driver: Ray forwards a worker's output to the driver, prefixed with
``(PoolActor pid=...)``, and from the first forwarded line on replaces
``builtins.print`` in the driver (``ray.experimental.tqdm_ray``), which makes
skorch print its messages (early stopping, ``PrintLog``) whatever ``verbose``
says, for instance in a search's refit.

Everything that goes to a worker (estimators before and after ``fit``, ragged
data, user callbacks, fitted pipelines) and comes back is pickled, with
``pickle`` and with ``cloudpickle`` (which Dask and Ray use): both round trips
are checked here without a cluster.

Each test skips when the package it needs (``distributed``, ``ray``,
``dask_ml``, ``cloudpickle``) is absent.
"""

import builtins
import pickle
import re
import time

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, Tokenizer

BUILTIN_PRINT = builtins.print

TINY = {
    "hidden_size": 4,
    "conv_channels": None,
    "max_epochs": 2,
    "random_state": 0,
    "n_threads": 1,
}


class CountEpochs(Callback):
    """A user's callback: defined at module level, so that pickle finds it."""

    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def ragged_data(n=40):
    """``n`` sequences of 3 to 11 steps and 2 features, shifted by class."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = [rng.normal(loc=label - 0.5, size=(int(rng.integers(3, 12)), 2)) for label in y]
    return X, y


def texts(n=40):
    """``n`` short documents whose class is told by one cue word."""
    rng = np.random.default_rng(0)
    filler = ["the", "movie", "was", "plot", "and", "a", "film"]
    cues = {"pos": ["good", "great"], "neg": ["bad", "dull"]}
    docs, labels = [], []
    for i in range(n):
        label = "pos" if i % 2 else "neg"
        words = [str(w) for w in rng.choice(filler, size=int(rng.integers(2, 6)))]
        words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(cues[label])))
        docs.append(" ".join(words))
        labels.append(label)
    return docs, np.array(labels)


def numeric_search():
    X, y = ragged_data()
    pipeline = make_pipeline(SequenceScaler(), RNNClassifier(**TINY))
    grid = {
        "rnnclassifier__cell_type": ["lstm", "gru"],
        "rnnclassifier__lr": [1e-3, 3e-2],
    }
    return pipeline, grid, X, y


def padded_search():
    X, y = ragged_data()
    pipeline = make_pipeline(SequencePadder(), RNNClassifier(**TINY))
    grid = {"rnnclassifier__lr": [1e-3, 3e-2]}
    return pipeline, grid, X, y


def text_search():
    docs, labels = texts()
    pipeline = make_pipeline(Tokenizer(), RNNClassifier(embedding_dim=4, **TINY))
    grid = {"rnnclassifier__pooling": ["last", "max"], "rnnclassifier__lr": [3e-2]}
    return pipeline, grid, docs, labels


SEARCHES = {"scaler": numeric_search, "padder": padded_search, "text": text_search}


def run_search(name, backend=None):
    pipeline, grid, X, y = SEARCHES[name]()
    if backend is None:
        return GridSearchCV(pipeline, grid, cv=2, n_jobs=1).fit(X, y)
    with joblib.parallel_backend(backend):
        return GridSearchCV(pipeline, grid, cv=2, n_jobs=2).fit(X, y)


@pytest.fixture(scope="module")
def serial():
    """The searches run with ``n_jobs=1``, once, for both backends to match."""
    return {name: run_search(name) for name in SEARCHES}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    # processes=True spawns the workers: they import the package, torch and
    # this module afresh, as the workers of a remote cluster would.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def ray_backend():
    ray = pytest.importorskip("ray")
    ray_joblib = pytest.importorskip("ray.util.joblib")
    # Once it has forwarded a worker's output, Ray replaces builtins.print in
    # the driver (ray.experimental.tqdm_ray), for good: put it back after.
    original_print = builtins.print
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=True)
    ray_joblib.register_ray()
    try:
        yield ray
    finally:
        ray.shutdown()
        builtins.print = original_print


def assert_same_search(search, expected):
    assert search.best_params_ == expected.best_params_
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        expected.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-6,
    )


def test_serial_scores_tell_the_candidates_apart(serial):
    # Otherwise equal best_params_ would only say that the first one won.
    scores = serial["scaler"].cv_results_["mean_test_score"]
    assert len(set(scores.round(6))) > 1


# --- Dask ------------------------------------------------------------------


@pytest.mark.parametrize("name", SEARCHES)
def test_dask_search_matches_serial(dask_client, serial, name):
    search = run_search(name, backend="dask")
    assert_same_search(search, serial[name])
    # The refit ran in the driver: the best pipeline predicts here.
    X = SEARCHES[name]()[2]
    np.testing.assert_array_equal(search.predict(X[:5]), serial[name].predict(X[:5]))


def test_dask_workers_run_one_thread_each(dask_client):
    # Dask's nanny sets OMP_NUM_THREADS=1 in the worker processes, so
    # n_threads="auto" (at most torch.get_num_threads()) stays at 1 there.
    threads = dask_client.run(torch.get_num_threads)
    assert set(threads.values()) == {1}


def test_fitted_pipeline_with_a_user_callback_comes_back_from_a_dask_worker(
    dask_client,
):
    X, y = ragged_data()
    pipeline = make_pipeline(
        SequenceScaler(), RNNClassifier(callbacks=[CountEpochs()], **TINY)
    )
    remote = dask_client.submit(pipeline.fit, X, y, pure=False).result()
    local = pipeline.fit(X, y)
    assert remote is not local
    assert remote[-1].callbacks[0].epochs_ == TINY["max_epochs"]
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


# --- Ray -------------------------------------------------------------------


# Each joblib call under Ray starts a pool of actors, new processes that import
# torch: a few seconds each. The padder's search runs on Dask only.
@pytest.mark.parametrize("name", ["scaler", "text"])
def test_ray_search_matches_serial(ray_backend, serial, name):
    assert_same_search(run_search(name, backend="ray"), serial[name])


# A row of the epoch table as a worker prints it: "(PoolActor pid=123)   2  0.69..."
# (with colour codes around the prefix when the driver writes to a terminal).
EPOCH_ROW = re.compile(r"^(?:\S*\(\w+ pid=\d+[^)]*\)\S*)?\s+(\d+)\s+\d+\.\d+", re.M)


def wait_for(marker, capfd, timeout=30):
    """The driver's output until ``marker``, printed by a worker, has come."""
    output = ""
    deadline = time.monotonic() + timeout
    while marker not in output and time.monotonic() < deadline:
        time.sleep(0.25)
        out, err = capfd.readouterr()
        output += out + err
    assert marker in output, "Ray did not forward the workers' output"
    return output


def test_ray_prints_epoch_tables_at_verbose_1_only(ray_backend, capfd):
    capfd.readouterr()  # what earlier tests left
    # One search, two kinds of candidate: verbose=0 fits with early stopping,
    # whose table would have a valid_score column and end with skorch's
    # "Stopping since ..." message, and plain verbose=1 fits of 2 epochs, so
    # that a valid_score column, that message or a row "3" can only come from
    # a verbose=0 fit.
    pipeline, _, X, y = numeric_search()
    quiet = {"verbose": [0], "max_epochs": [3], "early_stopping": [True]}
    quiet |= {"n_iter_no_change": [1], "validation_fraction": [0.25]}
    loud = {"verbose": [1], "max_epochs": [2]}
    grid = [
        {f"rnnclassifier__{key}": value for key, value in kind.items()}
        for kind in (quiet, loud)
    ]
    # Ray forwards the workers' output to the driver asynchronously, in order:
    # a marker that workers print after the search shows that everything
    # printed before it has come through.
    marker = f"search-done-{time.monotonic_ns()}"
    with joblib.parallel_backend("ray"):
        GridSearchCV(pipeline, grid, cv=2, n_jobs=2, refit=False).fit(X, y)
        # The same pool tells the workers' torch threads: Ray sets
        # OMP_NUM_THREADS=1 in a task of one CPU, so n_threads="auto" is 1.
        threads = joblib.Parallel(n_jobs=2)(
            [joblib.delayed(print)(marker), joblib.delayed(torch.get_num_threads)()] * 2
        )
    assert set(threads) == {None, 1}
    output = wait_for(marker, capfd)
    rows = EPOCH_ROW.findall(output)
    assert "pid=" in output
    assert "train_loss" in output  # verbose=1 prints: the test can fail
    assert "2" in rows
    # verbose=0 prints nothing: no table, no early-stopping message.
    assert "3" not in rows, output
    assert "valid_score" not in output, output
    assert "Stopping" not in output, output


def test_ray_driver_fit_at_verbose_0_prints_nothing(ray_backend, capfd):
    # The leak the issue saw was in the driver: Ray's log forwarding replaces
    # builtins.print there (as soon as it forwards a line), and skorch then
    # prints its messages whatever verbose says, e.g. in a search's refit.
    capfd.readouterr()
    with joblib.parallel_backend("ray"):
        joblib.Parallel(n_jobs=2)([joblib.delayed(print)("forwarded")] * 2)
    wait_for("forwarded", capfd)
    if builtins.print is BUILTIN_PRINT:
        # Ray replaces it once per process; an earlier Ray session in this
        # process (a docs snippet) may have come and gone. The same leak is
        # tested without Ray in test_reliability.py.
        pytest.skip("Ray did not replace print in this process")
    capfd.readouterr()
    X, y = ragged_data()
    quiet = RNNClassifier(
        early_stopping=True, n_iter_no_change=1, validation_fraction=0.25, **TINY
    ).set_params(max_epochs=5)
    quiet.fit(X, y)
    assert quiet.n_iter_ < 5  # stopped early: skorch had a message to print
    out, err = capfd.readouterr()
    assert out == "", out
    assert "Stopping" not in err, err


# --- Serialization -----------------------------------------------------------


@pytest.fixture(params=["pickle", "cloudpickle"])
def round_trip(request):
    dumper = pickle if request.param == "pickle" else pytest.importorskip("cloudpickle")
    return lambda obj: pickle.loads(dumper.dumps(obj))


def test_unfitted_estimator_round_trips(round_trip):
    estimator = RNNClassifier(callbacks=[CountEpochs()], **TINY)
    copy = round_trip(estimator)
    params, copied = estimator.get_params(), copy.get_params()
    assert type(copied.pop("callbacks")[0]) is CountEpochs
    params.pop("callbacks")
    assert copied == params
    # The copy trains like the original.
    X, y = ragged_data()
    np.testing.assert_array_equal(
        copy.fit(X, y).predict_proba(X), estimator.fit(X, y).predict_proba(X)
    )


def test_fitted_estimator_round_trips(round_trip):
    X, y = ragged_data()
    estimator = RNNClassifier(callbacks=[CountEpochs()], **TINY).fit(X, y)
    copy = round_trip(estimator)
    np.testing.assert_array_equal(copy.predict_proba(X), estimator.predict_proba(X))
    np.testing.assert_array_equal(copy.predict(X), estimator.predict(X))
    assert copy.n_iter_ == estimator.n_iter_
    assert copy.callbacks[0].epochs_ == TINY["max_epochs"]
    # It goes on training after the trip (warm start from the same weights).
    copy.partial_fit(X, y)
    assert copy.n_iter_ == estimator.n_iter_ + 1


def test_ragged_data_round_trips(round_trip):
    X, y = ragged_data()
    X_copy, y_copy = round_trip((X, y))
    assert [x.shape for x in X_copy] == [x.shape for x in X]
    for x, x_copy in zip(X, X_copy, strict=True):
        np.testing.assert_array_equal(x_copy, x)
    np.testing.assert_array_equal(y_copy, y)


def test_callback_round_trips(round_trip):
    callback = CountEpochs().initialize()
    callback.epochs_ = 5
    copy = round_trip(callback)
    assert type(copy) is CountEpochs
    assert copy.epochs_ == 5


@pytest.mark.parametrize("name", SEARCHES)
def test_fitted_pipeline_round_trips(round_trip, name):
    pipeline, _, X, y = SEARCHES[name]()
    pipeline.fit(X, y)
    copy = round_trip(pipeline)
    np.testing.assert_array_equal(copy.predict_proba(X), pipeline.predict_proba(X))
    np.testing.assert_array_equal(copy.predict(X), pipeline.predict(X))


def test_fitted_search_round_trips(round_trip, serial):
    search = serial["text"]
    copy = round_trip(search)
    docs = texts()[0]
    np.testing.assert_array_equal(copy.predict(docs), search.predict(docs))


# --- Dask-ML -----------------------------------------------------------------


def dense_data(n=60, steps=5, features=2):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(loc=(y - 0.5)[:, None, None], size=(n, steps, features))
    return X.astype(np.float32), y


def test_dask_ml_incremental_streams_the_chunks_of_a_2d_array(dask_client):
    # A 2-D float array (n, T) is n univariate sequences.
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = dense_data(features=1)
    X = da.from_array(X[:, :, 0], chunks=(20, -1))
    y = da.from_array(y, chunks=20)
    assert X.numblocks == (3, 1)
    model = wrappers.Incremental(
        RNNClassifier(hidden_size=4, conv_channels=None, random_state=0, n_threads=1)
    )
    model.fit(X, y, classes=[0, 1])  # one pass: one epoch per chunk
    assert model.estimator_.n_iter_ == 3
    model.partial_fit(X, y, classes=[0, 1])  # a second pass, same network
    assert model.estimator_.n_iter_ == 6
    prediction = model.predict(X)
    assert prediction.shape == (60,)
    assert prediction.compute().shape == (60,)
    assert set(np.unique(prediction.compute())) <= {0, 1}


@pytest.mark.xfail(
    raises=TypeError,
    strict=True,
    reason="dask-ml's Incremental builds a block key (name, i, 0) that fits 2-D "
    "arrays only: for 3-D X, partial_fit receives the key tuple itself "
    "(https://github.com/dask/dask-ml/issues/972)",
)
def test_dask_ml_incremental_on_a_3d_array():
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = dense_data()
    X = da.from_array(X, chunks=(20, -1, -1))
    y = da.from_array(y, chunks=20)
    model = wrappers.Incremental(
        RNNClassifier(hidden_size=4, conv_channels=None, random_state=0, n_threads=1)
    )
    with dask.config.set(scheduler="synchronous"):
        model.fit(X, y, classes=[0, 1])


def test_partial_fit_streams_the_chunks_of_a_3d_array():
    # What Incremental would do on 3-D data, written out: one partial_fit
    # (one epoch) per chunk along the first axis, over two passes.
    X, y = dense_data()
    model = RNNClassifier(
        hidden_size=4, conv_channels=None, random_state=0, n_threads=1
    )
    chunks = list(zip(np.array_split(X, 3), np.array_split(y, 3), strict=True))
    for _ in range(2):
        for X_chunk, y_chunk in chunks:
            model.partial_fit(X_chunk, y_chunk, classes=[0, 1])
    assert model.n_iter_ == 6
    assert model.predict(X).shape == (60,)
    assert model.predict_proba(X).shape == (60, 2)


def test_partial_fit_streams_the_blocks_of_a_3d_dask_array(dask_client):
    # The same over a Dask array's blocks, each computed on the cluster and
    # fetched in turn: one block in the driver's memory at a time.
    da = pytest.importorskip("dask.array")
    X_np, y_np = dense_data()
    X = da.from_array(X_np, chunks=(20, -1, -1))
    y = da.from_array(y_np, chunks=20)
    model = RNNClassifier(
        hidden_size=4, conv_channels=None, random_state=0, n_threads=1
    )
    for X_block, y_block in zip(X.blocks, y.blocks, strict=True):
        model.partial_fit(X_block.compute(), y_block.compute(), classes=[0, 1])
    assert model.n_iter_ == X.numblocks[0] == 3
    prediction = X.map_blocks(model.predict, drop_axis=[1, 2], dtype=np.int64)
    np.testing.assert_array_equal(prediction.compute(), model.predict(X_np))
