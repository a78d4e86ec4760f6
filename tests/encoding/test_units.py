"""Cutting documents into paragraph/document units with span-aligned word tokens."""

from __future__ import annotations

import pytest
from _aae2_brat import essays

from argmine.documents import Document, Span
from argmine.encoding.tags import spans_to_tags, tags_to_spans
from argmine.encoding.units import make_units, split_tokens

TEXT = "Homework matters\n\nSchools should give homework. It builds habits.\nYet kids need play\ntime too."


def _span(text: str, piece: str, label: str, **kw) -> Span:
    start = text.index(piece)
    return Span(start, start + len(piece), label, **kw)


def test_paragraph_units_from_lines_with_their_spans_and_tokens() -> None:
    doc = Document("d1", TEXT, spans=[_span(TEXT, "Schools should give homework", "Claim")])
    units = make_units(doc)
    assert [TEXT[u.start : u.end] for u in units] == [
        "Homework matters",
        "Schools should give homework. It builds habits.",
        "Yet kids need play",
        "time too.",
    ]
    assert [u.index for u in units] == [0, 1, 2, 3] and {u.doc_id for u in units} == {"d1"}
    assert units[1].token_texts(TEXT) == [
        "Schools", "should", "give", "homework", ".", "It", "builds", "habits", ".",
    ]
    assert units[1].n_tokens == 9
    assert [s.label for s in units[1].spans] == ["Claim"] and all(not u.spans for u in units[::2])


def test_a_span_crossing_a_paragraph_border_merges_the_paragraphs() -> None:
    doc = Document("d2", TEXT, spans=[_span(TEXT, "kids need play\ntime", "Premise")])
    units = make_units(doc)
    assert [TEXT[u.start : u.end] for u in units][2:] == ["Yet kids need play\ntime too."]
    merged = units[2]
    assert merged.token_texts(TEXT) == ["Yet", "kids", "need", "play", "time", "too", "."]
    assert tags_to_spans(merged.tokens, spans_to_tags(merged.tokens, merged.spans)) == [
        doc.spans[0].key
    ]


def test_paragraph_partition_is_used_when_present() -> None:
    first_two = TEXT.index("\nYet")
    doc = Document(
        "d3",
        TEXT,
        partitions={"paragraphs": [Span(0, 16, "title"), Span(18, first_two, "paragraph"),
                                   Span(first_two + 1, len(TEXT), "paragraph")]},
    )
    assert [TEXT[u.start : u.end] for u in make_units(doc)][2] == "Yet kids need play\ntime too."


def test_a_span_outside_every_paragraph_gets_its_own_unit() -> None:
    text = "Title\nBody text here. Loose end"
    doc = Document(
        "d6",
        text,
        spans=[_span(text, "Loose end", "Premise")],
        partitions={"paragraphs": [Span(0, 5, "title"), Span(6, 21, "paragraph")]},
    )
    units = make_units(doc)
    assert [text[u.start : u.end] for u in units] == ["Title", "Body text here.", "Loose end"]
    assert units[2].token_texts(text) == ["Loose", "end"] and len(units[2].spans) == 1


def test_spans_ending_inside_a_word_split_that_token() -> None:
    text = "They grow more responsible quickly."
    doc = Document("d4", text, spans=[Span(0, text.index("e quickly"), "Claim")])
    unit = make_units(doc)[0]
    assert unit.token_texts(text) == ["They", "grow", "more", "responsibl", "e", "quickly", "."]
    assert make_units(doc, split_at_spans=False)[0].token_texts(text)[3] == "responsible"
    assert tags_to_spans(unit.tokens, spans_to_tags(unit.tokens, unit.spans)) == [doc.spans[0].key]


def test_document_unit_and_discontinuous_spans() -> None:
    frag = Span(18, 79, "Premise", fragments=((18, 25), (70, 79)))  # "Schools" + "kids need"
    doc = Document("d5", TEXT, spans=[frag])
    (unit,) = make_units(doc, "document")
    assert (unit.start, unit.end) == (0, len(TEXT)) and unit.spans == doc.spans
    assert unit.n_tokens == 18
    # paragraph units merge the paragraphs between the fragments' start and end
    assert [TEXT[u.start : u.end] for u in make_units(doc)] == [
        "Homework matters",
        "Schools should give homework. It builds habits.\nYet kids need play",
        "time too.",
    ]
    with pytest.raises(ValueError, match="unknown unit 'sentence'"):
        make_units(doc, "sentence")


def test_split_tokens() -> None:
    assert split_tokens([(0, 5), (6, 9)], [2, 4, 5, 6, 8, 20]) == [(0, 2), (2, 4), (4, 5), (6, 8), (8, 9)]
    assert split_tokens([(0, 5)], []) == [(0, 5)]


@pytest.mark.corpora
def test_essays_units_are_paragraphs_and_every_gold_span_round_trips(shared_corpora) -> None:
    n_units = n_spans = 0
    docs = essays(shared_corpora)
    assert len(docs) == 402
    for doc in docs:
        units = make_units(doc)
        n_units += len(units)
        for unit in units:
            keys = [s.key for s in unit.spans]
            n_spans += len(keys)
            for scheme in ("BIO", "BIOES"):
                assert tags_to_spans(unit.tokens, spans_to_tags(unit.tokens, keys, scheme), scheme) == keys
    assert n_units == 2235  # no component crosses a paragraph border: 1,833 paragraphs + 402 titles
    assert n_spans == 751 + 1506 + 3832

    doc = next(d for d in docs if d.id == "essay098")  # T6 ends one character early ("responsibl")
    unit = next(u for u in make_units(doc) if any(s.id == "T6" for s in u.spans))
    words = unit.token_texts(doc.text)
    i = words.index("responsibl")
    assert words[i + 1] == "e"
