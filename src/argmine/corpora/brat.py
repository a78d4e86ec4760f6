"""Reader for brat standoff annotations (``name.txt`` + ``name.ann``): one document or a folder.

The ``.ann`` lines it understands (spans, discontinuous spans, attributes, relations, annotator
notes) and the checks made on them are described in :mod:`argmine.corpora.brat_ann`.

Files are decoded from bytes with an explicit encoding and no newline translation, so offsets
count exactly the characters brat counted (``\\r\\n`` stays two characters and a UTF-8 byte
order mark stays one character, U+FEFF). Every span's given text must equal the text it covers.

Error policy: with ``strict=True`` the first error raises :class:`CorpusFormatError` naming the
file, the line and the problem. With ``strict=False`` errors are appended to ``problems`` and
reading goes on; the corpus loaders raise one ``CorpusFormatError(problems=...)`` at the end.
Spans that start or end inside a word are reported as warnings (they are upstream annotation
slips, not format errors); ``known_quirks`` (file name -> description) adds the known
explanation to such a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from argmine.corpora.brat_ann import AttributeRule, FileReport, parse_ann
from argmine.documents import Document, Span
from argmine.errors import CorpusFormatError, DocumentError, Problem

__all__ = [
    "AttributeRule",
    "paragraph_partition",
    "raise_if_errors",
    "read_brat_document",
    "read_brat_folder",
]


def raise_if_errors(problems: list[Problem]) -> None:
    """Raise one ``CorpusFormatError(problems=...)`` if ``problems`` holds any error."""
    if any(p.severity == "error" for p in problems):
        raise CorpusFormatError(problems=list(problems))


def paragraph_partition(text: str, *, title_first_line: bool = False) -> list[Span]:
    """Paragraph spans: the non-blank lines of ``text``, surrounding whitespace (and U+FEFF) excluded.

    With ``title_first_line`` the first one is labelled ``title``, the others ``paragraph``.
    (Same rule as ``argmine.text.tokenize.paragraph_spans``; to be replaced by it.)
    """
    parts: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip().strip("\ufeff").strip()  # a byte order mark is not content
        if stripped:
            start = pos + line.find(stripped)
            label = "title" if title_first_line and not parts else "paragraph"
            parts.append(Span(start, start + len(stripped), label, id=f"P{len(parts) + 1}"))
        pos += len(line) + 1
    return parts


def _decode(path: Path, encoding: str, report: FileReport) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.error(None, f"cannot read file: {exc.strerror or exc}")
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error(
            line,
            f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at byte position "
            f"{exc.start} ({exc.reason}); pass the right encoding=",
        )
        return None
    except LookupError:
        report.error(None, f"unknown encoding {encoding!r}")
        return None


def read_brat_document(
    txt_path: str | Path,
    ann_path: str | Path | None = None,
    *,
    doc_id: str | None = None,
    encoding: str = "utf-8",
    labels: Collection[str] | None = None,
    relation_labels: Collection[str] | None = None,
    attributes: Mapping[str, AttributeRule] | None = None,
    known_quirks: Mapping[str, str] | None = None,
    paragraphs: Callable[[str], list[Span]] | None = None,
    split: str | None = None,
    metadata: Mapping[str, object] | None = None,
    strict: bool = True,
    problems: list[Problem] | None = None,
) -> Document | None:
    """Read one brat document (``ann_path`` defaults to ``txt_path`` with suffix ``.ann``).

    ``labels`` / ``relation_labels`` / ``attributes``, when given, are the allowed span labels,
    relation labels and attributes; anything else is an error. ``paragraphs`` computes
    ``partitions["paragraphs"]`` from the text. Warnings (and, when not strict, errors) are
    appended to ``problems`` (without a list, warnings are discarded). Returns ``None`` only
    when not strict and a file could not be read; lines with errors are left out of the returned
    document. With ``strict=False`` and no ``problems`` list, errors are raised together once
    the file has been read.
    """
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path is not None else txt_path.with_suffix(".ann")
    own_list = problems is None
    sink: list[Problem] = [] if problems is None else problems
    txt_report = FileReport(txt_path, strict)
    ann_report = FileReport(ann_path, strict)
    try:
        text = _decode(txt_path, encoding, txt_report)
        ann = _decode(ann_path, encoding, ann_report)
        if text is None or ann is None:
            return None
        quirk = (known_quirks or {}).get(ann_path.name) or (known_quirks or {}).get(txt_path.name)
        spans, relations, notes = parse_ann(
            ann, text, ann_report,
            labels=labels, relation_labels=relation_labels, attributes=attributes, quirk=quirk,
        )
        meta: dict[str, object] = dict(metadata or {})
        if notes:
            meta["brat_notes"] = notes
        partitions = {"paragraphs": paragraphs(text)} if paragraphs is not None else {}
        try:
            return Document(
                id=doc_id or txt_path.stem,
                text=text,
                spans=spans,
                relations=relations,
                partitions=partitions,
                metadata=meta,
                split=split,
            )
        except DocumentError as exc:  # every invariant is checked above; kept as a safety net
            ann_report.error(None, str(exc))
            return None
    finally:
        sink.extend(txt_report.problems)
        # Attributes and relations are checked in a second pass: report in line order.
        sink.extend(sorted(ann_report.problems, key=lambda p: p.line or 0))
        if own_list and not strict and (txt_report.errors or ann_report.errors):
            raise_if_errors(sink)


def read_brat_folder(
    folder: str | Path,
    *,
    strict: bool = True,
    problems: list[Problem] | None = None,
    **options: object,
) -> list[Document]:
    """Read every ``*.ann``/``*.txt`` pair in ``folder``, sorted by file name.

    ``options`` go to :func:`read_brat_document`. A ``.txt`` without ``.ann`` (or the reverse) is
    an error. With ``strict=False`` all problems are collected (into ``problems`` when given)
    and one ``CorpusFormatError`` is raised at the end if any is an error.
    """
    folder = Path(folder)
    sink: list[Problem] = [] if problems is None else problems
    stems_txt = {p.stem for p in folder.glob("*.txt")}
    stems_ann = {p.stem for p in folder.glob("*.ann")}
    documents = []
    for stem in sorted(stems_txt | stems_ann):
        if stem not in stems_ann or stem not in stems_txt:
            have, lack = (".txt", ".ann") if stem in stems_txt else (".ann", ".txt")
            problem = Problem(str(folder / f"{stem}{have}"), None, f"has no matching {stem}{lack}")
            if strict:
                raise CorpusFormatError(problems=[problem])
            sink.append(problem)
            continue
        doc = read_brat_document(
            folder / f"{stem}.txt", folder / f"{stem}.ann", strict=strict, problems=sink, **options  # type: ignore[arg-type]
        )
        if doc is not None:
            documents.append(doc)
    if not strict:
        raise_if_errors(sink)
    return documents
