"""How many threads a fit and a prediction use, and that the old count returns."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNModule, RNNRegressor, _threads
from sklearn_rnn._threads import (
    busy_cores_elsewhere,
    limited_threads,
    resolve_n_threads,
    step_work,
)

FAST = dict(hidden_size=4, conv_channels=(4, 8, 4), max_epochs=2, random_state=0)


class RecordThreads(Callback):
    """Record torch's thread count at each training batch."""

    def __init__(self):
        self.seen = []

    def on_batch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


@pytest.fixture
def two_threads(monkeypatch):
    """torch set to 2 threads on an idle 2-core machine, whatever runs this."""
    monkeypatch.setattr(_threads, "_usable_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores_elsewhere", lambda: 0)
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


def test_step_work_counts_the_multiply_adds_of_each_part():
    lstm = RNNModule(8, 2, hidden_size=64)
    assert step_work(lstm) == 4 * 64 * (8 + 64)
    stacked = RNNModule(
        8,
        2,
        cell_type="gru",
        hidden_size=16,
        num_layers=2,
        bidirectional=True,
        conv_channels=(4,),
        conv_kernel_sizes=(3,),
    )
    gru = 3 * 16 * (8 + 16) * 2 + 3 * 16 * (32 + 16) * 2
    assert step_work(stacked) == gru + 8 * 4 * 3


def test_resolve_n_threads(two_threads, monkeypatch):
    assert resolve_n_threads(3, 0) == 3
    assert resolve_n_threads("auto", 1_000) == 1
    assert resolve_n_threads("auto", 10**12) == 2  # never more than torch's count
    # A core that another process keeps busy is not free.
    monkeypatch.setattr(_threads, "busy_cores_elsewhere", lambda: 1)
    assert resolve_n_threads("auto", 10**12) == 1
    monkeypatch.setattr(_threads, "busy_cores_elsewhere", lambda: 5)
    assert resolve_n_threads("auto", 10**12) == 1


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux only")
def test_busy_cores_elsewhere_sees_a_busy_process():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # started and spinning
        assert busy_cores_elsewhere() >= 1
    finally:
        busy.kill()
        busy.wait()


def test_limited_threads_restores_the_old_count_even_on_error(two_threads):
    with pytest.raises(RuntimeError, match="boom"), limited_threads(1):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize(
    "n_threads, hidden_size, expected",
    [("auto", 4, 1), ("auto", 256, 2), (2, 4, 2), (1, 256, 1)],
)
def test_fit_uses_its_threads_and_gives_the_old_count_back(
    Estimator, n_threads, hidden_size, expected, two_threads
):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5, 3))
    y = np.arange(40) % 2
    recorder = RecordThreads()
    model = Estimator(
        **{**FAST, "hidden_size": hidden_size},
        n_threads=n_threads,
        callbacks=[recorder],
    )
    model.fit(X, y)
    assert set(recorder.seen) == {expected}
    assert torch.get_num_threads() == 2
    model.predict(X)
    assert torch.get_num_threads() == 2


def test_a_failed_fit_gives_the_old_count_back(two_threads):
    class Fail(Callback):
        def on_batch_begin(self, net, **kwargs):
            raise RuntimeError("failed in training")

    X = np.random.default_rng(0).normal(size=(20, 4, 2))
    clf = RNNClassifier(**FAST, n_threads=1, callbacks=[Fail()])
    with pytest.raises(RuntimeError, match="failed in training"):
        clf.fit(X, np.arange(20) % 2)
    assert torch.get_num_threads() == 2
