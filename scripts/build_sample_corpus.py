"""Rebuild the bundled sample corpus: sample.src.txt (inline markup) -> sample.jsonl.

Usage: python scripts/build_sample_corpus.py [--check]

``--check`` only compares the freshly built corpus with the committed ``sample.jsonl`` and
exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from argmine.corpora.sample import JSONL_FILE, SOURCE_FILE, parse_sample_source
from argmine.documents import write_jsonl


def build(source: Path = SOURCE_FILE, target: Path = JSONL_FILE) -> int:
    """Parse ``source`` and write ``target``; returns the number of documents."""
    docs = parse_sample_source(source.read_text(encoding="utf-8"), source)
    return write_jsonl(docs, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed jsonl only")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sample.jsonl"
            build(SOURCE_FILE, out)
            same = out.read_bytes() == JSONL_FILE.read_bytes()
        print("sample.jsonl is up to date" if same else "sample.jsonl is stale: rebuild it")
        return 0 if same else 1
    n = build()
    print(f"wrote {n} documents to {JSONL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
