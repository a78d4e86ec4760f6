"""Eger et al. (2017) compound labels: encode and decode argument structure."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from _aae2_brat import essays

from argmine.documents import Document, Relation, Span
from argmine.encoding.structure import decode_structure, encode_structure
from argmine.encoding.units import make_units
from argmine.errors import DocumentError

# A hand-built paragraph: MC, a claim for it, two premises supporting / attacking the claim,
# and a premise supporting the following premise.
SPANS = [
    Span(0, 10, "MajorClaim", id="T1"),
    Span(12, 20, "Claim", id="T2", attributes={"stance": "For"}),
    Span(22, 30, "Premise", id="T3"),
    Span(32, 40, "Premise", id="T4"),
    Span(42, 50, "Premise", id="T5"),
]
RELATIONS = [
    Relation("T3", "T2", "supports", id="R1"),
    Relation("T4", "T5", "attacks", id="R2"),
    Relation("T5", "T2", "supports", id="R3"),
]


def test_encode_by_hand() -> None:
    assert encode_structure(SPANS, RELATIONS) == [
        "MajorClaim",
        "Claim:For",
        "Premise:-1:Support",
        "Premise:1:Attack",
        "Premise:-3:Support",
    ]


def test_round_trip_restores_labels_stances_and_relations() -> None:
    compound = encode_structure(SPANS, RELATIONS)
    spans, relations = decode_structure(
        [Span(s.start, s.end, label, id=s.id) for s, label in zip(SPANS, compound, strict=True)]
    )
    assert spans == SPANS
    assert [(r.source, r.target, r.label) for r in relations] == [
        (r.source, r.target, r.label) for r in RELATIONS
    ]
    # the result is a valid document
    Document("d", "x" * 60, spans=spans, relations=relations)


def test_relations_leaving_the_unit_are_not_encoded_and_relation_names_are_a_parameter() -> None:
    relations = [Relation("T3", "T99", "supports"), Relation("T4", "T3", "sup")]
    names = {"sup": "Sup"}
    assert encode_structure(SPANS[2:4], relations, relation_names=names) == ["Premise", "Premise:-1:Sup"]
    _, decoded = decode_structure(
        [Span(0, 1, "Premise"), Span(2, 3, "Premise:-1:Sup")], relation_names=names
    )
    assert [(r.source, r.target, r.label, r.id) for r in decoded] == [("T2", "T1", "sup", "R1")]


def test_decode_assigns_ids_in_text_order_and_drops_impossible_relations() -> None:
    predicted = [
        Span(30, 35, "Premise:-1:Support", score=0.9),  # -> the premise at 20-25
        Span(0, 5, "Premise:6:Support"),  # points outside the unit
        Span(10, 15, "Claim:Against"),
        Span(20, 25, "Premise:0:Attack"),  # points to itself
        Span(40, 45, "Premise:x:Attack"),  # not a distance
        Span(50, 55, "Premise:-2:Support:extra"),  # not a compound label shape
    ]
    spans, relations = decode_structure(predicted)
    assert [(s.id, s.label, dict(s.attributes)) for s in spans] == [
        ("T1", "Premise", {}),
        ("T2", "Claim", {"stance": "Against"}),
        ("T3", "Premise", {}),
        ("T4", "Premise", {}),
        ("T5", "Premise", {}),
        ("T6", "Premise", {}),
    ]
    assert [(r.source, r.target, r.label, r.score) for r in relations] == [("T4", "T3", "supports", 0.9)]
    Document("d", "x" * 60, spans=spans, relations=relations)


def test_labels_with_colons_cannot_be_encoded() -> None:
    with pytest.raises(DocumentError, match="'Claim:X' contains ':'"):
        encode_structure([Span(0, 1, "Claim:X", id="T1")], [])


@pytest.mark.corpora
def test_essay_paragraphs_give_exactly_eger_compound_label_counts(shared_corpora) -> None:
    """Encoding the brat essays per paragraph reproduces the B- label counts of Eger et al.'s
    Paragraph_Level CoNLL files (train + dev + test) exactly, and decoding gives back every
    within-paragraph relation and stance."""
    eger: Counter[str] = Counter()
    for split in ("train", "dev", "test"):
        path = shared_corpora / "aae2_conll_eger2017" / "Paragraph_Level" / f"{split}.dat"
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) == 5 and fields[4].startswith("B-"):
                eger[fields[4][2:]] += 1
    ours: Counter[str] = Counter()
    n_relations = 0
    for doc in essays(shared_corpora):
        for unit in make_units(doc):
            compound = encode_structure(unit.spans, doc.relations)
            ours.update(compound)
            spans, relations = decode_structure(
                [replace(s, label=c, attributes={}) for s, c in zip(unit.spans, compound, strict=True)]
            )
            assert spans == unit.spans
            ids = {s.id for s in unit.spans}
            expected = [(r.source, r.target, r.label) for r in doc.relations if r.source in ids]
            assert sorted((r.source, r.target, r.label) for r in relations) == sorted(expected)
            n_relations += len(relations)
    assert ours == eger
    assert eger["Claim:For"] == 1228 and eger["Premise:-1:Support"] == 1024
    assert n_relations == 3613 + 219
