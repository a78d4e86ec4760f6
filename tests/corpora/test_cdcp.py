"""The CDCP reader on the real corpus (counts from the corpora README)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import load_corpus

pytestmark = pytest.mark.corpora


@pytest.fixture(scope="module")
def corpus(shared_corpora: Path):
    root = shared_corpora / "cdcp"
    if not root.is_dir():
        missing(f"{root} missing")
    return load_corpus("cdcp", root=root)


def _entries(docs, label):
    """Upstream [[i, j], k] entries: relations of one group and target count once."""
    keys = set()
    for doc in docs:
        for rel in doc.relations:
            if rel.label == label:
                keys.add((doc.id, rel.attributes.get("group", rel.source), rel.target))
    return len(keys)


def test_splits_and_propositions(corpus):
    assert corpus.splits == {"train": 581, "test": 150}
    assert corpus.problems == []
    train = Counter(s.label for d in corpus.split("train") for s in d.spans)
    test = Counter(s.label for d in corpus.split("test") for s in d.spans)
    assert train == {"value": 1686, "testimony": 873, "fact": 654, "policy": 662, "reference": 31}
    assert test == {"value": 496, "testimony": 244, "fact": 132, "policy": 153, "reference": 1}


def test_relations(corpus):
    train, test = corpus.split("train"), corpus.split("test")
    assert (_entries(train, "reason"), _entries(train, "evidence")) == (930, 39)
    assert (_entries(test, "reason"), _entries(test, "evidence")) == (242, 10)
    # one relation per source proposition of a range
    assert Counter(r.label for d in train for r in d.relations) == {"reason": 1055, "evidence": 47}
    assert Counter(r.label for d in test for r in d.relations) == {"reason": 298, "evidence": 26}


def test_texts_and_urls(corpus):
    docs = {d.id: d for d in corpus.documents}
    doc = docs["00195"]
    assert doc.split == "train"
    assert [doc.span_text(s) for s in doc.spans][:1] == [
        "State and local court rules sometimes make default judgments much more likely."
    ]
    assert [(r.source, r.target, r.label) for r in doc.relations] == [
        ("P1", "P0", "reason"), ("P0", "P2", "reason")
    ]
    doc = docs["00345"]
    url = doc.span_by_id()["P1"]
    assert doc.span_text(url) == "__URL__"
    assert url.attributes == {"url": "http://www.ftc.gov/opa/2013/02/sentineltop.shtm"}
    assert sum("url" in s.attributes for d in corpus.documents for s in d.spans) == 34
    for d in corpus.documents:  # spans are trimmed
        assert all(d.span_text(s) == d.span_text(s).strip() for s in d.spans)
