"""Where a structure model's relation errors come from, per source component type.

Usage:
    python scripts/relation_breakdown.py RUN/predictions/test.jsonl --corpus aae2_conll \
        --option level=paragraph [--root DIR] [--eger]

Reads the predicted documents (``argmine train``/``argmine eval`` write
``predictions/<stage>.jsonl``; ``argmine predict --schema native`` writes the same objects) and
the gold documents of the named corpus (matched by id), and prints per source label the exact
relation counts, with the misses split into "source component not found" and "source found,
link wrong" (and how many of the latter point to a gold target that was not found). ``--eger`` scores the relations of argmine's
document-level protocol (major claims link to ROOT, each claim to the essay's last major claim
with its stance; :func:`argmine.metrics.document_relations`): then the summed counts give the
run's ``test/r_f1_doc_exact``. Also prints how many documents' last major claim
was found exactly (every claim relation of the others is wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from argmine.corpora import load_corpus
from argmine.documents import Document
from argmine.errors import ArgmineError, DocumentError
from argmine.metrics import document_relations, relation_errors_by_source

COLUMNS = ("tp", "fp", "fn", "fn_source_missed", "fn_link_wrong", "fn_target_missed")


def read_predictions(path: Path) -> list[Document]:
    """The predicted documents of a prediction jsonl file (spans with their attributes)."""
    docs = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                docs.append(Document.from_dict(json.loads(line)))
            except (json.JSONDecodeError, DocumentError, TypeError) as exc:
                raise SystemExit(f"{path}:{lineno}: not a prediction record ({exc})") from None
    return docs


def last_major_claim(doc: Document) -> tuple[int, int] | None:
    majors = sorted((s.start, s.end) for s in doc.spans if s.label == "MajorClaim")
    return majors[-1] if majors else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path)
    parser.add_argument("--corpus", required=True, help="corpus name, e.g. aae2_conll")
    parser.add_argument("--root", default=None, help="corpus folder (default: from ARGMINE_DATA_DIR)")
    parser.add_argument("--option", action="append", default=[], help="reader option KEY=VALUE, e.g. level=paragraph")
    parser.add_argument("--eger", action="store_true", help="score the document-level R-F1's relations (r_f1_doc_*)")
    args = parser.parse_args(argv)
    options = dict(opt.split("=", 1) for opt in args.option)
    try:
        gold_docs = {d.id: d for d in load_corpus(args.corpus, args.root, **options).documents}
    except ArgmineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    totals: dict[str, dict[str, int]] = {}
    docs = read_predictions(args.predictions)
    mc_found = 0
    for pred in docs:
        gold = gold_docs.get(pred.id)
        if gold is None:
            print(f"error: {args.predictions}: document {pred.id!r} is not in {args.corpus}", file=sys.stderr)
            return 2
        gold_relations = [r for r in gold.relations if "derived" not in r.attributes]
        if args.eger:
            pred_rels = document_relations(pred.spans, pred.relations)
            gold_rels = document_relations(gold.spans, gold_relations)
            last = last_major_claim(pred)
            mc_found += last is not None and last == last_major_claim(gold)
        else:
            pred_rels, gold_rels = list(pred.relations), gold_relations
        counts = relation_errors_by_source({s.id: s for s in pred.spans}, pred_rels,
                                           {s.id: s for s in gold.spans}, gold_rels)
        for label, row in counts.items():
            total = totals.setdefault(label, dict.fromkeys(COLUMNS, 0))
            for key in COLUMNS:
                total[key] += row[key]
    print(f"{len(docs)} documents from {args.predictions}")
    print(f"| source | {' | '.join(COLUMNS)} | F1 |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for label in sorted(totals) + ["all"]:
        row = totals[label] if label != "all" else {k: sum(r[k] for r in totals.values()) for k in COLUMNS}
        denom = 2 * row["tp"] + row["fp"] + row["fn"]
        f1 = 2 * row["tp"] / denom if denom else 0.0
        print(f"| {label} | {' | '.join(str(row[k]) for k in COLUMNS)} | {f1:.4f} |")
    if args.eger:
        print(f"last major claim found exactly in {mc_found} of {len(docs)} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
