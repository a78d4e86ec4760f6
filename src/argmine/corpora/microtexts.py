"""Reader for the argumentative microtexts (arggraph XML), parts 1 and 2.

``root`` is the ``arg_microtexts`` folder holding ``part1/corpus/{en,de}/*.xml`` and
``part2/corpus/*.xml``. What the reader makes of a file:

- Text: the EDU texts in document order joined by single spaces. It is checked against the
  ``.txt`` next to the XML after whitespace normalisation (a mismatch is a warning).
- Spans: one ``ADU`` span per ``<adu>``, with ``attributes["role"]`` = ``pro`` (proponent) or
  ``opp`` (opponent), and ``attributes["central_claim"] = "true"`` on the root of the argument
  graph (the one ADU with no outgoing sup/exa/add/reb/und edge). An ADU segmented from several
  EDUs covers them all; EDUs that are not adjacent become ``fragments``.
- Relations: every non-``seg`` edge, id = the edge id, label = the edge type (``sup``, ``exa``,
  ``add``, ``reb``, ``und``). ``und`` (and ``add`` in linked arguments) target an edge: the
  relation's ``target`` is then the id of that relation.
- Part 2's ``implicit="true"`` EDUs (claims reconstructed by the annotators; UPPERCASE in the
  ``.txt``) stay in the text at their place, in the XML's case, and their ADU spans get
  ``attributes["implicit"] = "true"``; ``metadata["implicit_edus"]`` lists the EDU ids.
- ``metadata``: ``topic_id`` and ``stance`` (``None`` when absent, as in 23 part-1 texts),
  ``part``, ``language``.
- Splits: there is no official split, so every document has ``split=None``. For part 1
  ``corpus.metadata["folds"]`` holds the 50 test folds of the 10x5 CV of Peldszus & Stede
  (2015) from ``part1/_derived/folds_10x5cv_peldszus_stede_2015.json``; see
  :func:`microtext_folds`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from argmine.corpora import Corpus
from argmine.corpora._problemlog import ProblemLog
from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError, CorpusFormatError, CorpusNotFoundError, DocumentError

FOLDS_FILE = Path("part1") / "_derived" / "folds_10x5cv_peldszus_stede_2015.json"
ARG_EDGES = ("sup", "exa", "add", "reb", "und")
ROLES = ("pro", "opp")


def load_microtexts(
    root: str | Path,
    *,
    part: int = 1,
    language: str = "en",
    strict: bool = True,
    folds: str | Path | list[list[str]] | None = None,
) -> Corpus:
    """Read part 1 (``language`` ``en`` or ``de``) or part 2 (``en`` only).

    ``folds``: test folds as a list of id lists, or a JSON file with a ``test_folds`` list;
    default: the part-1 10x5 CV folds when reading part 1 and the file exists.
    """
    root = Path(root)
    part = int(part)
    if part == 1:
        folder = root / "part1" / "corpus" / language
    elif part == 2:
        if language != "en":
            raise CorpusNotFoundError(f"arg-microtexts part 2 is English only (asked for {language!r})")
        folder = root / "part2" / "corpus"
    else:
        raise ConfigError(f"part must be 1 or 2, got {part!r}")
    files = sorted(folder.glob("*.xml"))
    if not files:
        raise CorpusNotFoundError(f"no arggraph *.xml files in {folder}")
    log = ProblemLog(strict)
    documents = []
    for path in files:
        doc = read_arggraph(path, log, part=part, language=language)
        if doc is not None:
            documents.append(doc)
    problems = log.finish()
    metadata: dict[str, Any] = {"part": part, "language": language}
    if folds is None and part == 1 and (root / FOLDS_FILE).is_file():
        folds = root / FOLDS_FILE
    if folds is not None:
        metadata["folds"] = _read_folds(folds, {d.id for d in documents})
    return Corpus(name="microtexts", documents=documents, problems=problems, metadata=metadata)


def microtext_folds(corpus: Corpus) -> list[tuple[list[str], list[str]]]:
    """``(train_ids, test_ids)`` per fold: test = the fold, train = every other document."""
    if "folds" not in corpus.metadata:
        raise CorpusFormatError(None, None, f"corpus {corpus.name!r} has no folds in its metadata")
    ids = [d.id for d in corpus.documents]
    out = []
    for test in corpus.metadata["folds"]:
        test_set = set(test)
        out.append(([i for i in ids if i not in test_set], list(test)))
    return out


def _read_folds(folds: str | Path | list[list[str]], known: set[str]) -> list[list[str]]:
    where: str | Path = "folds argument"
    if isinstance(folds, (str, Path)):
        where = folds
        try:
            data = json.loads(Path(folds).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CorpusFormatError(folds, None, f"cannot read folds: {exc}") from None
        folds = data.get("test_folds") if isinstance(data, dict) else data
    if not isinstance(folds, list) or not all(isinstance(f, list) for f in folds):
        raise CorpusFormatError(where, None, "folds must be a list of lists of document ids")
    out = [[str(i) for i in fold] for fold in folds]
    unknown = sorted({i for fold in out for i in fold} - known)
    if unknown:
        raise CorpusFormatError(where, None, f"fold ids not in the corpus: {unknown[:5]}")
    return out


def read_arggraph(path: Path, log: ProblemLog, *, part: int, language: str) -> Document | None:
    """One arggraph XML file as a Document (None after a lenient-mode error)."""
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.error(path, data.count(b"\n", 0, exc.start) + 1, f"not UTF-8: {exc.reason}")
        return None
    try:
        graph = ET.fromstring(raw)
    except ET.ParseError as exc:
        log.error(path, exc.position[0], f"XML parse error: {exc}")
        return None

    def fail(element_id: str | None, message: str) -> None:
        log.error(path, _line_of(raw, element_id), message)

    if graph.tag != "arggraph" or not graph.get("id"):
        fail(None, f"root element must be <arggraph id=...>, found <{graph.tag}>")
        return None
    n_before = _n_errors(log)
    # EDUs -> text
    pieces: list[str] = []
    edu_offsets: dict[str, tuple[int, int]] = {}
    implicit: list[str] = []
    pos = 0
    for edu in graph.iter("edu"):
        eid = edu.get("id")
        text = " ".join((edu.text or "").split())
        if not eid or not text:
            fail(eid, f"<edu id={eid!r}> lacks an id or text")
            continue
        if eid in edu_offsets:
            fail(eid, f"duplicate EDU id {eid!r}")
            continue
        if pieces:
            pieces.append(" ")
            pos += 1
        pieces.append(text)
        edu_offsets[eid] = (pos, pos + len(text))
        pos += len(text)
        if edu.get("implicit") == "true":
            implicit.append(eid)
    text = "".join(pieces)
    # ADUs and edges
    roles: dict[str, str] = {}
    for adu in graph.iter("adu"):
        aid, role = adu.get("id"), adu.get("type")
        if not aid or role not in ROLES:
            fail(aid, f"<adu id={aid!r}> needs an id and type pro|opp, has type {role!r}")
            continue
        roles[aid] = role
    segs: dict[str, list[str]] = {a: [] for a in roles}
    edges: list[tuple[str, str, str, str]] = []
    edge_ids = {e.get("id") for e in graph.iter("edge")}
    for edge in graph.iter("edge"):
        cid, src, trg, kind = edge.get("id"), edge.get("src"), edge.get("trg"), edge.get("type")
        if not (cid and src and trg) or kind not in ("seg", *ARG_EDGES):
            fail(cid, f"<edge id={cid!r}> needs id, src, trg and a type in seg|{'|'.join(ARG_EDGES)}; "
                 f"has type {kind!r}")
            continue
        if kind == "seg":
            if src not in edu_offsets or trg not in roles:
                fail(cid, f"seg edge {cid} must go from an EDU to an ADU ({src} -> {trg})")
                continue
            segs[trg].append(src)
            continue
        if src not in roles:
            fail(cid, f"{kind} edge {cid} has source {src!r}, which is not an ADU")
            continue
        if trg not in roles and trg not in edge_ids:
            fail(cid, f"{kind} edge {cid} has target {trg!r}, which is neither an ADU nor an edge")
            continue
        if kind in ("sup", "exa", "reb") and trg not in roles:
            fail(cid, f"{kind} edge {cid} must target an ADU, targets edge {trg!r}")
            continue
        if kind == "und" and trg not in edge_ids:
            fail(cid, f"und edge {cid} must target an edge, targets {trg!r}")
            continue
        edges.append((cid, src, trg, kind))
    sources = {src for _, src, _, _ in edges}
    roots = [a for a in roles if a not in sources]
    if len(roots) != 1:
        fail(None, f"expected exactly one central claim (ADU without outgoing edge), found {roots}")
    spans = []
    for aid, role in roles.items():
        if not segs[aid]:
            fail(aid, f"ADU {aid} has no seg edge from an EDU")
            continue
        pieces_ = _merge(sorted(edu_offsets[e] for e in segs[aid]))
        attrs = {"role": role}
        if roots == [aid]:
            attrs["central_claim"] = "true"
        if any(e in implicit for e in segs[aid]):
            attrs["implicit"] = "true" if all(e in implicit for e in segs[aid]) else "partial"
        spans.append(Span(
            pieces_[0][0], pieces_[-1][1], "ADU", id=aid, attributes=attrs,
            fragments=tuple(pieces_) if len(pieces_) > 1 else (),
        ))
    if _n_errors(log) > n_before:
        return None
    txt_path = path.with_suffix(".txt")
    if txt_path.is_file():
        shown = " ".join(
            text[a:b].upper() if e in implicit else text[a:b] for e, (a, b) in edu_offsets.items()
        )
        if shown.split() != txt_path.read_text(encoding="utf-8", errors="replace").split():
            log.warning(txt_path, None, "text differs from the EDU texts of the XML (after whitespace "
                        "normalisation, implicit EDUs upper-cased)")
    relations = [Relation(src, trg, kind, id=cid) for cid, src, trg, kind in edges]
    try:
        return Document(
            id=graph.get("id", path.stem), text=text, spans=spans, relations=relations,
            metadata={
                "topic_id": graph.get("topic_id"), "stance": graph.get("stance"),
                "part": part, "language": language, "implicit_edus": implicit,
            },
            split=None,
        )
    except DocumentError as exc:
        log.error(path, None, str(exc))
        return None


def _merge(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join EDU pieces separated only by the one joining space."""
    out = [pieces[0]]
    for start, end in pieces[1:]:
        if start <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _line_of(raw: str, element_id: str | None) -> int | None:
    """1-based line of the first ``id="..."`` attribute with this value, if found."""
    if not element_id:
        return None
    at = raw.find(f'id="{element_id}"')
    return raw.count("\n", 0, at) + 1 if at >= 0 else None


def _n_errors(log: ProblemLog) -> int:
    return sum(p.severity == "error" for p in log.problems)
