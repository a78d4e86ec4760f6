"""Cut a document into the units a tagger sees (paragraphs or whole documents), with word tokens.

A unit is a character region of the document plus its word tokens and the gold spans inside it.
Every gold span lies inside exactly one unit: a span that crosses a paragraph border (or lies
outside every paragraph) makes the paragraphs it touches one merged unit, so no gold span is ever
dropped or cut. With ``split_at_spans=True`` tokens are also cut at every gold span border, so
each gold span starts at the start of a token and ends at the end of one (token-aligned) and
BIO tags encode it exactly. (A span border inside whitespace cannot be token-aligned; corpora
do not have those.)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from argmine.documents import Document, Span, sorted_spans
from argmine.text.tokenize import paragraph_spans, word_spans

__all__ = ["UNIT_KINDS", "Unit", "make_units", "split_tokens"]

UNIT_KINDS = ("paragraph", "document")


@dataclass
class Unit:
    """A region ``[start, end)`` of document ``doc_id``: its word tokens (absolute character
    offsets, text order) and the gold spans inside it (text order). ``index`` counts units of
    the document from 0; ``n_units`` is how many the document has."""

    doc_id: str
    index: int
    start: int
    end: int
    tokens: list[tuple[int, int]]
    spans: list[Span] = field(default_factory=list)
    n_units: int = 1

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def token_texts(self, text: str) -> list[str]:
        """The token strings, given the document text."""
        return [text[a:b] for a, b in self.tokens]


def make_units(doc: Document, unit: str = "paragraph", split_at_spans: bool = True) -> list[Unit]:
    """Cut ``doc`` into units.

    ``unit="paragraph"``: one unit per paragraph of ``doc.partitions["paragraphs"]`` (the essay
    title counts as one), or per non-blank line when the document has no such partition;
    paragraphs joined by a gold span become one unit, and a span outside every paragraph gets a
    unit of its own. ``unit="document"``: one unit covering the whole text.
    Discontinuous spans count from their ``start`` to their ``end``.
    """
    if unit == "document":
        regions = [(0, len(doc.text))]
    elif unit == "paragraph":
        parts = doc.partitions.get("paragraphs")
        paragraphs = [(p.start, p.end) for p in parts] if parts else paragraph_spans(doc.text)
        regions = _merge_regions(paragraphs, [(s.start, s.end) for s in doc.spans])
    else:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNIT_KINDS}")

    spans = sorted_spans(doc.spans)
    starts = [s.start for s in spans]
    units = []
    for index, (start, end) in enumerate(regions):
        lo, hi = bisect_left(starts, start), bisect_left(starts, end)
        inside = [s for s in spans[lo:hi] if s.end <= end]
        tokens = word_spans(doc.text, start, end)
        if split_at_spans:
            tokens = split_tokens(tokens, (b for s in inside for b in (s.start, s.end)))
        units.append(Unit(doc.id, index, start, end, tokens, inside, len(regions)))
    return units


def _merge_regions(
    paragraphs: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Union of paragraph and span extents, merging any two that overlap (touching is not
    overlapping), in text order."""
    merged: list[list[int]] = []
    for start, end in sorted(paragraphs + spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def split_tokens(tokens: list[tuple[int, int]], borders: Iterable[int]) -> list[tuple[int, int]]:
    """Cut every token that strictly contains one of ``borders`` (character offsets) there."""
    cuts = sorted(set(borders))
    if not cuts:
        return list(tokens)
    out: list[tuple[int, int]] = []
    for a, b in tokens:
        i = bisect_left(cuts, a + 1)
        while i < len(cuts) and cuts[i] < b:
            out.append((a, cuts[i]))
            a = cuts[i]
            i += 1
        out.append((a, b))
    return out
