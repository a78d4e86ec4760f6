"""Token-level tag scores: macro F1 over the tags (``O`` included) and accuracy.

``TokenF1(tags)`` scores tag ids against gold tag ids. The macro average runs over every tag
that occurs in gold or predictions, ``O`` included (scikit-learn's ``average="macro"``), which
is how segmentation "BIO macro F1" is reported (Eger et al. 2017; Stab & Gurevych 2017).
With ``segmentation=True`` the typed tags are first collapsed to their prefix (``B-Claim`` ->
``B``, ``O`` -> ``O``), giving the untyped B/I/O (or BIOES) segmentation score.

``compute()`` returns ``token_macro_f1``, ``token_accuracy``, ``token_support`` and
``token_f1/<tag>``, ``token_precision/<tag>``, ``token_recall/<tag>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torchmetrics import Metric

from argmine.metrics.gold import confusion_scores


class TokenF1(Metric):
    """Token macro F1 and accuracy; the state is a confusion-matrix tensor (DDP-safe).

    ``update(preds, target, mask=None)``: ``preds`` are tag ids shaped like ``target`` or scores
    with one more trailing dimension (argmax taken); positions where ``target == ignore_index``
    or ``mask`` is false are skipped.
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    confmat: torch.Tensor

    def __init__(
        self,
        tags: Sequence[str],
        ignore_index: int = -100,
        segmentation: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not tags or len(set(tags)) != len(tags):
            raise ValueError(f"tags must be a non-empty list without repeats, got {list(tags)}")
        self.tags = list(tags)
        self.ignore_index = ignore_index
        if segmentation:
            names = [t.split("-", 1)[0] for t in self.tags]
            self.classes = list(dict.fromkeys(names))
            mapping = [self.classes.index(n) for n in names]
        else:
            self.classes = list(self.tags)
            mapping = list(range(len(self.tags)))
        self.register_buffer("_class_of", torch.tensor(mapping, dtype=torch.long), persistent=False)
        n = len(self.classes)
        self.add_state("confmat", default=torch.zeros(n, n, dtype=torch.long), dist_reduce_fx="sum")

    def update(
        self, preds: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
    ) -> None:
        if preds.dim() == target.dim() + 1:
            preds = preds.argmax(-1)
        if preds.shape != target.shape:
            raise ValueError(
                f"preds shape {tuple(preds.shape)} does not match target shape {tuple(target.shape)}"
            )
        keep = target != self.ignore_index
        if mask is not None:
            if mask.shape != target.shape:
                raise ValueError(
                    f"mask shape {tuple(mask.shape)} does not match target shape {tuple(target.shape)}"
                )
            keep = keep & mask.bool()
        gold, pred = target[keep].long(), preds[keep].long()
        n_tags = len(self.tags)
        for what, ids in (("gold", gold), ("predicted", pred)):
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n_tags):
                bad = ids[(ids < 0) | (ids >= n_tags)][0].item()
                raise ValueError(f"{what} tag id {bad} is outside 0..{n_tags - 1} ({n_tags} tags)")
        class_of = self._class_of.to(gold.device)
        n = len(self.classes)
        counts = torch.bincount(class_of[gold] * n + class_of[pred], minlength=n * n).reshape(n, n)
        self.confmat = self.confmat + counts.to(self.confmat.device)

    def compute(self) -> dict[str, float]:
        res = confusion_scores(self.confmat, self.classes)
        return {f"token_{key}": value for key, value in res.items()}
