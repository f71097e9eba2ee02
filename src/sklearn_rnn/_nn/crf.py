"""A linear-chain conditional random field over per-step label scores.

The network scores each label at each step (emissions); the CRF adds a
learned score for every pair of consecutive labels (transitions), one for
the first label (start) and one for the last (end). The score of a label
path is the sum of its emissions and transitions, and its probability is
``exp(score) / Z`` over all paths. Training maximizes the log-likelihood of
the gold path; prediction takes the best path (Viterbi); per-step marginals
come from the forward-backward algorithm.

Everything works on log-potentials: at step ``t`` the score ``P[t, i, j]``
of moving from label ``i`` to label ``j``, which is
``emission[t, j] + transition[i, j]`` (at the first step, the same row for
every ``i``: ``emission[0, j] + start[j]``; at the last valid step,
``end[j]`` is added too). The module outputs them flattened to
(batch, time, n_labels ** 2), so that the loss, early stopping and
prediction see plain tensors and every learned parameter lives in the module
(early stopping's best weights and a failed fit's rollback restore the
transitions with the rest). The functions below take them as
(batch, time, n_labels, n_labels) with a (batch, time) mask of valid steps;
the valid steps of each sequence come first, as in a right-padded batch.
"""

import collections

import torch
from torch import nn

from .loss import IGNORED_STEP
from .per_step import PerStepModule


def _forward_scores(potentials, mask):
    """The forward algorithm's ``alpha`` after each step, (batch, n_labels).

    ``alpha[j]`` is the log of the summed exponentiated scores of all
    prefixes ending in label ``j``; padded steps leave it unchanged.
    """
    alpha = potentials[:, 0, 0]
    yield alpha
    for t in range(1, potentials.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + potentials[:, t], dim=1)
        alpha = torch.where(mask[:, t : t + 1], step, alpha)
        yield alpha


def log_partition(potentials, mask):
    """log Z of each sequence by the forward algorithm, (batch,).

    A sequence with no valid step has log Z = 0 (one empty path).
    """
    # Only the last alpha matters: the earlier ones are freed on the way.
    (alpha,) = collections.deque(_forward_scores(potentials, mask), maxlen=1)
    return torch.where(mask[:, 0], torch.logsumexp(alpha, dim=1), 0.0)


def path_score(potentials, tags, mask):
    """The score of the label path ``tags`` (batch, time) of each sequence."""
    # The previous label of step 0 is any row (they are equal): take row 0.
    previous = torch.cat([torch.zeros_like(tags[:, :1]), tags[:, :-1]], dim=1)
    tags = tags.masked_fill(~mask, 0)
    previous = previous.masked_fill(~mask, 0)
    n_labels = potentials.shape[-1]
    flat = potentials.flatten(2).gather(2, (previous * n_labels + tags).unsqueeze(2))
    return (flat.squeeze(2) * mask).sum(dim=1)


def negative_log_likelihood(potentials, mask, tags):
    """-log p(``tags`` | sequence) of each sequence, (batch,)."""
    return log_partition(potentials, mask) - path_score(potentials, tags, mask)


def viterbi(potentials, mask):
    """The best label path of each sequence, (batch, time) int64.

    Labels at padded steps are meaningless (the last valid label repeated).
    """
    score = potentials[:, 0, 0]
    backpointers = []
    identity = torch.arange(potentials.shape[-1], device=potentials.device)
    for t in range(1, potentials.shape[1]):
        step, best_previous = (score.unsqueeze(2) + potentials[:, t]).max(dim=1)
        valid = mask[:, t : t + 1]
        score = torch.where(valid, step, score)
        # At padding, each label "comes from" itself, so that the trace back
        # passes through unchanged to the last valid step.
        backpointers.append(torch.where(valid, best_previous, identity))
    best = [score.argmax(dim=1)]
    for pointers in reversed(backpointers):
        best.append(pointers.gather(1, best[-1].unsqueeze(1)).squeeze(1))
    return torch.stack(best[::-1], dim=1)


def marginals(potentials, mask):
    """p(label j at step t | sequence) by forward-backward, (batch, time, n_labels).

    Zero at padded steps; each valid step's row sums to 1.
    """
    n_steps = potentials.shape[1]
    alphas = list(_forward_scores(potentials, mask))
    # beta[j]: log of the summed scores of all suffixes after label j at step
    # t; 0 at the last valid step and beyond.
    betas = [torch.zeros_like(alphas[0])]
    for t in range(n_steps - 1, 0, -1):
        step = torch.logsumexp(potentials[:, t] + betas[-1].unsqueeze(1), dim=2)
        betas.append(torch.where(mask[:, t : t + 1], step, betas[-1]))
    log_joint = torch.stack(alphas, dim=1) + torch.stack(betas[::-1], dim=1)
    proba = torch.softmax(log_joint, dim=2)
    return proba * mask.unsqueeze(2)


class LinearChainCRF(nn.Module):
    """Transition, start and end scores: emissions to log-potentials.

    Parameters
    ----------
    n_labels : int
        Number of labels.
    """

    def __init__(self, n_labels):
        super().__init__()
        self.n_labels = n_labels
        # Zero: no preference until the data show one (as pytorch-crf's
        # uniform(-0.1, 0.1), but deterministic and symmetric).
        self.transitions = nn.Parameter(torch.zeros(n_labels, n_labels))
        self.start = nn.Parameter(torch.zeros(n_labels))
        self.end = nn.Parameter(torch.zeros(n_labels))

    def forward(self, emissions, lengths):
        """Log-potentials (batch, time, n_labels, n_labels) of ``emissions``
        (batch, time, n_labels) of sequences of ``lengths``; 0 at padding."""
        n_steps = emissions.shape[1]
        steps = torch.arange(n_steps, device=emissions.device)
        first = (steps == 0).view(1, n_steps, 1, 1)
        last = (steps.unsqueeze(0) == (lengths.unsqueeze(1) - 1)).unsqueeze(2)
        valid = (steps.unsqueeze(0) < lengths.unsqueeze(1)).view(-1, n_steps, 1, 1)
        into = emissions + last * self.end  # scores of arriving at label j
        pairs = torch.where(first, self.start.unsqueeze(0), self.transitions)
        return (into.unsqueeze(2) + pairs).masked_fill(~valid, 0.0)


class CRFPerStepModule(PerStepModule):
    """:class:`PerStepModule` whose outputs are a CRF's log-potentials.

    Takes the arguments of :class:`PerStepModule`; ``output_size`` is the
    number of labels, and each step's output is the flattened
    (n_labels, n_labels) log-potentials of :class:`LinearChainCRF`, zero at
    padding.
    """

    def __init__(self, input_size=None, output_size=2, **params):
        super().__init__(input_size, output_size, **params)
        self.crf = LinearChainCRF(output_size)

    def forward(self, values, lengths):
        emissions = super().forward(values, lengths)
        lengths = lengths.to(emissions.device)
        return self.crf(emissions, lengths).flatten(2)


def unflatten(potentials):
    """(..., n_labels ** 2) log-potentials as (..., n_labels, n_labels)."""
    n_labels = round(potentials.shape[-1] ** 0.5)
    return potentials.unflatten(-1, (n_labels, n_labels))


class CRFLoss(nn.Module):
    """Negative log-likelihood of the gold label paths, per valid step.

    ``sum_b w_b * (log Z_b - score_b(gold)) / sum_b w_b * length_b``: with
    equal weights, the mean over steps of the sequences' negative
    log-likelihoods, on the scale of the per-step cross-entropy, so that the
    learning rate keeps its meaning. ``y_pred`` is the flattened
    log-potentials (batch, time, n_labels ** 2); y's ``target`` (batch, time)
    holds ``IGNORED_STEP`` at padding and ``weight`` (batch,) the sequence
    weights.
    """

    def forward(self, y_pred, y_true):
        target, weight = y_true["target"], y_true["weight"]
        mask = target != IGNORED_STEP
        potentials = unflatten(y_pred)
        tags = target.masked_fill(~mask, 0)
        nll = negative_log_likelihood(potentials, mask, tags)
        weight = weight.to(nll.dtype)
        steps = (mask.sum(dim=1) * weight).sum()
        return (nll * weight).sum() / steps.clamp(min=1e-12)
