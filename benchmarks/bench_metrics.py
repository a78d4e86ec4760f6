"""metrics: component span F1 (exact and 50 % overlap) over the AAE v2 test essays.

Gold: the 80 test essays' components (brat files, nltk tokens), in token offsets per essay.
Predictions: the gold spans perturbed with a seeded generator (shifted borders, wrong labels,
misses, extra spans), so both sides score the same realistic mix of hits and errors.

ours: ``argmine.metrics.SpanF1`` (rules ``exact`` and ``overlap`` alpha 0.5), one ``update``
per essay (as the Lightning module does) and ``compute``.

baseline: a plain-Python re-implementation of the logic of Eger et al. (2017)'s
``eval_componentF1.py``: each component is a set of token indices; a gold and a predicted
component of the same label match when ``|g & p| / max(|g|, |p|) > alpha``; tp = gold matched
by some prediction, fp = predictions matching nothing, fn = gold matched by nothing, micro
F1 = 2tp / (2tp + fp + fn). Both sides must give the same F1 (checked: ``agree``).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA, Result, RunResult, alternate, summarize

GOAL = "span F1 over the test set in <= 0.5 s"
Span = tuple[int, int, str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_CORPORA / "aae2", help="AAE v2 folder")
    parser.add_argument("--limit-docs", type=int, default=None, help="only the first N test essays")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)


def gold_test_spans(root: Path, limit: int | None) -> tuple[list[list[Span]], list[str]]:
    """Per test essay: its components as (first token, last token + 1, label)."""
    from argmine.data.datamodule import ArgumentDataModule
    from argmine.encoding.tags import tags_to_spans

    dm = ArgumentDataModule(corpus="aae2", root=str(root), unit="document", splits={"test": "test"},
                            limit_documents=limit)
    dm.prepare_corpus()
    assert dm.tag_vocab is not None
    gold = []
    for rec in dm.records["test"]:
        index_tokens = [(i, i + 1) for i in range(rec.unit.n_tokens)]
        gold.append(list(tags_to_spans(index_tokens, rec.tags)))
    return gold, list(dm.tag_vocab.labels)


def perturb(gold: list[list[Span]], labels: list[str], seed: int) -> list[list[Span]]:
    rng = random.Random(seed)
    preds = []
    for spans in gold:
        out = []
        for start, end, label in spans:
            if rng.random() < 0.1:
                continue  # missed
            if rng.random() < 0.3:
                start = max(0, start + rng.randrange(-2, 3))
                end = max(start + 1, end + rng.randrange(-3, 3))
            if rng.random() < 0.15:
                label = rng.choice(labels)
            out.append((start, end, label))
        if spans and rng.random() < 0.3:
            s = rng.randrange(0, spans[-1][1])
            out.append((s, s + rng.randrange(2, 15), rng.choice(labels)))
        preds.append(out)
    return preds


def ours_f1(preds: list[list[Span]], gold: list[list[Span]], labels: list[str]) -> dict[str, float]:
    from argmine.metrics import SpanF1

    metrics = {"exact": SpanF1(labels, "exact"), "overlap50": SpanF1(labels, "overlap", 0.5)}
    for p, g in zip(preds, gold, strict=True):
        for metric in metrics.values():
            metric.update([p], [g])
    return {name: m.compute()["f1"] for name, m in metrics.items()}


def eger_f1(preds: list[list[Span]], gold: list[list[Span]], alpha: float | None) -> float:
    """Eger-style component F1; ``alpha=None`` means exact match."""
    tp = fp = fn = 0
    for p_doc, g_doc in zip(preds, gold, strict=True):
        g_sets = [(set(range(s, e)), lab, (s, e)) for s, e, lab in g_doc]
        p_sets = [(set(range(s, e)), lab, (s, e)) for s, e, lab in p_doc]

        def match(g: tuple, p: tuple) -> bool:
            if g[1] != p[1]:
                return False
            if alpha is None:
                return g[2] == p[2]
            return len(g[0] & p[0]) / max(len(g[0]), len(p[0])) > alpha

        for g in g_sets:
            if any(match(g, p) for p in p_sets):
                tp += 1
            else:
                fn += 1
        for p in p_sets:
            if not any(match(g, p) for g in g_sets):
                fp += 1
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def run(args: argparse.Namespace) -> Result:
    gold, labels = gold_test_spans(args.root, args.limit_docs)
    preds = perturb(gold, labels, args.seed)
    n_gold = sum(map(len, gold))

    def ours() -> RunResult:
        start = time.perf_counter()
        f1 = ours_f1(preds, gold, labels)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "throughput": len(gold) / seconds, "f1_exact": f1["exact"],
                "f1_overlap50": f1["overlap50"]}

    def baseline() -> RunResult:
        start = time.perf_counter()
        exact, overlap = eger_f1(preds, gold, None), eger_f1(preds, gold, 0.5)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "throughput": len(gold) / seconds, "f1_exact": exact, "f1_overlap50": overlap}

    a, b = alternate(ours, baseline, args.repeat)
    agree = all(abs(x[k] - y[k]) < 1e-12 for x, y in zip(a, b, strict=True) for k in ("f1_exact", "f1_overlap50"))
    return Result(
        "metrics",
        summarize(a, "argmine SpanF1 exact + overlap 0.5, update per essay", "essays/s"),
        summarize(b, "plain-Python Eger eval_componentF1 logic (token sets)", "essays/s"),
        goal=GOAL,
        notes=[f"{len(gold)} test essays, {n_gold} gold and {sum(map(len, preds))} predicted components"],
        extra={"agree": agree, "essays": len(gold), "gold_components": n_gold},
    )
