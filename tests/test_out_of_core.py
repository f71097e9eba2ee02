"""Training on data larger than memory: ``partial_fit`` over chunks.

The chunks come from a generator, from a memory-mapped 3-D ``.npy`` file and
from ragged data stored as flat values plus lengths (two ``.npy`` files, the
layout the estimators use inside), sliced into lists of views. Peak RSS flat
in the number of chunks is measured by ``benchmarks/out_of_core.py``, not
here.
"""

import gc
import subprocess
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

from sklearn_rnn import RNNClassifier, RNNRegressor

N_FEATURES = 3
CHUNK = 40
SMALL = {"hidden_size": 4, "conv_channels": None, "batch_size": 16}
# torch.from_numpy's warning for a read-only array; see
# test_read_only_memmap_raises_no_warning.
NOT_WRITABLE = "The given NumPy array is not writable"


def _dense(n, steps=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, steps, N_FEATURES)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(np.int64)
    return X, y


def _ragged_files(tmp_path, n=120, seed=0):
    """Ragged sequences saved as all their steps end to end plus their lengths."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 15, size=n)
    values = rng.standard_normal((int(lengths.sum()), N_FEATURES)).astype(np.float32)
    y = np.add.reduceat(values[:, 0], np.cumsum(lengths) - lengths) > 0
    np.save(tmp_path / "values.npy", values)
    np.save(tmp_path / "lengths.npy", lengths)
    np.save(tmp_path / "y.npy", y.astype(np.int64))
    return tmp_path / "values.npy", tmp_path / "lengths.npy", tmp_path / "y.npy"


def _ragged_chunks(values, lengths, chunk):
    """Lists of views of ``values``, ``chunk`` sequences each, and their slices."""
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for first in range(0, len(lengths), chunk):
        last = min(first + chunk, len(lengths))
        items = [
            values[s:e]
            for s, e in zip(starts[first:last], ends[first:last], strict=True)
        ]
        yield items, slice(first, last)


def _chunk_generator(X, y, chunk):
    for start in range(0, len(X), chunk):
        yield X[start : start + chunk], y[start : start + chunk]


def test_partial_fit_over_a_generator_of_chunks():
    X, y = _dense(160)
    model = RNNClassifier(**SMALL, random_state=0)
    n_chunks = 0
    for X_chunk, y_chunk in _chunk_generator(X, y, CHUNK):
        model.partial_fit(X_chunk, y_chunk, classes=[0, 1])
        n_chunks += 1
    assert n_chunks == 4
    assert model.n_iter_ == n_chunks
    assert len(model.loss_curve_) == n_chunks
    assert model.predict(X).shape == (160,)
    assert model.predict_proba(X).shape == (160, 2)


@pytest.mark.filterwarnings(f"ignore:{NOT_WRITABLE}:UserWarning")
def test_partial_fit_over_a_memory_mapped_npy(tmp_path):
    X = _dense(160)[0]
    target = X[:, :, 1].mean(axis=1)
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert isinstance(X_map, np.memmap) and X_map.shape == X.shape
    model = RNNRegressor(**SMALL, random_state=0)
    in_memory = RNNRegressor(**SMALL, random_state=0)
    for start in range(0, len(X), CHUNK):
        chunk = slice(start, start + CHUNK)
        model.partial_fit(X_map[chunk], target[chunk])
        in_memory.partial_fit(X[chunk], target[chunk])
    assert model.n_iter_ == 4
    predictions = model.predict(X_map)
    assert predictions.shape == (160,)
    # A memory map trains exactly as the same values in memory do.
    np.testing.assert_array_equal(predictions, in_memory.predict(X))


@pytest.mark.filterwarnings(f"ignore:{NOT_WRITABLE}:UserWarning")
def test_partial_fit_over_ragged_flat_values_and_offsets(tmp_path):
    values_path, lengths_path, y_path = _ragged_files(tmp_path)
    values = np.load(values_path, mmap_mode="r")
    lengths = np.load(lengths_path)
    y = np.load(y_path)
    model = RNNClassifier(**SMALL, random_state=0)
    in_memory = RNNClassifier(**SMALL, random_state=0)
    n_chunks = 0
    for items, rows in _ragged_chunks(values, lengths, CHUNK):
        assert all(np.shares_memory(item, values) for item in items)
        model.partial_fit(items, y[rows], classes=[0, 1])
        in_memory.partial_fit([np.array(item) for item in items], y[rows], [0, 1])
        n_chunks += 1
    assert n_chunks == 3
    assert model.n_iter_ == n_chunks
    every = [
        item for items, _ in _ragged_chunks(values, lengths, CHUNK) for item in items
    ]
    assert model.predict(every).shape == (len(lengths),)
    assert model.predict_proba(every).shape == (len(lengths), 2)
    np.testing.assert_array_equal(
        model.predict_proba(every),
        in_memory.predict_proba([np.array(item) for item in every]),
    )


@pytest.mark.filterwarnings(f"ignore:{NOT_WRITABLE}:UserWarning")
def test_a_memmapped_chunk_is_not_copied_wholesale(tmp_path):
    # 512 sequences of 64 steps: a chunk of 384 KiB, a file of 1.5 MiB.
    X, y = _dense(2048, steps=64)
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    model = RNNClassifier(**SMALL, random_state=0)
    model.partial_fit(X_map[:64], y[:64], classes=[0, 1])  # first-call imports
    chunk = X_map[512:1024]
    tracemalloc.start()
    try:
        model.partial_fit(chunk, y[512:1024])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A float32 (n, T, F) chunk is used in place: NumPy allocates only
    # per-step masks (a quarter of the chunk), no copy of it, let alone of
    # the file.
    assert peak < 0.5 * chunk.nbytes, (peak, chunk.nbytes)
    # The fitted model keeps no reference to the chunk, so the mapping is
    # released once the caller drops it.
    chunk_ref = weakref.ref(chunk)
    del chunk
    gc.collect()
    assert chunk_ref() is None


@pytest.mark.filterwarnings(f"ignore:{NOT_WRITABLE}:UserWarning")
def test_a_ragged_chunk_is_copied_once_and_the_file_never(tmp_path):
    values_path, lengths_path, y_path = _ragged_files(tmp_path, n=600)
    values = np.load(values_path, mmap_mode="r")
    lengths, y = np.load(lengths_path), np.load(y_path)
    chunks = list(_ragged_chunks(values, lengths, 200))
    model = RNNClassifier(**SMALL, random_state=0)
    model.partial_fit(*_labelled(chunks[0], y), classes=[0, 1])
    items, rows = chunks[1]
    chunk_bytes = sum(item.nbytes for item in items)
    tracemalloc.start()
    try:
        model.partial_fit(items, y[rows])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The items are gathered end to end once (one chunk), plus masks and the
    # lengths; nothing near the size of the file.
    assert peak < 2 * chunk_bytes + 64 * 1024, (peak, chunk_bytes)
    assert chunk_bytes < values.nbytes / 2


def _labelled(chunk, y):
    items, rows = chunk
    return items, y[rows]


# torch warns about a read-only array once per process: only a fresh process
# shows whether fitting on one warns.
READ_ONLY_SCRIPT = """
import sys, warnings
import numpy as np
from sklearn_rnn import RNNClassifier

warnings.simplefilter("error")
X_map = np.load(sys.argv[1], mmap_mode="r")
assert not X_map.flags.writeable
y = (np.arange(len(X_map)) % 2).astype(np.int64)
model = RNNClassifier(hidden_size=4, conv_channels=None, batch_size=16)
model.partial_fit(X_map[:40], y[:40], classes=[0, 1])
model.partial_fit(X_map[40:], y[40:])
assert model.n_iter_ == 2
assert model.predict(X_map).shape == (len(X_map),)
"""


def test_read_only_memmap_raises_no_warning(tmp_path):
    np.save(tmp_path / "X.npy", _dense(80)[0])
    done = subprocess.run(
        [sys.executable, "-c", READ_ONLY_SCRIPT, str(tmp_path / "X.npy")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
