"""Which relations each R-F1 protocol scores, and the per-document update of a stage's metrics.

Two protocols, logged under their own names by :class:`argmine.metrics.ComponentMetrics`:

``r_*`` — Eger et al. 2017 (``progs/Eval/eval_relationF1.py``), per **unit**
    The unit is the block the script runs on: a paragraph at paragraph level, the essay at
    essay level. Every component has exactly one outgoing relation (:func:`unit_relations`):

    * a ``MajorClaim`` -> ROOT;
    * a ``Claim`` -> the last major claim *of its unit*, labelled with its stance (ROOT when
      the unit has none);
    * any other component -> its first relation to a component of the same unit, labelled
      ``Support`` / ``Attack``; a component with no such relation has one to nowhere
      (label ``unlinked``), which matches nothing: Eger's script counts a predicted link to a
      non-component as a false positive.

    His code stores ROOT as position 0, so a target whose first token is token 0 of the unit
    is ROOT too (a claim whose unit's last major claim opens the unit, a premise linked to the
    unit's first component).
``r_doc_*`` — argmine's document-level variant (:func:`document_relations`)
    Claims link to the *document's* last major claim, across paragraphs; relations are kept as
    they are (several per component, none for an unlinked premise); no position-0 rule.
    Stricter than Eger's at paragraph level, and not comparable with his numbers.

Spans are compared in tokens of one numbering per document (the units' tokens in text order),
as Eger's alpha is over tokens; which unit a span belongs to only decides the relations built.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from argmine.documents import Span
from argmine.encoding.structure import EGER_RELATION_NAMES
from argmine.errors import DocumentError

ROOT_LABEL = "root"
UNLINKED = "unlinked"
MAJOR_CLAIM, CLAIM = "MajorClaim", "Claim"

RelTuple = tuple[str, "str | None", str]
Tokens = Sequence[tuple[int, int]]


def _triple(rel: Any) -> RelTuple:
    if hasattr(rel, "source"):
        return rel.source, rel.target, rel.label
    source, target, label = rel
    return source, target, label


def document_relations(
    spans: Iterable[Span],
    relations: Iterable[Any],
    stance_attribute: str = "stance",
    root_label: str = ROOT_LABEL,
) -> list[RelTuple]:
    """argmine's document-level relations (``r_doc_*``): every ``MajorClaim`` -> ROOT
    (``(id, None, root_label)``), every ``Claim`` -> the document's last major claim (ROOT when
    there is none) labelled with its stance (``"?"`` when missing), and every given relation as
    ``(source, target, label)`` in Eger's spelling (``supports`` -> ``Support``)."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    major = [s for s in ordered if s.label == MAJOR_CLAIM]
    last_major = major[-1].id if major else None
    out: list[RelTuple] = [(s.id, None, root_label) for s in major]
    for span in ordered:
        if span.label == CLAIM:
            out.append((span.id, last_major, str(span.attributes.get(stance_attribute, "?"))))
    for rel in relations:
        source, target, label = _triple(rel)
        out.append((source, target, EGER_RELATION_NAMES.get(label, label)))
    return out


def unit_relations(
    spans: Iterable[Span],
    relations: Iterable[Any],
    unit_starts: Sequence[int],
    first_tokens: Iterable[int] = (),
    stance_attribute: str = "stance",
    root_label: str = ROOT_LABEL,
) -> list[RelTuple]:
    """Eger's relations (``r_*``) of one document: exactly one per component, built per unit.

    ``unit_starts``: the character offset where each unit starts, ascending (a span belongs to
    the last unit starting at or before it). ``first_tokens``: the character offset of each
    unit's first token; a target starting there is ROOT (Eger's position 0). See the module
    docstring for the rules.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    unit_of = {s.id: bisect_right(unit_starts, s.start) - 1 for s in ordered}
    at_zero = {s.id for s in ordered if s.start in set(first_tokens)}
    last_major: dict[int, str] = {}
    for span in ordered:
        if span.label == MAJOR_CLAIM:
            last_major[unit_of[span.id]] = span.id
    outgoing: dict[str, RelTuple] = {}
    for rel in relations:
        source, target, label = _triple(rel)
        if source in unit_of and target in unit_of and unit_of[source] == unit_of[target]:
            outgoing.setdefault(source, (source, target, EGER_RELATION_NAMES.get(label, label)))

    def root_if_first(target: str | None) -> str | None:
        return None if target is None or target in at_zero else target

    out: list[RelTuple] = []
    for span in ordered:
        if span.label == MAJOR_CLAIM:
            out.append((span.id, None, root_label))
        elif span.label == CLAIM:
            stance = str(span.attributes.get(stance_attribute, "?"))
            out.append((span.id, root_if_first(last_major.get(unit_of[span.id])), stance))
        elif span.id in outgoing:
            source, target, label = outgoing[span.id]
            out.append((source, root_if_first(target), label))
        else:
            out.append((span.id, None, UNLINKED))
    return out


def token_index(tokens: Tokens) -> Callable[[Span], tuple[int, int, str]]:
    """Map a token-aligned character span to ``(first token, last token + 1, label)``.

    Metrics count in tokens, as Eger et al.'s scorer does (its overlap ratios are over tokens).
    """
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i + 1 for i, (_, e) in enumerate(tokens)}

    def convert(span: Span) -> tuple[int, int, str]:
        try:
            return (starts[span.start], ends[span.end], span.label)
        except KeyError:
            raise DocumentError(
                f"span {span.id} [{span.start}, {span.end}) is not token-aligned"
            ) from None

    return convert


def update_document(
    metric: Any,
    units: Sequence[Tokens],
    pred_spans: Sequence[Span],
    gold_spans: Sequence[Span],
    pred_relations: Sequence[Any] | None = None,
    gold_relations: Sequence[Any] | None = None,
    pred_tags: Sequence[int] | None = None,
    gold_tags: Sequence[int] | None = None,
) -> None:
    """Score ONE document with a :class:`~argmine.metrics.ComponentMetrics`.

    ``units``: the tokens (character offsets) of each of the document's units, in text order.
    With relations (``None``: components only), both protocols are built on both sides: Eger's
    per unit (``r_*``) and argmine's per document (``r_doc_*``). Gold relations should not hold
    the claim -> major claim links a reader derived from stance: both protocols add their own.
    """
    tokens = [t for unit in units for t in unit]
    to_tokens = token_index(tokens)
    kwargs: dict[str, Any] = {}
    if pred_relations is not None and gold_relations is not None:
        starts = [unit[0][0] for unit in units if unit]
        kwargs = {
            "pred_relations": unit_relations(pred_spans, pred_relations, starts, starts),
            "gold_relations": unit_relations(gold_spans, gold_relations, starts, starts),
            "doc_pred_relations": document_relations(pred_spans, pred_relations),
            "doc_gold_relations": document_relations(gold_spans, gold_relations),
        }
    metric.update(
        pred_spans={s.id: to_tokens(s) for s in pred_spans},
        gold_spans={s.id: to_tokens(s) for s in gold_spans},
        pred_tags=pred_tags,
        gold_tags=gold_tags,
        **kwargs,
    )


def unit_tokens_of(records: Sequence[Any]) -> list[Tokens]:
    """The tokens of each unit record (``record.unit.tokens``), in text order."""
    ordered = sorted(records, key=lambda r: r.unit.start)
    return [r.unit.tokens for r in ordered]


__all__: list[str] = [
    "ROOT_LABEL",
    "UNLINKED",
    "document_relations",
    "token_index",
    "unit_relations",
    "unit_tokens_of",
    "update_document",
]

