"""What the round-trip tests share: the generators' words and labels, the hypothesis settings,
and how documents are compared (spans and relations by offsets and labels)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from argmine.documents import Document

WORDS = ["we", "should", "tax", "sugar", "because", "it", "harms", "health", "however", "jobs",
         "matter", "more", ",", ".", "prices", "rise", "children", "eat", "less", "nevertheless"]
LABELS = ["Claim", "Premise", "MajorClaim"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans_of(doc: Document) -> set[tuple[Any, ...]]:
    """``(start, end, label, attributes)`` of every span."""
    return {(s.start, s.end, s.label, tuple(sorted(s.attributes.items()))) for s in doc.spans}


def relations_of(doc: Document) -> set[tuple[Any, ...]]:
    """``(source offsets, target offsets, label)`` of every relation (ids may differ)."""
    where = {s.id: (s.start, s.end) for s in doc.spans}
    return {(where[r.source], where[r.target], r.label) for r in doc.relations}
