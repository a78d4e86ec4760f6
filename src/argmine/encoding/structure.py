"""Argument structure as compound span labels (Eger, Daxenberger & Gurevych 2017).

A component's compound label is, in this order of preference:

* ``Label:<d>:<Rel>`` if it has an outgoing relation to another component of the same unit,
  where ``d`` = target index - source index among the unit's components in text order
  (``Premise:-1:Support``); ``Rel`` comes from ``relation_names`` (default
  ``supports -> Support``, ``attacks -> Attack``, as in Eger's data); other relation labels are
  used unchanged. With several such relations the first one in ``relations`` is encoded.
* ``Label:<stance>`` if it has the stance attribute (``Claim:For``);
* ``Label`` otherwise (``MajorClaim``).

Relations to components outside the unit, and relations targeting relations, are not encoded.
Decoding inverts this. Its output is always well-formed: a distance pointing outside the unit or
to the component itself gives no relation, and a label part that is not of one of the three
shapes is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from argmine.documents import Relation, Span
from argmine.encoding.tags import tags_to_spans
from argmine.errors import DocumentError

__all__ = [
    "EGER_RELATION_NAMES",
    "encode_structure",
    "decode_structure",
    "relation_names_in",
    "structure_from_tags",
    "without_links",
]

EGER_RELATION_NAMES: Mapping[str, str] = {"supports": "Support", "attacks": "Attack"}


def _no_colon(value: str, what: str, span: Span) -> str:
    if ":" in value:
        raise DocumentError(
            f"span {span.id} ({span.label}): {what} {value!r} contains ':', "
            "which compound labels use as separator"
        )
    return value


def encode_structure(
    unit_spans: Sequence[Span],
    relations: Sequence[Relation],
    stance_attribute: str = "stance",
    relation_names: Mapping[str, str] = EGER_RELATION_NAMES,
) -> list[str]:
    """One compound label per span of ``unit_spans`` (which must be in text order)."""
    position = {s.id: i for i, s in enumerate(unit_spans)}
    outgoing: dict[str, Relation] = {}
    for rel in relations:
        if rel.source in position and rel.target in position and rel.target != rel.source:
            outgoing.setdefault(rel.source, rel)
    labels = []
    for i, span in enumerate(unit_spans):
        label = _no_colon(span.label, "label", span)
        rel = outgoing.get(span.id)
        if rel is not None:
            name = _no_colon(relation_names.get(rel.label, rel.label), "relation label", span)
            labels.append(f"{label}:{position[rel.target] - i}:{name}")
        elif stance_attribute in span.attributes:
            stance = _no_colon(str(span.attributes[stance_attribute]), "stance", span)
            labels.append(f"{label}:{stance}")
        else:
            labels.append(label)
    return labels


def decode_structure(
    spans: Sequence[Span],
    stance_attribute: str = "stance",
    relation_names: Mapping[str, str] = EGER_RELATION_NAMES,
) -> tuple[list[Span], list[Relation]]:
    """Plain-labelled spans (text order, stance in ``attributes``) and the relations encoded in
    their compound labels.

    Spans without an id get ``T1, T2, ...`` (by text position, skipping ids in use); relations
    get ``R1, R2, ...`` and keep the source span's ``score``.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    used = {s.id for s in ordered if s.id}
    counter = 0
    with_ids = []
    for span in ordered:
        if not span.id:
            counter += 1
            while f"T{counter}" in used:
                counter += 1
            span = replace(span, id=f"T{counter}")
        with_ids.append(span)

    inverse = {v: k for k, v in relation_names.items()}
    out_spans: list[Span] = []
    out_relations: list[Relation] = []
    for i, span in enumerate(with_ids):
        parts = span.label.split(":")
        attributes = dict(span.attributes)
        if len(parts) == 2 and parts[1]:
            attributes[stance_attribute] = parts[1]
        elif len(parts) == 3 and parts[2]:
            target = _target(i, parts[1], len(with_ids))
            if target is not None:
                out_relations.append(
                    Relation(
                        source=span.id,
                        target=with_ids[target].id,
                        label=inverse.get(parts[2], parts[2]),
                        id=f"R{len(out_relations) + 1}",
                        score=span.score,
                    )
                )
        out_spans.append(replace(span, label=parts[0], attributes=attributes))
    return out_spans, out_relations


def _target(source: int, distance: str, n: int) -> int | None:
    try:
        d = int(distance)
    except ValueError:
        return None
    target = source + d
    return target if d != 0 and 0 <= target < n else None


def relation_names_in(labels: Sequence[str]) -> list[str]:
    """The relation names used by compound labels (``Premise:-1:Support`` -> ``Support``), sorted."""
    return sorted({parts[2] for parts in (lab.split(":") for lab in labels) if len(parts) == 3})


def structure_from_tags(
    tags: Sequence[str], scheme: str = "BIO"
) -> list[tuple[int, int, str, int | None, str | None]]:
    """Spans of a compound-tag sequence with their encoded links, in token indices.

    Returns ``(first, last + 1, label, target, relation)`` per span in text order: ``target`` is
    the index of the linked span in this list, ``relation`` the encoded relation name. A link
    whose distance points outside the sequence (e.g. outside a training window) keeps its
    ``relation`` with ``target=None``; a span without a link has both ``None``. Used to
    supervise a link scorer from the same tags the tagger learns.
    """
    spans = tags_to_spans([(i, i + 1) for i in range(len(tags))], tags, scheme)
    out: list[tuple[int, int, str, int | None, str | None]] = []
    for i, (first, end, label) in enumerate(spans):
        parts = label.split(":")
        target = _target(i, parts[1], len(spans)) if len(parts) == 3 and parts[2] else None
        relation = parts[2] if len(parts) == 3 and parts[2] else None
        out.append((first, end, parts[0], target, relation))
    return out


def without_links(label: str) -> str:
    """A compound label without its link part: ``Premise:-1:Support`` -> ``Premise``; stance
    labels (``Claim:For``) and plain labels are unchanged."""
    parts = label.split(":")
    return parts[0] if len(parts) == 3 else label
