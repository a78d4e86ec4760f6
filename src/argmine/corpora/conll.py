"""Reader for AAE v2 in the CoNLL/BIO format of Eger et al. (2017).

Files: ``root/Essay_Level|Paragraph_Level/{train,dev,test}.dat``, 5 TAB-separated columns
``idx token _ _ label``. Essay level: one blank line after each essay. Paragraph level: one blank
line after each paragraph, two after each essay; the title is the first "paragraph".

Labels: ``O``, ``B-/I-MajorClaim``, ``B-/I-Claim:For|Against``, ``B-/I-Premise:<d>:Support|Attack``
with ``<d>`` a signed offset counted in components within the *unit*: the whole essay in
``Essay_Level`` and the paragraph in ``Paragraph_Level`` (checked against upstream's ``.dat.abs``
files, whose absolute link positions are the 1-based ``idx`` of the target's first token).

What the reader makes of it:

- One :class:`Document` per essay at both levels. Text = tokens joined by single spaces,
  paragraphs joined by ``"\\n"``; partitions ``paragraphs`` (first ``title``, rest ``paragraph``).
  Essay-level files carry no paragraph breaks, so they are taken from the sibling
  ``Paragraph_Level`` file of the same split when it exists (aligned on the non-space characters,
  since the two levels split a few tokens differently); otherwise the essay is one paragraph.
- Spans ``MajorClaim`` / ``Claim`` / ``Premise``; claims keep their stance as
  ``attributes["stance"]``. Premise links become ``Relation(premise, target, "Support"|"Attack")``.
  The format stores only a claim's stance, not a target. With ``claim_relations=True`` each claim
  also gets ``Relation(claim, last MajorClaim of the essay, "For"|"Against")`` (attribute
  ``derived="eger2017"``): this is how upstream's ``eval_relationF1.py`` (``findLastMajorClaim``)
  scores claims. Off by default, so relations are exactly the premise links of the file.
- ``doc.id`` is the brat essay id from ``root/_derived/essay_level_doc_to_essay_id.tsv`` when
  that file exists (else ``{split}_{index:03d}``); ``metadata["conll_index"]`` is the 0-based
  position of the essay in its file.
- ``Essay_Level/dev.dat`` labels one claim ``Claim:5:Support:For`` (essay264: the same sentence
  is also a premise there, and the premise's link leaked onto the claim; brat and the paragraph
  level have a plain claim). Such a link on a claim is ignored with a warning.
- ``Essay_Level/train.dat`` links one premise of essay286 (whose text occurs twice in the essay)
  to a component in another paragraph; brat and the paragraph level link it inside its own
  paragraph. The link is kept as written, with a warning (links crossing paragraphs are flagged).
- ``Paragraph_Level`` puts the closing quote token into one premise of essay160 (brat and the
  essay level end the span before it). Not detectable here; kept as written.
- Essay-level files split the five words where a brat span ends inside a word (``educatio n``);
  the paragraph level keeps some of them whole, so token counts differ by 2 (train) and 1 (dev).
- An ``I-`` tag after ``O`` or after a tag with a different label starts a new component (as
  upstream's evaluation does) and is recorded as a warning. Wrong column counts, non-integer
  ``idx``, labels outside the grammar, zero offsets and offsets pointing outside the unit are
  errors naming file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from argmine.corpora import Corpus
from argmine.corpora._problemlog import ProblemLog
from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError, CorpusFormatError, CorpusNotFoundError

SPLITS = ("train", "dev", "test")
LEVEL_DIRS = {"essay": "Essay_Level", "paragraph": "Paragraph_Level"}
MAPPING_FILE = Path("_derived") / "essay_level_doc_to_essay_id.tsv"

_LABEL = re.compile(
    r"^(?P<bio>[BI])-(?:(?P<mc>MajorClaim)"
    r"|Claim:(?P<claim_link>[+-]?\d+:(?:Support|Attack):)?(?P<stance>For|Against)"
    r"|Premise:(?P<dist>[+-]?\d+):(?P<rel>Support|Attack))$"
)


@dataclass
class _Token:
    line: int
    text: str
    label: str


@dataclass
class _Component:
    label: str
    first: int  # token index within the essay
    last: int
    line: int
    stance: str | None = None
    dist: int | None = None
    rel: str | None = None
    span_id: str = ""


@dataclass
class _Essay:
    paragraphs: list[list[_Token]] = field(default_factory=list)

    @property
    def tokens(self) -> list[_Token]:
        return [t for p in self.paragraphs for t in p]


def load_aae2_conll(
    root: str | Path,
    *,
    level: str = "essay",
    strict: bool = True,
    encoding: str = "utf-8",
    claim_relations: bool = False,
) -> Corpus:
    """Read the Eger et al. CoNLL files at ``level`` ``"essay"`` or ``"paragraph"``.

    ``claim_relations``: also link each claim to the essay's last major claim (see module doc).
    """
    root = Path(root)
    if level not in LEVEL_DIRS:
        raise ConfigError(f"level must be 'essay' or 'paragraph', got {level!r}")
    folder = root / LEVEL_DIRS[level]
    if not folder.is_dir():
        raise CorpusNotFoundError(f"CoNLL folder {folder} not found (expected {LEVEL_DIRS[level]}/ in {root})")
    log = ProblemLog(strict)
    ids = _read_id_map(root / MAPPING_FILE, log)
    documents: list[Document] = []
    for split in SPLITS:
        path = folder / f"{split}.dat"
        if not path.is_file():
            continue
        essays = read_conll_file(path, level=level, log=log, encoding=encoding)
        if level == "essay":
            para_path = root / LEVEL_DIRS["paragraph"] / f"{split}.dat"
            breaks = _paragraph_breaks(para_path, len(essays), log, encoding)
        else:
            breaks = None
        for index, essay in enumerate(essays):
            doc_id = ids.get((split, index), f"{split}_{index:03d}")
            para_chars = breaks[index] if breaks is not None else None
            doc = _build_document(
                essay, doc_id, split, index, level, para_chars, path, log, claim_relations
            )
            if doc is not None:
                documents.append(doc)
    if not documents and not log.problems:
        raise CorpusNotFoundError(f"no {{train,dev,test}}.dat files in {folder}")
    problems = log.finish()
    return Corpus(
        name="aae2_conll", documents=documents, problems=problems, metadata={"level": level}
    )


def read_conll_file(
    path: Path, *, level: str, log: ProblemLog, encoding: str = "utf-8"
) -> list[_Essay]:
    """Split a ``.dat`` file into essays of paragraphs of tokens; checks columns and labels."""
    essays: list[_Essay] = []
    current = _Essay()
    paragraph: list[_Token] = []
    blanks = 0
    expected_idx = 1
    for lineno, line in _lines(path, encoding, log):
        if not line.strip():
            blanks += 1
            if paragraph:
                current.paragraphs.append(paragraph)
                paragraph = []
            if (level == "essay" or blanks >= 2) and current.paragraphs:
                essays.append(current)
                current = _Essay()
            expected_idx = 1
            continue
        blanks = 0
        cols = line.split("\t")
        if len(cols) != 5:
            log.error(path, lineno, f"expected 5 TAB-separated columns, found {len(cols)}")
            expected_idx += 1
            continue
        idx, token, label = cols[0], cols[1], cols[4]
        if not idx.isdigit():
            log.error(path, lineno, f"token index {idx!r} is not a positive integer")
            continue
        if int(idx) != expected_idx:
            log.error(path, lineno, f"token index {idx} where {expected_idx} was expected")
        expected_idx = int(idx) + 1
        if not token or any(c.isspace() for c in token):
            log.error(path, lineno, f"token {token!r} is empty or contains whitespace")
            continue
        if label != "O" and not _LABEL.match(label):
            log.error(path, lineno, f"label {label!r} does not match the Eger et al. grammar "
                      "(O, B-/I-MajorClaim, B-/I-Claim:For|Against, B-/I-Premise:<d>:Support|Attack)")
            label = "O"
        paragraph.append(_Token(lineno, token, label))
    if paragraph:
        current.paragraphs.append(paragraph)
    if current.paragraphs:
        essays.append(current)
    return essays


def _lines(path: Path, encoding: str, log: ProblemLog) -> Iterator[tuple[int, str]]:
    """``(line number, line without its newline)``; an undecodable line is reported and skipped."""
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                yield lineno, raw.decode(encoding).rstrip("\r\n")
            except UnicodeDecodeError as exc:
                log.error(path, lineno, f"cannot decode as {encoding}: {exc.reason}")


def _components(tokens: list[_Token], offset: int, path: Path, log: ProblemLog) -> list[_Component]:
    """Components of one unit (token indices shifted by ``offset``), in text order."""
    comps: list[_Component] = []
    prev = "O"
    for i, tok in enumerate(tokens):
        m = _LABEL.match(tok.label)
        if m is None:
            prev = "O"
            continue
        body = tok.label[2:]
        if m["bio"] == "I" and prev[2:] == body and comps:
            comps[-1].last = offset + i
        else:
            if m["claim_link"]:
                log.warning(path, tok.line, f"claim label {tok.label!r} carries a link; upstream "
                            "conversion artefact (the paragraph-level file and brat have none), "
                            "link ignored")
            if m["bio"] == "I":
                log.warning(path, tok.line, f"{tok.label} does not continue the previous tag "
                            f"{prev!r}; read as the start of a new component")
            label = "MajorClaim" if m["mc"] else ("Claim" if m["stance"] else "Premise")
            comps.append(_Component(
                label, offset + i, offset + i, tok.line, stance=m["stance"],
                dist=int(m["dist"]) if m["dist"] is not None else None, rel=m["rel"],
            ))
        prev = tok.label
    return comps


def _build_document(
    essay: _Essay,
    doc_id: str,
    split: str,
    index: int,
    level: str,
    para_chars: list[int] | None,
    path: Path,
    log: ProblemLog,
    claim_relations: bool = False,
) -> Document | None:
    tokens = essay.tokens
    # units for resolving relative links: the essay, or each paragraph
    units: list[tuple[int, list[_Token]]] = []
    if level == "essay":
        units.append((0, tokens))
        layout = _split_by_chars(tokens, para_chars) if para_chars else [tokens]
    else:
        start = 0
        for para in essay.paragraphs:
            units.append((start, para))
            start += len(para)
        layout = essay.paragraphs
    # text and token offsets
    pieces: list[str] = []
    offsets: list[tuple[int, int]] = []
    partitions: list[Span] = []
    pos = 0
    for p_index, para in enumerate(layout):
        if p_index:
            pieces.append("\n")
            pos += 1
        p_start = pos
        for t_index, tok in enumerate(para):
            if t_index:
                pieces.append(" ")
                pos += 1
            pieces.append(tok.text)
            offsets.append((pos, pos + len(tok.text)))
            pos += len(tok.text)
        partitions.append(Span(p_start, pos, "title" if p_index == 0 else "paragraph"))
    text = "".join(pieces)
    para_of_token = [i for i, para in enumerate(layout) for _ in para]

    spans: list[Span] = []
    relations: list[Relation] = []
    errors_before = _n_errors(log)
    all_units: list[list[_Component]] = []
    for offset, unit_tokens in units:
        comps = _components(unit_tokens, offset, path, log)
        for comp in comps:
            comp.span_id = f"T{len(spans) + 1}"
            attrs = {"stance": comp.stance} if comp.stance else {}
            spans.append(Span(offsets[comp.first][0], offsets[comp.last][1], comp.label,
                              id=comp.span_id, attributes=attrs))
        all_units.append(comps)
    for comps in all_units:
        for k, comp in enumerate(comps):
            if comp.dist is None:
                continue
            target = k + comp.dist
            if comp.dist == 0 or not 0 <= target < len(comps):
                unit = "essay" if level == "essay" else "paragraph"
                log.error(path, comp.line, f"premise link offset {comp.dist:+d} from component "
                          f"{k + 1} of {len(comps)} points outside its {unit}"
                          + (" (offset 0 links a component to itself)" if comp.dist == 0 else ""))
                continue
            if para_of_token[comp.first] != para_of_token[comps[target].first]:
                log.warning(path, comp.line, f"premise link offset {comp.dist:+d} crosses a "
                            "paragraph border (AAE links never do; upstream conversion artefact)")
            relations.append(Relation(comp.span_id, comps[target].span_id, str(comp.rel),
                                      id=f"R{len(relations) + 1}"))
    if claim_relations:
        major = [s for s in spans if s.label == "MajorClaim"]
        claims = [s for s in spans if s.label == "Claim"]
        if claims and not major:
            log.warning(path, tokens[0].line, f"essay {doc_id} has claims but no major claim; "
                        "no claim relations added")
        elif claims:
            last = max(major, key=lambda s: s.start)
            relations.extend(
                Relation(c.id, last.id, c.attributes["stance"], id=f"R{len(relations) + n + 1}",
                         attributes={"derived": "eger2017"})
                for n, c in enumerate(claims)
            )
    if _n_errors(log) > errors_before:
        return None
    return Document(
        id=doc_id, text=text, spans=spans, relations=relations,
        partitions={"paragraphs": partitions},
        metadata={"conll_index": index, "source": str(path.name), "first_line": tokens[0].line},
        split=split,
    )


def _n_errors(log: ProblemLog) -> int:
    return sum(p.severity == "error" for p in log.problems)


def _split_by_chars(tokens: list[_Token], para_chars: list[int]) -> list[list[_Token]]:
    """Split tokens before each token starting at one of ``para_chars`` (non-space char counts)."""
    starts = set(para_chars)
    out: list[list[_Token]] = [[]]
    count = 0
    for tok in tokens:
        if count in starts and out[-1]:
            out.append([])
        out[-1].append(tok)
        count += len(tok.text)
    return out


def _paragraph_breaks(
    path: Path, n_essays: int, log: ProblemLog, encoding: str
) -> list[list[int]] | None:
    """Per essay, the non-space character positions where paragraphs 2.. start, or None."""
    if not path.is_file():
        return None
    quiet = ProblemLog(strict=False)
    essays = read_conll_file(path, level="paragraph", log=quiet, encoding=encoding)
    if quiet.has_errors or len(essays) != n_essays:
        log.warning(path, None, "paragraph-level file unreadable or with a different number of "
                    "essays; essay-level documents get no paragraph breaks")
        return None
    out = []
    for essay in essays:
        starts, count = [], 0
        for para in essay.paragraphs:
            starts.append(count)
            count += sum(len(t.text) for t in para)
        out.append(starts[1:])
    return out


def _read_id_map(path: Path, log: ProblemLog) -> dict[tuple[str, int], str]:
    """``(split, doc_index) -> essay id`` from the derived TSV (``#`` comments, then a header)."""
    if not path.is_file():
        return {}
    out: dict[tuple[str, int], str] = {}
    header: list[str] | None = None
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                missing = {"split", "doc_index", "essay_id"} - set(cols)
                if missing:
                    raise CorpusFormatError(path, lineno, f"header lacks columns {sorted(missing)}")
                continue
            row = dict(zip(header, cols, strict=False))
            try:
                out[(row["split"], int(row["doc_index"]))] = row["essay_id"]
            except (KeyError, ValueError):
                log.error(path, lineno, "expected split, integer doc_index and essay_id")
    return out
