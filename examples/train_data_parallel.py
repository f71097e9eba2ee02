"""Train one model on several GPUs: the ``torchrun`` recipe of ``distributed=True``.

Start one process per GPU; every process runs this script on the same data::

    torchrun --standalone --nproc_per_node=2 examples/train_data_parallel.py model.pkl

Each process trains on its share of every epoch's batches and the gradients
are averaged before each step, so all processes end with the same model;
process 0 saves it. Without a GPU the processes run on the CPU (the ``gloo``
backend), which is how the test suite runs this recipe.
"""

import os
import pickle
import sys

import numpy as np
import torch
import torch.distributed as dist

from sklearn_rnn import RNNClassifier


def load_data():
    """The same data in every process: here ragged sequences with a label."""
    rng = np.random.default_rng(0)
    y = np.arange(400) % 2
    X = [rng.normal(2.0 * label - 1.0, size=(rng.integers(10, 40), 3)) for label in y]
    return X, y


def main(path):
    if torch.cuda.is_available():
        # torchrun numbers the processes of a machine by LOCAL_RANK: one GPU each.
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    try:
        X, y = load_data()
        is_main = dist.get_rank() == 0
        clf = RNNClassifier(
            hidden_size=32,
            batch_size=32,  # per process: each step sees 32 x the process count
            max_epochs=5,
            random_state=0,  # the same model for the same number of processes
            distributed=True,
            verbose=int(is_main),  # one epoch log, not one per process
        )
        clf.fit(X, y)
        if is_main:
            # The saved model trains further in a single process, too.
            clf.set_params(distributed=False)
            with open(path, "wb") as file:
                pickle.dump(clf, file)
            print(f"training accuracy {clf.score(X, y):.3f}; saved to {path}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "model.pkl")
