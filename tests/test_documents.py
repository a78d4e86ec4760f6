"""Document invariants and lossless JSONL serialisation (texts written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.documents import Document, Relation, Span, read_jsonl, sorted_spans, write_jsonl
from argmine.errors import DocumentError

TEXT = "Bikes are cheap. They need no fuel, and parking is free."


def _doc(**changes) -> Document:
    base = dict(
        id="d1",
        text=TEXT,
        spans=[Span(0, 15, "claim", "c1"), Span(17, 34, "premise", "p1")],
        relations=[Relation("p1", "c1", "support", "r1")],
    )
    base.update(changes)
    return Document(**base)


def test_valid_document_and_span_text() -> None:
    doc = _doc()
    assert [doc.span_text(s) for s in doc.spans] == ["Bikes are cheap", "They need no fuel"]
    assert doc.relation_by_id()["r1"].target == "c1"


@pytest.mark.parametrize("start,end", [(-1, 5), (5, 5), (10, 3), (0, len(TEXT) + 1)])
def test_offsets_out_of_range(start: int, end: int) -> None:
    with pytest.raises(DocumentError, match=r"document 'd1': span 'x' has offsets .* outside"):
        _doc(spans=[Span(start, end, "claim", "x")], relations=[])


def test_partition_offsets_are_checked_too() -> None:
    with pytest.raises(DocumentError, match="partition 'paragraphs'"):
        _doc(partitions={"paragraphs": [Span(0, 999, "paragraph")]})


def test_duplicate_span_ids() -> None:
    with pytest.raises(DocumentError, match="duplicate span id 'c1'"):
        _doc(spans=[Span(0, 5, "claim", "c1"), Span(6, 9, "claim", "c1")], relations=[])


def test_duplicate_relation_ids_and_id_clash() -> None:
    with pytest.raises(DocumentError, match="duplicate relation ids"):
        _doc(relations=[Relation("p1", "c1", "support", "r1"), Relation("c1", "p1", "attack", "r1")])
    with pytest.raises(DocumentError, match="used by both a span and a relation"):
        _doc(relations=[Relation("p1", "c1", "support", "c1")])


def test_relation_to_missing_span() -> None:
    with pytest.raises(DocumentError, match=r"relation r1 \(support\) has source 'p9'"):
        _doc(relations=[Relation("p9", "c1", "support", "r1")])
    with pytest.raises(DocumentError, match=r"has target 'c9', which is neither a span nor a relation"):
        _doc(relations=[Relation("p1", "c9", "support", "r1")])


def test_relation_targeting_a_relation() -> None:
    spans = [Span(0, 15, "claim", "c1"), Span(17, 34, "premise", "p1"), Span(40, 56, "premise", "p2")]
    doc = _doc(spans=spans, relations=[Relation("p1", "c1", "support", "r1"), Relation("p2", "r1", "attack", "r2")])
    assert doc.relations[1].target == "r1"
    with pytest.raises(DocumentError, match="targets itself"):
        _doc(spans=spans, relations=[Relation("p2", "r1", "attack", "r1")])


def test_discontinuous_fragments() -> None:
    span = Span(0, 34, "claim", "c1", fragments=((0, 5), (17, 34)))
    doc = _doc(spans=[span], relations=[])
    assert doc.span_text(doc.spans[0]) == "Bikes They need no fuel"
    assert span.pieces() == ((0, 5), (17, 34))
    with pytest.raises(DocumentError, match="do not cover its fragments"):
        _doc(spans=[Span(0, 30, "claim", "c1", fragments=((0, 5), (17, 34)))], relations=[])
    with pytest.raises(DocumentError, match="outside"):
        _doc(spans=[Span(0, 99, "claim", "c1", fragments=((0, 5), (17, 99)))], relations=[])


def test_missing_ids_are_numbered() -> None:
    doc = Document("d", TEXT, [Span(0, 5, "a"), Span(6, 9, "b", "T1")], [Relation("T2", "T1", "x")])
    assert [s.id for s in doc.spans] == ["T2", "T1"]
    assert doc.relations[0].id == "R1"


def test_text_must_be_str() -> None:
    with pytest.raises(DocumentError, match="text must be str"):
        Document("d", None)  # type: ignore[arg-type]


def test_jsonl_round_trip_is_lossless(tmp_path: Path) -> None:
    doc = Document(
        id="d2",
        text="Title\nSchools should start later. Teens sleep late, and tests show it. Ünïcode ✓",
        spans=[
            Span(6, 32, "major_claim", "m1", attributes={"stance": "For"}),
            Span(34, 69, "premise", "p1", score=0.75, fragments=((34, 50), (56, 69))),
        ],
        relations=[
            Relation("p1", "m1", "support", "r1", attributes={"kind": "sup"}, score=0.5),
            Relation("p1", "r1", "attack", "r2"),
        ],
        partitions={"paragraphs": [Span(0, 5, "title", "P1"), Span(6, 80, "paragraph", "P2")]},
        metadata={"source": "written for argmine", "nested": {"k": [1, 2]}},
        split="dev",
    )
    path = tmp_path / "docs.jsonl"
    assert write_jsonl([doc, _doc()], path) == 2
    assert not (tmp_path / "docs.jsonl.part").exists()
    back = read_jsonl(path)
    assert back == [doc, _doc()]
    assert back[0].spans[1].fragments == ((34, 50), (56, 69))
    assert back[0].span_text(back[0].spans[1]) == "Teens sleep late tests show it"
    assert back[0].spans[1].score == 0.75 and back[0].relations[0].attributes == {"kind": "sup"}
    assert "Ünïcode ✓" in path.read_text(encoding="utf-8")  # written as UTF-8, not escaped
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["split"] == "dev"


def test_read_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(_doc().to_dict())
    bad = json.dumps({"id": "x", "text": "abc", "spans": [{"start": 0, "end": 9, "label": "a"}]})
    path.write_text(good + "\n\n" + bad + "\n")
    with pytest.raises(DocumentError, match=r"bad\.jsonl:3: document 'x': span"):
        read_jsonl(path)
    path.write_text('{"text": "no id"}\n')
    with pytest.raises(DocumentError, match=r":1: document record '\?' lacks key 'id'"):
        read_jsonl(path)


def test_sorted_spans() -> None:
    spans = [Span(5, 9, "b"), Span(0, 9, "a"), Span(0, 4, "c")]
    assert [s.label for s in sorted_spans(spans)] == ["c", "a", "b"]
