"""Paragraph, sentence and word segmentation with offsets."""

from __future__ import annotations

import pytest
from nltk.tokenize import NLTKWordTokenizer

from argmine.text import tokenize
from argmine.text.tokenize import paragraph_spans, sentence_spans, word_spans


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_paragraphs_split_on_every_line_break_and_strip_whitespace() -> None:
    text = "  Title line \r\n\r\nFirst para.\rSecond\t\n   \n\nThird  "
    assert texts(text, paragraph_spans(text)) == ["Title line", "First para.", "Second", "Third"]
    assert paragraph_spans("") == [] and paragraph_spans(" \n \r\n ") == []


def test_sentences_use_english_punkt_abbreviations_and_never_cross_lines() -> None:
    text = "Dr. Smith met Mr. Jones at 5 p.m. yesterday. They talked.\nNo end mark here\nLast one!"
    assert texts(text, sentence_spans(text)) == [
        "Dr. Smith met Mr. Jones at 5 p.m. yesterday.",
        "They talked.",
        "No end mark here",
        "Last one!",
    ]


def test_sentence_offsets_are_absolute_within_a_region() -> None:
    text = "Ignore me. Take this one. And this.\nNot this."
    start = text.index("Take")
    end = text.index("\n")
    spans = sentence_spans(text, start, end)
    assert texts(text, spans) == ["Take this one.", "And this."]
    assert spans[0][0] == start


def test_words_follow_nltk_treebank_rules_per_sentence() -> None:
    text = 'He didn\'t say "yes." The U.S. costs $3.88 (roughly).'
    assert texts(text, word_spans(text)) == [
        "He", "did", "n't", "say", '"', "yes", ".", '"',
        "The", "U.S.", "costs", "$", "3.88", "(", "roughly", ")", ".",
    ]


def test_words_never_raise_on_odd_characters() -> None:
    text = "a\x00b \x07 c\u200b “curly” ‘x’ «guill» ``tt'' '' \" emoji 😀👍🏽 – done…\u2028next"
    spans = word_spans(text)
    assert "😀👍🏽" in texts(text, spans)
    assert all(not text[a:b].isspace() and a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


def test_words_fall_back_to_regex_when_nltk_alignment_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_self: object, _text: str) -> list[tuple[int, int]]:
        raise ValueError("substring not found")

    monkeypatch.setattr(tokenize._WordTokenizer, "span_tokenize", broken)
    text = "It's odd.  Really?!"
    assert texts(text, word_spans(text)) == ["It", "'", "s", "odd", ".", "Really", "?", "!"]


def test_word_offsets_are_absolute_and_respect_region() -> None:
    text = "skip this\nkeep these words\nskip"
    start = text.index("keep")
    spans = word_spans(text, start, start + len("keep these words"))
    assert texts(text, spans) == ["keep", "these", "words"]
    assert spans[0] == (start, start + 4)
    with pytest.raises(ValueError, match="outside the text"):
        word_spans(text, 5, 100)


def test_very_long_text_is_tokenized() -> None:
    text = ("word, another one's (x) " * 20000) + "end."
    spans = word_spans(text)
    assert len(spans) == 20000 * 8 + 2  # word , another one 's ( x )
    assert texts(text, spans[-2:]) == ["end", "."]


def test_recompiled_tokenizer_matches_nltk_on_tricky_sentences() -> None:
    nltk_tokenizer = NLTKWordTokenizer()
    for sentence in [
        'She said: "I can\'t, won\'t -- and gonna... stop!"',
        "''Quoted'' and ``quoted'' [brackets] {braces} <angle> 50% #tag @user & co.",
        "l'amour d'été isn't 'tis the 'season' I'd've thought.",
    ]:
        assert list(tokenize._WORD_TOKENIZER.span_tokenize(sentence)) == list(
            nltk_tokenizer.span_tokenize(sentence)
        )


@pytest.mark.corpora
def test_essays_counts_and_nltk_agreement(shared_corpora) -> None:
    files = sorted((shared_corpora / "aae2" / "brat-project-final").glob("essay*.txt"))
    assert len(files) == 402
    n_words = 0
    all_texts = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        all_texts.append(text)
        n_words += len(word_spans(text))
    assert n_words == 146688
    assert sum(len(paragraph_spans(t)) for t in all_texts) == 2235  # 1,833 paragraphs + 402 titles
    assert sum(len(sentence_spans(t)) for t in all_texts) == 7148
    # the speed of reading and tokenizing is measured by `python -m benchmarks load`, not here

    nltk_tokenizer = NLTKWordTokenizer()
    for text in all_texts[:60]:
        for a, b in sentence_spans(text):
            sentence = text[a:b]
            assert list(tokenize._WORD_TOKENIZER.span_tokenize(sentence)) == list(
                nltk_tokenizer.span_tokenize(sentence)
            )
    # sentences: our Punkt (patterns compiled by re) equals NLTK's own Punkt on every line
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    ours = tokenize._sentence_tokenizer()
    plain = PunktSentenceTokenizer(ours._params)
    assert type(ours._lang_vars).__name__ == "_LanguageVars"
    for text in all_texts:
        for line in text.splitlines():
            assert list(ours.span_tokenize(line)) == list(plain.span_tokenize(line))
