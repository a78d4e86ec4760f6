"""Reader for CDCP, the Cornell eRulemaking corpus (Park & Cardie 2018; Niculae et al. 2017 layout).

Files: ``root/{train,test}/NNNNN.txt`` with ``NNNNN.ann.json`` holding ``prop_labels``,
``prop_offsets`` (``[start, end]`` character offsets into the ``.txt``), ``reasons`` and
``evidences`` (``[[i, j], k]``: propositions ``i..j`` together support proposition ``k``; 0-based)
and ``url`` (``{"n": URL}``).

What the reader makes of it:

- One span per proposition, label = ``value|policy|fact|testimony|reference``, id ``P<n>`` with
  ``n`` the 0-based CDCP index. The release's offsets tile the text and include the whitespace
  between propositions; spans are trimmed to the proposition's non-whitespace text.
- One relation per source proposition: ``[[i, j], k]`` gives ``P_i -> P_k``, ..., ``P_j -> P_k``,
  label ``reason`` or ``evidence``; when ``i < j`` each gets ``attributes["group"] = "i-j"``.
- URLs: the release replaced every URL in the ``.txt`` by the token ``__URL__``; ``url`` maps the
  index of the proposition holding that token to the original URL. The text keeps ``__URL__``
  (offsets refer to it) and the span gets ``attributes["url"]``.
- ``metadata["file"]`` is the comment number; splits ``train`` and ``test`` (the folders).

Offsets outside the text, empty propositions, unknown labels, proposition indices out of range
or a proposition supporting itself are errors naming the ``.ann.json`` file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from argmine.corpora import Corpus
from argmine.corpora._problemlog import ProblemLog
from argmine.documents import Document, Relation, Span
from argmine.errors import CorpusNotFoundError

SPLITS = ("train", "test")
LABELS = ("value", "policy", "fact", "testimony", "reference")


def load_cdcp(root: str | Path, *, strict: bool = True) -> Corpus:
    """Read ``root/train`` and ``root/test``."""
    root = Path(root)
    log = ProblemLog(strict)
    documents: list[Document] = []
    for split in SPLITS:
        for ann in sorted((root / split).glob("*.ann.json")):
            doc = read_cdcp_file(ann, split, log)
            if doc is not None:
                documents.append(doc)
    if not documents and not log.problems:
        raise CorpusNotFoundError(f"no CDCP files (train/*.ann.json, test/*.ann.json) in {root}")
    return Corpus(name="cdcp", documents=documents, problems=log.finish())


def read_cdcp_file(ann: Path, split: str, log: ProblemLog) -> Document | None:
    """One comment; returns None after a lenient-mode error."""
    txt = ann.with_name(ann.name[: -len(".ann.json")] + ".txt")
    try:
        text = txt.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.error(txt, None, f"cannot read the comment text: {exc}")
        return None
    try:
        data: dict[str, Any] = json.loads(ann.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        log.error(ann, exc.lineno, f"invalid JSON: {exc.msg}")
        return None
    except UnicodeDecodeError as exc:
        log.error(ann, None, f"not UTF-8: {exc.reason}")
        return None
    if not isinstance(data, dict):
        log.error(ann, None, "expected a JSON object")
        return None
    before = _n_errors(log)
    missing = [k for k in ("prop_labels", "prop_offsets") if k not in data]
    if missing:
        log.error(ann, None, f"lacks keys {missing}")
        return None
    labels, offsets = data["prop_labels"], data["prop_offsets"]
    if len(labels) != len(offsets):
        log.error(ann, None, f"{len(labels)} prop_labels but {len(offsets)} prop_offsets")
        return None
    urls = {str(k): str(v) for k, v in (data.get("url") or {}).items()}
    spans: list[Span] = []
    for n, (label, pair) in enumerate(zip(labels, offsets, strict=True)):
        if label not in LABELS:
            log.error(ann, None, f"proposition {n}: unknown label {label!r} (expected {'|'.join(LABELS)})")
            continue
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, int) for x in pair)):
            log.error(ann, None, f"proposition {n}: offsets {pair!r} are not [start, end]")
            continue
        start, end = pair
        if not 0 <= start < end <= len(text):
            log.error(ann, None, f"proposition {n}: offsets [{start}, {end}) outside the text "
                      f"(length {len(text)}) of {txt.name}")
            continue
        piece = text[start:end]
        if not piece.strip():
            log.error(ann, None, f"proposition {n}: offsets [{start}, {end}) cover only whitespace")
            continue
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        attrs = {"url": urls[str(n)]} if str(n) in urls else {}
        spans.append(Span(start, end, label, id=f"P{n}", attributes=attrs))
    relations: list[Relation] = []
    for key, label in (("reasons", "reason"), ("evidences", "evidence")):
        for entry in data.get(key) or []:
            try:
                (i, j), k = entry
                i, j, k = int(i), int(j), int(k)
            except (TypeError, ValueError):
                log.error(ann, None, f"{key}: entry {entry!r} is not [[i, j], k]")
                continue
            if not (0 <= i <= j < len(labels) and 0 <= k < len(labels)):
                log.error(ann, None, f"{key}: entry {entry!r} names propositions outside 0..{len(labels) - 1}")
                continue
            if i <= k <= j:
                log.error(ann, None, f"{key}: entry {entry!r} makes proposition {k} support itself")
                continue
            attrs = {"group": f"{i}-{j}"} if i < j else {}
            for src in range(i, j + 1):
                relations.append(Relation(f"P{src}", f"P{k}", label, attributes=attrs))
    for n in urls:
        if not (n.isdigit() and int(n) < len(labels)):
            log.error(ann, None, f"url: key {n!r} is not a proposition index")
        elif "__URL__" not in text[offsets[int(n)][0] : offsets[int(n)][1]]:
            log.warning(ann, None, f"url: proposition {n} holds no __URL__ token")
    if _n_errors(log) > before:
        return None
    return Document(
        id=ann.name[: -len(".ann.json")], text=text, spans=spans, relations=relations,
        metadata={"file": ann.name[: -len(".ann.json")]}, split=split,
    )


def _n_errors(log: ProblemLog) -> int:
    return sum(p.severity == "error" for p in log.problems)
