"""The document model: text plus character-offset spans, relations and partitions.

This is the one data structure the rest of argmine passes around. Readers produce documents,
the encoding module turns them into tensors, decoders turn model output back into documents,
and metrics and renderers read documents. Offsets are Python string indices into ``text``
(Unicode code points), half-open: ``text[start:end]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from argmine.errors import DocumentError


@dataclass(frozen=True, eq=True)
class Span:
    """A labelled character span ``text[start:end]``.

    ``fragments`` holds the pieces of a discontinuous span (brat ``T1 Label 0 5;10 15``) in text
    order; ``start``/``end`` then cover the first to the last piece. An empty ``fragments`` means
    the span is contiguous. ``attributes`` carries e.g. ``{"stance": "Against"}``.
    """

    start: int
    end: int
    label: str
    id: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    score: float | None = None
    fragments: tuple[tuple[int, int], ...] = ()

    __hash__ = None  # type: ignore[assignment]  # attributes is a dict: spans are not hashable

    @property
    def key(self) -> tuple[int, int, str]:
        """``(start, end, label)``, the identity used by span metrics."""
        return (self.start, self.end, self.label)

    def pieces(self) -> tuple[tuple[int, int], ...]:
        """The contiguous pieces of the span (one piece unless discontinuous)."""
        return self.fragments or ((self.start, self.end),)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "label": self.label}
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        if self.score is not None:
            out["score"] = self.score
        if self.fragments:
            out["fragments"] = [list(f) for f in self.fragments]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            label=str(data["label"]),
            id=str(data.get("id", "")),
            attributes=dict(data.get("attributes", {})),
            score=data.get("score"),
            fragments=tuple((int(a), int(b)) for a, b in data.get("fragments", ())),
        )


@dataclass(frozen=True, eq=True)
class Relation:
    """A labelled, directed relation from span ``source`` to ``target``.

    ``source`` is a span id. ``target`` is a span id, or a relation id for relations that attack
    another relation (microtexts' undercut). ``label`` is e.g. ``supports`` or ``attack``.
    """

    source: str
    target: str
    label: str
    id: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    score: float | None = None

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "source": self.source, "target": self.target, "label": self.label}
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        if self.score is not None:
            out["score"] = self.score
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Relation:
        return cls(
            source=str(data["source"]),
            target=str(data["target"]),
            label=str(data["label"]),
            id=str(data.get("id", "")),
            attributes=dict(data.get("attributes", {})),
            score=data.get("score"),
        )


@dataclass
class Document:
    """A text with its annotations.

    ``partitions`` maps a layer name (``"paragraphs"``, ``"sentences"``) to spans covering parts
    of the text; their labels name the part (``"title"``, ``"paragraph"``). ``split`` is the
    corpus split the document belongs to (``"train"``, ``"dev"``, ``"test"``) or ``None``.

    Construction checks every invariant and raises :class:`DocumentError` naming the document
    and the offending annotation: ``0 <= start < end <= len(text)`` for every span and fragment,
    unique span and relation ids, and relation endpoints that exist. Spans and relations with an
    empty id get ``T1, T2, ...`` / ``R1, R2, ...`` in order.
    """

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    partitions: dict[str, list[Span]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    split: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise DocumentError(f"document {self.id!r}: text must be str, got {type(self.text).__name__}")
        self.spans = _with_ids(list(self.spans), "T")
        self.relations = _with_ids(list(self.relations), "R")
        self.partitions = {name: list(parts) for name, parts in self.partitions.items()}
        self.validate()

    # -- invariants -------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`DocumentError` if any invariant is violated."""
        n = len(self.text)
        span_ids: set[str] = set()
        for span in self.spans:
            self._check_offsets(span, n, "span")
            if span.id in span_ids:
                raise DocumentError(f"document {self.id!r}: duplicate span id {span.id!r}")
            span_ids.add(span.id)
        for name, parts in self.partitions.items():
            for part in parts:
                self._check_offsets(part, n, f"partition {name!r}")
        rel_ids = {r.id for r in self.relations}
        if len(rel_ids) != len(self.relations):
            raise DocumentError(f"document {self.id!r}: duplicate relation ids")
        clash = rel_ids & span_ids
        if clash:
            raise DocumentError(f"document {self.id!r}: ids used by both a span and a relation: {sorted(clash)}")
        for rel in self.relations:
            if rel.source not in span_ids:
                raise DocumentError(
                    f"document {self.id!r}: relation {rel.id} ({rel.label}) has source {rel.source!r}, "
                    "which is not a span of this document"
                )
            if rel.target not in span_ids and rel.target not in rel_ids:
                raise DocumentError(
                    f"document {self.id!r}: relation {rel.id} ({rel.label}) has target {rel.target!r}, "
                    "which is neither a span nor a relation of this document"
                )
            if rel.target == rel.id:
                raise DocumentError(f"document {self.id!r}: relation {rel.id} targets itself")

    def _check_offsets(self, span: Span, n: int, what: str) -> None:
        for start, end in span.pieces():
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= n):
                raise DocumentError(
                    f"document {self.id!r}: {what} {span.id or span.label!r} has offsets "
                    f"[{start}, {end}) outside 0 <= start < end <= {n}"
                )
        if span.fragments and (span.fragments[0][0] != span.start or span.fragments[-1][1] != span.end):
            raise DocumentError(
                f"document {self.id!r}: {what} {span.id!r} start/end {span.start}-{span.end} "
                f"do not cover its fragments {list(span.fragments)}"
            )

    # -- access -----------------------------------------------------------------------------
    def span_text(self, span: Span) -> str:
        """The text a span covers; pieces of a discontinuous span are joined by one space."""
        return " ".join(self.text[a:b] for a, b in span.pieces())

    def span_by_id(self) -> dict[str, Span]:
        return {s.id: s for s in self.spans}

    def relation_by_id(self) -> dict[str, Relation]:
        return {r.id: r for r in self.relations}

    def replace(self, **changes: Any) -> Document:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "split": self.split,
            "spans": [s.to_dict() for s in self.spans],
            "relations": [r.to_dict() for r in self.relations],
            "partitions": {k: [p.to_dict() for p in v] for k, v in self.partitions.items()},
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        try:
            return cls(
                id=str(data["id"]),
                text=data["text"],
                spans=[Span.from_dict(s) for s in data.get("spans", [])],
                relations=[Relation.from_dict(r) for r in data.get("relations", [])],
                partitions={
                    k: [Span.from_dict(p) for p in v] for k, v in data.get("partitions", {}).items()
                },
                metadata=dict(data.get("metadata", {})),
                split=data.get("split"),
            )
        except KeyError as exc:
            raise DocumentError(f"document record {data.get('id', '?')!r} lacks key {exc.args[0]!r}") from None


def _with_ids(items: list[Any], prefix: str) -> list[Any]:
    if all(item.id for item in items):
        return items
    used = {item.id for item in items if item.id}
    counter = 0
    out = []
    for item in items:
        if not item.id:
            counter += 1
            while f"{prefix}{counter}" in used:
                counter += 1
            item = replace(item, id=f"{prefix}{counter}")
            used.add(item.id)
        out.append(item)
    return out


def write_jsonl(documents: Iterable[Document], path: str | Path) -> int:
    """Write documents as JSON lines (UTF-8); returns how many were written.

    Writes to a temporary file first and renames it, so a failure never leaves a partial file.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for doc in documents:
            fh.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count


def iter_jsonl(path: str | Path) -> Iterator[Document]:
    """Read documents written by :func:`write_jsonl`; errors name the file and line."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Document.from_dict(json.loads(line))
            except (json.JSONDecodeError, DocumentError, TypeError, ValueError) as exc:
                raise DocumentError(f"{path}:{lineno}: {exc}") from None


def read_jsonl(path: str | Path) -> list[Document]:
    return list(iter_jsonl(path))


def sorted_spans(spans: Sequence[Span]) -> list[Span]:
    """Spans in text order (start, then end)."""
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))
