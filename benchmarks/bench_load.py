"""load: read and encode all AAE v2 essays (brat files) into featurized paragraph units.

ours: ``ArgumentDataModule(corpus="aae2", unit="paragraph")`` -> ``prepare_corpus()`` (brat
reader, nltk tokens, schema, paragraph units, BIO tags) -> ``WordCharFeaturizer`` fitted on the
training words -> ``attach_featurizer`` (word and character ids for every unit).

baseline: a straightforward hand-written pipeline: read each ``.txt``/``.ann`` pair, keep the
``T`` lines, split paragraphs on newlines, tokenize with the regex ``\\w+|[^\\w\\s]``, tag BIO
per token and map words/characters to ids with dicts. It does less than ours (no validation,
no schema, no nltk tokenizer, no split file), so it is a lower bound on the work, not a twin.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_CORPORA, Result, RunResult, alternate, summarize

GOAL = "all 402 essays read and encoded in <= 2 s"
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_CORPORA / "aae2", help="AAE v2 folder")
    parser.add_argument("--limit-docs", type=int, default=None, help="only the first N essays per split")
    parser.add_argument("--repeat", type=int, default=5)


def run_ours(root: Path, limit: int | None) -> RunResult:
    from argmine.data.datamodule import ArgumentDataModule
    from argmine.encoding.features import WordCharFeaturizer

    dm = ArgumentDataModule(corpus="aae2", root=str(root), reader={"dev_split": None},
                            splits={"train": "train", "test": "test"}, limit_documents=limit)
    dm.prepare_corpus()
    feat = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(feat)
    docs = sum(len(d) for d in dm.documents.values())
    tokens = sum(r.unit.n_tokens for recs in dm.records.values() for r in recs)
    units = sum(len(recs) for recs in dm.records.values())
    return {"docs": docs, "units": units, "tokens": tokens}


def _baseline_doc(txt: Path, words: dict[str, int], chars: dict[str, int]) -> tuple[int, int]:
    text = txt.read_text(encoding="utf-8")
    spans = []
    for line in txt.with_suffix(".ann").read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            label, start, end = line.split("\t")[1].split(" ")[:3]
            spans.append((int(start), int(end), label))
    spans.sort()
    units = tokens = 0
    offset = 0
    for para in text.split("\n"):
        toks = [(m.start() + offset, m.end() + offset) for m in TOKEN_RE.finditer(para)]
        offset += len(para) + 1
        if not toks:
            continue
        tags = []
        for s, e in toks:
            tag = "O"
            for a, b, label in spans:
                if a <= s and e <= b:
                    tag = ("B-" if s == a or not tags or tags[-1] == "O" else "I-") + label
                    break
            tags.append(tag)
        ids = [words.setdefault(text[s:e], len(words)) for s, e in toks]
        char_ids = [[chars.setdefault(c, len(chars)) for c in text[s:e][:30]] for s, e in toks]
        units += 1
        tokens += len(ids)
        assert len(char_ids) == len(ids)
    return units, tokens


def run_baseline(root: Path, limit: int | None) -> RunResult:
    files = sorted((root / "brat-project-final").glob("essay*.txt"))
    if limit:
        files = files[: 2 * limit]  # ours keeps `limit` per split (train + test)
    words: dict[str, int] = {}
    chars: dict[str, int] = {}
    units = tokens = 0
    for txt in files:
        u, t = _baseline_doc(txt, words, chars)
        units += u
        tokens += t
    return {"docs": len(files), "units": units, "tokens": tokens}


def _rate(fn: Callable[[], dict[str, Any]]) -> Callable[[], RunResult]:
    def wrapped() -> RunResult:
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        return {**out, "seconds": seconds, "throughput": out["docs"] / seconds}

    return wrapped


def run(args: argparse.Namespace) -> Result:
    a, b = alternate(_rate(lambda: run_ours(args.root, args.limit_docs)),
                     _rate(lambda: run_baseline(args.root, args.limit_docs)), args.repeat)
    return Result(
        "load",
        summarize(a, "argmine datamodule (brat+nltk+units+tags+word/char ids)", "essays/s"),
        summarize(b, "hand-written brat parse + regex tokens + BIO + ids", "essays/s"),
        goal=GOAL,
        notes=["first round includes file-cache and import warm-up; medians over rounds"],
    )
