"""Span metrics on the real AAE v2 test split (80 essays, 1,266 gold components)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora import load_corpus
from argmine.metrics import SpanF1, span_prf

pytestmark = pytest.mark.corpora
LABELS = ["MajorClaim", "Claim", "Premise"]


@pytest.fixture(scope="module")
def essays_test_gold(shared_corpora: Path) -> list[list[tuple[int, int, str]]]:
    corpus = load_corpus("aae2", root=shared_corpora / "aae2")
    return [[s.key for s in doc.spans] for doc in corpus.split("test")]


def test_gold_against_itself(essays_test_gold) -> None:
    assert len(essays_test_gold) == 80
    for rule in ("exact", "overlap", "bidirectional"):
        res = span_prf(essays_test_gold, essays_test_gold, rule, 0.5, LABELS)
        assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (1266, 0, 0, 1.0)
        assert res["macro_f1"] == 1.0
    res = span_prf(essays_test_gold, essays_test_gold, "exact", labels=LABELS)
    # README counts for TEST: MajorClaim 153, Claim 304, Premise 809
    assert [res[f"recall/{label}"] for label in LABELS] == [1.0, 1.0, 1.0]


def test_one_character_short(essays_test_gold) -> None:
    # every prediction drops its first character: no exact match, every span still overlaps
    # its gold span by (n-1)/n > .5, and at .999 none does (all components < 1000 characters)
    pred = [[(s + 1, e, lab) for s, e, lab in doc] for doc in essays_test_gold]
    metric = SpanF1(LABELS, "overlap", 0.5)
    for p, g in zip(pred, essays_test_gold, strict=True):
        metric.update([p], [g])
    res = metric.compute()
    assert (res["tp"], res["n_gold"], res["f1"]) == (1266, 1266, 1.0)
    assert res["n_gold"] == 153 + 304 + 809
    assert span_prf(pred, essays_test_gold, "exact", labels=LABELS)["tp"] == 0
    assert span_prf(pred, essays_test_gold, "overlap", 0.999, LABELS)["tp"] == 0
    # its speed is measured by `python -m benchmarks metrics`, not here
