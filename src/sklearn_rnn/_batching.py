"""Batching sequences for torch: the dataset, batch order and padding.

Sequences arrive stored end to end (:class:`~._input_checks.Sequences`). A
batch gathers its sequences into an array padded only to its own longest
member (rounded up to a multiple of 8 steps); batches group sequences of
similar length, which on CPU is several times faster than packing and
markedly faster than padding everything to the global maximum.
"""

import warnings

import numpy as np
import torch

from ._input import sequence_offsets
from ._nn.masking import valid_step_mask

# A shuffled epoch sorts pools of this many batches by length: large enough to
# make batches tight, small enough to keep their composition random.
_POOL_BATCHES = 50
# Ragged batches are padded to a multiple of this many steps. oneDNN plans and
# caches one primitive per input shape (up to 1024 of them, for the life of
# the process): padding to the batch's own longest member gives every width
# its own plan and cache entry, rounding up gives up to 8 times fewer, for at
# most 7 steps of masked padding per batch.
_WIDTH_MULTIPLE = 8


class SequenceDataset(torch.utils.data.Dataset):
    """Sequences (stored end to end), their lengths, targets and weights.

    With a target, batches carry ``{"target": ..., "weight": ...}`` as y, which
    the weighted loss takes; weights default to 1.
    """

    def __init__(self, sequences, target=None, weight=None):
        self.values = _shared_tensor(sequences.values)
        self.lengths = torch.from_numpy(sequences.lengths)
        self.offsets = torch.from_numpy(sequence_offsets(sequences.lengths))
        # Fixed-length data (the common dense case) is a (n, T, ...) view: its
        # batches are then one index_select, with no positions to compute.
        self.fixed_length = None
        if self.lengths[0] > 0 and bool((self.lengths == self.lengths[0]).all()):
            self.fixed_length = self.values.view(
                len(self.lengths), int(self.lengths[0]), *self.values.shape[1:]
            )
        self.target = None if target is None else torch.from_numpy(target)
        if target is not None and weight is None:
            weight = np.ones(len(target), dtype=np.float32)
        self.weight = None if weight is None else torch.from_numpy(weight)

    def __len__(self):
        return len(self.lengths)


def _shared_tensor(array):
    """A tensor sharing ``array``'s memory, read-only arrays included.

    A chunk of a read-only memory map reaches here uncopied, which is what
    keeps out-of-core training flat in memory; torch warns that it cannot
    write to it, but batches only read from it (``take_batch`` copies).
    """
    if array.flags.writeable:
        return torch.from_numpy(array)
    with warnings.catch_warnings():
        # from_numpy's one warning, about writes that never happen here.
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)


def batch_indices(lengths, batch_size, *, shuffle):
    """Split sample indices into batches of sequences of similar length.

    With ``shuffle``, the samples are permuted, sorted by length within pools
    of ``_POOL_BATCHES`` batches and the batches are visited in random order
    (torch's global generator, which ``fit`` seeds). Without it, indices are
    sorted by length (stable), which is what prediction uses.
    """
    n_samples = len(lengths)
    if not shuffle:
        return list(torch.argsort(lengths, stable=True).split(batch_size))
    order = torch.randperm(n_samples)
    pool = batch_size * _POOL_BATCHES
    batches = []
    for start in range(0, n_samples, pool):
        chunk = order[start : start + pool]
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches.extend(chunk.split(batch_size))
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


def take_batch(dataset, index):
    """Gather one batch, right-padded with zeros to its own longest sequence.

    Unless every sequence of the data set has the same length, the width is
    rounded up to a multiple of ``_WIDTH_MULTIPLE`` steps (equal-length
    batches included), which bounds the number of distinct batch shapes.
    """
    lengths = dataset.lengths[index]
    target = None
    if dataset.target is not None:
        target = {"target": dataset.target[index], "weight": dataset.weight[index]}
    if dataset.fixed_length is not None:
        return {"values": dataset.fixed_length[index], "lengths": lengths}, target
    # A batch of empty sequences runs on one padding step.
    width = -(-int(lengths.max()) // _WIDTH_MULTIPLE) * _WIDTH_MULTIPLE or 1
    positions = dataset.offsets[index].unsqueeze(1) + torch.arange(width)
    # Zeros, then the valid steps scattered in: padding cannot poison masked
    # pooling, and a batch of empty sequences reads no data at all.
    valid = valid_step_mask(lengths, width)
    shape = (len(index), width, *dataset.values.shape[1:])
    values = dataset.values.new_zeros(shape)
    values[valid] = dataset.values[positions[valid]]
    return {"values": values, "lengths": lengths}, target


class BucketBatchIterator:
    """skorch's ``iterator_train``: length-bucketed, shuffled batches.

    skorch calls ``BucketBatchIterator(dataset, batch_size=..., **kwargs)`` once
    per epoch and iterates over it; each batch is ``({"values", "lengths"}, y)``.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        for index in batch_indices(
            self.dataset.lengths, self.batch_size, shuffle=self.shuffle
        ):
            yield take_batch(self.dataset, index)


def sorted_batches(dataset, batch_size):
    """``(index, batch)`` over ``dataset`` in batches sorted by length.

    The order of prediction and of recomputing batch-norm statistics:
    similar lengths share a batch, so little is padded.
    """
    for index in batch_indices(dataset.lengths, batch_size, shuffle=False):
        yield index, take_batch(dataset, index)


def network_outputs(net, dataset, batch_size):
    """Outputs of the skorch ``net`` for every sequence of ``dataset``, in its
    order, as a NumPy array of shape (n_sequences, n_outputs)."""
    outputs = None
    for index, batch in sorted_batches(dataset, batch_size):
        output = net.evaluation_step(batch, training=False)
        output = output.detach().to("cpu").numpy()
        if outputs is None:
            outputs = np.empty((len(dataset), output.shape[1]), output.dtype)
        outputs[index.numpy()] = output
    return outputs
