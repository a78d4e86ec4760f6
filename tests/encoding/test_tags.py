"""Spans <-> BIO/BIOES tags, the tag vocabulary and its transition constraints."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argmine.documents import Span
from argmine.encoding.tags import TagVocab, parse_tag, spans_to_tags, tags_to_spans
from argmine.errors import ConfigError, DocumentError

# "We should act now , because time is short ." -- tokens as (start, end)
TEXT = "We should act now, because time is short."
TOKENS = [(0, 2), (3, 9), (10, 13), (14, 17), (17, 18), (19, 26), (27, 31), (32, 34), (35, 40), (40, 41)]


def test_bio_and_bioes_tags_by_hand() -> None:
    spans = [(0, 17, "Claim"), (27, 40, "Premise:-1:Support")]
    assert spans_to_tags(TOKENS, spans, "BIO") == [
        "B-Claim", "I-Claim", "I-Claim", "I-Claim", "O", "O",
        "B-Premise:-1:Support", "I-Premise:-1:Support", "I-Premise:-1:Support", "O",
    ]
    assert spans_to_tags(TOKENS, spans + [(40, 41, "X")], "BIOES") == [
        "B-Claim", "I-Claim", "I-Claim", "E-Claim", "O", "O",
        "B-Premise:-1:Support", "I-Premise:-1:Support", "E-Premise:-1:Support", "S-X",
    ]
    assert tags_to_spans(TOKENS, spans_to_tags(TOKENS, spans, "BIO"), "BIO") == spans


def test_labels_with_dashes_and_colons_keep_only_the_first_prefix() -> None:
    assert parse_tag("B-Premise:-1:Support") == ("B", "Premise:-1:Support")
    assert parse_tag("I-B-I-x") == ("I", "B-I-x")
    assert parse_tag("O") == ("O", "")
    with pytest.raises(ValueError, match="malformed tag"):
        parse_tag("X-Claim")


def test_adjacent_spans_with_the_same_label_stay_apart() -> None:
    spans = [(0, 9, "P"), (10, 17, "P")]
    tags = spans_to_tags(TOKENS, spans, "BIO")
    assert tags[:4] == ["B-P", "I-P", "B-P", "I-P"]
    assert tags_to_spans(TOKENS, tags, "BIO") == spans


def test_span_objects_are_accepted() -> None:
    assert spans_to_tags(TOKENS[:2], [Span(0, 9, "Claim")]) == ["B-Claim", "I-Claim"]


def test_overlapping_or_token_sharing_spans_raise_naming_both() -> None:
    with pytest.raises(DocumentError, match=r"\(0, 13, 'A'\) and \(10, 17, 'B'\)"):
        spans_to_tags(TOKENS, [(10, 17, "B"), (0, 13, "A")])
    with pytest.raises(DocumentError, match=r"share token \(3, 9\)"):
        spans_to_tags(TOKENS, [(0, 5, "A"), (6, 13, "B")])
    with pytest.raises(DocumentError, match="covers no token"):
        spans_to_tags([(0, 2), (5, 7)], [(3, 4, "A")])


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["I-A", "I-A", "O"], [(0, 9, "A")]),  # I after O starts a span
        (["B-A", "I-B", "I-B"], [(0, 2, "A"), (3, 13, "B")]),  # label change starts a new span
        (["B-A", "O", "I-A"], [(0, 2, "A"), (10, 13, "A")]),
        (["B-A", "B-A", "I-A"], [(0, 2, "A"), (3, 13, "A")]),
    ],
)
def test_ill_formed_bio_decodes_like_conlleval(tags: list[str], expected: list) -> None:
    assert tags_to_spans(TOKENS[:3], tags, "BIO") == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["B-A", "I-A", "E-A", "I-A"], [(0, 13, "A"), (14, 17, "A")]),  # I after E starts anew
        (["E-A", "S-A", "B-A", "O"], [(0, 2, "A"), (3, 9, "A"), (10, 13, "A")]),
        (["B-A", "E-B", "I-A", "E-A"], [(0, 2, "A"), (3, 9, "B"), (10, 17, "A")]),
        (["I-A", "I-A", "B-A", "E-A"], [(0, 9, "A"), (10, 17, "A")]),  # unclosed B-/I- still a span
        (["S-A", "E-A", "O", "O"], [(0, 2, "A"), (3, 9, "A")]),
    ],
)
def test_ill_formed_bioes_decodes_deterministically(tags: list[str], expected: list) -> None:
    assert tags_to_spans(TOKENS[:4], tags, "BIOES") == expected


def test_bioes_tags_in_a_bio_sequence_are_rejected() -> None:
    with pytest.raises(ValueError, match="not a BIO tag"):
        tags_to_spans(TOKENS[:1], ["S-A"], "BIO")
    with pytest.raises(ConfigError, match="unknown tagging scheme 'IOB2'"):
        spans_to_tags(TOKENS, [], "IOB2")


def test_vocab_layout_ids_and_serialisation() -> None:
    vocab = TagVocab(["MajorClaim", "Claim:For"], "BIOES")
    assert vocab.tags == [
        "O", "B-MajorClaim", "I-MajorClaim", "E-MajorClaim", "S-MajorClaim",
        "B-Claim:For", "I-Claim:For", "E-Claim:For", "S-Claim:For",
    ]
    assert len(vocab) == 9 and vocab.tag_to_id["O"] == 0 and vocab.id_to_tag[5] == "B-Claim:For"
    restored = TagVocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab and restored.tags == vocab.tags
    ids = vocab.encode(TOKENS, [(0, 17, "Claim:For"), (40, 41, "MajorClaim")])
    assert ids == [5, 6, 6, 7, 0, 0, 0, 0, 0, 4]
    assert vocab.decode(TOKENS, ids) == [(0, 17, "Claim:For"), (40, 41, "MajorClaim")]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode(TOKENS, [(0, 2, "Premise")])
    with pytest.raises(ConfigError, match="duplicate tag labels: \\['A'\\]"):
        TagVocab(["A", "B", "A"])
    with pytest.raises(ConfigError, match="do not match"):
        TagVocab.from_dict({"labels": ["A"], "scheme": "BIO", "tags": ["O", "I-A", "B-A"]})


def _is_well_formed(vocab: TagVocab, ids: list[int]) -> bool:
    start, trans, end = vocab.allowed_transitions()
    return start[ids[0]] and end[ids[-1]] and all(trans[a][b] for a, b in zip(ids, ids[1:], strict=False))


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
def test_allowed_transitions_by_hand(scheme: str) -> None:
    vocab = TagVocab(["A", "B"], scheme)
    t = vocab.tag_to_id
    start, trans, end = vocab.allowed_transitions()
    assert len(start) == len(end) == len(trans) == len(vocab) and all(len(r) == len(vocab) for r in trans)
    assert start[t["O"]] and start[t["B-A"]] and not start[t["I-A"]]
    assert trans[t["B-A"]][t["I-A"]] and trans[t["I-A"]][t["I-A"]]
    assert not trans[t["O"]][t["I-A"]] and not trans[t["B-A"]][t["I-B"]]
    if scheme == "BIO":
        assert all(end) and trans[t["I-A"]][t["O"]] and trans[t["B-A"]][t["B-B"]]
    else:
        assert start[t["S-A"]] and not start[t["E-A"]]
        assert end[t["O"]] and end[t["E-A"]] and end[t["S-B"]] and not end[t["B-A"]] and not end[t["I-A"]]
        assert not trans[t["B-A"]][t["O"]] and not trans[t["I-A"]][t["B-B"]] and trans[t["B-A"]][t["E-A"]]
        assert trans[t["E-A"]][t["S-B"]] and not trans[t["E-A"]][t["I-A"]] and not trans[t["S-A"]][t["E-A"]]


@st.composite
def tokens_and_spans(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]]:
    lengths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=30))
    gaps = draw(st.lists(st.integers(0, 2), min_size=len(lengths), max_size=len(lengths)))
    tokens, pos = [], 0
    for length, gap in zip(lengths, gaps, strict=True):
        pos += gap
        tokens.append((pos, pos + length))
        pos += length
    # cut the token sequence into runs; each run is either outside or one span
    spans, i = [], 0
    while i < len(tokens):
        run = draw(st.integers(1, len(tokens) - i))
        label = draw(st.sampled_from([None, "Claim", "Premise:-1:Support", "B-I-O"]))
        if label is not None:
            spans.append((tokens[i][0], tokens[i + run - 1][1], label))
        i += run
    return tokens, spans


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
@settings(max_examples=300, deadline=None)
@given(data=tokens_and_spans())
def test_spans_tags_spans_is_identity(scheme: str, data) -> None:
    tokens, spans = data
    vocab = TagVocab(["Claim", "Premise:-1:Support", "B-I-O"], scheme)
    tags = spans_to_tags(tokens, spans, scheme)
    assert tags_to_spans(tokens, tags, scheme) == spans
    ids = vocab.encode(tokens, spans)
    assert vocab.decode(tokens, ids) == spans
    assert _is_well_formed(vocab, ids)
