"""The CRF against brute-force enumeration of every tag sequence on tiny inputs."""

from __future__ import annotations

import itertools

import pytest
import torch

from argmine.models.crf import CRF

# BIO over one label: tags O=0, B=1, I=2. I may not start nor follow O.
BIO_ALLOWED = (
    [True, True, False],
    [[True, True, False], [True, True, True], [True, True, True]],
    [True, True, True],
)


def _allowed_seq(seq: tuple[int, ...], allowed) -> bool:
    start, trans, end = allowed
    return start[seq[0]] and end[seq[-1]] and all(trans[a][b] for a, b in itertools.pairwise(seq))


def _seq_score(crf: CRF, em: torch.Tensor, seq: tuple[int, ...]) -> torch.Tensor:
    start, trans, end = crf._scores()
    s = start[seq[0]] + end[seq[-1]]
    for t, k in enumerate(seq):
        s = s + em[t, k]
    for a, b in itertools.pairwise(seq):
        s = s + trans[a, b]
    return s


def _random_crf(k: int, allowed=None, seed: int = 0) -> CRF:
    torch.manual_seed(seed)
    crf = CRF(k, allowed)
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    return crf


@pytest.mark.parametrize("allowed", [None, BIO_ALLOWED])
def test_nll_matches_brute_force_with_padding(allowed) -> None:
    crf = _random_crf(3, allowed)
    em = torch.randn(3, 4, 3)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=torch.bool)
    tags = torch.tensor([[1, 2, 0, 1], [0, 1, -100, -100], [1, -100, -100, -100]])
    expected = []
    for b in range(3):
        n = int(mask[b].sum())
        scores = torch.stack(
            [_seq_score(crf, em[b], seq) for seq in itertools.product(range(3), repeat=n)]
        )
        gold = _seq_score(crf, em[b], tuple(tags[b, :n].tolist()))
        expected.append(torch.logsumexp(scores, 0) - gold)
    loss = crf(em, tags, mask)
    assert loss.item() == pytest.approx(torch.stack(expected).mean().item(), abs=1e-4)


@pytest.mark.parametrize("allowed", [None, BIO_ALLOWED])
def test_viterbi_matches_brute_force(allowed) -> None:
    crf = _random_crf(3, allowed, seed=1)
    torch.manual_seed(2)
    em = torch.randn(5, 5, 3) * 2
    lengths = [5, 4, 3, 1, 2]
    mask = torch.arange(5)[None, :] < torch.tensor(lengths)[:, None]
    paths = crf.decode(em, mask)
    for b, n in enumerate(lengths):
        best = max(
            itertools.product(range(3), repeat=n),
            key=lambda seq, b=b: _seq_score(crf, em[b], seq).item(),
        )
        assert paths[b] == list(best)


def test_constrained_viterbi_never_emits_forbidden_sequence() -> None:
    # Two labels, BIO: O=0, B-X=1, I-X=2, B-Y=3, I-Y=4.
    k = 5
    start = [True, True, False, True, False]
    trans = [[True] * k for _ in range(k)]
    for a in range(k):
        trans[a][2] = a in (1, 2)
        trans[a][4] = a in (3, 4)
    allowed = (start, trans, [True] * k)
    crf = _random_crf(k, allowed, seed=3)
    torch.manual_seed(4)
    em = torch.randn(64, 12, k) * 5
    lengths = torch.randint(1, 13, (64,))
    mask = torch.arange(12)[None, :] < lengths[:, None]
    for path in crf.decode(em, mask):
        assert _allowed_seq(tuple(path), allowed)


def test_marginals_sum_to_one_and_match_brute_force() -> None:
    crf = _random_crf(3, BIO_ALLOWED, seed=5)
    em = torch.randn(2, 4, 3)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.bool)
    marg = crf.marginals(em, mask)
    sums = marg.sum(-1)
    assert torch.allclose(sums[mask], torch.ones(7), atol=1e-5)
    assert torch.all(sums[~mask] == 0)
    # brute force for row 1 (length 3)
    seqs = list(itertools.product(range(3), repeat=3))
    probs = torch.softmax(torch.stack([_seq_score(crf, em[1], s) for s in seqs]), 0)
    expected = torch.zeros(3, 3)
    for p, seq in zip(probs, seqs, strict=True):
        for t, k in enumerate(seq):
            expected[t, k] += p
    assert torch.allclose(marg[1, :3], expected, atol=1e-5)


def test_gradient_flows_and_empty_rows() -> None:
    crf = CRF(3, BIO_ALLOWED)
    em = torch.randn(2, 3, 3, requires_grad=True)
    mask = torch.tensor([[1, 1, 1], [0, 0, 0]], dtype=torch.bool)
    tags = torch.tensor([[1, 2, 0], [-100, -100, -100]])
    loss = crf(em, tags, mask)
    loss.backward()
    assert torch.isfinite(loss)
    assert em.grad is not None and em.grad[0].abs().sum() > 0
    assert em.grad[1].abs().sum() == 0
    assert crf.transitions.grad is not None and crf.transitions.grad.abs().sum() > 0
    assert crf.decode(em, mask) == [crf.decode(em[:1], mask[:1])[0], []]


def test_mask_with_inner_padding_is_rejected() -> None:
    crf = CRF(3)
    with pytest.raises(ValueError, match="padding at the end"):
        crf.decode(torch.randn(1, 3, 3), torch.tensor([[True, False, True]]))


def test_unconstrained_ends_for_windows_cut_inside_a_span() -> None:
    crf = _random_crf(3, BIO_ALLOWED, seed=6)
    em = torch.randn(1, 3, 3)
    mask = torch.ones(1, 3, dtype=torch.bool)
    tags = torch.tensor([[2, 2, 0]])  # starts with I-: forbidden at a unit start
    assert crf(em, tags, mask).item() > 1000
    loose = crf(em, tags, mask, constrain_ends=False)
    start, trans, end = (
        crf.start_transitions,
        crf.transitions + crf.transition_penalty,
        crf.end_transitions,
    )

    def score(seq):
        s = start[seq[0]] + end[seq[-1]] + sum(em[0, t, k] for t, k in enumerate(seq))
        return s + sum(trans[a, b] for a, b in itertools.pairwise(seq))

    all_scores = torch.stack([score(s) for s in itertools.product(range(3), repeat=3)])
    expected = torch.logsumexp(all_scores, 0) - score((2, 2, 0))
    assert loose.item() == pytest.approx(expected.item(), abs=1e-4)
    # decoding still never starts with I-
    assert all(
        p[0] != 2
        for p in crf.decode(torch.randn(50, 3, 3) * 5, torch.ones(50, 3, dtype=torch.bool))
    )
