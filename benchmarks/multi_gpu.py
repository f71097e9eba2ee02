"""Data-parallel training: one process (GPU) against several, speed and accuracy.

The same ``RNNClassifier(distributed=True)`` fit on ragged synthetic
sequences runs in a process group of 1 and then of N processes (one per GPU,
NCCL), with the same global batch (``batch_size`` = global batch / N), the
same epochs and the same seed, so the two runs differ only in how many
devices share each step. The script prints the fit time of each (timed in
process 0 between barriers), training sequences per second, the speed-up of
N processes over 1, and the held-out accuracy of both, which should agree
(goal: within 0.01).

Run from the repository root on a machine with GPUs (a CUDA build of
PyTorch)::

    python benchmarks/multi_gpu.py                 # 1 GPU against all GPUs
    python benchmarks/multi_gpu.py --gpus 2        # 1 GPU against 2
    python benchmarks/multi_gpu.py --cpu --quick   # a smoke run on CPU (gloo)

On CPU each process runs one thread, and the figures say that the path
works, not how fast GPUs are.
"""

import argparse
import os
import pickle
import socket
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sklearn_rnn import RNNClassifier

N_FEATURES = 8


def make_data(n_samples, min_len, max_len, seed):
    """Ragged sequences; the label is the sign of a weighted mean of feature 0."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n_samples)
    X = [rng.standard_normal((n, N_FEATURES), dtype=np.float32) for n in lengths]
    # Late steps count more: the network must carry information along.
    y = np.array([int((x[:, 0] * np.linspace(0, 2, len(x))).mean() > 0) for x in X])
    return X, y


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(rank, world_size, port, args, result_path):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if args.cpu:
        torch.set_num_threads(1)
        backend, device = "gloo", "cpu"
    else:
        torch.cuda.set_device(rank)
        backend, device = "nccl", f"cuda:{rank}"
    dist.init_process_group(backend, rank=rank, world_size=world_size)
    try:
        X, y = make_data(args.n_train + args.n_test, 50, 150, seed=0)
        X_train, y_train = X[: args.n_train], y[: args.n_train]
        X_test, y_test = X[args.n_train :], y[args.n_train :]
        clf = RNNClassifier(
            hidden_size=args.hidden_size,
            conv_channels=None,
            batch_size=args.global_batch // world_size,
            max_epochs=args.epochs,
            lr=3e-3,
            device=device,
            random_state=0,
            distributed=True,
        )
        dist.barrier()
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        dist.barrier()
        seconds = time.perf_counter() - start
        if rank == 0:
            accuracy = clf.score(X_test, y_test)
            with open(result_path, "wb") as file:
                pickle.dump({"seconds": seconds, "accuracy": accuracy}, file)
    finally:
        dist.destroy_process_group()


def run(world_size, args):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "result.pkl")
        mp.spawn(
            _worker,
            args=(world_size, _free_port(), args, path),
            nprocs=world_size,
            join=True,
        )
        with open(path, "rb") as file:
            return pickle.load(file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, default=None, help="default: all")
    parser.add_argument("--cpu", action="store_true", help="gloo processes on CPU")
    parser.add_argument("--processes", type=int, default=2, help="with --cpu")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    if args.cpu:
        world = args.processes
        label = "CPU process(es), gloo, 1 thread each"
    else:
        if not torch.cuda.is_available():
            sys.exit("No CUDA GPU: run on a GPU machine, or --cpu for a smoke run.")
        world = args.gpus or torch.cuda.device_count()
        label = f"GPU(s), NCCL: {torch.cuda.get_device_name(0)}"
    args.n_train, args.n_test = (2000, 500) if args.quick else (40000, 5000)
    args.hidden_size = 32 if args.quick else 256
    args.global_batch = 64 if args.quick else 512
    args.epochs = 2 if args.quick else 5
    print(
        f"{args.n_train} training sequences of 50-150 steps x {N_FEATURES} "
        f"features, LSTM hidden_size={args.hidden_size}, global batch "
        f"{args.global_batch}, {args.epochs} epochs; torch {torch.__version__}"
    )
    results = {n: run(n, args) for n in sorted({1, world})}
    print(f"\n| {label} | fit (s) | sequences/s | speed-up | test accuracy |")
    print("|---|---|---|---|---|")
    for n, result in results.items():
        rate = args.n_train * args.epochs / result["seconds"]
        speedup = results[1]["seconds"] / result["seconds"]
        print(
            f"| {n} | {result['seconds']:.1f} | {rate:,.0f} | {speedup:.2f}x | "
            f"{result['accuracy']:.4f} |"
        )
    gap = abs(results[world]["accuracy"] - results[1]["accuracy"])
    print(f"\naccuracy gap between 1 and {world}: {gap:.4f} (goal: <= 0.01)")


if __name__ == "__main__":
    main()
