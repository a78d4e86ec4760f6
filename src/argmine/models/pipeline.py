"""The pipeline relation step's scores: documents whose relations and stance a pair model
predicted over a tagger's components (decoded by :meth:`argmine.tasks.PairTask.decode_documents`)
scored end to end like the joint models (C-F1, R-F1 exact and 50 %)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from argmine.documents import Document
from argmine.metrics import ComponentMetrics, update_document
from argmine.models.evaluation import gold_links


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
