"""Time the span and relation metrics on synthetic data the size of the essays test set.

``python benchmarks/metrics_speed.py [--docs 80] [--per-doc 16] [--repeat 5]``

80 documents x ~16 gold components (about 1,300, like AAE v2's test split) in token offsets,
predictions with jittered boundaries, some wrong labels, misses and extra spans. Target: well
under 0.5 s for a full span-F1 update + compute. Prints the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from argmine.metrics import ComponentMetrics, RelationF1, SpanF1

LABELS = ["MajorClaim", "Claim", "Premise"]


def synthetic(n_docs: int, per_doc: int, seed: int = 0) -> tuple[list, list, list, list]:
    rng = random.Random(seed)
    gold, pred, gold_rels, pred_rels = [], [], [], []
    for _ in range(n_docs):
        g, p, pos = {}, {}, 0
        for k in range(per_doc):
            pos += rng.randrange(1, 8)
            length = rng.randrange(5, 30)
            g[f"g{k}"] = (pos, pos + length, rng.choice(LABELS))
            if rng.random() < 0.9:  # found, maybe with shifted borders or another label
                s = max(0, pos + rng.randrange(-2, 3))
                e = max(s + 1, pos + length + rng.randrange(-3, 3))
                label = g[f"g{k}"][2] if rng.random() < 0.8 else rng.choice(LABELS)
                p[f"p{k}"] = (s, e, label)
            pos += length
        for k in range(per_doc // 8):  # extra predictions
            s = rng.randrange(0, pos)
            p[f"x{k}"] = (s, s + rng.randrange(3, 20), rng.choice(LABELS))
        gold.append(g)
        pred.append(p)
        gold_rels.append([(f"g{k}", f"g{k - 1}", "support") for k in range(1, per_doc)])
        pred_rels.append(
            [
                (f"p{k}", f"p{k - 1}", "support")
                for k in range(1, per_doc)
                if f"p{k}" in p and f"p{k - 1}" in p
            ]
        )
    return gold, pred, gold_rels, pred_rels


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=80)
    parser.add_argument("--per-doc", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gold, pred, gold_rels, pred_rels = synthetic(args.docs, args.per_doc)
    gold_lists = [list(d.values()) for d in gold]
    pred_lists = [list(d.values()) for d in pred]
    n_gold = sum(map(len, gold_lists))
    print(f"{args.docs} documents, {n_gold} gold and {sum(map(len, pred_lists))} predicted spans")

    for rule, alpha in (
        ("exact", 0.5),
        ("overlap", 0.5),
        ("overlap", 0.999),
        ("bidirectional", 0.5),
    ):

        def per_doc(rule: str = rule, alpha: float = alpha) -> None:
            metric = SpanF1(LABELS, rule, alpha)
            for p, g in zip(pred_lists, gold_lists, strict=True):
                metric.update([p], [g])
            metric.compute()

        seconds = best_of(args.repeat, per_doc)
        print(
            f"SpanF1 {rule:13s} alpha={alpha:<5} update per doc + compute: {seconds * 1000:7.1f} ms"
        )

    def bundle() -> None:
        metric = ComponentMetrics(
            LABELS, variants=("exact", "50", "100", "fb"), with_relations=True
        )
        for p, g, pr, gr in zip(pred, gold, pred_rels, gold_rels, strict=True):
            metric.update(p, g, pr, gr)
        metric.compute()

    print(
        f"ComponentMetrics (4 span + 2 relation variants):       {best_of(args.repeat, bundle) * 1000:7.1f} ms"
    )

    def relations() -> None:
        metric = RelationF1(["support"], "overlap", 0.5)
        metric.update(pred, pred_rels, gold, gold_rels)
        metric.compute()

    print(
        f"RelationF1 overlap 0.5, one update + compute:            {best_of(args.repeat, relations) * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
