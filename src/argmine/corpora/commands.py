"""``argmine data``: corpus statistics, validation and download.

Imports nothing heavy (no torch, no lightning): readers are loaded lazily through the registry.

    argmine data stats NAME [--root PATH] [--split S] [--schema native|unified] [--json]
                            [--level essay|paragraph] [--part 1|2]
    argmine data validate NAME [--root PATH] [--schema S] [--level ...] [--part ...]
    argmine data download NAME [--root PATH] [--part P] [--url URL] [--sha256 HEX] [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from argmine.corpora import CORPORA, Corpus, data_dir, get_spec, load_corpus
from argmine.documents import Document
from argmine.errors import ArgmineError, ConfigError, CorpusFormatError, DocumentError, Problem

Tokenizer = Callable[[str], int]
MAX_VALUES = 20  # attributes with more distinct values (ids, URLs) are only counted, not listed


def _tokenizer() -> tuple[str, Tokenizer]:
    """Word tokenizer used for token counts: argmine.text.tokenize when present, else whitespace."""
    try:
        # deferred: loads NLTK; only token counts need it (whitespace counts if it is missing)
        from argmine.text.tokenize import word_spans
    except ImportError:
        return "whitespace", lambda text: len(text.split())
    return "argmine.text.tokenize.word_spans", lambda text: len(word_spans(text))


def _add_corpus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", choices=sorted(CORPORA), metavar="NAME",
                   help=f"corpus name: {', '.join(CORPORA)}")
    p.add_argument("--root", type=Path, default=None,
                   help="corpus folder (default: $ARGMINE_DATA_DIR/<folder>)")
    p.add_argument("--level", choices=["essay", "paragraph"], default=None,
                   help="aae2_conll: which CoNLL files to read")
    p.add_argument("--part", choices=["1", "2"], default=None, help="microtexts: part 1 or 2 only")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argmine data", description="corpus statistics, validation and download")
    sub = parser.add_subparsers(dest="command", required=True)
    stats = sub.add_parser("stats", help="documents, tokens, spans, relations and attributes per split")
    _add_corpus_args(stats)
    stats.add_argument("--split", default=None, help="only this split")
    stats.add_argument("--schema", default="native", help="label schema: native, unified or a YAML path")
    stats.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    validate = sub.add_parser("validate", help="read leniently and list every problem")
    _add_corpus_args(validate)
    validate.add_argument("--schema", default=None, help="also check that this schema maps every label")
    download = sub.add_parser("download", help="fetch a corpus that has a public download address")
    download.add_argument("name", metavar="NAME", help="microtexts or cdcp")
    download.add_argument("--root", type=Path, default=None, help="target folder (default: $ARGMINE_DATA_DIR/<folder>)")
    download.add_argument("--part", default=None, help="one archive only (microtexts: 1 or 2)")
    download.add_argument("--url", default=None, help="download from this address instead")
    download.add_argument("--sha256", default=None, help="expected sha256 of the archive")
    download.add_argument("--force", action="store_true", help="replace an existing folder")
    return parser


def _reader_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.level is not None:
        if args.name != "aae2_conll":
            raise ArgmineError("--level applies to aae2_conll only")
        options["level"] = args.level
    if args.part is not None:
        if args.name != "microtexts":
            raise ArgmineError("--part applies to microtexts only")
        options["part"] = int(args.part)
    elif args.name == "microtexts":
        print("argmine data: microtexts part 1 (the default; --part 2 reads part 2)", file=sys.stderr)
    return options


# -- stats ---------------------------------------------------------------------------------------
def _counts(docs: Sequence[Document], count_tokens: Tokenizer) -> dict[str, Any]:
    spans: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    attributes: dict[str, Counter[str]] = {}
    tokens = 0
    for doc in docs:
        tokens += count_tokens(doc.text)
        for span in doc.spans:
            spans[span.label] += 1
            for name, value in span.attributes.items():
                attributes.setdefault(name, Counter())[str(value)] += 1
        for rel in doc.relations:
            relations[rel.label] += 1
    return {
        "documents": len(docs),
        "tokens": tokens,
        "spans": dict(sorted(spans.items())),
        "relations": dict(sorted(relations.items())),
        "attributes": {
            k: dict(sorted(v.items())) for k, v in sorted(attributes.items()) if len(v) <= MAX_VALUES
        },
        "attributes_omitted": {
            k: len(v) for k, v in sorted(attributes.items()) if len(v) > MAX_VALUES
        },
    }


def corpus_stats(corpus: Corpus, docs: Sequence[Document] | None = None) -> dict[str, Any]:
    """Totals and per-split counts of ``docs`` (default: every document of ``corpus``)."""
    docs = list(corpus.documents if docs is None else docs)
    tokenizer, count_tokens = _tokenizer()
    total = _counts(docs, count_tokens)
    splits: dict[str, int] = {}
    for doc in docs:
        splits[doc.split or "none"] = splits.get(doc.split or "none", 0) + 1
    by_split = {
        name: _counts([d for d in docs if (d.split or "none") == name], count_tokens) for name in splits
    }
    return {
        "corpus": corpus.name,
        "documents": total["documents"],
        "tokens": total["tokens"],
        "tokenizer": tokenizer,
        "splits": splits,
        "spans": total["spans"],
        "relations": total["relations"],
        "attributes": total["attributes"],
        "attributes_omitted": total["attributes_omitted"],
        "by_split": by_split,
    }


def _print_tables(stats: dict[str, Any], schema: str) -> None:
    # deferred: only the table output needs rich (not --json)
    from rich.console import Console
    from rich.table import Table

    console = Console()
    splits = list(stats["splits"])
    parts = stats["by_split"]
    table = Table(title=f"{stats['corpus']} ({schema} labels)")
    table.add_column("")
    for name in splits:
        table.add_column(name, justify="right")
    table.add_column("all", justify="right")

    def row(label: str, get: Callable[[dict[str, Any]], int], total: int) -> None:
        table.add_row(label, *(str(get(parts[s])) for s in splits), str(total))

    row("documents", lambda p: p["documents"], stats["documents"])
    row("tokens", lambda p: p["tokens"], stats["tokens"])
    table.add_section()
    for label, n in stats["spans"].items():
        row(f"span {label}", lambda p, lab=label: p["spans"].get(lab, 0), n)
    table.add_section()
    for label, n in stats["relations"].items():
        row(f"relation {label}", lambda p, lab=label: p["relations"].get(lab, 0), n)
    if stats["attributes"]:
        table.add_section()
    for name, values in stats["attributes"].items():
        for value, n in values.items():
            row(f"{name}={value}", lambda p, a=name, v=value: p["attributes"].get(a, {}).get(v, 0), n)
    console.print(table)
    for name, n in stats["attributes_omitted"].items():
        console.print(f"attribute {name}: {n} distinct values (not listed)")
    console.print(f"tokens counted with {stats['tokenizer']}")


def _stats(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.name, args.root, **_reader_options(args))
    docs = corpus.split(args.split) if args.split else corpus.documents
    if args.schema != "native":
        # deferred: only a --schema option needs label schemas (and omegaconf to read them)
        from argmine.schema import load_schema

        docs = load_schema(args.schema).apply_all(docs, args.name)
    stats = corpus_stats(corpus, docs)
    if args.json:
        sys.stdout.write(json.dumps(stats, ensure_ascii=False) + "\n")
    else:
        _print_tables(stats, args.schema)
    return 0


# -- validate ------------------------------------------------------------------------------------
def _validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    corpus: Corpus | None = None
    try:
        corpus = load_corpus(args.name, args.root, strict=False, **_reader_options(args))
        problems.extend(corpus.problems)
    except CorpusFormatError as exc:
        problems.extend(exc.problems)
    except DocumentError as exc:
        problems.append(Problem(str(args.root or args.name), None, str(exc)))
    if corpus is not None and args.schema:
        # deferred: only a --schema option needs label schemas (and omegaconf to read them)
        from argmine.schema import load_schema

        schema = load_schema(args.schema)
        for doc in corpus.documents:
            try:
                schema.apply(doc, args.name)
            except ConfigError as exc:
                problems.append(Problem(str(schema.source), None, str(exc)))
                break
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    read = f"{len(corpus.documents)} documents read" if corpus is not None else "reading failed"
    verdict = "INVALID" if errors else "OK"
    print(f"{args.name}: {verdict}: {read}, {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


# -- download ------------------------------------------------------------------------------------
def _download(args: argparse.Namespace) -> int:
    # deferred: only `data download` needs the download code (urllib, tarfile, zipfile)
    from argmine.corpora.download import download

    spec = get_spec(args.name)
    root = args.root if args.root is not None else data_dir() / spec.folder
    download(args.name, root, part=args.part, url=args.url, sha256=args.sha256, force=args.force,
             log=lambda msg: print(msg, file=sys.stderr))
    print(f"{args.name} is ready in {root}")
    return 0


def data_command(argv: list[str]) -> int:
    """Entry point of ``argmine data``; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"stats": _stats, "validate": _validate, "download": _download}
    return handlers[args.command](args)
