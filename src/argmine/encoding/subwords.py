"""Align a fast tokenizer's sub-words with argmine's word tokens by character offsets.

Both ``offset_mapping`` (from ``tokenizer(text, return_offsets_mapping=True)``) and the word
tokens must be offsets into the same string. A sub-word belongs to the first word its characters
overlap; special tokens and padding (empty offsets such as ``(0, 0)``) and sub-words overlapping
no word get ``-1``. A sub-word can cover two words (WordPiece keeps ``isn`` whole while the word
tokenizer has ``is`` + ``n't``, or ``responsible`` when a gold border cuts ``responsibl|e``); the
second word may then have no sub-word of its own, and :func:`first_subword_index` says so with
``-1``. Tokenizing pre-split words (``is_split_into_words=True``) avoids that.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

__all__ = ["align_subwords", "first_subword_index"]


def align_subwords(
    offset_mapping: Sequence[tuple[int, int]], word_tokens: Sequence[tuple[int, int]]
) -> list[int]:
    """The word index of each sub-word (``-1`` for special tokens, padding and sub-words that
    overlap no word). ``word_tokens`` must be in text order and non-overlapping."""
    ends = [int(e) for _, e in word_tokens]
    out: list[int] = []
    for a, b in offset_mapping:
        a, b = int(a), int(b)
        w = bisect_right(ends, a)  # first word ending after the sub-word starts
        out.append(w if a < b and w < len(ends) and word_tokens[w][0] < b else -1)
    return out


def first_subword_index(word_ids: Sequence[int], n_words: int | None = None) -> list[int]:
    """For each word ``0..n_words-1``, the position of its first sub-word (``-1`` if none).

    ``n_words`` defaults to one more than the largest word id.
    """
    if n_words is None:
        n_words = max((int(w) for w in word_ids), default=-1) + 1
    first = [-1] * n_words
    for position, word in enumerate(word_ids):
        word = int(word)
        if 0 <= word < n_words and first[word] < 0:
            first[word] = position
    return first
