"""Classification macro F1 over gold items (gold components, gold component pairs).

These are the Stab & Gurevych (2017) and microtexts scores, where every gold item gets one
predicted label:

- component type: ``MacroF1(["MajorClaim", "Claim", "Premise"])`` over the gold components;
- relation: ``MacroF1(["linked", "not-linked"])`` over all ordered pairs of distinct gold
  components in one paragraph, labels from :func:`pair_link_labels`;
- stance: ``MacroF1(["support", "attack"])`` over the gold relations (or components);
- microtexts: central claim vs premise, attachment (``pair_link_labels``), pro vs opp.

``update(preds, targets)`` takes two equal-length sequences of label strings. ``compute()``
returns ``macro_f1``, ``accuracy``, ``support`` and ``f1/<label>``, ``precision/<label>``,
``recall/<label>``. The macro average, like scikit-learn's ``f1_score(average="macro")``
without ``labels=``, runs over the labels that occur in gold or predictions; a label that never
occurs is reported with f1 0 but not averaged. Zero denominators give 0.0, never NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torchmetrics import Metric


def confusion_scores(
    confmat: torch.Tensor, names: Sequence[str], prefix: str = ""
) -> dict[str, float]:
    """Scores from a confusion matrix ``confmat[gold, pred]`` over classes ``names``.

    Keys (each with ``prefix``): ``macro_f1`` (over classes seen in gold or predictions),
    ``accuracy``, ``support`` (number of items) and ``f1/<name>``, ``precision/<name>``,
    ``recall/<name>``.
    """
    cm = confmat.double().cpu()
    tp = cm.diagonal()
    n_pred, n_gold = cm.sum(0), cm.sum(1)
    total = float(cm.sum())
    out: dict[str, float] = {}
    f1s = []
    for k, name in enumerate(names):
        t, p, g = float(tp[k]), float(n_pred[k]), float(n_gold[k])
        f1 = 2 * t / (p + g) if p + g else 0.0
        out[f"{prefix}f1/{name}"] = f1
        out[f"{prefix}precision/{name}"] = t / p if p else 0.0
        out[f"{prefix}recall/{name}"] = t / g if g else 0.0
        if p + g:
            f1s.append(f1)
    out[f"{prefix}macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    out[f"{prefix}accuracy"] = float(tp.sum()) / total if total else 0.0
    out[f"{prefix}support"] = total
    return out


class MacroF1(Metric):
    """Macro F1 over gold items labelled with strings; the state is a confusion-matrix tensor."""

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    confmat: torch.Tensor

    def __init__(self, labels: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not labels or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be a non-empty list without repeats, got {list(labels)}")
        self.labels = list(labels)
        self._index = {label: k for k, label in enumerate(self.labels)}
        n = len(self.labels)
        self.add_state("confmat", default=torch.zeros(n, n, dtype=torch.long), dist_reduce_fx="sum")

    def _ids(self, values: Sequence[str], what: str) -> list[int]:
        ids = []
        for i, value in enumerate(values):
            k = self._index.get(value)
            if k is None:
                raise ValueError(
                    f"{what} label {value!r} (position {i}) is not one of {self.labels}"
                )
            ids.append(k)
        return ids

    def update(self, preds: Sequence[str], targets: Sequence[str]) -> None:
        if len(preds) != len(targets):
            raise ValueError(f"got {len(preds)} predicted labels but {len(targets)} gold labels")
        n = len(self.labels)
        gold = torch.tensor(self._ids(targets, "gold"), dtype=torch.long)
        pred = torch.tensor(self._ids(preds, "predicted"), dtype=torch.long)
        counts = torch.bincount(gold * n + pred, minlength=n * n).reshape(n, n)
        self.confmat = self.confmat + counts.to(self.confmat.device)

    def compute(self) -> dict[str, float]:
        return confusion_scores(self.confmat, self.labels)


def pair_link_labels(
    ids: Sequence[str],
    links: Iterable[tuple[str, str]],
    linked: str = "linked",
    not_linked: str = "not-linked",
) -> list[str]:
    """``linked``/``not_linked`` for every ordered pair ``(a, b)``, ``a != b``, of ``ids``.

    Pairs come in the order ``for a in ids: for b in ids``; ``links`` are ``(source, target)``.
    Apply it to one paragraph's components, on gold and on predicted links, and feed both lists
    to ``MacroF1([linked, not_linked])``.
    """
    link_set = {(s, t) for s, t in links}
    return [linked if (a, b) in link_set else not_linked for a in ids for b in ids if a != b]
