"""Speed of the per-step estimators against hand-written PyTorch loops.

Three comparisons on synthetic token data (ids drawn from a Zipf law over a
vocabulary of 5,000; 10 to 40 tokens per sequence), each timed interleaved
(ours, the loop, ours, the loop, ...) after an untimed warm-up, on the same
network (the package's ``PerStepModule``, so both run the same kernels), the
same number of threads and the same batch size:

1. tagging, training: ``RNNTagger(embedding_dim=64, hidden_size=64)``
   (bidirectional) against a loop over shuffled batches, each padded to its
   longest sequence, cross-entropy with ``ignore_index`` over the padding,
   Adam;
2. language model, training: ``RNNLanguageModel(embedding_dim=64,
   hidden_size=128)`` against the same loop on (begin marker + tokens,
   tokens + end marker);
3. language model, generation: ``RNNLanguageModel.sample(64, max_length=100)``
   against a loop that feeds each drawn token back through ``nn.LSTM`` with
   its state (``torch.multinomial`` on the softmax).

It prints tokens per second for each and the ratio of our time to the
loop's, next to the goal (at most 1.2x). Run from the repository root, with
nothing else running::

    python benchmarks/sequence_outputs_speed.py           # 3 repeats
    python benchmarks/sequence_outputs_speed.py --quick   # a smoke run
"""

import argparse
import statistics

import numpy as np
import torch
from torch import nn

# isort: split
from _timing import interleaved_times, padded_ids

from sklearn_rnn import RNNLanguageModel, RNNTagger
from sklearn_rnn._nn.per_step import PerStepModule

VOCAB = 5000
N_TAGS = 17
THREADS = 2
BATCH = 32


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 41, size=n)
    ids = np.minimum(rng.zipf(1.2, size=lengths.sum()), VOCAB - 3) + 1
    X = np.split(ids.astype(np.int64), np.cumsum(lengths)[:-1])
    y = [(x * 7) % N_TAGS for x in X]  # a label per token
    return X, y


def hand_loop(module, inputs, targets, epochs, seed=0):
    """The loop a PyTorch user writes: shuffled batches padded to their
    longest member, masked cross-entropy, Adam."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    module.train()
    for _ in range(epochs):
        for index in torch.randperm(len(inputs)).split(BATCH):
            x, lengths = padded_ids([inputs[i] for i in index], 0)
            t, _ = padded_ids([targets[i] for i in index], -100)
            optimizer.zero_grad()
            out = module(x, lengths)
            loss = nn.functional.cross_entropy(out.transpose(1, 2), t)
            loss.backward()
            optimizer.step()


@torch.no_grad()
def hand_generation(module, n_samples, max_length, begin, seed=0):
    generator = torch.Generator().manual_seed(seed)
    module.eval()
    ids = torch.full((n_samples,), begin)
    state = None
    for _ in range(max_length):
        embedded = module.embedding(ids.unsqueeze(1))
        out, state = module.core(embedded, state)
        probs = torch.softmax(module.head(out[:, 0]), dim=1)
        ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)


def compare(name, ours, loop, n_tokens, repeats):
    times = interleaved_times(ours, loop, repeats)
    ratios = [a / b for a, b in zip(times["ours"], times["loop"], strict=True)]
    ratio = statistics.median(ratios)
    rate_ours = n_tokens / statistics.median(times["ours"])
    rate_loop = n_tokens / statistics.median(times["loop"])
    verdict = "meets" if ratio <= 1.2 else "misses"
    print(
        f"| {name} | {rate_ours:,.0f} | {rate_loop:,.0f} | {ratio:.2f}x "
        f"({verdict} <= 1.2x) |",
        flush=True,
    )
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, epochs, repeats = (300, 1, 1) if args.quick else (2000, 2, args.repeats)
    torch.set_num_threads(THREADS)
    X, y = make_data(n)
    n_tokens = sum(map(len, X))
    common = {"batch_size": BATCH, "max_epochs": epochs, "random_state": 0}
    common.update(n_threads=THREADS, lr_schedule=None)
    print(
        f"{n} sequences, {n_tokens:,} tokens, vocabulary {VOCAB}; batch {BATCH}, "
        f"{epochs} epoch(s), {THREADS} threads; torch {torch.__version__}\n"
    )
    print("| task | ours (tokens/s) | hand-written loop (tokens/s) | time ratio |")
    print("|---|---|---|---|")

    tagger = RNNTagger(
        embedding_dim=64, hidden_size=64, dropout=0.0, vocab_size=VOCAB, **common
    )
    tagger.set_params(token_dropout=0.0)
    tag_module = PerStepModule(
        output_size=N_TAGS,
        embedding_dim=64,
        vocab_size=VOCAB,
        hidden_size=64,
        bidirectional=True,
    )
    compare(
        "tagging, training",
        lambda: tagger.fit(X, y),
        lambda: hand_loop(tag_module, X, y, epochs),
        n_tokens * epochs,
        repeats,
    )

    lm = RNNLanguageModel(
        embedding_dim=64, hidden_size=128, dropout=0.0, vocab_size=VOCAB, **common
    )
    lm.set_params(clip_grad_norm=None)
    begin = end = VOCAB
    inputs = [np.r_[begin, x] for x in X]
    targets = [np.r_[x, end] for x in X]
    lm_module = PerStepModule(
        output_size=VOCAB + 1, embedding_dim=64, vocab_size=VOCAB + 1, hidden_size=128
    )
    compare(
        "language model, training",
        lambda: lm.fit(X),
        lambda: hand_loop(lm_module, inputs, targets, epochs),
        (n_tokens + n) * epochs,
        repeats,
    )

    lm.fit(X[:200])
    n_samples, length = 64, 100
    # Draws that never end early: both generate n_samples x length tokens.
    lm.module_.head.bias.data[-1] = -1e4
    compare(
        "language model, generation",
        lambda: lm.sample(n_samples, max_length=length, random_state=0),
        lambda: hand_generation(lm.module_, n_samples, length, begin),
        n_samples * length,
        repeats,
    )


if __name__ == "__main__":
    main()
