"""Argument Annotated Essays v2 (Stab & Gurevych 2017), read from the brat release.

Layout under ``root``: ``brat-project-final/essayNNN.{txt,ann}``, ``train-test-split.csv``
(``"ID";"SET"`` rows, CR line endings) and optionally ``prompts.csv``. Every essay gets
``split`` (``train``/``test``, or ``dev`` with ``dev_split="eger2017"``), paragraph partitions
(first line ``title``, then ``paragraph``) and ``metadata``: ``essay_id``, ``duplicate_group``
(the smallest essay id with the same text, else its own id) and ``prompt`` when available.
"""

from __future__ import annotations

import csv
import hashlib
from functools import partial
from pathlib import Path

from argmine.corpora import Corpus
from argmine.corpora.brat import (
    AttributeRule,
    paragraph_partition,
    raise_if_errors,
    read_brat_document,
)
from argmine.errors import ArgmineError, CorpusFormatError, CorpusNotFoundError, Problem

LABELS = ("MajorClaim", "Claim", "Premise")
RELATION_LABELS = ("supports", "attacks")
ATTRIBUTES = {"Stance": AttributeRule(labels=("Claim",), values=("For", "Against"))}

#: Spans that cut a word (text matches the offsets, so they are kept; reported as warnings).
KNOWN_QUIRKS = {
    "essay098.ann": "span ends one character early ('responsibl'); listed in the corpus README",
    "essay182.ann": "span ends one character early ('governmen'); listed in the corpus README",
    "essay114.ann": "span ends one character early ('educatio'); found by argmine's check",
    "essay248.ann": "span ends one character early ('environmen'); found by argmine's check",
    "essay337.ann": "span ends one character early ('communicatio'); found by argmine's check",
}

#: The 36 TRAIN essays Eger et al. (2017) used as dev set (fallback when the CoNLL copy with
#: ``_derived/essay_level_doc_to_essay_id.tsv`` is not next to ``root``).
EGER2017_DEV = tuple(
    f"essay{n:03d}"
    for n in (
        12, 24, 43, 45, 53, 54, 80, 102, 106, 118, 171, 177, 186, 190, 209, 210, 225, 230,
        264, 281, 283, 284, 288, 297, 309, 326, 329, 337, 346, 351, 362, 372, 377, 381, 388, 400,
    )
)
DEV_SPLITS = ("eger2017",)
_SETS = {"TRAIN": "train", "TEST": "test"}


def read_split_csv(path: Path) -> dict[str, str]:
    """``essayNNN -> "train"|"test"`` from ``train-test-split.csv`` (any line ending)."""
    result: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader, None)
        if header != ["ID", "SET"]:
            raise CorpusFormatError(path, 1, f"expected header ID;SET, got {header!r}")
        for row in reader:
            if not row:
                continue
            if len(row) != 2 or row[1] not in _SETS:
                raise CorpusFormatError(path, reader.line_num, f"expected 'essayNNN;TRAIN|TEST', got {row!r}")
            if row[0] in result:
                raise CorpusFormatError(path, reader.line_num, f"essay {row[0]!r} listed twice")
            result[row[0]] = _SETS[row[1]]
    return result


def read_prompts(path: Path) -> dict[str, str]:
    """``essayNNN -> prompt`` from ``prompts.csv``.

    The README says ISO-8859-1, but the bytes 0xCA and 0xD5 in it are MacRoman's no-break space
    and right quote (CR line endings: a classic Mac file), so it is decoded as MacRoman.
    """
    prompts: dict[str, str] = {}
    with path.open(encoding="mac_roman", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader, None)
        for row in reader:
            if len(row) != 2:
                raise CorpusFormatError(path, reader.line_num, f"expected 'essayNNN.txt;prompt', got {row!r}")
            prompts[row[0].removesuffix(".txt")] = " ".join(row[1].split())
    return prompts


def eger2017_dev_ids(root: Path) -> tuple[str, ...]:
    """The dev essay ids, from the CoNLL copy's derived map if present, else the constant."""
    tsv = root.parent / "aae2_conll_eger2017" / "_derived" / "essay_level_doc_to_essay_id.tsv"
    if not tsv.is_file():
        return EGER2017_DEV
    ids = []
    with tsv.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        header = next(rows, None)
        if not header or header[:3] != ["split", "doc_index", "essay_id"]:
            raise CorpusFormatError(tsv, None, f"expected header split, doc_index, essay_id; got {header!r}")
        ids = [row[2] for row in rows if row and row[0] == "dev"]
    return tuple(ids)


def duplicate_groups(texts: dict[str, str]) -> dict[str, str]:
    """Essay id -> group id (the smallest id among essays with identical text)."""
    by_hash: dict[str, list[str]] = {}
    for essay_id in sorted(texts):
        digest = hashlib.sha1(texts[essay_id].encode("utf-8")).hexdigest()
        by_hash.setdefault(digest, []).append(essay_id)
    return {member: group[0] for group in by_hash.values() for member in group}


def load_aae2(
    root: str | Path,
    *,
    strict: bool = True,
    dev_split: str | None = None,
    encoding: str = "utf-8",
) -> Corpus:
    """Read AAE v2 with its official split; ``dev_split="eger2017"`` carves out Eger's dev set.

    Raises :class:`CorpusNotFoundError` if the brat folder is missing, :class:`CorpusFormatError`
    for malformed files (all of them at once with ``strict=False``) and :class:`ArgmineError` if
    a split would separate essays with identical text.
    """
    root = Path(root)
    brat_dir = root / "brat-project-final"
    split_csv = root / "train-test-split.csv"
    for needed in (brat_dir, split_csv):
        if not needed.exists():
            raise CorpusNotFoundError(
                f"AAE v2: {needed} not found; unzip brat-project-final.zip into {root}, "
                "next to train-test-split.csv"
            )
    if dev_split not in (None, *DEV_SPLITS):
        raise ArgmineError(f"aae2: unknown dev_split {dev_split!r}; choose one of {list(DEV_SPLITS)} or None")
    splits = read_split_csv(split_csv)
    if dev_split == "eger2017":
        for essay_id in eger2017_dev_ids(root):
            if splits.get(essay_id) != "train":
                raise ArgmineError(f"aae2: dev essay {essay_id} of {dev_split} is not a TRAIN essay")
            splits[essay_id] = "dev"
    prompts_path = root / "prompts.csv"
    prompts = read_prompts(prompts_path) if prompts_path.is_file() else {}

    problems: list[Problem] = []
    documents = []
    ann_ids = sorted(p.stem for p in brat_dir.glob("essay*.ann"))
    for essay_id in ann_ids:
        if essay_id not in splits:
            problem = Problem(str(split_csv), None, f"{essay_id} has no row (no TRAIN/TEST assignment)")
            if strict:
                raise CorpusFormatError(problems=[problem])
            problems.append(problem)
            continue
        doc = read_brat_document(
            brat_dir / f"{essay_id}.txt",
            brat_dir / f"{essay_id}.ann",
            doc_id=essay_id,
            encoding=encoding,
            labels=LABELS,
            relation_labels=RELATION_LABELS,
            attributes=ATTRIBUTES,
            known_quirks=KNOWN_QUIRKS,
            paragraphs=partial(paragraph_partition, title_first_line=True),
            split=splits[essay_id],
            metadata={"essay_id": essay_id, **({"prompt": prompts[essay_id]} if essay_id in prompts else {})},
            strict=strict,
            problems=problems,
        )
        if doc is None:
            continue
        for span in doc.spans:
            if span.label == "Claim" and "stance" not in span.attributes:
                problem = Problem(str(brat_dir / f"{essay_id}.ann"), None, f"Claim {span.id} has no Stance")
                if strict:
                    raise CorpusFormatError(problems=[problem])
                problems.append(problem)
        documents.append(doc)
    missing = sorted(set(splits) - set(ann_ids))
    if missing:
        problem = Problem(str(brat_dir), None, f"essays listed in {split_csv.name} but absent: {missing}")
        if strict:
            raise CorpusFormatError(problems=[problem])
        problems.append(problem)
    raise_if_errors(problems)

    groups = duplicate_groups({d.id: d.text for d in documents})
    members: dict[str, list[str]] = {}
    for doc in documents:
        doc.metadata["duplicate_group"] = groups[doc.id]
        members.setdefault(groups[doc.id], []).append(doc.id)
    dup_groups = [ids for ids in members.values() if len(ids) > 1]
    for ids in dup_groups:
        sides = {splits[i] for i in ids}
        if len(sides) > 1:
            raise ArgmineError(
                f"aae2: essays with identical text {ids} would be split across {sorted(sides)}; "
                "keep duplicates in one split"
            )
    return Corpus(
        "aae2",
        documents,
        problems,
        metadata={"dev_split": dev_split, "duplicate_groups": dup_groups, "root": str(root)},
    )
