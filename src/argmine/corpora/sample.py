"""argmine's bundled sample corpus: short argumentative texts written for this project.

The corpus is authored in ``resources/sample/sample.src.txt`` (inline markup, below) and
converted by ``scripts/build_sample_corpus.py`` into ``resources/sample/sample.jsonl``, which
:func:`load_sample` reads. Labels are already those of the unified schema.

Source format::

    # comment lines (outside a document's text)
    === sample-001 split=train
    The title on the first line
                                                  <- blank line: paragraph break
    [major_claim#mc1 Cities should ban cars downtown]. [premise#p1>support:mc1 Traffic
    kills pedestrians every week] ...

A document starts with ``=== ID split=SPLIT``. Its first line is the title; paragraphs are
separated by blank lines, and the lines of one paragraph are joined with one space. The text is
the title and the paragraphs joined by ``"\\n"``; ``partitions["paragraphs"]`` labels them
``title`` / ``paragraph``. A span is ``[LABEL#ID TEXT]`` (it may run over several lines of its paragraph); ``>REL:TARGET`` after the id (repeatable)
adds a relation from this span to span ``TARGET`` of the same document. Spans do not nest and
cover whole words (a clause-final period stays outside).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

from argmine.corpora import Corpus
from argmine.corpora._problemlog import ProblemLog
from argmine.documents import Document, Relation, Span
from argmine.errors import CorpusFormatError, CorpusNotFoundError, DocumentError

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "resources" / "sample"
SOURCE_FILE = SAMPLE_DIR / "sample.src.txt"
JSONL_FILE = SAMPLE_DIR / "sample.jsonl"

_HEADER = re.compile(r"^=== (?P<id>[\w.-]+) split=(?P<split>\w+)\s*$")
_OPEN = re.compile(r"\[(?P<label>[a-z_]+)#(?P<id>\w+)(?P<rels>(?:>\w+:\w+)*) ")
_REL = re.compile(r">(\w+):(\w+)")


def load_sample(root: str | Path | None = None, *, strict: bool = True) -> Corpus:
    """Read ``sample.jsonl`` from ``root`` (default: the bundled copy).

    With ``strict=False`` every bad line is collected and reported together; a document with
    no split is a warning.
    """
    folder = Path(root) if root is not None else SAMPLE_DIR
    path = folder / "sample.jsonl"
    if not path.is_file():
        raise CorpusNotFoundError(f"sample corpus file {path} not found")
    log = ProblemLog(strict)
    docs: list[Document] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = Document.from_dict(json.loads(line))
            except json.JSONDecodeError as exc:
                log.error(path, lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")
                continue
            except (DocumentError, TypeError, ValueError) as exc:
                log.error(path, lineno, str(exc))
                continue
            if doc.id in seen:
                log.error(path, lineno, f"duplicate document id {doc.id!r}")
                continue
            seen.add(doc.id)
            if doc.split is None:
                log.warning(path, lineno, f"document {doc.id!r} has no split")
            docs.append(doc)
    problems = log.finish()
    return Corpus("sample", docs, problems, {"source": str(path)})


def parse_sample_source(text: str, path: str | Path = "<sample source>") -> list[Document]:
    """Parse the inline-markup source into documents; errors name the file and line."""
    docs: list[Document] = []
    current: tuple[str, str, int] | None = None
    lines: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.rstrip()
        if stripped.startswith("==="):
            m = _HEADER.match(stripped)
            if not m:
                raise CorpusFormatError(path, lineno, f"bad document header {stripped!r}; "
                                        "expected '=== ID split=SPLIT'")
            if current is not None:
                docs.append(_build(current, lines, path))
            current, lines = (m["id"], m["split"], lineno), []
        elif stripped.startswith("#"):
            continue
        elif current is None:
            if stripped:
                raise CorpusFormatError(path, lineno, "text before the first '=== ID split=SPLIT' header")
        else:
            lines.append((lineno, stripped))
    if current is not None:
        docs.append(_build(current, lines, path))
    ids = [d.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CorpusFormatError(path, None, f"duplicate document ids {dupes}")
    return docs


def _build(header: tuple[str, str, int], lines: list[tuple[int, str]], path: str | Path) -> Document:
    doc_id, split, header_line = header
    # group lines into blocks separated by blank lines
    blocks: list[list[tuple[int, str]]] = [[]]
    for lineno, line in lines:
        if line.strip():
            blocks[-1].append((lineno, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) < 2:
        raise CorpusFormatError(path, header_line, f"document {doc_id!r} needs a title and at least one paragraph")
    title = blocks[0]
    if len(title) != 1:
        raise CorpusFormatError(path, title[1][0], f"document {doc_id!r}: the title must be one line")
    text = ""
    spans: list[Span] = []
    relations: list[Relation] = []
    parts: list[Span] = []
    for index, block in enumerate(blocks):
        if index:
            text += "\n"
        part_start = len(text)
        joined = " ".join(line for _, line in block)
        starts = list(accumulate((len(line) + 1 for _, line in block[:-1]), initial=0))

        def line_of(col: int, block: list[tuple[int, str]] = block, starts: list[int] = starts) -> int:
            return block[bisect_right(starts, col) - 1][0]

        text = _parse_block(joined, line_of, text, spans, relations, doc_id, path)
        parts.append(Span(part_start, len(text), "title" if index == 0 else "paragraph"))
    for span in spans:
        _check_whole_words(text, span, doc_id, path, header_line)
    try:
        return Document(doc_id, text, spans, relations, {"paragraphs": parts}, {}, split)
    except DocumentError as exc:
        raise CorpusFormatError(path, header_line, str(exc)) from None


def _parse_block(
    line: str, line_of: Callable[[int], int], text: str, spans: list[Span],
    relations: list[Relation], doc_id: str, path: str | Path,
) -> str:
    """Append the paragraph ``line`` (its source lines joined) to ``text``, collecting spans."""
    pos = 0
    while pos < len(line):
        open_at = line.find("[", pos)
        close_at = line.find("]", pos)
        if close_at != -1 and (open_at == -1 or close_at < open_at):
            raise CorpusFormatError(path, line_of(close_at), f"document {doc_id!r}: ']' without a matching '['")
        if open_at == -1:
            text += line[pos:]
            break
        text += line[pos:open_at]
        m = _OPEN.match(line, open_at)
        if not m:
            raise CorpusFormatError(path, line_of(open_at), f"document {doc_id!r}: bad span opening "
                                    f"{line[open_at:open_at + 20]!r}; expected '[label#id TEXT]' or '[label#id>rel:target TEXT]'")
        end = line.find("]", m.end())
        nested = line.find("[", m.end())
        if end == -1:
            raise CorpusFormatError(path, line_of(open_at), f"document {doc_id!r}: span {m['id']!r} "
                                    "is not closed in its paragraph")
        if nested != -1 and nested < end:
            raise CorpusFormatError(path, line_of(nested), f"document {doc_id!r}: spans cannot nest (in {m['id']!r})")
        start = len(text)
        text += line[m.end():end]
        spans.append(Span(start, len(text), m["label"], m["id"]))
        for rel, target in _REL.findall(m["rels"]):
            relations.append(Relation(m["id"], target, rel))
        pos = end + 1
    return text


def _check_whole_words(text: str, span: Span, doc_id: str, path: str | Path, line: int) -> None:
    covered = text[span.start:span.end]
    if covered != covered.strip():
        raise CorpusFormatError(path, line, f"document {doc_id!r}: span {span.id!r} has surrounding spaces")
    before = text[span.start - 1] if span.start > 0 else " "
    after = text[span.end] if span.end < len(text) else " "
    if before.isalnum() or after.isalnum():
        raise CorpusFormatError(path, line, f"document {doc_id!r}: span {span.id!r} "
                                f"({covered!r}) starts or ends inside a word")
    if covered.endswith("."):
        raise CorpusFormatError(path, line, f"document {doc_id!r}: span {span.id!r} ends with a "
                                "period; leave the final period outside the span")
