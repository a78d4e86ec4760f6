"""Spans <-> BIO/BIOES tags over word tokens, and the tag vocabulary.

A tag is ``O`` or ``<P>-<label>`` with prefix ``P`` in ``B I`` (BIO) or ``B I E S`` (BIOES). Only
the first two characters are the prefix, so labels may contain ``-`` and ``:``
(``B-Premise:-1:Support``).

``spans_to_tags`` and ``tags_to_spans`` are exact inverses on token-aligned, non-overlapping spans
(``make_units`` makes gold spans token-aligned). Ill-formed tag sequences (model output) decode
deterministically, as conlleval does: a span starts at ``B``/``S``, and at an ``I``/``E`` that
does not continue an open span of the same label; it ends before ``O``/``B``/``S``, after
``E``/``S``, and before a tag of another label.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from argmine.errors import ConfigError, DocumentError

__all__ = ["SCHEMES", "TagVocab", "spans_to_tags", "tags_to_spans", "parse_tag"]

SCHEMES: dict[str, tuple[str, ...]] = {"BIO": ("B", "I"), "BIOES": ("B", "I", "E", "S")}

SpanKey = tuple[int, int, str]


def _check_scheme(scheme: str) -> tuple[str, ...]:
    try:
        return SCHEMES[scheme]
    except KeyError:
        raise ConfigError(
            f"unknown tagging scheme {scheme!r}; expected one of {sorted(SCHEMES)}"
        ) from None


def parse_tag(tag: str) -> tuple[str, str]:
    """``"B-Claim:For"`` -> ``("B", "Claim:For")``; ``"O"`` -> ``("O", "")``."""
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[1] == "-" and tag[0] in "BIES":
        return tag[0], tag[2:]
    raise ValueError(f"malformed tag {tag!r}: expected 'O' or '<B|I|E|S>-<label>'")


def _key(span: Any) -> SpanKey:
    """Accept ``(start, end, label)`` tuples and objects with a ``key`` (``Span``)."""
    return span.key if hasattr(span, "key") else (int(span[0]), int(span[1]), str(span[2]))


def spans_to_tags(
    tokens: Sequence[tuple[int, int]], spans: Sequence[Any], scheme: str = "BIO"
) -> list[str]:
    """One tag per token: a token belongs to a span if their characters overlap.

    ``tokens`` are ``(start, end)`` in text order; ``spans`` are ``(start, end, label)`` (or
    ``Span``). Raises ``DocumentError`` naming both spans when two spans overlap or share a
    token, and naming the span when it covers no token.
    """
    _check_scheme(scheme)
    tags = ["O"] * len(tokens)
    owner: list[SpanKey | None] = [None] * len(tokens)
    ends = [e for _, e in tokens]
    previous: SpanKey | None = None
    for key in sorted((_key(s) for s in spans), key=lambda k: (k[0], k[1])):
        start, end, label = key
        if previous is not None and start < previous[1]:
            raise DocumentError(
                f"overlapping spans {previous} and {key} cannot be encoded as one tag sequence"
            )
        previous = key
        first = bisect_right(ends, start)  # first token ending after the span starts
        last = first
        while last < len(tokens) and tokens[last][0] < end:
            last += 1
        if last == first:
            raise DocumentError(f"span {key} covers no token")
        for i in range(first, last):
            if owner[i] is not None:
                raise DocumentError(
                    f"spans {owner[i]} and {key} share token {tuple(tokens[i])}; "
                    "split tokens at span borders (make_units(split_at_spans=True) does)"
                )
            owner[i] = key
        if scheme == "BIOES" and last - first == 1:
            tags[first] = f"S-{label}"
            continue
        tags[first] = f"B-{label}"
        for i in range(first + 1, last):
            tags[i] = f"I-{label}"
        if scheme == "BIOES":
            tags[last - 1] = f"E-{label}"
    return tags


def tags_to_spans(
    tokens: Sequence[tuple[int, int]], tags: Sequence[str], scheme: str = "BIO"
) -> list[SpanKey]:
    """Spans ``(start, end, label)`` from tags: the first token's start to the last token's end.

    Ill-formed sequences decode as conlleval does (see the module docstring). ``E``/``S`` tags in
    a BIO sequence raise ``ValueError``.
    """
    prefixes = _check_scheme(scheme)
    if len(tokens) != len(tags):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
    out: list[SpanKey] = []
    open_label: str | None = None
    open_start = 0
    for i, tag in enumerate(tags):
        prefix, label = parse_tag(tag)
        if prefix != "O" and prefix not in prefixes:
            raise ValueError(f"tag {tag!r} at position {i} is not a {scheme} tag")
        continues = open_label == label and prefix in ("I", "E")
        if open_label is not None and not continues:
            out.append((tokens[open_start][0], tokens[i - 1][1], open_label))
            open_label = None
        if prefix == "O":
            continue
        if not continues:
            open_label, open_start = label, i
        if prefix in ("E", "S"):
            out.append((tokens[open_start][0], tokens[i][1], label))
            open_label = None
    if open_label is not None:
        out.append((tokens[open_start][0], tokens[-1][1], open_label))
    return out


class TagVocab:
    """Tags of a label set under a scheme: ``O`` first (id 0), then per label (in the given
    order) its ``B``, ``I`` (and ``E``, ``S``) tags."""

    def __init__(self, labels: Sequence[str], scheme: str = "BIO") -> None:
        prefixes = _check_scheme(scheme)
        labels = list(labels)
        for label in labels:
            if not isinstance(label, str) or not label:
                raise ConfigError(f"tag labels must be non-empty strings, got {label!r}")
        if len(set(labels)) != len(labels):
            dupes = sorted({x for x in labels if labels.count(x) > 1})
            raise ConfigError(f"duplicate tag labels: {dupes}")
        self.labels: list[str] = labels
        self.scheme = scheme
        self.tags: list[str] = ["O"] + [f"{p}-{label}" for label in labels for p in prefixes]
        self.tag_to_id: dict[str, int] = {t: i for i, t in enumerate(self.tags)}
        self.id_to_tag: dict[int, str] = dict(enumerate(self.tags))

    def __len__(self) -> int:
        return len(self.tags)

    def __repr__(self) -> str:
        return f"TagVocab({self.labels!r}, scheme={self.scheme!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TagVocab) and (self.labels, self.scheme) == (
            other.labels,
            other.scheme,
        )

    __hash__ = None  # type: ignore[assignment]

    # -- ids ------------------------------------------------------------------------------------
    def tags_to_ids(self, tags: Sequence[str]) -> list[int]:
        try:
            return [self.tag_to_id[t] for t in tags]
        except KeyError as exc:
            raise ValueError(f"tag {exc.args[0]!r} is not in the vocabulary {self.tags}") from None

    def ids_to_tags(self, ids: Sequence[int]) -> list[str]:
        try:
            return [self.id_to_tag[int(i)] for i in ids]
        except KeyError as exc:
            raise ValueError(f"tag id {exc.args[0]} is outside 0..{len(self) - 1}") from None

    def encode(self, tokens: Sequence[tuple[int, int]], spans: Sequence[Any]) -> list[int]:
        """Tag ids of ``spans`` over ``tokens`` (see :func:`spans_to_tags`)."""
        return self.tags_to_ids(spans_to_tags(tokens, spans, self.scheme))

    def decode(self, tokens: Sequence[tuple[int, int]], ids: Sequence[int]) -> list[SpanKey]:
        """Spans from tag ids (see :func:`tags_to_spans`)."""
        return tags_to_spans(tokens, self.ids_to_tags(ids), self.scheme)

    # -- constraints ----------------------------------------------------------------------------
    def allowed_transitions(self) -> tuple[list[bool], list[list[bool]], list[bool]]:
        """Well-formedness as masks over tag ids: ``(start[j], transitions[i][j], end[i])``.

        BIO: ``I-X`` only after ``B-X`` or ``I-X``, never first. BIOES additionally: after
        ``B-X``/``I-X`` only ``I-X``/``E-X``; ``I-X``/``E-X`` never first; ``B-X``/``I-X`` never
        last. For a CRF with constrained transitions or constrained Viterbi decoding.
        """
        parsed = [parse_tag(t) for t in self.tags]

        def may_follow(prev: tuple[str, str] | None, nxt: tuple[str, str]) -> bool:
            inside = prev is not None and prev[0] in ("B", "I")
            if self.scheme == "BIO":
                return nxt[0] != "I" or (inside and prev[1] == nxt[1])  # type: ignore[index]
            if inside:
                return nxt[0] in ("I", "E") and prev[1] == nxt[1]  # type: ignore[index]
            return nxt[0] in ("O", "B", "S")

        start = [may_follow(None, t) for t in parsed]
        transitions = [[may_follow(a, b) for b in parsed] for a in parsed]
        end = [self.scheme == "BIO" or t[0] in ("O", "E", "S") for t in parsed]
        return start, transitions, end

    # -- serialisation --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "scheme": self.scheme, "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TagVocab:
        """Inverse of :meth:`to_dict`; checks that a stored ``tags`` list matches."""
        try:
            vocab = cls(data["labels"], data.get("scheme", "BIO"))
        except KeyError:
            raise ConfigError(f"tag vocabulary record lacks 'labels': {dict(data)}") from None
        if "tags" in data and list(data["tags"]) != vocab.tags:
            raise ConfigError(f"stored tags {list(data['tags'])} do not match {vocab.tags}")
        return vocab
