"""Output heads shared by the taggers: per-token softmax (cross-entropy) or a CRF."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from argmine.models.crf import CRF, AllowedTransitions

IGNORE_INDEX = -100


class TaggingHead(nn.Module):
    """Loss and decoding on top of emissions ``[B, T, K]``.

    ``use_crf=False``: cross-entropy over unmasked tokens, argmax decoding, confidence = softmax
    probability of the chosen tag. ``use_crf=True``: CRF NLL (constraints from
    ``allowed_transitions``), Viterbi decoding, confidence = posterior marginal of the chosen tag.
    ``windowed=True``: training rows are windows that may start/end inside a span, so the CRF
    loss skips the start/end constraints (decoding of whole units still applies them).
    """

    def __init__(
        self,
        num_tags: int,
        use_crf: bool,
        allowed_transitions: AllowedTransitions | None = None,
        windowed: bool = False,
    ) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.windowed = windowed
        self.crf = CRF(num_tags, allowed_transitions) if use_crf else None

    def loss(
        self,
        emissions: torch.Tensor,
        tags: torch.Tensor,
        mask: torch.Tensor,
        token_weight: torch.Tensor | float | None = None,
    ) -> torch.Tensor:
        """CRF NLL (mean over rows) or cross-entropy (mean over the batch's tokens).

        ``token_weight`` (softmax only): the batch's token count divided by that of an average
        batch (``ArgumentDataModule(token_weights=True)``); it turns the per-batch token mean
        into one constant weight per token, so that length-bucketed batches of short units do
        not count as much as batches of long ones. The CRF's row mean already gives every token
        the same weight (``1 / batch size``), so it ignores it.
        """
        mask = mask.bool() & (tags != IGNORE_INDEX)
        if self.crf is not None:
            return self.crf(emissions, tags, mask, constrain_ends=not self.windowed)
        targets = torch.where(mask, tags, torch.full_like(tags, IGNORE_INDEX))
        loss = F.cross_entropy(
            emissions.float().reshape(-1, self.num_tags),
            targets.reshape(-1),
            ignore_index=IGNORE_INDEX,
        )
        return loss if token_weight is None else loss * token_weight

    @torch.no_grad()
    def decode(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[list[list[int]], list[list[float]]]:
        mask = mask.bool()
        lengths = mask.long().sum(1).tolist()
        if self.crf is not None:
            paths = self.crf.decode(emissions, mask)
            probs = self.crf.marginals(emissions, mask)
            steps = emissions.size(1)
            index = torch.zeros(len(paths), steps, dtype=torch.long, device=emissions.device)
            for i, p in enumerate(paths):
                if p:
                    index[i, : len(p)] = torch.as_tensor(p, device=emissions.device)
            conf = probs.gather(2, index.unsqueeze(2)).squeeze(2).tolist()
        else:
            probs = emissions.float().softmax(-1)
            conf_t, ids = probs.max(-1)
            paths = [row[:n] for row, n in zip(ids.tolist(), lengths, strict=True)]
            conf = conf_t.tolist()
        return paths, [row[:n] for row, n in zip(conf, lengths, strict=True)]
