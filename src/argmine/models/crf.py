"""A linear-chain conditional random field over per-token emission scores.

Vectorised over the batch; the only Python loops run over time steps. Masks are ``[B, T]`` bool
with padding at the end only (each row is ``True...True False...False``); a row may be all False
(an empty sequence: loss 0, decoded as ``[]``).

Hard constraints (e.g. BIO: no ``I-X`` after ``O``) come as boolean "allowed" tables and are
applied as a large negative constant added to the learned scores, in training and decoding alike,
so that Viterbi never returns a forbidden sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

#: Score added to forbidden starts/transitions/ends. Finite so no NaN can appear in log-space sums.
FORBIDDEN = -10000.0

AllowedTransitions = tuple[Sequence[bool], Sequence[Sequence[bool]], Sequence[bool]]


def _penalty(allowed: Sequence | None, shape: tuple[int, ...]) -> torch.Tensor:
    if allowed is None:
        return torch.zeros(shape)
    table = torch.as_tensor(allowed, dtype=torch.bool)
    if tuple(table.shape) != shape:
        raise ValueError(f"allowed table has shape {tuple(table.shape)}, expected {shape}")
    return torch.where(table, 0.0, FORBIDDEN)


def _log_matmul_exp(x: torch.Tensor, exp_matrix: torch.Tensor, matrix_shift: torch.Tensor) -> torch.Tensor:
    """``log(exp(x) @ exp(M))`` per row, given ``exp_matrix = exp(M - matrix_shift)`` (columns
    shifted by their max): ``x`` is shifted by its row max, so nothing overflows. The clamp
    keeps ``log`` and its gradient finite where every term is zero."""
    shift = x.max(dim=1, keepdim=True).values
    summed = (x - shift).exp() @ exp_matrix
    return summed.clamp_min(torch.finfo(x.dtype).tiny).log() + shift + matrix_shift


class CRF(nn.Module):
    """Linear-chain CRF with learned start, transition (``[from, to]``) and end scores.

    Args:
        num_tags: number of tags ``K``.
        allowed: optional ``(start [K], transitions [K][K] (from, to), end [K])`` booleans, as
            returned by ``TagVocab.allowed_transitions()``; False entries are forbidden.
    """

    def __init__(self, num_tags: int, allowed: AllowedTransitions | None = None) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))
        start, trans, end = allowed if allowed is not None else (None, None, None)
        self.register_buffer("start_penalty", _penalty(start, (num_tags,)))
        self.register_buffer("transition_penalty", _penalty(trans, (num_tags, num_tags)))
        self.register_buffer("end_penalty", _penalty(end, (num_tags,)))

    # -- helpers ---------------------------------------------------------------------------------
    def _scores(self, ends: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if not ends:
            return (
                self.start_transitions,
                self.transitions + self.transition_penalty,
                self.end_transitions,
            )
        return (
            self.start_transitions + self.start_penalty,
            self.transitions + self.transition_penalty,
            self.end_transitions + self.end_penalty,
        )

    def _check(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if emissions.dim() != 3 or emissions.size(-1) != self.num_tags:
            raise ValueError(
                f"emissions must be [B, T, {self.num_tags}], got {tuple(emissions.shape)}"
            )
        if mask.shape != emissions.shape[:2]:
            raise ValueError(
                f"mask {tuple(mask.shape)} does not match emissions {tuple(emissions.shape)}"
            )
        mask = mask.bool()
        if mask.size(1) > 1 and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
            raise ValueError("CRF mask must have padding at the end only")
        return emissions.float(), mask

    def _forward_alphas(
        self, emissions: torch.Tensor, mask: torch.Tensor, keep: bool = False, ends: bool = True
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Log partition function per sequence ``[B]`` (and the alphas per step if ``keep``)."""
        start, trans, end = self._scores(ends)
        alpha = start + emissions[:, 0]
        alphas = [alpha] if keep else []
        # log-sum-exp over the previous tag as one matrix product in exp space (shifted by the
        # row max of alpha and the column max of the transitions, so nothing overflows); much
        # cheaper than materialising [B, K, K] every step. The clamp keeps log() and its
        # gradient finite where every predecessor is forbidden (the state is then ~e^-69 times
        # less likely than with the -10000 penalty: no visible change in log Z).
        col_max = trans.max(dim=0).values  # [K]
        exp_trans = (trans - col_max).exp()  # [K, K], entries in [0, 1]
        for t in range(1, emissions.size(1)):
            nxt = _log_matmul_exp(alpha, exp_trans, col_max) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], nxt, alpha)
            if keep:
                alphas.append(alpha)
        return torch.logsumexp(alpha + end, dim=1), alphas

    def _gold_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor, ends: bool = True
    ) -> torch.Tensor:
        start, trans, end = self._scores(ends)
        tags = torch.where(mask, tags, torch.zeros_like(tags)).long()
        maskf = mask.to(emissions.dtype)
        score = start[tags[:, 0]]
        score = score + (emissions.gather(2, tags.unsqueeze(2)).squeeze(2) * maskf).sum(1)
        if tags.size(1) > 1:
            score = score + (trans[tags[:, :-1], tags[:, 1:]] * maskf[:, 1:]).sum(1)
        last = (mask.long().sum(1) - 1).clamp(min=0)
        return score + end[tags.gather(1, last.unsqueeze(1)).squeeze(1)]

    # -- public API ------------------------------------------------------------------------------
    def forward(
        self,
        emissions: torch.Tensor,
        tags: torch.Tensor,
        mask: torch.Tensor,
        constrain_ends: bool = True,
    ) -> torch.Tensor:
        """Mean negative log-likelihood over the batch of the gold ``tags`` ``[B, T]``.

        Tag values at masked positions are ignored (``-100`` padding is fine).
        ``constrain_ends=False`` drops the start/end constraints (transition constraints stay):
        for training on windows cut from a unit, which may start or end inside a span. Decoding
        always applies all constraints.
        """
        emissions, mask = self._check(emissions, mask)
        log_z, _ = self._forward_alphas(emissions, mask, ends=constrain_ends)
        gold = self._gold_score(emissions, tags, mask, ends=constrain_ends)
        nll = (log_z - gold) * mask[:, 0].to(emissions.dtype)
        return nll.mean()

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Viterbi: the best-scoring allowed tag sequence per row (length = mask sum)."""
        emissions, mask = self._check(emissions, mask)
        start, trans, end = self._scores()
        batch, steps, _ = emissions.shape
        score = start + emissions[:, 0]
        history: list[torch.Tensor] = []
        for t in range(1, steps):
            best, idx = (score.unsqueeze(2) + trans.unsqueeze(0)).max(dim=1)
            score = torch.where(mask[:, t : t + 1], best + emissions[:, t], score)
            history.append(idx)
        lengths = mask.long().sum(1)
        cur = (score + end).argmax(dim=1)
        out = torch.zeros(batch, steps, dtype=torch.long, device=emissions.device)
        for t in range(steps - 1, -1, -1):
            active = t < lengths
            out[:, t] = torch.where(active, cur, out[:, t])
            if t > 0:
                prev = history[t - 1].gather(1, cur.unsqueeze(1)).squeeze(1)
                cur = torch.where(active, prev, cur)
        rows = out.tolist()
        return [row[:n] for row, n in zip(rows, lengths.tolist(), strict=True)]

    @torch.no_grad()
    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Posterior tag probabilities ``[B, T, K]`` (forward-backward); zeros at padding."""
        emissions, mask = self._check(emissions, mask)
        _, trans, end = self._scores()
        log_z, alphas = self._forward_alphas(emissions, mask, keep=True)
        steps = emissions.size(1)
        beta = end.expand_as(emissions[:, 0])
        betas = [beta]
        row_max = trans.max(dim=1).values  # [K]; same exp-space product as _forward_alphas
        exp_trans_t = (trans - row_max.unsqueeze(1)).exp().t()
        for t in range(steps - 2, -1, -1):
            nxt = _log_matmul_exp(emissions[:, t + 1] + beta, exp_trans_t, row_max)
            beta = torch.where(mask[:, t + 1 : t + 2], nxt, end.expand_as(nxt))
            betas.append(beta)
        betas.reverse()
        log_post = torch.stack(alphas, 1) + torch.stack(betas, 1) - log_z[:, None, None]
        return log_post.exp() * mask.unsqueeze(2).to(emissions.dtype)
