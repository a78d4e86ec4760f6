"""Relation precision, recall and F1 over predicted vs gold argument structures.

Per item (document or unit) the inputs are spans ``{id: (start, end, label)}`` and relations
``(source_id, target_id, label)`` (``argmine.Span`` / ``argmine.Relation`` objects work too).
A ``target_id`` of ``None`` is the ROOT: it matches only another ROOT target.

A predicted and a gold relation match when the labels are equal (unless ``link_only``), the
source spans match and the target spans match under the span rule:

``exact``
    same start and end.
``overlap`` (Eger et al. 2017, ``eval_relationF1.py``)
    ``|inter| / max(|gold|, |pred|) > alpha`` for both endpoints; ``alpha=0.999`` is "100%".

``type_match`` says which endpoint component labels must also agree: ``"source"`` (default)
reproduces Eger, whose relation label carries the source type (``Premise:Support``) while the
endpoints are compared without type (``typeRequirement=False``); ``"both"`` also requires the
target type; ``"none"`` compares offsets only. Eger's R-F1 also scores each major claim's
link to ROOT and each claim's stance link to the last major claim: build both sides with
:func:`argmine.metrics.eger.unit_relations` and use token offsets (their alpha is over tokens).

Counting is Eger's for both rules (not one-to-one): ``tp`` = gold relations matched by some
prediction, ``fp`` = predictions matching no gold relation, ``fn`` = unmatched gold relations;
``f1 = 2tp / (2tp + fp + fn)``, precision and recall as in :mod:`argmine.metrics.spans`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
from torchmetrics import Metric

from argmine.metrics.spans import COUNT_NAMES, SpanTuple, as_span, overlap_match, scores_from_counts

RELATION_RULES = ("exact", "overlap")
TYPE_MATCH = ("source", "both", "none")
LINK = "link"
ALL = "all"

RelTuple = tuple[str, "str | None", str]
SpanMaps = Sequence[Mapping[str, Any]]
RelLists = Sequence[Iterable[Any]]


def _as_relation(item: Any, where: str) -> RelTuple:
    if hasattr(item, "source") and hasattr(item, "label"):
        return item.source, item.target, item.label
    try:
        source, target, label = item
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected (source_id, target_id, label), got {item!r}") from None
    return source, target, label


def _resolve(
    relations: Iterable[Any], spans: Mapping[str, Any], where: str
) -> list[tuple[SpanTuple, SpanTuple | None, str]]:
    """Relations with their endpoint spans looked up (``None`` for a ROOT target)."""
    table = {sid: as_span(span, f"{where} span {sid!r}") for sid, span in spans.items()}
    out = []
    for raw in relations:
        source, target, label = _as_relation(raw, f"{where} relation")
        for end_id in (source, target):
            if end_id is not None and end_id not in table:
                raise ValueError(f"{where} relation {raw!r}: no span with id {end_id!r}")
        out.append((table[source], None if target is None else table[target], label))
    return out


class _Matcher:
    def __init__(self, rule: str, alpha: float, type_match: str) -> None:
        if rule not in RELATION_RULES:
            raise ValueError(
                f"unknown relation match rule {rule!r}; choose one of {', '.join(RELATION_RULES)}"
            )
        if type_match not in TYPE_MATCH:
            raise ValueError(
                f"unknown type_match {type_match!r}; choose one of {', '.join(TYPE_MATCH)}"
            )
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        self.rule, self.alpha, self.type_match = rule, alpha, type_match

    def spans(self, a: SpanTuple | None, b: SpanTuple | None, typed: bool) -> bool:
        if a is None or b is None:
            return a is None and b is None
        if typed and a[2] != b[2]:
            return False
        if self.rule == "exact":
            return a[0] == b[0] and a[1] == b[1]
        return overlap_match((a[0], a[1]), (b[0], b[1]), self.alpha)

    def relations(self, gold: tuple, pred: tuple) -> bool:
        return self.spans(gold[0], pred[0], self.type_match != "none") and self.spans(
            gold[1], pred[1], self.type_match == "both"
        )


def relation_counts(
    pred_spans: SpanMaps,
    pred_relations: RelLists,
    gold_spans: SpanMaps,
    gold_relations: RelLists,
    labels: Sequence[str] | None,
    rule: str = "exact",
    alpha: float = 0.5,
    link_only: bool = False,
    type_match: str = "source",
) -> dict[str, list[int]]:
    """Per-label counts (keys as in ``span_counts``), lists in ``labels`` order.

    With ``link_only`` there is one bucket, ``link``; with ``labels=None`` one bucket, ``all``,
    holding every relation (labels must still be equal to match).
    """
    matcher = _Matcher(rule, alpha, type_match)
    any_label = labels is None and not link_only
    labels = [LINK] if link_only else [ALL] if any_label else list(labels or [])
    sizes = {len(pred_spans), len(pred_relations), len(gold_spans), len(gold_relations)}
    if len(sizes) != 1:
        raise ValueError(
            "pred_spans, pred_relations, gold_spans and gold_relations need one entry per item, got "
            f"{len(pred_spans)}, {len(pred_relations)}, {len(gold_spans)}, {len(gold_relations)}"
        )
    index = {label: k for k, label in enumerate(labels)}
    counts = {name: [0] * len(labels) for name in COUNT_NAMES}
    for item in range(len(pred_spans)):
        groups: dict[int, tuple[list, list]] = {}
        sides = (
            (0, gold_relations, gold_spans, "gold"),
            (1, pred_relations, pred_spans, "predicted"),
        )
        for side, rels, spans, what in sides:
            for rel in _resolve(rels[item], spans[item], f"item {item}: {what}"):
                label = LINK if link_only else ALL if any_label else rel[2]
                k = index.get(label)
                if k is None:
                    raise ValueError(
                        f"item {item}: {what} relation label {label!r} is not one of the metric's "
                        f"labels {labels}"
                    )
                groups.setdefault(k, ([], []))[side].append(rel)
        for k, (golds, preds) in groups.items():
            gold_hit = [False] * len(golds)
            fp = 0
            for p in preds:
                hit = False
                for i, g in enumerate(golds):
                    if (link_only or g[2] == p[2]) and matcher.relations(g, p):
                        gold_hit[i] = hit = True
                fp += not hit
            tp = sum(gold_hit)
            counts["tp"][k] += tp
            counts["fp"][k] += fp
            counts["fn"][k] += len(golds) - tp
            counts["n_pred"][k] += len(preds)
            counts["n_gold"][k] += len(golds)
    return counts


def relation_prf(
    pred_spans: SpanMaps,
    pred_relations: RelLists,
    gold_spans: SpanMaps,
    gold_relations: RelLists,
    labels: Sequence[str] | None = None,
    rule: str = "exact",
    alpha: float = 0.5,
    link_only: bool = False,
    type_match: str = "source",
) -> dict[str, float]:
    """Pure-Python relation scores; ``labels`` default: all relation labels seen."""
    if labels is None and not link_only:
        seen = {
            _as_relation(r, "relation")[2]
            for rels in (*pred_relations, *gold_relations)
            for r in rels
        }
        labels = sorted(seen)
    counts = relation_counts(
        pred_spans,
        pred_relations,
        gold_spans,
        gold_relations,
        labels,
        rule,
        alpha,
        link_only,
        type_match,
    )
    return scores_from_counts([LINK] if link_only else list(labels or []), counts)


class RelationF1(Metric):
    """Relation P/R/F1 as a torchmetrics ``Metric`` with per-label count states (DDP-safe).

    ``update(pred_spans, pred_relations, gold_spans, gold_relations)`` takes one entry per item.
    ``compute()`` returns ``f1``, ``precision``, ``recall``, ``macro_f1``, counts and per-label
    ``f1/<label>`` etc. (label ``link`` when ``link_only``). With ``labels=None`` any relation
    label is accepted and only micro scores are returned (``macro_f1`` then equals ``f1``).
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = True

    def __init__(
        self,
        labels: Sequence[str] | None = None,
        rule: str = "exact",
        alpha: float = 0.5,
        link_only: bool = False,
        type_match: str = "source",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _Matcher(rule, alpha, type_match)  # validates the options
        if labels is not None and (not labels or len(set(labels)) != len(labels)):
            raise ValueError(
                f"labels must be None or a non-empty list without repeats, got {labels}"
            )
        self.labels: list[str] | None = (
            [LINK] if link_only else None if labels is None else list(labels)
        )
        self.rule, self.alpha, self.link_only, self.type_match = rule, alpha, link_only, type_match
        for name in COUNT_NAMES:
            size = 1 if self.labels is None else len(self.labels)
            self.add_state(name, default=torch.zeros(size, dtype=torch.long), dist_reduce_fx="sum")

    def update(
        self,
        pred_spans: SpanMaps,
        pred_relations: RelLists,
        gold_spans: SpanMaps,
        gold_relations: RelLists,
    ) -> None:
        counts = relation_counts(
            pred_spans, pred_relations, gold_spans, gold_relations, self.labels,
            self.rule, self.alpha, self.link_only, self.type_match,
        )  # fmt: skip
        for name in COUNT_NAMES:
            state = getattr(self, name)
            setattr(
                self,
                name,
                state + torch.tensor(counts[name], dtype=torch.long, device=state.device),
            )

    def compute(self) -> dict[str, float]:
        counts = {name: getattr(self, name).tolist() for name in COUNT_NAMES}
        if self.labels is None:
            res = scores_from_counts([ALL], counts)
            return {k: v for k, v in res.items() if "/" not in k}
        return scores_from_counts(self.labels, counts)


def relation_errors_by_source(
    pred_spans: Mapping[str, Any],
    pred_relations: Iterable[Any],
    gold_spans: Mapping[str, Any],
    gold_relations: Iterable[Any],
) -> dict[str, dict[str, int]]:
    """Where one item's relation errors come from, per label of the relation's source span.

    Exact rule with Eger's type requirement (source offsets and label, target offsets, relation
    label), so the summed ``tp``/``fp``/``fn`` equal :func:`relation_counts` with ``rule="exact"``
    and ``labels=None``. ``fn`` is split into ``fn_source_missed`` (no predicted span has the gold
    source's offsets and label) and ``fn_link_wrong`` (the source was found; its target or
    relation label is wrong). A diagnostic, not a metric: no overlap rule.
    """

    def keyed(spans: Mapping[str, Any], rels: Iterable[Any], what: str) -> set[tuple[Any, ...]]:
        return {(src[2], src[:2], None if tgt is None else tgt[:2], label)
                for src, tgt, label in _resolve(rels, spans, what)}

    pred = keyed(pred_spans, pred_relations, "predicted")
    gold = keyed(gold_spans, gold_relations, "gold")
    found = {(span[2], span[:2]) for span in (as_span(s, "predicted span") for s in pred_spans.values())}
    offsets = {where for _, where in found}
    out: dict[str, dict[str, int]] = {}
    names = ("tp", "fp", "fn", "fn_source_missed", "fn_link_wrong", "fn_target_missed")
    for rel in gold:
        row = out.setdefault(rel[0], dict.fromkeys(names, 0))
        if rel in pred:
            row["tp"] += 1
        elif (rel[0], rel[1]) not in found:
            row["fn"] += 1
            row["fn_source_missed"] += 1
        else:
            row["fn"] += 1
            row["fn_link_wrong"] += 1
            row["fn_target_missed"] += rel[2] is not None and rel[2] not in offsets
    for rel in pred - gold:
        out.setdefault(rel[0], dict.fromkeys(names, 0))["fp"] += 1
    return out
