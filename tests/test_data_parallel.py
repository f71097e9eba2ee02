"""Data-parallel training (``distributed=True``) in real process groups.

The processes are real: ``torch.multiprocessing.spawn`` starts two, which
join a ``gloo`` process group (the CPU backend; on GPUs ``nccl`` takes its
place, with the same calls) and train as ``torchrun`` processes would. What
each process saw comes back through files. No GPU is needed.
"""

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._batching import BucketBatchIterator, SequenceDataset
from sklearn_rnn._distributed import AverageGradients, ProcessShard
from sklearn_rnn._input_checks import check_sequences
from sklearn_rnn._net import auto_epochs
from sklearn_rnn._nn.module import RNNModule

WORLD_SIZE = 2
RECIPE = Path(__file__).resolve().parents[1] / "examples" / "train_data_parallel.py"


def _separable(n=96, seed=0):
    # Class means 4 standard deviations apart: each process takes only 3
    # optimizer steps an epoch, and the fit below leaves its seed to chance
    # (random_state=None), so the margin must hold for any seed, not one.
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = [
        rng.normal(loc=4.0 * label - 2.0, size=(int(rng.integers(5, 15)), 2))
        for label in y
    ]
    return X, y


class CountBatches(Callback):
    """Counts the training batches and sequences this process trains on."""

    def initialize(self):
        self.batches_ = 0
        self.sequences_ = 0
        return self

    def on_batch_end(self, net, batch, training, **kwargs):
        if training:
            self.batches_ += 1
            self.sequences_ += len(batch[0]["lengths"])


def _join(rank, directory):
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"file://{directory}/rendezvous",
        rank=rank,
        world_size=WORLD_SIZE,
    )


def _spawn(worker, directory):
    mp.spawn(worker, args=(str(directory),), nprocs=WORLD_SIZE, join=True)
    return [
        pickle.loads((directory / f"rank{rank}.pkl").read_bytes())
        for rank in range(WORLD_SIZE)
    ]


def _report(directory, rank, result):
    with open(f"{directory}/rank{rank}.pkl", "wb") as file:
        pickle.dump(result, file)


# -- workers (module level, so that spawn can import them) -----------------------


def _gradient_worker(rank, directory):
    _join(rank, directory)
    try:
        torch.manual_seed(0)
        module = RNNModule(input_size=2, output_size=3, hidden_size=5)
        rng = np.random.default_rng(1)
        values = torch.from_numpy(rng.normal(size=(8, 6, 2)).astype(np.float32))
        lengths = torch.tensor([6, 5, 4, 6, 3, 6, 2, 5])
        target = torch.from_numpy(rng.integers(0, 3, size=8))

        def gradients(index):
            module.zero_grad()
            out = module(values[index], lengths[index])
            torch.nn.functional.cross_entropy(out, target[index]).backward()
            return [p.grad.clone() for p in module.parameters()]

        whole = gradients(slice(None))
        gradients(slice(4 * rank, 4 * rank + 4))  # this process's half
        AverageGradients().on_grad_computed(
            None, named_parameters=module.named_parameters()
        )
        averaged = [p.grad.clone() for p in module.parameters()]
        _report(directory, rank, {"whole": whole, "averaged": averaged})
    finally:
        dist.destroy_process_group()


def _fit_worker(rank, directory):
    _join(rank, directory)
    try:
        X, y = _separable()
        counter = CountBatches()
        clf = RNNClassifier(
            hidden_size=8,
            conv_channels=(4,),  # batch norm: running statistics to keep equal
            conv_kernel_sizes=(3,),
            dropout=0.2,
            batch_size=16,
            max_epochs=6,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=50,
            lr=0.03,
            distributed=True,
            callbacks=[counter],
        ).fit(X, y)  # random_state=None: process 0's seed is used
        rerun = [
            RNNClassifier(
                hidden_size=8, max_epochs=3, random_state=0, distributed=True
            ).fit(X, y)
            for _ in range(2)
        ]
        regressor = RNNRegressor(
            hidden_size=8, max_epochs=2, random_state=0, distributed=True
        ).fit(X, y.astype(float))
        _report(
            directory,
            rank,
            {
                "state": clf.module_.state_dict(),
                "train_loss": clf.loss_curve_,
                "valid_score": clf.validation_scores_,
                "predictions": clf.predict_proba(X),
                "accuracy": clf.score(X, y),
                "batches": counter.batches_,
                "sequences": counter.sequences_,
                "rerun": [r.module_.state_dict() for r in rerun],
                "regressor": regressor.predict(X),
                "pickle": pickle.dumps(clf),
            },
        )
    finally:
        dist.destroy_process_group()


# -- tests ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    return _spawn(_fit_worker, tmp_path_factory.mktemp("fit"))


def test_averaged_gradients_are_the_gradients_of_the_whole_batch(tmp_path):
    results = _spawn(_gradient_worker, tmp_path)
    for result in results:
        for averaged, whole in zip(result["averaged"], result["whole"], strict=True):
            # The mean of the halves' mean losses is the whole batch's mean.
            torch.testing.assert_close(averaged, whole, rtol=1e-5, atol=1e-6)


def test_every_process_ends_with_the_same_model(fitted):
    first, second = fitted
    for name, tensor in first["state"].items():
        assert torch.equal(tensor, second["state"][name]), name
    assert first["train_loss"] == second["train_loss"]
    assert first["valid_score"] == second["valid_score"]
    np.testing.assert_array_equal(first["predictions"], second["predictions"])
    np.testing.assert_array_equal(first["regressor"], second["regressor"])


def test_the_processes_learn(fitted):
    assert fitted[0]["accuracy"] >= 0.9
    assert fitted[0]["train_loss"][-1] < fitted[0]["train_loss"][0]


def test_each_process_trains_on_its_share_of_the_batches(fitted):
    # 96 sequences, 20 % held out: 76 in 5 batches of 16, shared by 2
    # processes as 3 each (one batch repeated), for 6 epochs.
    for result in fitted:
        assert result["batches"] == 6 * 3
    total = sum(result["sequences"] for result in fitted)
    assert 6 * 76 <= total <= 6 * (76 + 16)


def test_a_seed_gives_the_same_model_again(fitted):
    for result in fitted:
        once, again = result["rerun"]
        for name, tensor in once.items():
            assert torch.equal(tensor, again[name]), name


def test_a_distributed_model_predicts_in_a_plain_process(fitted):
    clf = pickle.loads(fitted[0]["pickle"])
    X, _ = _separable()
    np.testing.assert_array_equal(clf.predict_proba(X), fitted[0]["predictions"])
    # Training further here, alone, needs distributed=False.
    clf.set_params(warm_start=True, max_epochs=1)
    with pytest.raises(ValueError, match="none is initialized"):
        clf.fit(*_separable())
    np.testing.assert_array_equal(clf.predict_proba(X), fitted[0]["predictions"])
    clf.set_params(distributed=False).fit(*_separable())
    assert clf.n_iter_ == 7


def test_the_torchrun_recipe_trains_and_saves_a_model(tmp_path):
    path = tmp_path / "model.pkl"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += [f"--nproc_per_node={WORLD_SIZE}", str(RECIPE), str(path)]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    # One epoch log (process 0's), not one per process.
    assert result.stdout.count("train_loss") == 1
    with open(path, "rb") as file:
        clf = pickle.load(file)
    assert not clf.distributed and clf.n_iter_ == 5
    sys.path.insert(0, str(RECIPE.parent))
    try:
        from train_data_parallel import load_data
    finally:
        sys.path.remove(str(RECIPE.parent))
    X, y = load_data()
    assert clf.score(X, y) >= 0.95


# -- without a process group ----------------------------------------------------


def test_distributed_without_a_process_group_is_refused():
    X, y = _separable(20)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, distributed=True)
    with pytest.raises(ValueError, match="torchrun"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


@pytest.mark.parametrize("n_batches", [1, 2, 5, 6, 7])
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_the_shards_cover_every_batch_equally(n_batches, world_size):
    batches = list(range(n_batches))
    shards = [ProcessShard(r, world_size).take(batches) for r in range(world_size)]
    sizes = {len(shard) for shard in shards}
    assert sizes == {ProcessShard(0, world_size).n_batches(n_batches)}
    taken = [b for shard in shards for b in shard]
    assert sorted(set(taken)) == batches
    # Only the padding repeats a batch: fewer than world_size extra ones.
    assert len(taken) - n_batches < world_size


def test_a_sharded_iterator_yields_its_share():
    X, y = _separable(50)
    dataset = SequenceDataset(check_sequences(X), y)
    iterator = BucketBatchIterator(dataset, 8, shard=ProcessShard(1, 3))
    batches = list(iterator)
    # 7 batches of 8 shared by 3: every process takes 3 (two repeated).
    assert len(iterator) == len(batches) == 3


def test_auto_epochs_count_the_steps_of_each_process():
    # 64 batches: 2000 steps take 32 epochs alone, 63 on two processes.
    assert auto_epochs("auto", 64 * 32, 32) == 32
    assert auto_epochs("auto", 64 * 32, 32, n_processes=2) == 63
