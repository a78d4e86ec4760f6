"""Counter-arguments derived from predicted (or gold) stance and relations.

A component is a counter-argument when it argues against what it is attached to:

* a claim (``Claim`` / ``claim``) whose ``stance`` attribute is ``Against``, or
* the source of an attack relation (``attacks``, ``Attack``, ``attack``, ...: any relation label
  starting with ``attack`` or ``rebut``/``undercut``, case-insensitive).

:func:`derive_counter_arguments` marks them with ``attributes["counter_argument"] = "true"``
(every other component gets ``"false"``), or, with ``relabel=True``, gives them the unified label
``counter_argument`` (the unified schema's name) and keeps the old label as
``attributes["original_label"]``.
"""

from __future__ import annotations

from dataclasses import replace

from argmine.documents import Document, Relation, Span

__all__ = ["COUNTER_ARGUMENT", "derive_counter_arguments", "is_attack"]

COUNTER_ARGUMENT = "counter_argument"
_ATTACK_PREFIXES = ("attack", "rebut", "undercut", "reb", "und", "partial-attack")
_CLAIM_LABELS = {"claim"}


def is_attack(relation: Relation) -> bool:
    """Whether a relation label means an attack (``attacks``, ``Attack``, microtext ``reb``...)."""
    return relation.label.lower().startswith(_ATTACK_PREFIXES)


def _is_counter(span: Span, attackers: set[str], stance_attribute: str) -> bool:
    against = (
        span.label.lower() in _CLAIM_LABELS
        and str(span.attributes.get(stance_attribute, "")).lower() == "against"
    )
    return against or span.id in attackers or span.label == COUNTER_ARGUMENT


def derive_counter_arguments(
    doc: Document, relabel: bool = False, stance_attribute: str = "stance"
) -> Document:
    """A copy of ``doc`` whose counter-argument components are marked (see module doc)."""
    attackers = {r.source for r in doc.relations if is_attack(r)}
    spans = []
    for span in doc.spans:
        counter = _is_counter(span, attackers, stance_attribute)
        attributes = dict(span.attributes)
        if relabel:
            if counter and span.label != COUNTER_ARGUMENT:
                attributes["original_label"] = span.label
                span = replace(span, label=COUNTER_ARGUMENT, attributes=attributes)
        else:
            attributes[COUNTER_ARGUMENT] = "true" if counter else "false"
            span = replace(span, attributes=attributes)
        spans.append(span)
    return doc.replace(spans=spans)
