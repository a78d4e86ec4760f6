"""The pipeline relation step: links and stance predicted over a tagger's components, turned
into documents and scored end to end like the joint models (C-F1, R-F1 exact and 50 %)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from argmine.documents import Document, Relation
from argmine.encoding.stance import derive_counter_arguments
from argmine.metrics import ComponentMetrics, update_document
from argmine.models.evaluation import gold_links

#: per unit record index: (stance of each component, links as (source, target) positions)
UnitOutputs = Mapping[int, tuple[Sequence[str], set[tuple[int, int]]]]


def linked_documents(
    docs: Sequence[Document],
    records: Sequence[Any],
    outputs: UnitOutputs,
    relation_names: Mapping[str, str],
    stance_values: Mapping[str, str] | None,
) -> list[Document]:
    """``docs`` (components only) with the predicted relations added: a link ``i -> j`` of a
    unit is named after the source's stance (``relation_names["support"|"attack"]``);
    components without an outgoing link get their stance as the ``stance`` attribute
    (``stance_values``, e.g. ``For``/``Against``) when the corpus has one. Endpoints are always
    components of the same unit."""
    relations: dict[int, list[Relation]] = {i: [] for i in range(len(docs))}
    stances: dict[int, dict[str, str]] = {i: {} for i in range(len(docs))}
    for index, rec in enumerate(records):
        if index not in outputs:
            continue
        unit_stances, links = outputs[index]
        spans = rec.unit.spans
        sources = {i for i, _ in links}
        for i, j in sorted(links):
            relations[rec.doc_index].append(Relation(spans[i].id, spans[j].id, relation_names[unit_stances[i]]))
        if stance_values is not None:
            for k, span in enumerate(spans):
                if k not in sources:
                    stances[rec.doc_index][span.id] = stance_values[unit_stances[k]]
    out = []
    for i, doc in enumerate(docs):
        spans = [
            replace(s, attributes={**s.attributes, "stance": stances[i][s.id]}) if s.id in stances[i] else s
            for s in doc.spans
        ]
        out.append(derive_counter_arguments(doc.replace(spans=spans, relations=relations[i])))
    return out


def score_documents(
    predicted: Sequence[Document],
    gold: Sequence[Document],
    units_of: Callable[[Document], list[list[tuple[int, int]]]],
    labels: Sequence[str],
) -> dict[str, float]:
    """C-F1, Eger et al.'s per-unit R-F1 and argmine's document-level variant (exact and 50 %)
    of predicted against gold documents, one document at a time, spans compared in tokens
    (``units_of(gold document)``: the tokens of each of its units)."""
    metric = ComponentMetrics(list(labels), with_relations=True)
    for pred, ref in zip(predicted, gold, strict=True):
        update_document(
            metric,
            units_of(ref),
            pred.spans,
            ref.spans,
            [r for r in pred.relations if "derived" not in r.attributes],
            gold_links(ref, list(ref.spans)),
        )
    return {k: float(v) for k, v in metric.compute().items()}
