"""How many intra-op threads a fit or a prediction uses, and for how long.

torch's OpenMP threads spin-wait between parallel regions. A second thread on
a small network buys little (each step's matrices are too small to split
well) and costs a lot as soon as another process wants the core: on a 2-core
machine with one competing busy process, fits ran 2.7-3.8x slower with 2
threads than with 1 (2.7x for 2,000 x 40 steps at batch 128, 3.8x for
200 x 24 steps at batch 32), while on the idle machine 2 threads were
1.15-1.66x faster. So a fit uses one thread unless each optimizer step has
enough arithmetic for more to pay, never more than torch would use anyway
(``torch.get_num_threads()``, which honours ``OMP_NUM_THREADS`` and the limit
joblib's loky workers set) nor more than the cores other processes leave
free when it starts, and only while it runs: the caller's setting is
restored afterwards and nothing is set at import.
"""

import contextlib
import os

import torch
from torch import nn

# Multiply-adds per time step of a whole batch (batch size x the network's
# work per step) that each thread needs to pay for itself. A recurrent core
# parallelizes within a time step, never across steps, so the batch's work
# per step decides, not the sequence length. Measured on 2 idle cores (AMD
# EPYC, AVX-512), whole fits of a plain LSTM(8 -> h) + head on 200 x 24
# steps at batch 32, time on 1 thread / on 2 threads: h=8 (16k per step)
# 0.97, h=16 (49k) 1.02, h=32 (164k) 1.04, h=64 (590k) 1.16-1.19. At batch
# 64 (1.2M) one thread made a fit take 1.79 times the two-thread
# hand-written loop's time; at batch 128 (2.4M) 2 threads were 1.19-1.59
# times faster, with the default 64-128-64 branch at batch 32 (2.8M)
# 1.15-1.66. A thread per 250k multiply-adds gives h=64 its second thread
# and keeps smaller networks at batch 32 on one. On a loaded machine the
# free cores decide.
_WORK_PER_THREAD = 250_000


def step_work(module):
    """Multiply-adds of ``module``'s forward pass per time step of one sequence.

    Every weight of a recurrent layer (input-to-hidden and hidden-to-hidden)
    and of a convolution is one multiply-add per time step, so their count is
    the work; biases, normalization and the head are small next to them.
    """
    work = 0
    for layer in module.modules():
        if isinstance(layer, nn.RNNBase):
            work += sum(
                weight.numel()
                for name, weight in layer.named_parameters()
                if name.startswith("weight")
            )
        elif isinstance(layer, nn.Conv1d):
            work += layer.weight.numel()
    return work


def resolve_n_threads(n_threads, work):
    """The number of threads to use for ``work`` multiply-adds per batch step.

    An int is used as given. ``"auto"``: one thread per ``_WORK_PER_THREAD``
    multiply-adds, at least 1 and at most the smaller of
    ``torch.get_num_threads()`` and the number of cores that other processes
    leave free.
    """
    if n_threads != "auto":
        return int(n_threads)
    wanted = int(work // _WORK_PER_THREAD)
    if wanted <= 1:
        return 1
    free = _usable_cores() - busy_cores_elsewhere()
    return max(1, min(wanted, torch.get_num_threads(), free))


def _usable_cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def busy_cores_elsewhere():
    """How many tasks of other processes are running or ready to run now.

    Linux only (``/proc``), else 0: the system's runnable tasks
    (``/proc/loadavg``) minus this process's own (``/proc/self/task``). A
    snapshot, not an average: it sees a busy process at once, where the load
    average would lag by a minute and count this process's own past work.
    """
    try:
        with open("/proc/loadavg") as loadavg:
            runnable = int(loadavg.read().split()[3].split("/")[0])
        own = 0
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/stat") as stat:
                # The state follows the command name, which is in parentheses.
                own += stat.read().rpartition(")")[2].split()[0] == "R"
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, runnable - own)


@contextlib.contextmanager
def limited_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore the old count."""
    previous = torch.get_num_threads()
    if n_threads == previous:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
