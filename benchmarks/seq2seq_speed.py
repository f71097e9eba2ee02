"""Speed of RNNSeq2Seq against a hand-written PyTorch loop of the same network.

Synthetic token data: source ids drawn from a Zipf law over a vocabulary of
5,000, 10 to 40 tokens per sequence; each target is a deterministic function
of its source (every other source token, mapped into a target vocabulary of
500 ids), 5 to 20 tokens, so that source and target differ in length. Both
sides run the package's ``Seq2SeqModule`` (embedding 64, bidirectional LSTM
encoder of 128 per direction, LSTM decoder of 128, target embedding 64,
"general" attention, no dropout), the same number of threads and the same
batch size, timed interleaved (ours, the loop, ours, the loop, ...) after an
untimed warm-up; the figures are medians, and the ratio the median of the
per-repeat ratios.

1. training: ``RNNSeq2Seq.fit`` (no learning-rate schedule, no gradient
   clipping, which the loop does not do either) against the loop a PyTorch
   user writes: shuffled batches, each padded to its longest source and its
   longest target + end marker, ``module(x, lengths, targets)`` (teacher
   forcing), cross-entropy with ``ignore_index`` over the target padding,
   Adam;
2. greedy decoding: ``RNNSeq2Seq.predict`` against a loop over batches in
   data order of the size ``predict`` uses (``max(batch_size, 256)``):
   ``module.encode`` then ``module.step`` and ``argmax`` until every
   sequence of the batch has written the end marker or the length limit,
   on the same fitted module and with the same limit.

It prints sequences and tokens per second and the ratio of our time to the
loop's, next to the goal (at most 1.3x). Run from the repository root, with
nothing else running::

    python benchmarks/seq2seq_speed.py             # 3 repeats
    python benchmarks/seq2seq_speed.py --quick     # a smoke run
"""

import argparse
import statistics

import numpy as np
import torch
from torch import nn

# isort: split
from _timing import LoadMonitor, interleaved_times, padded_ids

from sklearn_rnn import RNNSeq2Seq
from sklearn_rnn._nn.seq2seq import Seq2SeqModule

VOCAB = 5000
TARGET_VOCAB = 500
THREADS = 2
BATCH = 32
PREDICT_BATCH = 256  # what RNNSeq2Seq.predict uses: max(batch_size, 256)
GOAL = 1.3
NETWORK = {
    "embedding_dim": 64,
    "hidden_size": 128,
    "target_embedding_dim": 64,
    "bidirectional": True,
    "attention": "general",
}


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 41, size=n)
    ids = np.minimum(rng.zipf(1.2, size=lengths.sum()), VOCAB - 3) + 1
    X = np.split(ids.astype(np.int64), np.cumsum(lengths)[:-1])
    # Target ids 1 .. TARGET_VOCAB, every one of them present, so that the
    # estimator's target ids are the tokens themselves.
    y = [(x[::2] * 7) % TARGET_VOCAB + 1 for x in X]
    y[0] = np.arange(1, TARGET_VOCAB + 1)[: len(y[0])]
    missing = np.setdiff1d(np.arange(1, TARGET_VOCAB + 1), np.concatenate(y))
    for k, start in enumerate(range(0, len(missing), 5)):
        y[k + 1] = np.r_[y[k + 1][:15], missing[start : start + 5]]
    return X, y


def hand_training(module, sources, targets, epochs, seed=0):
    """Teacher forcing over shuffled padded batches, masked cross-entropy, Adam."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    module.train()
    for _ in range(epochs):
        for index in torch.randperm(len(sources)).split(BATCH):
            x, lengths = padded_ids([sources[i] for i in index], 0)
            t, _ = padded_ids([targets[i] for i in index], -100)
            optimizer.zero_grad()
            out = module(x, lengths, t)
            loss = nn.functional.cross_entropy(out.transpose(1, 2), t)
            loss.backward()
            optimizer.step()


@torch.no_grad()
def hand_greedy(module, sources, max_length):
    """Greedy decoding, batch by batch in data order, token by token."""
    module.eval()
    decoded = []
    for start in range(0, len(sources), PREDICT_BATCH):
        x, lengths = padded_ids(sources[start : start + PREDICT_BATCH], 0)
        memory, mask, state = module.encode(x, lengths)
        end = module.begin
        ids = torch.full((len(x),), end)
        steps, ended = [], torch.zeros(len(x), dtype=torch.bool)
        for _ in range(max_length):
            output, state, _ = module.step(ids, state, memory, mask)
            output[:, 0] = -torch.inf  # padding is never a token
            ids = output.argmax(dim=1)
            steps.append(ids)
            ended |= ids == end
            if ended.all():
                break
        tokens = torch.stack(steps, dim=1)
        for row in tokens:
            stop = (row == end).nonzero()
            decoded.append(row[: int(stop[0]) if len(stop) else len(row)].numpy())
    return decoded


def compare(name, ours, loop, repeats):
    """Median seconds of each side and the median of the per-repeat ratios."""
    times = interleaved_times(ours, loop, repeats)
    for side, values in times.items():
        print(f"  {name}, {side} seconds: {', '.join(f'{v:.2f}' for v in values)}")
    ratio = statistics.median(
        a / b for a, b in zip(times["ours"], times["loop"], strict=True)
    )
    return {side: statistics.median(values) for side, values in times.items()}, ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, epochs, repeats = (300, 1, 1) if args.quick else (1000, 1, args.repeats)
    torch.set_num_threads(THREADS)
    X, y = make_data(n)
    n_target = sum(map(len, y)) + n  # with the end markers
    print(
        f"{n} pairs, {sum(map(len, X)):,} source / {n_target:,} target tokens "
        f"(end markers included), vocabularies {VOCAB} / {TARGET_VOCAB}; batch "
        f"{BATCH}, {epochs} epoch(s), {THREADS} threads; torch {torch.__version__}",
        flush=True,
    )
    model = RNNSeq2Seq(
        **NETWORK,
        dropout=0.0,
        vocab_size=VOCAB,
        batch_size=BATCH,
        max_epochs=epochs,
        random_state=0,
        n_threads=THREADS,
        lr_schedule=None,
        clip_grad_norm=None,
    )
    module = Seq2SeqModule(
        target_vocab_size=TARGET_VOCAB + 1, vocab_size=VOCAB, dropout=0.0, **NETWORK
    )
    end = module.begin
    targets = [np.r_[t, end] for t in y]
    decoded = {}
    with LoadMonitor() as load:
        train_times, train_ratio = compare(
            "training (teacher forcing)",
            lambda: model.fit(X, y),
            lambda: hand_training(module, X, targets, epochs),
            repeats,
        )
        model.fit(X, y)
        # The same network on both sides: as many target ids.
        assert len(model.target_tokens_) == TARGET_VOCAB
        limit = model.max_output_length_
        decode_times, decode_ratio = compare(
            "greedy decoding",
            lambda: decoded.__setitem__("ours", model.predict(X)),
            lambda: decoded.__setitem__("loop", hand_greedy(model.module_, X, limit)),
            repeats,
        )
    written = sum(map(len, decoded["ours"])) + n
    same = all(
        np.array_equal(a, b)
        for a, b in zip(decoded["ours"], decoded["loop"], strict=True)
    )
    print(
        f"\n{load.note()}. Greedy decoding writes {written:,} tokens (end markers "
        f"included, limit {limit} per sequence); ours and the loop decode the "
        f"same tokens: {same}.\n"
    )
    print(
        "| task | ours (seq/s) | hand-written loop (seq/s) | ours (tokens/s) "
        "| loop (tokens/s) | time ratio |"
    )
    print("|---|---|---|---|---|---|")
    for name, times, ratio, sequences, tokens in (
        ("training", train_times, train_ratio, n * epochs, n_target * epochs),
        ("greedy decoding", decode_times, decode_ratio, n, written),
    ):
        print(
            f"| {name} | {sequences / times['ours']:,.0f} "
            f"| {sequences / times['loop']:,.0f} | {tokens / times['ours']:,.0f} "
            f"| {tokens / times['loop']:,.0f} | {ratio:.2f}x |"
        )
    print()
    for name, ratio in (("training", train_ratio), ("greedy decoding", decode_ratio)):
        verdict = "meets" if ratio <= GOAL else "misses"
        print(
            f"goal: {name} at most {GOAL}x the loop's time ({ratio:.2f}x) -> {verdict}"
        )


if __name__ == "__main__":
    main()
