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
from ._input_checks import DecoderTargets, Sequences
from ._nn.loss import IGNORED_STEP
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
    the weighted loss takes; weights (one per sequence) default to 1. A
    per-step target is a :class:`Sequences` of one label per step of X (same
    lengths), padded in a batch with ``IGNORED_STEP``. A
    :class:`DecoderTargets` target has lengths of its own, and is also passed
    to the network as X's ``"targets"`` (the decoder's teacher forcing).
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
        self.per_step = isinstance(target, Sequences)
        self.decoder_targets = isinstance(target, DecoderTargets)
        self.target_lengths = self.target_offsets = None
        if self.decoder_targets:
            self.target_lengths = torch.from_numpy(target.lengths)
            self.target_offsets = torch.from_numpy(sequence_offsets(target.lengths))
        elif self.per_step and not np.array_equal(target.lengths, sequences.lengths):
            raise ValueError("A per-step target needs one label per step of X.")
        if self.per_step:
            target = target.values
        self.target = None if target is None else torch.from_numpy(target)
        if target is not None and weight is None:
            weight = np.ones(len(target), dtype=np.float32)
        self.weight = None if weight is None else torch.from_numpy(weight)

    def __len__(self):
        return len(self.lengths)

    def loss_target(self):
        """y for the loss over the whole data set, in the layout of
        ``network_outputs``: per sequence, or per step stored end to end."""
        weight = self.weight
        if self.per_step:
            own = self.target_lengths  # the decoder's targets have their own
            weight = weight.repeat_interleave(self.lengths if own is None else own)
        return {"target": self.target, "weight": weight}


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


def batch_indices(lengths, batch_size, *, shuffle, generator=None):
    """Split sample indices into batches of sequences of similar length.

    With ``shuffle``, the samples are permuted, sorted by length within pools
    of ``_POOL_BATCHES`` batches and the batches are visited in random order
    (drawn from ``generator``, by default torch's global generator, which
    ``fit`` seeds). Without it, indices are sorted by length (stable), which
    is what prediction uses.
    """
    n_samples = len(lengths)
    if not shuffle:
        return list(torch.argsort(lengths, stable=True).split(batch_size))
    order = torch.randperm(n_samples, generator=generator)
    pool = batch_size * _POOL_BATCHES
    batches = []
    for start in range(0, n_samples, pool):
        chunk = order[start : start + pool]
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches.extend(chunk.split(batch_size))
    visit = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in visit]


def take_batch(dataset, index):
    """Gather one batch, right-padded with zeros to its own longest sequence.

    Unless every sequence of the data set has the same length, the width is
    rounded up to a multiple of ``_WIDTH_MULTIPLE`` steps (equal-length
    batches included), which bounds the number of distinct batch shapes.
    """
    lengths = dataset.lengths[index]
    fixed = dataset.fixed_length is not None
    if fixed:
        values = dataset.fixed_length[index]
        width = values.shape[1]
    else:
        width = _batch_width(lengths)
        positions = dataset.offsets[index].unsqueeze(1) + torch.arange(width)
        valid = valid_step_mask(lengths, width)
        # Zeros, then the valid steps scattered in: padding cannot poison
        # masked pooling, and a batch of empty sequences reads no data at all.
        values = _padded(dataset.values, positions, valid, fill=0)
    inputs = {"values": values, "lengths": lengths}
    target = None
    if dataset.decoder_targets:
        labels = _padded_sequences(
            dataset.target,
            dataset.target_lengths[index],
            dataset.target_offsets[index],
            fill=IGNORED_STEP,
        )
        inputs["targets"] = labels
        target = {"target": labels, "weight": dataset.weight[index]}
    elif dataset.target is not None:
        if not dataset.per_step:
            labels = dataset.target[index]
        elif fixed:
            labels = dataset.target.view(-1, width)[index]
        else:
            labels = _padded(dataset.target, positions, valid, fill=IGNORED_STEP)
        target = {"target": labels, "weight": dataset.weight[index]}
    return inputs, target


def _padded_sequences(flat, lengths, offsets, *, fill):
    """Sequences stored end to end in ``flat`` at ``offsets``, right-padded
    with ``fill`` to a width rounded up as ``take_batch`` rounds X's."""
    width = _batch_width(lengths)
    positions = offsets.unsqueeze(1) + torch.arange(width)
    return _padded(flat, positions, valid_step_mask(lengths, width), fill=fill)


def _batch_width(lengths):
    """The longest of ``lengths`` rounded up to ``_WIDTH_MULTIPLE``; a batch of
    empty sequences runs on one padding step."""
    return -(-int(lengths.max()) // _WIDTH_MULTIPLE) * _WIDTH_MULTIPLE or 1


def _padded(flat, positions, valid, *, fill):
    """The steps at ``positions`` of ``flat``, ``fill`` where not ``valid``."""
    shape = (*valid.shape, *flat.shape[1:])
    padded = flat.new_full(shape, fill)
    padded[valid] = flat[positions[valid]]
    return padded


class BucketBatchIterator:
    """skorch's ``iterator_train``: length-bucketed, shuffled batches.

    skorch calls ``BucketBatchIterator(dataset, batch_size=..., **kwargs)`` once
    per epoch and iterates over it; each batch is ``({"values", "lengths"}, y)``.
    With a ``shard`` (``_distributed.ProcessShard``), it yields only this
    process's share of the epoch's batches.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, shard=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.shard = shard

    def __len__(self):
        n_batches = -(-len(self.dataset) // self.batch_size)
        return n_batches if self.shard is None else self.shard.n_batches(n_batches)

    def __iter__(self):
        lengths = self.dataset.lengths
        if self.shard is None:
            batches = batch_indices(lengths, self.batch_size, shuffle=self.shuffle)
        else:
            generator = self.shard.shared_generator() if self.shuffle else None
            batches = self.shard.take(
                batch_indices(
                    lengths, self.batch_size, shuffle=self.shuffle, generator=generator
                )
            )
        for index in batches:
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


def step_outputs(net, dataset, batch_size):
    """Per-step outputs of ``net`` for every valid step of ``dataset``, stored
    end to end in its order: a NumPy array of shape (total_steps, n_outputs)."""
    outputs = None
    for index, batch in sorted_batches(dataset, batch_size):
        output = net.evaluation_step(batch, training=False).detach().to("cpu")
        lengths = batch[0]["lengths"]
        valid = valid_step_mask(lengths, output.shape[1])
        positions = dataset.offsets[index].unsqueeze(1) + torch.arange(output.shape[1])
        if outputs is None:
            total = int(dataset.lengths.sum())
            outputs = np.empty((total, output.shape[2]), output.numpy().dtype)
        outputs[positions[valid].numpy()] = output[valid].numpy()
    if outputs is None:  # no sequences
        outputs = np.empty((0, 0), np.float32)
    return outputs
