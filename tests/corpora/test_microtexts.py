"""The arggraph reader on the real microtexts (counts from the corpora README)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import load_corpus
from argmine.corpora.microtexts import microtext_folds

pytestmark = pytest.mark.corpora


@pytest.fixture(scope="module")
def root(shared_corpora: Path) -> Path:
    path = shared_corpora / "arg_microtexts"
    if not path.is_dir():
        missing(f"{path} missing")
    return path


@pytest.fixture(scope="module")
def part1(root):
    return load_corpus("microtexts", root=root, part=1)


@pytest.fixture(scope="module")
def part2(root):
    return load_corpus("microtexts", root=root, part=2)


def _counts(corpus):
    roles = Counter(s.attributes["role"] for d in corpus.documents for s in d.spans)
    edges = Counter(r.label for d in corpus.documents for r in d.relations)
    return len(corpus.documents), roles, edges


def test_part1_counts(part1):
    n, roles, edges = _counts(part1)
    assert n == 112 and roles == {"pro": 451, "opp": 125}
    assert edges == {"sup": 263, "exa": 9, "add": 21, "reb": 108, "und": 63}
    assert part1.problems == [] and part1.splits == {"none": 112}
    assert sum(len(d.text.split()) for d in part1.documents) == 7846


def test_part1_german_has_same_structure(root, part1):
    german = load_corpus("microtexts", root=root, part=1, language="de")
    assert _counts(german) == _counts(part1)
    doc = german.documents[0]
    assert doc.span_text(doc.spans[4]) == "Wir Berliner sollten die Chance nutzen und Vorreiter im Mülltrennen werden!"


def test_part2_counts(part2):
    n, roles, edges = _counts(part2)
    assert n == 171 and roles == {"pro": 805, "opp": 127}
    assert edges == {"sup": 467, "exa": 23, "add": 57, "reb": 137, "und": 77}
    assert sum(len(d.metadata["implicit_edus"]) for d in part2.documents) == 34
    assert sum(s.attributes.get("implicit") == "true" for d in part2.documents for s in d.spans) == 34
    assert sum(bool(s.fragments) for d in part2.documents for s in d.spans) == 26


def test_one_central_claim_per_text(part1, part2):
    for doc in part1.documents + part2.documents:
        central = [s for s in doc.spans if s.attributes.get("central_claim") == "true"]
        assert len(central) == 1
        assert all(r.source != central[0].id for r in doc.relations)


def test_b001_graph(part1):
    doc = part1.documents[0]
    assert doc.id == "micro_b001"
    assert doc.metadata["topic_id"] == "waste_separation" and doc.metadata["stance"] == "pro"
    spans = doc.span_by_id()
    assert doc.span_text(spans["a3"]) == "But still Germany produces way too much rubbish"
    assert spans["a1"].attributes == {"role": "opp"}
    assert spans["a5"].attributes == {"role": "pro", "central_claim": "true"}
    rels = {(r.id, r.source, r.target, r.label) for r in doc.relations}
    # the undercut attacks edge c1 (a1 rebuts a5); the add edge joins a4 to that undercut
    assert rels == {("c1", "a1", "a5", "reb"), ("c2", "a2", "a1", "sup"),
                    ("c3", "a3", "c1", "und"), ("c4", "a4", "c3", "add")}


def test_multi_edu_adu_and_implicit_claim(part2):
    docs = {d.id: d for d in part2.documents}
    doc = docs["micro_c104"]
    claim = doc.span_by_id()["a1"]
    assert claim.fragments == ((0, 40), (191, 224), (476, 508))
    assert doc.text[476:508] == "and be environmentally friendly."
    doc = docs["micro_c002"]
    implicit = doc.span_by_id()["a1"]
    assert doc.span_text(implicit) == "Hunting is good for the environment."
    assert implicit.attributes == {"role": "pro", "central_claim": "true", "implicit": "true"}
    assert doc.text.endswith(" Hunting is good for the environment.")
    assert doc.metadata["implicit_edus"] == ["e4"]


def test_stance_missing_in_d_series(part1):
    assert sum(d.metadata["stance"] is None for d in part1.documents) == 23


def test_folds(part1, part2):
    folds = microtext_folds(part1)
    assert len(folds) == 50
    ids = {d.id for d in part1.documents}
    for k in range(10):  # each group of 5 folds partitions the 112 texts
        tests = [t for _, t in folds[5 * k : 5 * k + 5]]
        assert sorted(i for t in tests for i in t) == sorted(ids)
    train, test = folds[0]
    assert len(train) + len(test) == 112 and not set(train) & set(test)
    assert "micro_k009" in test
    assert "folds" not in part2.metadata


def test_gold_adu_targets_of_peldszus_stede_2015(shared_corpora) -> None:
    """The P&S 2015 gold-ADU setting: one central claim per text, role pro/opp as stance, and
    every other ADU attached to exactly one ADU (undercuts and linked premises retargeted)."""
    from collections import Counter

    from argmine.data.pairs import PairDataModule

    dm = PairDataModule("microtexts", root=str(shared_corpora / "arg_microtexts"), reader={"part": 1},
                        schema="microtexts_ps2015", unit="document", dev_fraction=0.1, test_fraction=0.2)
    dm.prepare_corpus()
    recs = [r for stage in dm.records.values() for r in stage]
    assert len(recs) == 112 and dm.type_labels == ["central_claim", "premise"]
    assert Counter(t for r in recs for t in r.types) == {"central_claim": 112, "premise": 464}
    assert Counter(s for r in recs for s in r.stances) == {"support": 451, "attack": 125}
    for r in recs:
        sources = [i for i, _ in r.links]
        assert sorted(sources) == [i for i, t in enumerate(r.types) if t == "premise"]
        assert all(r.types[i] != "central_claim" for i in sources)
