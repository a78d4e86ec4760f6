"""Span (argument component) precision, recall and F1 under three match rules.

Spans are ``(start, end, label)`` with half-open ``[start, end)`` offsets in any consistent unit
(characters or tokens); objects with ``start``/``end``/``label`` attributes (``argmine.Span``)
are accepted too (their ``fragments`` are ignored). Matching happens within one item (document
or unit) only, and only between spans of the same label.

Rules
-----
``exact``
    same start, end and label.
``overlap`` (Eger et al. 2017, ``eval_componentF1.py``; Persing & Ng 2016)
    a gold span and a predicted span of the same label match when
    ``|intersection| / max(|gold|, |pred|) > alpha`` (strictly greater). The matching is *not*
    one-to-one: ``tp`` counts gold spans matched by at least one prediction, ``fp`` predictions
    matching no gold span, ``fn`` gold spans matched by nothing. ``alpha=0.5`` is Eger's "50%",
    ``alpha=0.999`` their "100%". On integer offsets ``alpha=0.999`` equals ``exact`` for spans up
    to 1000 units long; longer spans (characters!) may match at 0.999 without being identical.
    With ``alpha >= 0.5`` and non-overlapping spans on each side the matching is in effect
    one-to-one; several matches need ``alpha < 0.5`` or overlapping spans. Eger's ratios are
    over tokens: character offsets give slightly different numbers.
``bidirectional`` (Feedback Prize / PERSUADE)
    a candidate pair needs ``|inter|/|gold| >= 0.5`` and ``|inter|/|pred| >= 0.5``; pairs are taken
    one-to-one, highest ``max(|inter|/|gold|, |inter|/|pred|)`` first (ties: higher smaller
    overlap, then text order). ``alpha`` is ignored. Kaggle's reference code can give one
    prediction to two gold spans in the exact-0.5 corner case; here every span is used once.

Scores (per label and micro over labels)
----------------------------------------
``f1 = 2 tp / (2 tp + fp + fn)`` (Eger's formula, equal to the Feedback Prize
``tp / (tp + (fp + fn) / 2)``); ``precision = (n_pred - fp) / n_pred`` (predictions that match);
``recall = tp / n_gold``. For one-to-one rules ``f1`` is the harmonic mean of precision and
recall; for ``overlap`` it need not be (one prediction can make two gold spans TPs). Every
score with a zero denominator is 0.0 (never NaN): no gold and no predictions gives f1 = 0.
``macro_f1`` is the mean of the per-label F1 over *all* configured labels (as the Feedback Prize
metric averages over all 7 classes), so a label absent from gold and predictions adds a 0.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
from torchmetrics import Metric

RULES = ("exact", "overlap", "bidirectional")
COUNT_NAMES = ("tp", "fp", "fn", "n_pred", "n_gold")

SpanTuple = tuple[int, int, str]


def as_span(item: Any, where: str = "span") -> SpanTuple:
    """``(start, end, label)`` from a tuple or an object with ``start``/``end``/``label``."""
    if hasattr(item, "start") and hasattr(item, "label"):
        start, end, label = item.start, item.end, item.label
    else:
        try:
            start, end, label = item
        except (TypeError, ValueError):
            raise ValueError(f"{where}: expected (start, end, label), got {item!r}") from None
    try:
        start, end = operator.index(start), operator.index(end)
    except TypeError:
        raise ValueError(f"{where}: offsets must be integers, got {item!r}") from None
    if end <= start:
        raise ValueError(f"{where}: need start < end, got {item!r}")
    return start, end, label


def _check_rule(rule: str, alpha: float) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown span match rule {rule!r}; choose one of {', '.join(RULES)}")
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must be in [0, 1), got {alpha} (use 0.999 for Eger's '100%')")


def overlap_match(a: tuple[int, int], b: tuple[int, int], alpha: float) -> bool:
    """Eger's approximate match: ``|a ∩ b| / max(|a|, |b|) > alpha`` (labels not compared)."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return False
    return inter / max(a[1] - a[0], b[1] - b[0]) > alpha


def _count_many_to_many(
    golds: list[tuple[int, int]], preds: list[tuple[int, int]], alpha: float
) -> tuple[int, int, int]:
    """Eger's counting for one label in one item: (tp on the gold side, fp, fn)."""
    gold_hit = [False] * len(golds)
    fp = 0
    for p in preds:
        hit = False
        for i, g in enumerate(golds):
            if overlap_match(g, p, alpha):
                gold_hit[i] = hit = True
        if not hit:
            fp += 1
    tp = sum(gold_hit)
    return tp, fp, len(golds) - tp


def _count_exact(
    golds: list[tuple[int, int]], preds: list[tuple[int, int]]
) -> tuple[int, int, int]:
    gold_set, pred_set = set(golds), set(preds)
    tp = sum(1 for g in golds if g in pred_set)
    fp = sum(1 for p in preds if p not in gold_set)
    return tp, fp, len(golds) - tp


def _count_bidirectional(
    golds: list[tuple[int, int]], preds: list[tuple[int, int]]
) -> tuple[int, int, int]:
    candidates = []
    for i, g in enumerate(golds):
        for j, p in enumerate(preds):
            inter = min(g[1], p[1]) - max(g[0], p[0])
            if inter <= 0:
                continue
            o_gold, o_pred = inter / (g[1] - g[0]), inter / (p[1] - p[0])
            if o_gold >= 0.5 and o_pred >= 0.5:
                candidates.append((-max(o_gold, o_pred), -min(o_gold, o_pred), i, j))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    for _, _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
    tp = len(used_gold)
    return tp, len(preds) - tp, len(golds) - tp


def span_counts(
    preds: Sequence[Iterable[Any]],
    targets: Sequence[Iterable[Any]],
    labels: Sequence[str],
    rule: str = "exact",
    alpha: float = 0.5,
) -> dict[str, list[int]]:
    """Per-label counts ``{"tp": [...], "fp": [...], "fn": [...], "n_pred": [...], "n_gold": [...]}``.

    ``preds`` and ``targets`` hold one list of spans per item; lists are in ``labels`` order.
    Raises ``ValueError`` for a label outside ``labels``, bad offsets or unequal item counts.
    """
    _check_rule(rule, alpha)
    if len(preds) != len(targets):
        raise ValueError(f"got {len(preds)} predicted items but {len(targets)} gold items")
    index = {label: k for k, label in enumerate(labels)}
    counts = {name: [0] * len(labels) for name in COUNT_NAMES}
    for item, (pred_spans, gold_spans) in enumerate(zip(preds, targets, strict=True)):
        by_label: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        for side, spans in ((0, gold_spans), (1, pred_spans)):
            what = "gold" if side == 0 else "predicted"
            for raw in spans:
                start, end, label = as_span(raw, f"item {item}: {what} span")
                k = index.get(label)
                if k is None:
                    raise ValueError(
                        f"item {item}: {what} span {raw!r} has label {label!r}, "
                        f"not one of the metric's labels {list(labels)}"
                    )
                by_label.setdefault(k, ([], []))[side].append((start, end))
        for k, (golds, spans_pred) in by_label.items():
            if rule == "exact":
                tp, fp, fn = _count_exact(golds, spans_pred)
            elif rule == "overlap":
                tp, fp, fn = _count_many_to_many(golds, spans_pred, alpha)
            else:
                tp, fp, fn = _count_bidirectional(golds, spans_pred)
            counts["tp"][k] += tp
            counts["fp"][k] += fp
            counts["fn"][k] += fn
            counts["n_pred"][k] += len(spans_pred)
            counts["n_gold"][k] += len(golds)
    return counts


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def scores_from_counts(
    labels: Sequence[str], counts: Mapping[str, Sequence[int]]
) -> dict[str, float]:
    """Micro, macro and per-label precision/recall/F1 (plus micro counts) from per-label counts.

    Keys: ``f1``, ``precision``, ``recall``, ``macro_f1``, ``tp``, ``fp``, ``fn``, ``n_pred``,
    ``n_gold`` and ``f1/<label>``, ``precision/<label>``, ``recall/<label>``.
    """
    out: dict[str, float] = {}
    per_label_f1 = []
    for k, label in enumerate(labels):
        tp, fp, fn = counts["tp"][k], counts["fp"][k], counts["fn"][k]
        n_pred, n_gold = counts["n_pred"][k], counts["n_gold"][k]
        f1 = _ratio(2 * tp, 2 * tp + fp + fn)
        per_label_f1.append(f1)
        out[f"f1/{label}"] = f1
        out[f"precision/{label}"] = _ratio(n_pred - fp, n_pred)
        out[f"recall/{label}"] = _ratio(tp, n_gold)
    total = {name: int(sum(counts[name])) for name in COUNT_NAMES}
    out["f1"] = _ratio(2 * total["tp"], 2 * total["tp"] + total["fp"] + total["fn"])
    out["precision"] = _ratio(total["n_pred"] - total["fp"], total["n_pred"])
    out["recall"] = _ratio(total["tp"], total["n_gold"])
    out["macro_f1"] = _ratio(sum(per_label_f1), len(per_label_f1))
    out.update(total)
    return out


def span_prf(
    preds: Sequence[Iterable[Any]],
    targets: Sequence[Iterable[Any]],
    rule: str = "exact",
    alpha: float = 0.5,
    labels: Sequence[str] | None = None,
) -> dict[str, float]:
    """Pure-Python span scores (see the module docstring); ``labels`` default: all labels seen."""
    if labels is None:
        seen = {as_span(s)[2] for spans in (*preds, *targets) for s in spans}
        labels = sorted(seen)
    return scores_from_counts(labels, span_counts(preds, targets, labels, rule, alpha))


class SpanF1(Metric):
    """Span P/R/F1 as a torchmetrics ``Metric`` whose states are per-label count tensors.

    ``update(preds, targets)``: one list of spans per item. ``compute()`` returns the dict of
    :func:`scores_from_counts` (python numbers). States are summed across processes under DDP.
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    tp: torch.Tensor
    fp: torch.Tensor
    fn: torch.Tensor
    n_pred: torch.Tensor
    n_gold: torch.Tensor

    def __init__(
        self, labels: Sequence[str], rule: str = "exact", alpha: float = 0.5, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        _check_rule(rule, alpha)
        if not labels or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be a non-empty list without repeats, got {list(labels)}")
        self.labels = list(labels)
        self.rule = rule
        self.alpha = alpha
        for name in COUNT_NAMES:
            self.add_state(
                name, default=torch.zeros(len(labels), dtype=torch.long), dist_reduce_fx="sum"
            )

    def update(self, preds: Sequence[Iterable[Any]], targets: Sequence[Iterable[Any]]) -> None:
        counts = span_counts(preds, targets, self.labels, self.rule, self.alpha)
        for name in COUNT_NAMES:
            state = getattr(self, name)
            setattr(
                self,
                name,
                state + torch.tensor(counts[name], dtype=torch.long, device=state.device),
            )

    def compute(self) -> dict[str, float]:
        counts = {name: getattr(self, name).tolist() for name in COUNT_NAMES}
        return scores_from_counts(self.labels, counts)
