"""Featurizers: word tokens of a unit -> model inputs, and lists of those -> padded tensors.

Two kinds, one per model family, each in its own module:

- ``WordCharFeaturizer`` (:mod:`argmine.encoding.word_features`): word ids + character ids
  (BiLSTM-CNN-CRF). Its vocabularies are plain JSON-serialisable state (``state_dict`` /
  ``from_state``) saved with an exported model.
- ``SubwordFeaturizer`` (:mod:`argmine.encoding.subword_features`): a Hugging Face fast
  tokenizer; a unit becomes one or more overlapping windows of sub-tokens that never cut a word
  in half (transformer taggers).

Padding conventions of ``collate``: ids are padded with the pad id, ``mask`` is False on padding
(padding at the end only), ``tags`` are padded with ``-100`` (:mod:`argmine.encoding.padding`).

This module re-exports both: models exported by argmine 0.1.0 name their featurizer by the class
path ``argmine.encoding.features.<Class>``, which must keep importing.
"""

from __future__ import annotations

from argmine.encoding.padding import IGNORE_INDEX
from argmine.encoding.subword_features import SubwordFeaturizer
from argmine.encoding.word_features import PAD, PAD_TOKEN, UNK, UNK_TOKEN, WordCharFeaturizer

__all__ = [
    "IGNORE_INDEX",
    "PAD",
    "PAD_TOKEN",
    "UNK",
    "UNK_TOKEN",
    "SubwordFeaturizer",
    "WordCharFeaturizer",
]
