"""How the round-trip tests compare documents: spans and relations by offsets and labels."""

from __future__ import annotations

from typing import Any

from argmine.documents import Document


def spans_of(doc: Document) -> set[tuple[Any, ...]]:
    """``(start, end, label, attributes)`` of every span."""
    return {(s.start, s.end, s.label, tuple(sorted(s.attributes.items()))) for s in doc.spans}


def relations_of(doc: Document) -> set[tuple[Any, ...]]:
    """``(source offsets, target offsets, label)`` of every relation (ids may differ)."""
    where = {s.id: (s.start, s.end) for s in doc.spans}
    return {(where[r.source], where[r.target], r.label) for r in doc.relations}
