"""AAE v2 read from the real brat release: exact counts, spans, splits and quirks.

Expected counts are those of /work/shared/corpora/README.md (Stab & Gurevych 2017). Span texts
are pinned only by a few words (the corpus may not be reproduced).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import Corpus, load_corpus
from argmine.corpora import aae2 as aae2_module
from argmine.errors import ArgmineError


@pytest.fixture(scope="module")
def root(shared_corpora: Path) -> Path:
    path = shared_corpora / "aae2"
    if not (path / "brat-project-final").is_dir():
        missing(f"AAE v2 not found at {path}")
    return path


@pytest.fixture(scope="module")
def corpus(root: Path) -> Corpus:
    return load_corpus("aae2", root=root)


@pytest.fixture(scope="module")
def eger(root: Path) -> Corpus:
    return load_corpus("aae2", root=root, dev_split="eger2017")


def test_documents_and_official_split(corpus: Corpus) -> None:
    assert len(corpus.documents) == 402
    assert corpus.splits == {"train": 322, "test": 80}
    assert [d.id for d in corpus.documents[:2]] == ["essay001", "essay002"]
    assert corpus.split("test")[0].id == "essay004"


def test_component_counts(corpus: Corpus) -> None:
    by_split = Counter((s.label, d.split) for d in corpus.documents for s in d.spans)
    assert by_split == {
        ("MajorClaim", "train"): 598, ("MajorClaim", "test"): 153,
        ("Claim", "train"): 1202, ("Claim", "test"): 304,
        ("Premise", "train"): 3023, ("Premise", "test"): 809,
    }
    assert not any(s.fragments for d in corpus.documents for s in d.spans)


def test_stance_only_on_claims(corpus: Corpus) -> None:
    stance = Counter((s.label, s.attributes.get("stance")) for d in corpus.documents for s in d.spans)
    assert stance == {
        ("Claim", "For"): 1228, ("Claim", "Against"): 278,
        ("MajorClaim", None): 751, ("Premise", None): 3832,
    }


def test_relation_counts(corpus: Corpus) -> None:
    rels = Counter((r.label, d.split) for d in corpus.documents for r in d.relations)
    assert rels == {
        ("supports", "train"): 2846, ("supports", "test"): 767,
        ("attacks", "train"): 177, ("attacks", "test"): 42,
    }


def test_pinned_spans_and_relations(corpus: Corpus) -> None:
    docs = {d.id: d for d in corpus.documents}
    essay1 = docs["essay001"]
    spans = essay1.span_by_id()
    t1 = spans["T1"]
    assert (t1.start, t1.end, t1.label) == (503, 575, "MajorClaim")
    assert essay1.span_text(t1).startswith("we should attach")
    assert essay1.span_text(t1).endswith("primary education")
    t7 = spans["T7"]
    assert (t7.label, t7.attributes) == ("Claim", {"stance": "Against"})
    assert (t7.start, t7.end) == (1332, 1376)
    assert essay1.span_text(t7).startswith("competition makes")
    r1 = essay1.relation_by_id()["R1"]
    assert (r1.source, r1.target, r1.label) == ("T4", "T3", "supports")
    assert essay1.span_text(spans["T3"]).startswith("through cooperation,")
    assert spans["T3"].attributes == {"stance": "For"}
    essay5 = docs["essay005"]
    r2 = essay5.relation_by_id()["R2"]
    assert (r2.source, r2.target, r2.label) == ("T7", "T4", "attacks")
    # Spans are in text order, ids as in the file.
    assert [s.start for s in essay1.spans] == sorted(s.start for s in essay1.spans)


def test_paragraphs_title_first(corpus: Corpus) -> None:
    labels = Counter(p.label for d in corpus.documents for p in d.partitions["paragraphs"])
    assert labels == {"title": 402, "paragraph": 1833}
    essay1 = corpus.documents[0]
    title = essay1.partitions["paragraphs"][0]
    assert (title.label, title.start, title.end) == ("title", 0, 53)
    assert essay1.text[title.end - 1] == "?"
    # Every argument component lies inside one paragraph.
    for doc in corpus.documents:
        paras = doc.partitions["paragraphs"]
        for span in doc.spans:
            assert any(p.start <= span.start and span.end <= p.end for p in paras), (doc.id, span.id)


def test_word_cut_spans_are_warnings_with_file_and_line(corpus: Corpus) -> None:
    assert all(p.severity == "warning" for p in corpus.problems)
    where = [(Path(p.path).name, p.line) for p in corpus.warnings]
    assert where == [
        ("essay098.ann", 7), ("essay114.ann", 17), ("essay182.ann", 5),
        ("essay248.ann", 5), ("essay337.ann", 19),
    ]
    assert "responsibl'" in corpus.warnings[0].message
    assert "governmen'" in corpus.warnings[2].message
    assert all("ends inside a word" in p.message for p in corpus.warnings)


def test_duplicate_groups(corpus: Corpus) -> None:
    assert corpus.metadata["duplicate_groups"] == [
        ["essay171", "essay210", "essay400"], ["essay209", "essay377"]
    ]
    groups = {d.id: d.metadata["duplicate_group"] for d in corpus.documents}
    assert len(groups) == 402
    assert groups["essay400"] == groups["essay210"] == "essay171"
    assert groups["essay377"] == "essay209"
    assert groups["essay001"] == "essay001"
    assert sum(1 for d, g in groups.items() if d != g) == 3


def test_prompt_metadata(corpus: Corpus) -> None:
    prompts = [d.metadata.get("prompt") for d in corpus.documents]
    assert all(prompts)
    assert prompts[0].startswith("Some people think that children")
    assert "\u00ca" not in "".join(prompts)  # MacRoman no-break spaces, not latin-1 "Ê"


def test_eger2017_dev_split(root: Path, eger: Corpus) -> None:
    assert eger.splits == {"train": 286, "dev": 36, "test": 80}
    dev = [d.id for d in eger.split("dev")]
    assert tuple(dev) == aae2_module.EGER2017_DEV
    assert aae2_module.eger2017_dev_ids(root) == aae2_module.EGER2017_DEV
    for ids in eger.metadata["duplicate_groups"]:
        assert {d.split for d in eger.documents if d.id in ids} == {"dev"}


def test_split_separating_duplicates_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aae2_module, "eger2017_dev_ids", lambda _root: ("essay171", "essay209", "essay377"))
    with pytest.raises(ArgmineError, match=r"essay171', 'essay210', 'essay400'\] would be split"):
        aae2_module.load_aae2(root, dev_split="eger2017")


def test_unknown_dev_split(root: Path) -> None:
    with pytest.raises(ArgmineError, match="unknown dev_split 'random'"):
        aae2_module.load_aae2(root, dev_split="random")


def test_non_strict_reads_the_same(root: Path, corpus: Corpus) -> None:
    lenient = aae2_module.load_aae2(root, strict=False)
    assert [d.to_dict() for d in lenient.documents] == [d.to_dict() for d in corpus.documents]
    assert lenient.problems == corpus.problems
