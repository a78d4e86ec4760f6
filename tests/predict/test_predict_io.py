"""Prediction inputs (decoding, ids), brat output and native -> unified label mapping (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError
from argmine.io import prediction_record
from argmine.predict.commands import parse_formats
from argmine.predict.inputs import InputError, Skipped, collect_sources, decode
from argmine.predict.labels import UnifiedMapper
from argmine.predict.writers import brat_ann, brat_conf


def test_decode_keeps_crlf_and_drops_bom() -> None:
    assert decode(b"\xef\xbb\xbfa\r\nb", "f.txt") == "a\r\nb"
    assert decode("café".encode("latin-1"), "f.txt", "latin-1") == "café"


@pytest.mark.parametrize(("data", "encoding", "message"), [
    (b"caf\xe9", "utf-8", "f.txt: not valid utf-8 (byte 3"),
    (b"a\x00b", "utf-8", "f.txt: contains NUL bytes"),
])
def test_decode_errors_name_the_file_and_the_fix(data: bytes, encoding: str, message: str) -> None:
    with pytest.raises(InputError, match="--encoding") as err:
        decode(data, "f.txt", encoding)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_sources_from_folders_sorted_with_unique_ids(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ["b/x.txt", "a x.txt", "x.txt", "skip.md"]:
        (tmp_path / name).write_text("t", encoding="utf-8")
    sources = collect_sources([str(tmp_path), "-"])
    assert [s.doc_id for s in sources] == ["a_x", "x", "x-2", "stdin"]
    assert [s.path.name if s.path else None for s in sources] == ["a x.txt", "x.txt", "x.txt", None]
    # a missing input is skipped in its place (reported), not an error that stops the run
    assert collect_sources([str(tmp_path / "missing.txt")]) == [
        Skipped(str(tmp_path / "missing.txt"), "no such file or folder")]
    with pytest.raises(InputError, match="only once"):
        collect_sources(["-", "-"])


def test_formats() -> None:
    assert parse_formats(None, None, tty=True) == ["text"]
    assert parse_formats(None, None, tty=False) == ["jsonl"]
    assert parse_formats("jsonl,html,jsonl", Path("o"), tty=True) == ["jsonl", "html"]
    with pytest.raises(ConfigError, match="--out"):
        parse_formats("jsonl,text", None, tty=False)


def test_brat_span_across_a_line_break_becomes_fragments() -> None:
    text = "We must act.\r\nNow, because time runs out."
    doc = Document("d", text, [Span(3, 18, "claim", "T1", score=0.5), Span(19, 40, "premise", "T2")],
                   [Relation("T2", "T1", "support", "R1")])
    assert brat_ann(doc).splitlines() == [
        "T1\tclaim 3 12;14 18\tmust act. Now,",
        "#1\tAnnotatorNotes T1\tscore=0.5000",
        "T2\tpremise 19 40\tbecause time runs out",
        "R1\tsupport Arg1:T2 Arg2:T1\t",
    ]
    rec = prediction_record(doc)
    assert rec["spans"][0]["text"] == text[3:18] == "must act.\r\nNow," and rec["relations"] == [
        {"source": "T2", "target": "T1", "label": "support", "score": None, "attributes": {}}]


def test_stance_and_counter_arguments_reach_jsonl_and_brat(tmp_path: Path) -> None:
    from argmine.corpora.brat import read_brat_document
    from argmine.encoding.stance import derive_counter_arguments

    text = "Zoos should close. Zoos protect rare species. Cages stress animals."
    doc = derive_counter_arguments(Document("d", text, [
        Span(0, 17, "MajorClaim", "T1"), Span(19, 44, "Claim", "T2", {"stance": "Against"}),
        Span(46, 66, "Premise", "T3")], [Relation("T3", "T2", "attacks", "R1")]))
    rec = prediction_record(doc)
    assert [s["attributes"] for s in rec["spans"]] == [
        {"counter_argument": "false"}, {"stance": "Against", "counter_argument": "true"},
        {"counter_argument": "true"}]
    ann = brat_ann(doc)
    assert [line for line in ann.splitlines() if line.startswith("A")] == [
        "A1\tcounter_argument T2", "A2\tstance T2 Against", "A3\tcounter_argument T3"]
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    (tmp_path / "d.ann").write_text(ann, encoding="utf-8")
    back = read_brat_document(tmp_path / "d.txt")
    assert back is not None
    assert [s.attributes for s in back.spans] == [
        {}, {"counter_argument": "true", "stance": "Against"}, {"counter_argument": "true"}]
    assert [(r.source, r.target, r.label) for r in back.relations] == [("T3", "T2", "attacks")]
    conf = brat_conf(["Claim"], ["attacks"], {"stance": {"Against", "For"}, "counter_argument": {"true", "false"}})
    assert conf.endswith("[attributes]\ncounter_argument\tArg:<ENTITY>\nstance\tArg:<ENTITY>, Value:Against|For\n")


def test_native_essay_labels_map_to_unified() -> None:
    mapper = UnifiedMapper.for_model({"corpus": "aae2", "schema": "native"}, ["Claim", "MajorClaim", "Premise"])
    assert mapper is not None
    doc = Document("d", "aaa bbb ccc ddd", [Span(0, 3, "MajorClaim", "T1"), Span(4, 7, "Claim", "T2"),
                                            Span(8, 11, "Claim", "T3", {"stance": "Against"}),
                                            Span(12, 15, "Premise", "T4")],
                   [Relation("T4", "T2", "supports", "R1")])
    out = mapper(doc)
    assert [s.label for s in out.spans] == ["major_claim", "claim", "counter_argument", "premise"]
    assert [r.label for r in out.relations] == ["support"]
    # without predicted attributes a claim stays a claim
    assert mapper.labels(["Claim", "MajorClaim", "Premise"]) == ["claim", "major_claim", "premise"]


def test_unified_models_and_unmappable_labels() -> None:
    assert UnifiedMapper.for_model({"corpus": "sample"}, ["claim", "premise"]) is None
    micro = UnifiedMapper.for_model({"corpus": "microtexts", "schema": "native"}, ["ADU"])
    out = micro(Document("d", "abc", [Span(0, 3, "ADU", "T1")]))
    assert out.spans[0].label == "ADU" and micro.unmapped == {"ADU"}
    with pytest.raises(ConfigError, match="--schema native"):
        UnifiedMapper.for_model({"corpus": "nowhere", "schema": "native"}, ["X"])
