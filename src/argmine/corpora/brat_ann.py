"""Parser for brat ``.ann`` annotation files: lines -> spans, relations, attributes and notes,
checked against the document text.

Supported ``.ann`` lines:

- ``T1<TAB>Label START END<TAB>text``: a text-bound span. Discontinuous spans
  (``Label 0 5;8 12``) become one :class:`Span` with ``fragments``; their text is the pieces
  joined by one space, as brat writes it.
- ``A1<TAB>Name T1 [Value]`` (and the older ``M`` lines): an attribute, stored as
  ``attributes[name.lower()] = value`` (``"true"`` for a binary attribute without value) on the
  span or relation it names.
- ``R1<TAB>label Arg1:T4 Arg2:T3``: a relation from the first argument to the second.
- ``#1<TAB>AnnotatorNotes T1<TAB>note``: returned as notes (the reader keeps them in
  ``metadata["brat_notes"]``).
- ``E``, ``N`` and ``*`` lines (events, normalisations, equivalences) are not supported: each is
  reported as a warning and skipped.

Every span's given text must equal the text it covers. Problems go to a :class:`FileReport`
(errors raise at once when strict); spans that start or end inside a word are warnings, with the
known upstream explanation (``quirk``) when there is one. The reader is :mod:`argmine.corpora.brat`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argmine.documents import Relation, Span
from argmine.errors import CorpusFormatError, Problem

_UNSUPPORTED = {"E": "event", "N": "normalization", "*": "equivalence"}
_SHOW = 60  # characters of span text shown in messages


@dataclass(frozen=True)
class AttributeRule:
    """Where an attribute may appear: on spans with one of ``labels``, with one of ``values``.

    An empty ``labels`` or ``values`` allows any.
    """

    labels: Collection[str] = ()
    values: Collection[str] = ()


@dataclass
class FileReport:
    """Collects the problems of one file; raises at the first error when strict."""

    path: Path
    strict: bool
    problems: list[Problem] = field(default_factory=list)
    errors: int = 0

    def error(self, line: int | None, message: str) -> None:
        problem = Problem(str(self.path), line, message, "error")
        if self.strict:
            raise CorpusFormatError(problems=[*self.problems, problem])
        self.problems.append(problem)
        self.errors += 1

    def warning(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(str(self.path), line, message, "warning"))


def _short(text: str) -> str:
    return repr(text if len(text) <= _SHOW else text[: _SHOW - 3] + "...")


@dataclass
class _Parsed:
    spans: dict[str, tuple[int, Span]] = field(default_factory=dict)  # id -> (line, span)
    relations: dict[str, tuple[int, Relation]] = field(default_factory=dict)
    attributes: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)


def _parse_offsets(raw: str) -> list[tuple[int, int]] | str:
    """``"0 5;8 12"`` -> ``[(0, 5), (8, 12)]``, or an error message."""
    pieces: list[tuple[int, int]] = []
    for chunk in raw.split(";"):
        nums = chunk.split()
        if len(nums) != 2:
            return f"offsets {raw!r}: each piece must be 'START END'"
        try:
            start, end = int(nums[0]), int(nums[1])
        except ValueError:
            return f"offsets {raw!r} are not integers"
        pieces.append((start, end))
    return pieces


def _parse_span(
    lineno: int,
    fields: list[str],
    text: str,
    labels: Collection[str] | None,
    report: FileReport,
) -> Span | None:
    ann_id = fields[0]
    if len(fields) < 3:
        report.error(lineno, f"{ann_id}: truncated line, expected 'ID<TAB>Label START END<TAB>text'")
        return None
    label, _, raw_offsets = fields[1].partition(" ")
    if not label or not raw_offsets:
        report.error(lineno, f"{ann_id}: expected 'Label START END' in the second field, got {fields[1]!r}")
        return None
    if labels is not None and label not in labels:
        report.error(lineno, f"{ann_id}: unknown label {label!r} (expected one of {sorted(labels)})")
        return None
    pieces = _parse_offsets(raw_offsets)
    if isinstance(pieces, str):
        report.error(lineno, f"{ann_id}: {pieces}")
        return None
    previous_end = -1
    for start, end in pieces:
        if not 0 <= start < end:
            report.error(lineno, f"{ann_id}: bad offsets {start} {end} (need 0 <= start < end)")
            return None
        if end > len(text):
            report.error(
                lineno, f"{ann_id}: offsets {start} {end} out of range (text has {len(text)} characters)"
            )
            return None
        if start < previous_end:
            report.error(lineno, f"{ann_id}: fragments {raw_offsets!r} overlap or are not in text order")
            return None
        previous_end = end
    given = fields[2]
    covered = " ".join(text[a:b] for a, b in pieces)
    # brat writes a trailing tab on some lines; it is not part of the span text.
    if given != covered and given.rstrip("\t") != covered:
        report.error(
            lineno,
            f"{ann_id}: annotated text {_short(given)} differs from the text at "
            f"{raw_offsets} {_short(covered)}",
        )
        return None
    fragments = tuple(pieces) if len(pieces) > 1 else ()
    return Span(pieces[0][0], pieces[-1][1], label, id=ann_id, fragments=fragments)


def _parse_relation(
    lineno: int, fields: list[str], relation_labels: Collection[str] | None, report: FileReport
) -> Relation | None:
    ann_id = fields[0]
    parts = fields[1].split() if len(fields) > 1 else []
    if len(parts) != 3 or any(":" not in p for p in parts[1:]):
        report.error(lineno, f"{ann_id}: expected 'ID<TAB>label Arg1:ID Arg2:ID'")
        return None
    label = parts[0]
    if relation_labels is not None and label not in relation_labels:
        report.error(
            lineno, f"{ann_id}: unknown relation label {label!r} (expected one of {sorted(relation_labels)})"
        )
        return None
    source = parts[1].split(":", 1)[1]
    target = parts[2].split(":", 1)[1]
    return Relation(source, target, label, id=ann_id)


def _word_cut_warnings(span: Span, text: str, lineno: int, quirk: str | None, report: FileReport) -> None:
    where = []
    if span.start > 0 and text[span.start - 1].isalnum() and text[span.start].isalnum():
        where.append(f"starts inside a word ({text[max(0, span.start - 10):span.start]!r}|...)")
    if span.end < len(text) and text[span.end - 1].isalnum() and text[span.end].isalnum():
        where.append(f"ends inside a word (...{text[max(span.start, span.end - 15):span.end]!r}|"
                     f"{text[span.end:span.end + 5]!r})")
    if where:
        why = f"known upstream quirk: {quirk}" if quirk else "probably an annotation slip"
        report.warning(lineno, f"{span.id} ({span.label}) {' and '.join(where)}; kept as annotated ({why})")


def _parse_lines(
    ann: str,
    text: str,
    labels: Collection[str] | None,
    relation_labels: Collection[str] | None,
    quirk: str | None,
    report: FileReport,
) -> _Parsed:
    parsed = _Parsed()
    seen: set[str] = set()
    # Split on "\n" only: str.splitlines() would also split on U+2028 etc. inside span text.
    for lineno, raw in enumerate(ann.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t", 2)
        ann_id = fields[0].strip()
        kind = ann_id[:1]
        if kind == "#":
            body = fields[1].split() if len(fields) > 1 else []
            parsed.notes.append({
                "id": ann_id,
                "type": body[0] if body else "",
                "target": body[1] if len(body) > 1 else "",
                "text": fields[2] if len(fields) > 2 else "",
            })
            continue
        if kind in _UNSUPPORTED:
            report.warning(lineno, f"{ann_id}: brat {_UNSUPPORTED[kind]} lines are not supported; skipped")
            continue
        if kind not in {"T", "R", "A", "M"} or len(ann_id) < 2:
            report.error(lineno, f"unknown annotation line {_short(line)} (expected T, A, R, E, N, * or #)")
            continue
        if len(fields) < 2:
            report.error(lineno, f"{_short(line)}: truncated line (no tab-separated fields after the id)")
            continue
        if ann_id in seen:
            report.error(lineno, f"duplicate annotation id {ann_id!r}")
            continue
        seen.add(ann_id)
        if kind == "T":
            span = _parse_span(lineno, fields, text, labels, report)
            if span is not None:
                parsed.spans[ann_id] = (lineno, span)
                _word_cut_warnings(span, text, lineno, quirk, report)
        elif kind == "R":
            relation = _parse_relation(lineno, fields, relation_labels, report)
            if relation is not None:
                parsed.relations[ann_id] = (lineno, relation)
        else:
            parts = fields[1].split()
            if len(parts) not in (2, 3):
                report.error(lineno, f"{ann_id}: expected 'ID<TAB>Name TARGET [VALUE]'")
                continue
            value = parts[2] if len(parts) == 3 else "true"
            parsed.attributes.append((lineno, ann_id, parts[0], parts[1], value))
    return parsed


def _resolve(
    parsed: _Parsed, attributes: Mapping[str, AttributeRule] | None, report: FileReport
) -> tuple[list[Span], list[Relation]]:
    """Attach attributes and check that every reference names an existing annotation."""
    span_attrs: dict[str, dict[str, str]] = {k: {} for k in parsed.spans}
    rel_attrs: dict[str, dict[str, str]] = {k: {} for k in parsed.relations}
    for lineno, ann_id, name, target, value in parsed.attributes:
        owner = span_attrs.get(target, rel_attrs.get(target))
        if owner is None:
            report.error(lineno, f"{ann_id}: attribute {name} refers to {target!r}, which is not defined")
            continue
        if attributes is not None:
            rule = attributes.get(name)
            if rule is None:
                report.error(lineno, f"{ann_id}: unknown attribute {name!r} (expected one of {sorted(attributes)})")
                continue
            label = parsed.spans[target][1].label if target in parsed.spans else None
            if rule.labels and label not in rule.labels:
                report.error(
                    lineno, f"{ann_id}: attribute {name} on {target} ({label or 'a relation'}); "
                    f"allowed only on {sorted(rule.labels)}"
                )
                continue
            if rule.values and value not in rule.values:
                report.error(
                    lineno, f"{ann_id}: attribute {name} has value {value!r} (expected one of {sorted(rule.values)})"
                )
                continue
        key = name.lower()
        if key in owner:
            report.error(lineno, f"{ann_id}: {target} already has attribute {name}")
            continue
        owner[key] = value
    spans = [
        Span(s.start, s.end, s.label, id=s.id, attributes=span_attrs[s.id], fragments=s.fragments)
        for _, s in parsed.spans.values()
    ]
    spans.sort(key=lambda s: (s.start, s.end))
    relations = []
    for lineno, rel in parsed.relations.values():
        missing = [end for end in (rel.source, rel.target) if end not in parsed.spans]
        if missing:
            report.error(
                lineno, f"{rel.id}: relation {rel.label} refers to {', '.join(map(repr, missing))}, "
                "which is not a span of this file"
            )
            continue
        attrs = rel_attrs[rel.id]
        relations.append(Relation(rel.source, rel.target, rel.label, id=rel.id, attributes=attrs))
    return spans, relations


def parse_ann(
    ann: str,
    text: str,
    report: FileReport,
    *,
    labels: Collection[str] | None = None,
    relation_labels: Collection[str] | None = None,
    attributes: Mapping[str, AttributeRule] | None = None,
    quirk: str | None = None,
) -> tuple[list[Span], list[Relation], list[dict[str, str]]]:
    """The spans (text order), relations and annotator notes of one ``.ann`` file's content.

    ``labels`` / ``relation_labels`` / ``attributes``, when given, are the allowed span labels,
    relation labels and attributes; anything else is an error. Lines with errors are left out.
    """
    parsed = _parse_lines(ann, text, labels, relation_labels, quirk, report)
    spans, relations = _resolve(parsed, attributes, report)
    return spans, relations, parsed.notes
