"""Data-parallel training across the processes of a ``torch.distributed`` group.

With ``distributed=True``, every process of the group (one per GPU, started
by ``torchrun``) calls ``fit`` on the same data. Each trains on its own share
of every epoch's batches, and the gradients are averaged across processes
before every optimizer step, which is what ``DistributedDataParallel`` does.
The weights thus stay the same in every process, and so do the scores,
the early-stopping decisions and the fitted model.

Why not ``DistributedDataParallel`` or skorch's ``AccelerateMixin``: both
wrap the module, which renames its ``state_dict`` keys (``module.``) for the
length of training, and Accelerate expects a ``torch.utils.data.DataLoader``,
where our batches come from length buckets; its evaluation step gathers
outputs across processes, which our prediction (per process, on the whole
data) must not do. Averaging the gradients in a skorch callback keeps the
module, the batching, the rollback of a failed fit and pickling as they
are on one device. The cost: the gradients go in one all-reduce per step,
after the backward pass, where DDP overlaps that communication with the
backward pass (what this costs on GPUs has not been measured).
"""

import os

import torch
import torch.distributed as dist
from skorch.callbacks import Callback


def process_group():
    """``(rank, world_size)`` of the initialized default process group."""
    if not (dist.is_available() and dist.is_initialized()):
        raise ValueError(
            "distributed=True trains across the processes of a torch.distributed "
            "process group, but none is initialized in this process. Start one "
            "process per device (e.g. `torchrun --nproc_per_node=2 train.py`) "
            "and call torch.distributed.init_process_group() before fit; or set "
            "distributed=False to train in this process alone."
        )
    return dist.get_rank(), dist.get_world_size()


def process_device(device):
    """The device of this process: a bare ``cuda`` becomes ``cuda:LOCAL_RANK``.

    ``torchrun`` sets ``LOCAL_RANK``, the index of the process on its machine;
    without it, the current CUDA device (``torch.cuda.set_device``).
    """
    if device.type != "cuda" or device.index is not None:
        return device
    index = os.environ.get("LOCAL_RANK")
    return torch.device("cuda", int(index) if index else torch.cuda.current_device())


def rank_zero_value(value):
    """``value`` as process 0 has it, in every process."""
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


class ProcessShard:
    """The share of every epoch's batches that this process trains on.

    Every process draws the same batches (from a seed process 0 draws and
    shares, so that the processes' own random draws, such as dropout, may
    differ) and takes every ``world_size``-th, starting at its ``rank``.
    Batches are repeated to make the count a multiple of ``world_size``, as
    ``DistributedSampler`` repeats samples: every process must take the same
    number of optimizer steps, or the one with more would wait forever for
    the others' gradients.
    """

    def __init__(self, rank, world_size):
        self.rank = rank
        self.world_size = world_size

    def n_batches(self, n_batches):
        """The batches each process takes out of ``n_batches``."""
        return -(-n_batches // self.world_size)

    def shared_generator(self):
        """A torch generator seeded alike in every process."""
        seed = int(torch.randint(2**62, ()))
        return torch.Generator().manual_seed(rank_zero_value(seed))

    def take(self, batches):
        """This process's batches of the epoch's ``batches`` (a list)."""
        total = self.n_batches(len(batches)) * self.world_size
        padded = [batches[i % len(batches)] for i in range(total)]
        return padded[self.rank :: self.world_size]


class AverageGradients(Callback):
    """Keep the processes' networks equal: same start, averaged updates.

    At the start of training the weights and buffers of process 0 are
    copied to all; after every backward pass the gradients are averaged
    (one all-reduce), before gradient clipping and the optimizer step; at
    the end of each epoch the training loss is averaged, so that the log,
    a plateau schedule and the divergence check see the same value
    everywhere, and so are batch-norm running statistics, which each process
    gathered on its own batches.
    """

    def on_train_begin(self, net, **kwargs):
        for tensor in _state_tensors(net.module_):
            dist.broadcast(tensor, src=0)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        parameters = [p for _, p in named_parameters if p.requires_grad]
        if not parameters:
            return
        # A parameter without a gradient in this process (unused this step)
        # still takes part, as zeros: every process must reduce the same
        # flat buffer.
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in parameters]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= dist.get_world_size()
        sizes = [p.numel() for p in parameters]
        for p, g in zip(parameters, flat.split(sizes), strict=True):
            p.grad = g.view_as(p)

    def on_epoch_end(self, net, **kwargs):
        world_size = dist.get_world_size()
        device = next(net.module_.parameters()).device
        loss = torch.tensor([net.history[-1, "train_loss"]], device=device)
        dist.all_reduce(loss)
        net.history.record("train_loss", float(loss) / world_size)
        for buffer in _state_tensors(net.module_, buffers_only=True):
            if buffer.is_floating_point():
                dist.all_reduce(buffer)
                buffer /= world_size


class ShareValidationScores(Callback):
    """Process 0's held-out scores in every process's history.

    The processes hold the same weights and score the same hold-out, but a
    kernel may round differently on another device, and one differing
    early-stopping decision would leave the other processes waiting forever.
    Runs after the scoring, before early stopping.
    """

    _KEYS = ("valid_loss", "valid_loss_best", "valid_score", "valid_score_best")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        shared = rank_zero_value({key: row[key] for key in self._KEYS})
        for key, value in shared.items():
            net.history.record(key, value)


def _state_tensors(module, buffers_only=False):
    tensors = [] if buffers_only else [p.data for p in module.parameters()]
    return tensors + list(module.buffers())
