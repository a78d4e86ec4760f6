"""The bundle of scores argmine logs for one stage (val or test), and their logged names.

``ComponentMetrics`` holds one ``SpanF1`` per component variant, optionally one ``RelationF1``
per relation variant and a ``TokenF1``. Use one object per stage so states never mix. It is
updated one item (document or unit) at a time; each inner metric syncs its own states under
DDP when computed. ``compute()`` returns unprefixed names; :func:`format_metrics` adds the
stage: ``{stage}/c_f1_exact``, ``{stage}/c_f1_50``, ``{stage}/c_macro_f1_exact``,
``{stage}/f1_exact/{label}``, ``{stage}/r_f1_exact``, ``{stage}/r_f1_50`` (Eger et al.'s
per-unit R-F1), ``{stage}/r_f1_doc_exact``, ``{stage}/r_f1_doc_50`` (argmine's document-level
variant; see :mod:`argmine.metrics.eger`), ``{stage}/cr_f1_exact``, ``{stage}/cr_f1_50`` (the
mean of C-F1 and Eger's R-F1 of a variant: what a structure model's checkpoint is chosen on),
``{stage}/token_macro_f1``.

Variants: ``exact``; ``50`` and ``100`` are Eger's overlap rule at alpha 0.5 and 0.999;
``fb`` is the Feedback Prize bidirectional rule (components only).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from argmine.metrics.relations import RelationF1
from argmine.metrics.spans import SpanF1
from argmine.metrics.tokens import TokenF1

#: component variants: name -> (rule, alpha)
COMPONENT_VARIANTS: dict[str, tuple[str, float]] = {
    "exact": ("exact", 0.5),
    "50": ("overlap", 0.5),
    "100": ("overlap", 0.999),
    "fb": ("bidirectional", 0.5),
}
#: relation variants: name -> (rule, alpha)
RELATION_VARIANTS: dict[str, tuple[str, float]] = {
    "exact": ("exact", 0.5),
    "50": ("overlap", 0.5),
    "100": ("overlap", 0.999),
}


def _check_variants(variants: Sequence[str], known: Mapping[str, Any], what: str) -> None:
    unknown = [v for v in variants if v not in known]
    if unknown:
        raise ValueError(f"unknown {what} metric variant(s) {unknown}; choose from {list(known)}")


def _span_table(spans: Iterable[Any] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(spans, Mapping):
        return dict(spans)
    table = {}
    for span in spans:
        span_id = getattr(span, "id", None)
        if not span_id:
            raise ValueError(f"span {span!r} has no id: relations need span ids (or pass a dict)")
        table[span_id] = span
    return table


class ComponentMetrics(nn.Module):
    """Component (+ relation, + token) scores for one stage.

    Args:
        labels: component labels (e.g. MajorClaim, Claim, Premise).
        variants: component variants, keys of :data:`COMPONENT_VARIANTS`.
        with_relations: also score relations (``r_*`` names).
        relation_labels: relation labels for per-label relation scores; ``None`` accepts any
            label and reports micro scores only.
        relation_variants: keys of :data:`RELATION_VARIANTS`.
        type_match: endpoint type rule for relations (see :mod:`argmine.metrics.relations`).
        doc_relations: also score a second relation protocol (``r_*_doc_*`` names), fed by
            ``update(doc_pred_relations=..., doc_gold_relations=...)`` (with ``with_relations``).
        tags: tag names (tag id = index) to report ``token_*`` scores; ``None`` skips them.

    ``compute()`` keys per component variant ``v``: ``c_f1_{v}``, ``c_precision_{v}``,
    ``c_recall_{v}``, ``c_macro_f1_{v}``, ``f1_{v}/{label}``; per relation variant ``v``:
    ``r_f1_{v}``, ``r_precision_{v}``, ``r_recall_{v}`` (+ ``r_macro_f1_{v}`` and
    ``r_f1_{v}/{label}`` with ``relation_labels``); the same with ``doc_`` before ``{v}`` for
    the document-level protocol (``r_f1_doc_exact``); ``cr_f1_{v}`` = (``c_f1_{v}`` +
    ``r_f1_{v}``) / 2 where both are scored; with ``tags``: ``token_macro_f1``,
    ``token_accuracy``.
    """

    def __init__(
        self,
        labels: Sequence[str],
        variants: Sequence[str] = ("exact", "50"),
        with_relations: bool = False,
        relation_labels: Sequence[str] | None = None,
        relation_variants: Sequence[str] = ("exact", "50"),
        type_match: str = "source",
        tags: Sequence[str] | None = None,
        doc_relations: bool = True,
    ) -> None:
        super().__init__()
        _check_variants(variants, COMPONENT_VARIANTS, "component")
        self.labels = list(labels)
        self.spans = nn.ModuleDict({v: SpanF1(labels, *COMPONENT_VARIANTS[v]) for v in variants})
        self.relations = nn.ModuleDict()
        if with_relations:
            _check_variants(relation_variants, RELATION_VARIANTS, "relation")
            for v in relation_variants:
                rule, alpha = RELATION_VARIANTS[v]
                self.relations[v] = RelationF1(relation_labels, rule, alpha, type_match=type_match)
                if doc_relations:
                    self.relations[f"doc_{v}"] = RelationF1(
                        relation_labels, rule, alpha, type_match=type_match
                    )
        self.tokens = TokenF1(tags) if tags is not None else None
        self._warned_tags = False

    def update(
        self,
        pred_spans: Iterable[Any] | Mapping[str, Any],
        gold_spans: Iterable[Any] | Mapping[str, Any],
        pred_relations: Iterable[Any] | None = None,
        gold_relations: Iterable[Any] | None = None,
        pred_tags: Sequence[int] | torch.Tensor | None = None,
        gold_tags: Sequence[int] | torch.Tensor | None = None,
        doc_pred_relations: Iterable[Any] | None = None,
        doc_gold_relations: Iterable[Any] | None = None,
    ) -> None:
        """Score ONE item. Spans: ``(start, end, label)`` / ``Span``s, or a dict ``id -> span``
        (ids are needed for relations); relations: ``(source_id, target_id, label)`` /
        ``Relation``s (``doc_*``: those of the document-level protocol); tags: tag ids of the
        item's tokens (gold ``-100`` is skipped)."""
        pred_list = list(pred_spans.values() if isinstance(pred_spans, Mapping) else pred_spans)
        gold_list = list(gold_spans.values() if isinstance(gold_spans, Mapping) else gold_spans)
        for metric in self.spans.values():
            metric.update([pred_list], [gold_list])
        if len(self.relations):
            pred_table, gold_table = _span_table(pred_spans), _span_table(gold_spans)
            sides = {
                False: (list(pred_relations or []), list(gold_relations or [])),
                True: (list(doc_pred_relations or []), list(doc_gold_relations or [])),
            }
            for name, metric in self.relations.items():
                pred_rels, gold_rels = sides[name.startswith("doc_")]
                metric.update([pred_table], [pred_rels], [gold_table], [gold_rels])
        if pred_tags is not None or gold_tags is not None:
            if self.tokens is None:
                if not self._warned_tags:
                    warnings.warn(
                        "ComponentMetrics got tags but was built without tags=: "
                        "token scores are not computed",
                        stacklevel=2,
                    )
                    self._warned_tags = True
                return
            if pred_tags is None or gold_tags is None:
                raise ValueError("pass both pred_tags and gold_tags, or neither")
            device = self.tokens.confmat.device
            self.tokens.update(
                torch.as_tensor(pred_tags, device=device), torch.as_tensor(gold_tags, device=device)
            )

    def compute(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for v, metric in self.spans.items():
            res = metric.compute()
            for key in ("f1", "precision", "recall", "macro_f1"):
                out[f"c_{key}_{v}"] = res[key]
            for label in self.labels:
                out[f"f1_{v}/{label}"] = res[f"f1/{label}"]
        for v, metric in self.relations.items():
            res = metric.compute()
            for key in ("f1", "precision", "recall"):
                out[f"r_{key}_{v}"] = res[key]
            if metric.labels is not None:
                out[f"r_macro_f1_{v}"] = res["macro_f1"]
                for label in metric.labels:
                    out[f"r_f1_{v}/{label}"] = res[f"f1/{label}"]
        for v in self.relations:
            if v in self.spans:  # the checkpoint-selection aggregate of a structure model
                out[f"cr_f1_{v}"] = (out[f"c_f1_{v}"] + out[f"r_f1_{v}"]) / 2
        if self.tokens is not None:
            res = self.tokens.compute()
            out["token_macro_f1"] = res["token_macro_f1"]
            out["token_accuracy"] = res["token_accuracy"]
        return out

    def reset(self) -> None:
        for metric in (*self.spans.values(), *self.relations.values()):
            metric.reset()
        if self.tokens is not None:
            self.tokens.reset()


def format_metrics(prefix: str, result: Mapping[str, Any]) -> dict[str, float]:
    """``{"c_f1_exact": x}`` -> ``{"{prefix}/c_f1_exact": float(x)}`` (tensors become floats)."""
    out = {}
    for key, value in result.items():
        if isinstance(value, torch.Tensor):
            value = value.item()
        out[f"{prefix}/{key}"] = float(value)
    return out
