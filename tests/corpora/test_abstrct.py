"""AbstRCT read from the real brat files: per-split counts (README table), spans, quirks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import Corpus, load_corpus
from argmine.corpora.abstrct import load_abstrct
from argmine.errors import CorpusNotFoundError


@pytest.fixture(scope="module")
def root(shared_corpora: Path) -> Path:
    path = shared_corpora / "abstrct"
    if not (path / "AbstRCT_corpus").is_dir():
        missing(f"AbstRCT not found at {path}")
    return path


@pytest.fixture(scope="module")
def corpus(root: Path) -> Corpus:
    return load_corpus("abstrct", root=root)


EXPECTED = {  # split: (MajorClaim, Claim, Premise), (Support, Attack, Partial-Attack)
    "train": ((64, 666, 1537), (1213, 36, 169)),
    "dev": ((9, 99, 218), (186, 8, 25)),
    "test": ((20, 228, 438), (364, 16, 44)),
    "glaucoma_test": ((7, 183, 404), (334, 7, 26)),
    "mixed_test": ((30, 182, 388), (305, 3, 21)),
}


def test_splits(corpus: Corpus) -> None:
    assert corpus.splits == {"train": 350, "dev": 50, "test": 100, "glaucoma_test": 100, "mixed_test": 100}
    diseases = Counter((d.split, d.metadata["disease"]) for d in corpus.documents)
    assert diseases == {
        ("train", "neoplasm"): 350, ("dev", "neoplasm"): 50, ("test", "neoplasm"): 100,
        ("glaucoma_test", "glaucoma"): 100, ("mixed_test", "mixed"): 100,
    }


@pytest.mark.parametrize("split", list(EXPECTED))
def test_counts_per_split(corpus: Corpus, split: str) -> None:
    docs = corpus.split(split)
    spans = Counter(s.label for d in docs for s in d.spans)
    rels = Counter(r.label for d in docs for r in d.relations)
    components, relations = EXPECTED[split]
    assert tuple(spans[k] for k in ("MajorClaim", "Claim", "Premise")) == components
    assert tuple(rels[k] for k in ("Support", "Attack", "Partial-Attack")) == relations
    assert sum(spans.values()) == sum(components) and sum(rels.values()) == sum(relations)


def test_pinned_spans(corpus: Corpus) -> None:
    dev = {d.id: d for d in corpus.split("dev")}
    doc = dev["10735891"]
    t1 = doc.span_by_id()["T1"]
    assert (t1.start, t1.end, t1.label) == (1, 136, "Claim")
    assert doc.span_text(t1).startswith("Suramin is a novel agent")
    doc = dev["16487438"]
    r1 = doc.relation_by_id()["R1"]
    assert (r1.source, r1.target, r1.label) == ("T7", "T6", "Partial-Attack")
    spans = doc.span_by_id()
    assert doc.span_text(spans["T7"]).startswith("although this parameter did not differ")
    assert doc.span_text(spans["T6"]).startswith("In the euthyroid group, motivation")


def test_byte_order_mark_kept_so_offsets_match(corpus: Corpus) -> None:
    with_bom = sorted((d.split, d.id) for d in corpus.documents if d.text.startswith("\ufeff"))
    assert len(with_bom) == 8
    assert ("glaucoma_test", "21423036") in with_bom


def test_mixed_test_overlaps(corpus: Corpus) -> None:
    also = Counter(tuple(d.metadata["also_in"]) for d in corpus.split("mixed_test"))
    assert also == {(): 69, ("test",): 20, ("glaucoma_test",): 11}
    ids = Counter(d.id for d in corpus.documents)
    assert sum(n > 1 for n in ids.values()) == 31


def test_paragraphs(corpus: Corpus) -> None:
    for doc in corpus.documents:
        paras = doc.partitions["paragraphs"]
        assert paras and all(p.label == "paragraph" for p in paras)
    # 1110 non-blank lines, less 8 lines holding only a byte order mark.
    assert sum(len(d.partitions["paragraphs"]) for d in corpus.documents) == 1102
    bom_doc = next(d for d in corpus.split("glaucoma_test") if d.id == "21423036")
    assert bom_doc.partitions["paragraphs"][0].start == 3  # after "\ufeff\n\n"


def test_word_cut_warning(corpus: Corpus) -> None:
    assert all(p.severity == "warning" for p in corpus.problems)
    where = [(Path(p.path).parent.name, Path(p.path).name, p.line) for p in corpus.warnings]
    assert where == [("glaucoma_test", "22835512.ann", 6), ("mixed_test", "22835512.ann", 6)]
    assert "starts inside a word" in corpus.warnings[0].message


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="neoplasm_train"):
        load_abstrct(tmp_path)
