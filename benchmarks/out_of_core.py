"""Peak memory of ``partial_fit`` over memory-mapped chunks of data larger than memory.

The script writes two data sets to a temporary directory and trains an
``RNNClassifier`` on them with ``partial_fit``, one chunk per call, each run
in its own subprocess whose memory is capped:

- dense: one ``.npy`` file of shape (n, 16, 128), float32 (8 KiB a sequence);
- ragged: the layout the estimators use inside, one ``.npy`` of every step of
  every sequence end to end, (total_steps, 128) float32, and one of the
  lengths (uniform in [4, 28], 16 on average); a chunk is a list of views of
  the values.

Each chunk holds ``--chunk-mb`` of data (16 MB). Every chunk is read through
its own ``np.load(..., mmap_mode="r")``, dropped after its ``partial_fit``:
pages of a mapping count in the process's resident set size (RSS) while they
are mapped, so one mapping kept open over the whole loop makes the RSS grow
with the data read (the "one mapping for the loop" row shows it). Those are
file pages the kernel can drop at any time, not memory the process holds,
but they make the peak meaningless as a measure of what training needs.

The cap. ``import torch`` and a first small fit already take about 480 MB of
data segment (``VmData``) and 460 MB of RSS, more than the data sets of a
quick test. So the worker imports everything, runs a warm-up ``partial_fit``
on 64 sequences, reads its ``VmData`` and sets ``RLIMIT_DATA`` to that plus
``--allowance-mb`` (256 MB): the memory left to the process for data, 16
chunks. Training on a ragged chunk adds about 130 MB of RSS (the chunk's
steps gathered end to end, the recurrent layer's buffers for batches of 512
padded to 32 steps) and more of data segment: with 128 MB, one ragged run
of four failed on a 57 MB torch allocation, too close to the limit.
``RLIMIT_DATA`` (Linux >= 4.7) counts private writable memory (the heap,
anonymous mappings, thread stacks), not read-only file mappings, so the
memory maps stay possible while any copy of the data set is not;
``RLIMIT_AS`` would refuse the mapping of a file larger than the cap itself.
The data sets are 1, 2 and 4 times the allowance (256 MB to 1 GB, 16 to 64
chunks), the largest also more than the whole cap (about 740 MB). A control
run copies the first 2x of the dense data into memory under the same cap and
must fail with ``MemoryError``.

The peak RSS is ``VmHWM`` of ``/proc/self/status``, reset after the warm-up
(``benchmarks/_rss.py``). Goal: the peak RSS flat in the number of chunks,
largest / smallest over the sizes <= 1.2x for each layout; the table also
gives the peak minus the RSS before training, what training adds.

The dense file is deleted before the ragged one is written: at most about
1 GB of disk at a time. Timings are not reported;
RSS does not depend on the machine's load.

Run from the repository root (Linux only)::

    python benchmarks/out_of_core.py          # ~2 minutes, writes the table
    python benchmarks/out_of_core.py --quick  # sizes 1x and 2x, writes nothing
    python benchmarks/out_of_core.py --allowance-mb 128 --multiples 1,2,4,8
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
OUTPUT = HERE.parent / "docs" / "benchmarks" / "out_of_core.md"
MB = 2**20
SEED = 0
N_STEPS = 16
N_FEATURES = 128
MIN_LENGTH, MAX_LENGTH = 4, 28
BLOCK = 8192  # sequences generated and written at a time
MODEL = {
    "hidden_size": 8,
    "conv_channels": None,
    "batch_size": 512,
    "random_state": SEED,
}
GOAL = 1.2
# torch.from_numpy warns once about the read-only memory map (reported as a
# bug of sklearn_rnn); it changes nothing here.
NOT_WRITABLE = "The given NumPy array is not writable"


# -- data on disk -----------------------------------------------------------------


def write_dense(folder, n):
    """(n, 16, 128) float32 sequences and their labels, as X.npy and y.npy."""
    rng = np.random.default_rng(SEED)
    X = np.lib.format.open_memmap(
        folder / "X.npy", mode="w+", dtype=np.float32, shape=(n, N_STEPS, N_FEATURES)
    )
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, BLOCK):
        block = rng.standard_normal(
            (min(BLOCK, n - start), N_STEPS, N_FEATURES), dtype=np.float32
        )
        X[start : start + len(block)] = block
        y[start : start + len(block)] = block[:, :, 0].mean(axis=1) > 0
    X.flush()
    del X
    np.save(folder / "y.npy", y)


def ragged_lengths(n):
    return np.random.default_rng(SEED).integers(MIN_LENGTH, MAX_LENGTH + 1, size=n)


def write_ragged(folder, n):
    """Every step end to end (values.npy), lengths.npy and y.npy."""
    lengths = ragged_lengths(n)
    ends = np.cumsum(lengths)
    rng = np.random.default_rng(SEED + 1)
    values = np.lib.format.open_memmap(
        folder / "values.npy",
        mode="w+",
        dtype=np.float32,
        shape=(int(ends[-1]), N_FEATURES),
    )
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        first, last = ends[start] - lengths[start], ends[stop - 1]
        block = rng.standard_normal((last - first, N_FEATURES), dtype=np.float32)
        values[first:last] = block
        starts = ends[start:stop] - lengths[start:stop] - first
        y[start:stop] = np.add.reduceat(block[:, 0], starts) > 0
    values.flush()
    del values
    np.save(folder / "lengths.npy", lengths)
    np.save(folder / "y.npy", y)


def sequences_per_chunk(chunk_mb):
    # 8 KiB a sequence in both layouts (16 steps of 128 float32 on average).
    return chunk_mb * MB // (N_STEPS * N_FEATURES * 4)


# -- the capped worker ------------------------------------------------------------


def _status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def dense_chunks(folder, n_chunks, chunk, *, one_mapping=False):
    y = np.load(folder / "y.npy")
    kept = np.load(folder / "X.npy", mmap_mode="r") if one_mapping else None
    for i in range(n_chunks):
        X = kept if one_mapping else np.load(folder / "X.npy", mmap_mode="r")
        rows = slice(i * chunk, (i + 1) * chunk)
        yield X[rows], y[rows]
        del X  # unmaps the file, and its pages leave the RSS


def ragged_chunks(folder, n_chunks, chunk):
    lengths, y = np.load(folder / "lengths.npy"), np.load(folder / "y.npy")
    offsets = np.cumsum(lengths) - lengths
    for i in range(n_chunks):
        values = np.load(folder / "values.npy", mmap_mode="r")
        first, last = i * chunk, (i + 1) * chunk
        end = offsets[last] if last < len(lengths) else len(values)
        steps = values[offsets[first] : end]
        # Views of the mapped values, one per sequence: nothing is read yet.
        items = np.split(steps, offsets[first + 1 : last] - offsets[first])
        yield items, y[first:last]
        del values, steps, items


def worker(args):
    """One capped training run; prints a JSON line."""
    warnings.filterwarnings("ignore", message=NOT_WRITABLE)
    from sklearn_rnn import RNNClassifier

    folder = Path(args.path)
    chunk = sequences_per_chunk(args.chunk_mb)
    rng = np.random.default_rng(SEED)
    warm = rng.standard_normal((64, N_STEPS, N_FEATURES), dtype=np.float32)
    model = RNNClassifier(**MODEL)
    # The first fit imports parts of torch and starts its threads: not what
    # the data costs.
    model.partial_fit(warm, np.arange(64) % 2, classes=[0, 1])
    model.predict(warm)
    del model
    cap = _status_bytes("VmData") + args.allowance_mb * MB
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    result = {"layout": args.worker, "cap": cap, "n_chunks": args.n_chunks}
    if args.worker == "control":
        rows = args.n_chunks * chunk
        try:
            X = np.array(np.load(folder / "X.npy", mmap_mode="r")[:rows])
        except MemoryError:
            result["outcome"] = "MemoryError"
        else:
            result["outcome"] = f"loaded {X.nbytes / MB:.0f} MB: the cap is too high"
        print(json.dumps(result))
        return
    if args.worker == "ragged":
        chunks = ragged_chunks(folder, args.n_chunks, chunk)
    else:
        one_mapping = args.worker == "dense, one mapping for the loop"
        chunks = dense_chunks(folder, args.n_chunks, chunk, one_mapping=one_mapping)
    model = RNNClassifier(**MODEL)
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # VmHWM := VmRSS
    before = _status_bytes("VmRSS")
    data_bytes = 0
    for X_chunk, y_chunk in chunks:
        model.partial_fit(X_chunk, y_chunk, classes=[0, 1])
        data_bytes += (
            sum(x.nbytes for x in X_chunk)
            if args.worker == "ragged"
            else X_chunk.nbytes
        )
        del X_chunk
    assert model.n_iter_ == args.n_chunks
    assert model.predict(warm).shape == (64,)
    result.update(
        before=before,
        peak=_status_bytes("VmHWM"),
        data=data_bytes,
        loss=model.loss_curve_[-1],
        outcome="ok",
    )
    print(json.dumps(result))


def run_worker(layout, folder, n_chunks, args):
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        layout,
        "--path",
        str(folder),
        "--n-chunks",
        str(n_chunks),
        "--chunk-mb",
        str(args.chunk_mb),
        "--allowance-mb",
        str(args.allowance_mb),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {layout!r} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- report -----------------------------------------------------------------------


def table(results, args):
    lines = [
        "| layout | data read | ÷ allowance | ÷ whole cap | chunks | RSS before "
        "training | peak RSS | peak - before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r["outcome"] != "ok":
            continue
        lines.append(
            f"| {r['layout']} | {r['data'] / MB:,.0f} MB "
            f"| {r['data'] / (args.allowance_mb * MB):.1f}x "
            f"| {r['data'] / r['cap']:.2f}x | {r['n_chunks']} "
            f"| {r['before'] / MB:,.0f} MB | {r['peak'] / MB:,.0f} MB "
            f"| {(r['peak'] - r['before']) / MB:,.0f} MB |"
        )
    return lines


def goal_lines(results):
    lines = []
    for layout in ("dense", "ragged"):
        peaks = [r["peak"] for r in results if r["layout"] == layout]
        added = [r["peak"] - r["before"] for r in results if r["layout"] == layout]
        ratio = max(peaks) / min(peaks)
        lines.append(
            f"- {layout}: peak RSS largest / smallest over the data sizes "
            f"{ratio:.2f}x (goal <= {GOAL:.2f}x): "
            + ("**met**" if ratio <= GOAL else "**missed**")
            + f"; peak - before from {min(added) / MB:.0f} to "
            f"{max(added) / MB:.0f} MB"
        )
    return lines


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="sizes 1x and 2x only; writes no table",
    )
    parser.add_argument(
        "--allowance-mb",
        type=int,
        default=256,
        help="memory allowed above the warmed-up process (default 256)",
    )
    parser.add_argument(
        "--chunk-mb", type=int, default=16, help="data per chunk (default 16)"
    )
    parser.add_argument(
        "--multiples",
        type=lambda text: [int(v) for v in text.split(",")],
        default=[1, 2, 4],
        help="data sizes, in allowances (default 1,2,4)",
    )
    parser.add_argument(
        "--tmpdir", default=None, help="where to write the data (default: system's)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"Markdown file to write (default {OUTPUT.relative_to(HERE.parent)}, "
        "not with --quick)",
    )
    # The capped training run, in its own process.
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--path", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n-chunks", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.multiples = [1, 2]
    return args


def main():
    args = parse_args()
    if args.worker is not None:
        worker(args)
        return
    if not Path("/proc/self/clear_refs").exists():
        sys.exit("This benchmark needs Linux (/proc/self/status, clear_refs).")
    import torch

    import sklearn_rnn

    started = time.perf_counter()
    chunk = sequences_per_chunk(args.chunk_mb)
    chunks_per_allowance = args.allowance_mb // args.chunk_mb
    counts = [m * chunks_per_allowance for m in args.multiples]
    n = max(counts) * chunk
    header = [
        f"Generated by `python benchmarks/{Path(__file__).name}"
        + "".join(f" {shlex.quote(a)}" for a in sys.argv[1:])
        + f"` on {datetime.date.today()}: {platform.platform()}, "
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {np.__version__}, "
        f"sklearn_rnn {sklearn_rnn.__version__}.",
        "",
        f"`RNNClassifier({', '.join(f'{k}={v!r}' for k, v in MODEL.items())})`, "
        f"one `partial_fit` per chunk of {args.chunk_mb} MB ({chunk} sequences), "
        'each chunk through its own `np.load(..., mmap_mode="r")`. Each run in '
        "a fresh process whose `RLIMIT_DATA` is its data segment after "
        f"imports and a warm-up fit plus an allowance of {args.allowance_mb} MB.",
        "",
    ]
    print("\n".join(header))
    results = []
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        folder = Path(tmp)
        write_dense(folder, n)
        print(f"dense data: {(folder / 'X.npy').stat().st_size / MB:,.0f} MB on disk")
        for count in counts:
            results.append(run_worker("dense", folder, count, args))
        results.append(
            run_worker("dense, one mapping for the loop", folder, max(counts), args)
        )
        control = run_worker("control", folder, 2 * chunks_per_allowance, args)
        (folder / "X.npy").unlink()
        write_ragged(folder, n)
        print(
            f"ragged data: {(folder / 'values.npy').stat().st_size / MB:,.0f} MB "
            "of values on disk"
        )
        for count in counts:
            results.append(run_worker("ragged", folder, count, args))
    lines = [*header, *table(results, args), "", *goal_lines(results)]
    lines.append(
        f"- control: copying the first {2 * args.allowance_mb} MB of the dense "
        "data into memory under the same cap: "
        f"{control['outcome']}"
        + (
            " (expected)"
            if control["outcome"] == "MemoryError"
            else " (**unexpected**)"
        )
    )
    lines.append(
        "- cap (RLIMIT_DATA) of the runs: "
        + ", ".join(sorted({f"{r['cap'] / MB:,.0f} MB" for r in results}))
    )
    print("\n".join(lines[len(header) :]))
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    output = args.output or (None if args.quick else OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"written to {output}")


if __name__ == "__main__":
    main()
