"""Word and character ids for the BiLSTM-CNN-CRF taggers: ``WordCharFeaturizer``.

Its vocabularies are plain JSON-serialisable state (``state_dict`` / ``from_state``) saved with an
exported model. Padding conventions of ``collate``: ids are padded with ``PAD``, ``mask`` is False
on padding (padding at the end only), ``tags`` are padded with ``-100``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from argmine.encoding.padding import pad_tags
from argmine.encoding.word_vectors import encoder_word_vectors, load_word_vectors
from argmine.errors import ConfigError

logger = logging.getLogger(__name__)

PAD, UNK = 0, 1
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"


class WordCharFeaturizer:
    """Word and character vocabularies built from training words.

    Index 0 is padding and 1 the unknown entry in both vocabularies. Words seen fewer than
    ``min_count`` times map to unknown; ``lowercase`` applies to words only (characters keep
    their case). Words longer than ``max_word_length`` characters are cut for the char CNN.

    With ``word_vectors``, ``model_kwargs()`` also hands the network its initial embedding
    matrix: a word2vec/GloVe text file of dimension ``word_dim``, or ``encoder:NAME`` for the
    mean sub-word input embeddings of a Hugging Face encoder (``encoder:minilm``: offline
    all-MiniLM-L6-v2, ``word_dim`` = its hidden size, 384).

    ``extend_vocabulary=True`` (needs ``word_vectors``) also adds the word types of the other
    splits' texts (``fit(..., other_sentences)``; words only, never labels), so dev and test
    words the training data lacks keep their pre-trained vectors instead of becoming unknown,
    as Reimers & Gurevych's BiLSTM-CNN-CRF does with embeddings reduced to the dataset's words.
    Pair it with frozen embeddings (``model.net.freeze_embeddings=true``): trained vectors of
    training words would drift away from the untouched ones of the added words.
    """

    def __init__(
        self,
        lowercase: bool = False,
        min_count: int = 1,
        max_word_length: int = 30,
        word_vectors: str | None = None,
        word_dim: int = 100,
        extend_vocabulary: bool = False,
    ) -> None:
        if extend_vocabulary and not word_vectors:
            raise ConfigError(
                "model.featurizer.extend_vocabulary=true needs model.featurizer.word_vectors: "
                "words added without pre-trained vectors would keep random, never-trained ones"
            )
        self.extend_vocabulary = extend_vocabulary
        self.lowercase = lowercase
        self.min_count = min_count
        self.max_word_length = max_word_length
        self.word_vectors = word_vectors
        self.word_dim = word_dim
        self.pretrained = False  # the embedding matrix came from word_vectors
        self._chars_of: dict[str, list[int]] = {}  # word -> char ids, filled by encode
        self.word_to_id: dict[str, int] = {PAD_TOKEN: PAD, UNK_TOKEN: UNK}
        self.char_to_id: dict[str, int] = {PAD_TOKEN: PAD, UNK_TOKEN: UNK}

    def _norm(self, word: str) -> str:
        return word.lower() if self.lowercase else word

    def fit(
        self,
        sentences: Iterable[Sequence[str]],
        other_sentences: Iterable[Sequence[str]] | None = None,
    ) -> WordCharFeaturizer:
        """Build both vocabularies from the training units' words (most frequent first); with
        ``extend_vocabulary``, then add the unseen word types of ``other_sentences``."""
        words: Counter[str] = Counter()
        chars: Counter[str] = Counter()
        for sentence in sentences:
            for word in sentence:
                words[self._norm(word)] += 1
                chars.update(word)
        self.word_to_id = {PAD_TOKEN: PAD, UNK_TOKEN: UNK}
        for word, count in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
            if count >= self.min_count and word not in self.word_to_id:
                self.word_to_id[word] = len(self.word_to_id)
        if self.extend_vocabulary and other_sentences is not None:
            added = {self._norm(w) for sentence in other_sentences for w in sentence}
            for word in sorted(added - self.word_to_id.keys()):
                self.word_to_id[word] = len(self.word_to_id)
        self._chars_of = {}
        self.char_to_id = {PAD_TOKEN: PAD, UNK_TOKEN: UNK}
        for char, _ in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])):
            if char not in self.char_to_id:
                self.char_to_id[char] = len(self.char_to_id)
        return self

    @property
    def vocab_size(self) -> int:
        return len(self.word_to_id)

    def model_kwargs(self) -> dict[str, Any]:
        """Data-derived network arguments: vocabulary sizes (+ pre-trained embeddings)."""
        kwargs: dict[str, Any] = {"vocab_size": self.vocab_size, "num_chars": self.num_chars}
        if self.word_vectors:
            if str(self.word_vectors).startswith("encoder:"):
                encoder = str(self.word_vectors).split(":", 1)[1]
                matrix, hits = encoder_word_vectors(encoder, self.word_to_id)
                self.word_dim = matrix.size(1)
            else:
                matrix, hits = load_word_vectors(self.word_vectors, self.word_to_id, self.word_dim)
            logger.info(
                "word vectors %s: %d of %d vocabulary words found",
                self.word_vectors,
                hits,
                self.vocab_size,
            )
            kwargs.update(pretrained_embeddings=matrix, word_dim=self.word_dim)
            self.pretrained = True
        elif self.pretrained:  # rebuilt from an export: same shape, weights come from the file
            kwargs["word_dim"] = self.word_dim
        return kwargs

    @property
    def num_chars(self) -> int:
        return len(self.char_to_id)

    def encode(self, words: Sequence[str]) -> dict[str, list]:
        """``{"word_ids": [T], "char_ids": [T][<=max_word_length]}`` for one unit's words."""
        word_ids = [self.word_to_id.get(self._norm(w), UNK) for w in words]
        cache = self._chars_of  # words repeat a lot: look each one's characters up once
        char_ids = []
        for w in words:
            ids = cache.get(w)
            if ids is None:
                ids = cache[w] = [self.char_to_id.get(c, UNK) for c in w[: self.max_word_length]] or [UNK]
            char_ids.append(list(ids))
        return {"word_ids": word_ids, "char_ids": char_ids}

    def collate(
        self, items: Sequence[dict[str, list]], tags: Sequence[Sequence[int]] | None = None
    ) -> dict[str, torch.Tensor]:
        """Pad encoded units into ``word_ids [B,T]``, ``char_ids [B,T,C]``, ``mask``, ``tags``."""
        batch = len(items)
        steps = max((len(it["word_ids"]) for it in items), default=0)
        blocks = [self._char_block(it) for it in items]
        width = max((b.size(1) for b in blocks), default=1)
        word_ids = torch.zeros(batch, steps, dtype=torch.long)
        char_ids = torch.zeros(batch, steps, width, dtype=torch.long)
        mask = torch.zeros(batch, steps, dtype=torch.bool)
        for i, (it, block) in enumerate(zip(items, blocks, strict=True)):
            n = len(it["word_ids"])
            word_ids[i, :n] = torch.as_tensor(it["word_ids"], dtype=torch.long)
            mask[i, :n] = True
            char_ids[i, :n, : block.size(1)] = block
        out = {"word_ids": word_ids, "char_ids": char_ids, "mask": mask}
        padded = pad_tags(tags, batch, steps)
        if padded is not None:
            out["tags"] = padded
        return out

    @staticmethod
    def _char_block(item: dict[str, Any]) -> torch.Tensor:
        """The unit's character ids as one ``[T, C]`` tensor, built once and kept in ``item``
        (encoded units are reused every epoch, so collation never loops over characters again)."""
        block = item.get("_char_block") if isinstance(item, dict) else None
        if block is None:
            rows = item["char_ids"]
            width = max((len(c) for c in rows), default=1)
            block = torch.zeros(len(rows), width, dtype=torch.long)
            flat = [c for chars in rows for c in chars]
            if flat:
                lengths = torch.as_tensor([len(c) for c in rows])
                cols = torch.arange(width).expand(len(rows), width) < lengths.unsqueeze(1)
                block[cols] = torch.as_tensor(flat, dtype=torch.long)
            if isinstance(item, dict):
                item["_char_block"] = block
        return block

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state (vocabularies in id order and options)."""
        return {
            "kind": "word_char",
            "lowercase": self.lowercase,
            "min_count": self.min_count,
            "max_word_length": self.max_word_length,
            "word_dim": self.word_dim,
            "pretrained": self.pretrained,
            "words": list(self.word_to_id),
            "chars": list(self.char_to_id),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> WordCharFeaturizer:
        """Rebuild from ``state_dict()`` output; ``ConfigError`` names a missing key."""
        try:
            feat = cls(
                state["lowercase"],
                state["min_count"],
                state["max_word_length"],
                word_dim=state.get("word_dim", 100),
            )
            words, chars = state["words"], state["chars"]
        except KeyError as exc:
            raise ConfigError(f"word/char featurizer state lacks key {exc.args[0]!r}") from exc
        feat.pretrained = bool(state.get("pretrained", False))
        feat.word_to_id = {w: i for i, w in enumerate(words)}
        feat.char_to_id = {c: i for i, c in enumerate(chars)}
        return feat
