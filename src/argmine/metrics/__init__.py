"""argmine.metrics: span, relation, token and gold-item scores as DDP-safe torchmetrics metrics.

Every metric keeps integer count tensors summed across processes (``dist_reduce_fx="sum"``);
``compute()`` returns a dict of python numbers. Use one metric object per stage. Logged names
come from ``ComponentMetrics`` (one per stage) plus :func:`format_metrics`:
``{stage}/c_f1_exact``, ``{stage}/c_f1_50``, ``{stage}/c_macro_f1_exact``,
``{stage}/f1_exact/{label}``, ``{stage}/r_f1_exact``, ``{stage}/r_f1_50`` (Eger et al.'s R-F1,
per unit), ``{stage}/r_f1_doc_exact``, ``{stage}/r_f1_doc_50`` (argmine's document-level
variant), ``{stage}/token_macro_f1``.
"""

from argmine.metrics.eger import document_relations, unit_relations, update_document
from argmine.metrics.gold import MacroF1, confusion_scores, pair_link_labels
from argmine.metrics.relations import (
    RelationF1,
    relation_counts,
    relation_errors_by_source,
    relation_prf,
)
from argmine.metrics.spans import SpanF1, scores_from_counts, span_counts, span_prf
from argmine.metrics.stage import (
    COMPONENT_VARIANTS,
    RELATION_VARIANTS,
    ComponentMetrics,
    format_metrics,
)
from argmine.metrics.tokens import TokenF1

__all__ = [
    "COMPONENT_VARIANTS",
    "RELATION_VARIANTS",
    "ComponentMetrics",
    "MacroF1",
    "RelationF1",
    "SpanF1",
    "TokenF1",
    "confusion_scores",
    "document_relations",
    "format_metrics",
    "pair_link_labels",
    "relation_counts",
    "relation_errors_by_source",
    "relation_prf",
    "scores_from_counts",
    "span_counts",
    "span_prf",
    "unit_relations",
    "update_document",
]
