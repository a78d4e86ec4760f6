"""The bundled sample corpus: source -> jsonl rebuild, coverage, token alignment, parser errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from argmine.corpora import load_corpus
from argmine.corpora.sample import JSONL_FILE, SOURCE_FILE, load_sample, parse_sample_source
from argmine.documents import read_jsonl, write_jsonl
from argmine.errors import CorpusFormatError

LABELS = {"major_claim", "claim", "premise", "counter_argument"}
RELATIONS = {"support", "attack"}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("sample")


def test_committed_jsonl_equals_a_rebuild_from_source(tmp_path: Path) -> None:
    docs = parse_sample_source(SOURCE_FILE.read_text(encoding="utf-8"), SOURCE_FILE)
    out = tmp_path / "sample.jsonl"
    write_jsonl(docs, out)
    assert out.read_bytes() == JSONL_FILE.read_bytes(), "run scripts/build_sample_corpus.py"


def test_sizes_and_fixed_splits(corpus) -> None:
    assert len(corpus.documents) == 60
    assert corpus.splits == {"train": 40, "dev": 10, "test": 10}
    assert [d.id for d in corpus.split("dev")] == [f"sample-{i:03d}" for i in range(41, 51)]
    assert corpus.problems == []


def test_every_label_and_relation_in_every_split(corpus) -> None:
    for split in ("train", "dev", "test"):
        docs = corpus.split(split)
        assert {s.label for d in docs for s in d.spans} == LABELS, split
        assert {r.label for d in docs for r in d.relations} == RELATIONS, split


def test_relation_patterns(corpus) -> None:
    """Premises support claims, claims the major claim, counter-arguments attack, rebuttals exist."""
    patterns = set()
    for doc in corpus.documents:
        spans = doc.span_by_id()
        for rel in doc.relations:
            assert rel.source in spans and rel.target in spans
            patterns.add((spans[rel.source].label, rel.label, spans[rel.target].label))
    assert {
        ("premise", "support", "claim"),
        ("claim", "support", "major_claim"),
        ("counter_argument", "attack", "major_claim"),
        ("counter_argument", "attack", "claim"),
        ("premise", "support", "counter_argument"),
        ("premise", "attack", "counter_argument"),
        ("claim", "attack", "counter_argument"),
    } <= patterns


def test_documents_are_short_titled_texts_with_paragraphs(corpus) -> None:
    for doc in corpus.documents:
        words = len(doc.text.split())
        assert 80 <= words <= 250, (doc.id, words)
        parts = doc.partitions["paragraphs"]
        assert parts[0].label == "title" and "\n" not in doc.text[parts[0].start:parts[0].end]
        assert 2 <= sum(p.label == "paragraph" for p in parts) <= 4
        assert "\n".join(doc.text[p.start:p.end] for p in parts) == doc.text
        assert sum(s.label == "major_claim" for s in doc.spans) == 1


def test_spans_cover_whole_words_without_final_period(corpus) -> None:
    for doc in corpus.documents:
        for span in doc.spans:
            text = doc.span_text(span)
            assert text == text.strip() and not text.endswith(".")
            assert span.start == 0 or not doc.text[span.start - 1].isalnum(), (doc.id, text)
            assert span.end == len(doc.text) or not doc.text[span.end].isalnum(), (doc.id, text)


def test_exact_span_texts_of_the_first_document(corpus) -> None:
    doc = corpus.documents[0]
    texts = {s.id: doc.span_text(s) for s in doc.spans}
    assert texts["mc1"] == "Our city should close the old town to private cars"
    assert texts["ca1"] == "Shop owners fear that customers will stop coming"
    assert doc.text.splitlines()[0] == "Cars do not belong in the old town"
    assert [(r.source, r.label, r.target) for r in doc.relations] == [
        ("c1", "support", "mc1"), ("p1", "support", "c1"), ("p2", "support", "c1"),
        ("ca1", "attack", "mc1"), ("p3", "support", "ca1"), ("p4", "attack", "ca1"),
    ]


def test_jsonl_round_trip(tmp_path: Path, corpus) -> None:
    out = tmp_path / "copy.jsonl"
    assert write_jsonl(corpus.documents, out) == 60
    assert read_jsonl(out) == corpus.documents


def test_parser_markup() -> None:
    src = (
        "=== d1 split=dev\nA title\n\n[major_claim#m Dogs are great]. [premise#p>support:m They\n"
        "are loyal], I think.\n\nSecond [claim#c>support:m>attack:p paragraph here]\n"
    )
    (doc,) = parse_sample_source(src)
    assert doc.text == "A title\nDogs are great. They are loyal, I think.\nSecond paragraph here"
    assert doc.split == "dev"
    assert [doc.span_text(s) for s in doc.spans] == ["Dogs are great", "They are loyal", "paragraph here"]
    assert [(r.source, r.target, r.label) for r in doc.relations] == [
        ("p", "m", "support"), ("c", "m", "support"), ("c", "p", "attack")
    ]
    assert [p.label for p in doc.partitions["paragraphs"]] == ["title", "paragraph", "paragraph"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[claim#c1 unclosed span\n", "not closed"),
        ("[claim#c1 a [premise#p1 nested] b]\n", "cannot nest"),
        ("a stray ] bracket\n", "without a matching"),
        ("[claim#c1 ends with a period.]\n", "period"),
        ("x[claim#c1 half]word\n", "inside a word"),
        ("[claim c1 no id]\n", "bad span opening"),
        ("[premise#p1>support:zz text]\n", "neither a span"),
    ],
)
def test_parser_errors_name_file_and_line(body: str, message: str) -> None:
    src = "# comment\n=== d1 split=train\nTitle\n\n" + body
    with pytest.raises(CorpusFormatError, match=re.escape(message)) as info:
        parse_sample_source(src, "src.txt")
    assert str(info.value).startswith("src.txt:")


def test_loader_collects_problems_when_not_strict(tmp_path: Path, corpus) -> None:
    good = corpus.documents[0].to_dict()
    bad = dict(good, relations=[{"id": "R1", "source": "nope", "target": "mc1", "label": "support"}])
    import json

    (tmp_path / "sample.jsonl").write_text(
        json.dumps(good) + "\n{not json\n" + json.dumps(bad | {"id": "x"}) + "\n" + json.dumps(good) + "\n"
    )
    with pytest.raises(CorpusFormatError) as info:
        load_sample(tmp_path, strict=False)
    lines = [(p.line, p.severity) for p in info.value.problems]
    assert lines == [(2, "error"), (3, "error"), (4, "error")]
    assert "duplicate document id" in info.value.problems[2].message
    with pytest.raises(CorpusFormatError, match=r"sample\.jsonl:2: error: not valid JSON"):
        load_sample(tmp_path)
