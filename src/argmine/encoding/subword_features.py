"""Sub-word windows for the transformer taggers: ``SubwordFeaturizer``.

A Hugging Face fast tokenizer turns a unit into one or more overlapping windows of sub-tokens
that never cut a word in half. Padding conventions of ``collate``: ids are padded with the
tokenizer's pad id, ``mask`` is False on padding (padding at the end only), ``tags`` are padded
with ``-100``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch

from argmine.encoding.encoders import resolve_encoder
from argmine.encoding.padding import pad_tags
from argmine.errors import CheckpointError, ConfigError


class SubwordFeaturizer:
    """Sub-word windows for a Hugging Face fast tokenizer.

    A unit's text is tokenized once (offsets on), each sub-token is assigned to the word token
    containing its first character, and the words are packed greedily into windows of at most
    ``max_length`` sub-tokens including the special tokens. Windows never cut a word in half and
    overlap by at most ``stride`` sub-tokens (whole words). A word that the tokenizer drops
    entirely (e.g. a zero-width character) reuses an overlapping sub-token or gets the unknown
    token, so every word has a first sub-token. A single word longer than a whole window keeps
    only its first pieces.

    ``unit_position=True``: every window starts with the unit's place in its document as a
    first text segment, ``[CLS] paragraph 3 of 6 [SEP] <unit sub-tokens> [SEP]`` (``last`` is
    added for the final unit), so a paragraph-level model can tell an essay's introduction and
    conclusion from its body. The segment's tokens carry no tags and take room from the window.
    """

    def __init__(
        self, model_name_or_path: str = "minilm", max_length: int = 512, stride: int = 64,
        unit_position: bool = False,
    ) -> None:
        # deferred: transformers is slow to import; only sub-word (transformer) featurizers need it
        from transformers import AutoTokenizer

        self.model_name_or_path = model_name_or_path
        self.tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(model_name_or_path))
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(
                f"tokenizer of {model_name_or_path!r} is not a fast tokenizer (offsets needed)"
            )
        self.max_length = max_length
        self.stride = stride
        self.unit_position = bool(unit_position)
        self._init_specials()

    def position_ids(self, position: tuple[int, int] | None) -> list[int]:
        """The sub-tokens of the position segment (with its separator), or ``[]`` when off."""
        if not self.unit_position or position is None:
            return []
        index, count = position
        words = f"paragraph {index + 1} of {count}" + (" last" if index + 1 == count else "")
        ids = self.tokenizer(words, add_special_tokens=False)["input_ids"]
        sep = self.tokenizer.sep_token_id
        return list(ids) + ([sep] if sep is not None else [])

    def marker_ids(self, marker: str | None) -> list[int]:
        """The sub-tokens of a marker segment (the corpus name of a multi-corpus unit, with its
        separator), or ``[]`` without a marker."""
        if not marker:
            return []
        ids = self.tokenizer(marker.replace("_", " "), add_special_tokens=False)["input_ids"]
        sep = self.tokenizer.sep_token_id
        return list(ids) + ([sep] if sep is not None else [])

    def _init_specials(self) -> None:
        with_specials = self.tokenizer("a")["input_ids"]
        plain = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        at = next(
            i for i in range(len(with_specials)) if with_specials[i : i + len(plain)] == plain
        )
        self.prefix = list(with_specials[:at])
        self.suffix = list(with_specials[at + len(plain) :])
        self.budget = self.max_length - len(self.prefix) - len(self.suffix)
        if self.budget < 1:
            raise ConfigError(f"max_length={self.max_length} leaves no room for sub-tokens")
        if not 0 <= self.stride < self.budget:
            raise ConfigError(f"stride={self.stride} must be >= 0 and < {self.budget}")
        unk = self.tokenizer.unk_token_id
        self.unk_id = unk if unk is not None else self.tokenizer.pad_token_id or 0
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else 0

    def reconfigure(self, max_length: int | None = None, stride: int | None = None) -> None:
        """Change the window length and/or overlap (e.g. at prediction time); on an invalid
        combination the old values stay and ``ConfigError`` says why."""
        old = (self.max_length, self.stride)
        if max_length is not None:
            self.max_length = int(max_length)
        if stride is not None:
            self.stride = int(stride)
        try:
            self._init_specials()
        except ConfigError:
            self.max_length, self.stride = old
            self._init_specials()
            raise

    def fit(
        self,
        sentences: Iterable[Sequence[str]],
        other_sentences: Iterable[Sequence[str]] | None = None,
    ) -> SubwordFeaturizer:
        """Nothing to learn (the tokenizer is pre-trained); kept for a uniform featurizer API."""
        return self

    def model_kwargs(self) -> dict[str, Any]:
        """Network arguments that come from the featurizer: the encoder name."""
        return {"model_name_or_path": self.model_name_or_path}

    def word_pieces(
        self, text: str, word_tokens: Sequence[tuple[int, int]], unit_start: int, unit_end: int
    ) -> list[list[int]]:
        """Sub-token ids of each word (never empty), from one tokenization of the unit text."""
        enc = self.tokenizer(
            text[unit_start:unit_end],
            add_special_tokens=False,
            return_offsets_mapping=True,
            verbose=False,  # long units are expected: they are cut into windows below
        )
        starts = [s - unit_start for s, _ in word_tokens]
        ends = [e - unit_start for _, e in word_tokens]
        subs = [
            (sub_id, s, e)
            for sub_id, (s, e) in zip(enc["input_ids"], enc["offset_mapping"], strict=True)
            if e > s
        ]
        pieces: list[list[int]] = [[] for _ in word_tokens]
        for sub_id, s, _ in subs:
            w = bisect.bisect_right(starts, s) - 1
            if w >= 0 and s < ends[w]:
                pieces[w].append(sub_id)
        for w, p in enumerate(pieces):
            if not p:  # no sub-token starts inside this word: borrow one overlapping it, or UNK
                over = [sub_id for sub_id, s, e in subs if s < ends[w] and e > starts[w]]
                p.append(over[0] if over else self.unk_id)
        return pieces

    def encode_unit(
        self, text: str, word_tokens: Sequence[tuple[int, int]], unit_start: int, unit_end: int,
        position: tuple[int, int] | None = None, marker: str | None = None,
    ) -> list[dict[str, Any]]:
        """Windows for one unit.

        Args:
            text: the whole document text.
            word_tokens: the unit's word tokens, absolute ``(start, end)`` offsets in ``text``.
            unit_start, unit_end: the unit's character range in ``text``.
            position: ``(index, count)`` of the unit in its document; used with
                ``unit_position`` only.
            marker: a first text segment before the position segment (``data.corpus_marker=token``:
                the unit's corpus), ``[CLS] aae2 conll [SEP] ...``; none by default.

        Returns:
            One dict per window: ``input_ids`` (with special tokens), ``word_index`` (position of
            each covered word's first sub-token in ``input_ids``) and ``word_range``
            ``(first, last + 1)`` word indices within the unit. A unit without words gives one
            window with no words.
        """
        lead = self.marker_ids(marker) + self.position_ids(position)
        budget = self.budget - len(lead)
        if budget < 1 or self.stride >= budget:
            raise ConfigError(
                f"max_length={self.max_length} leaves no room for the marker / unit position segment and "
                f"stride={self.stride}"
            )
        pieces = [p[:budget] for p in self.word_pieces(text, word_tokens, unit_start, unit_end)]
        windows: list[dict[str, Any]] = []
        first, n = 0, len(pieces)
        while True:
            last, used = first, 0
            while last < n and used + len(pieces[last]) <= budget:
                used += len(pieces[last])
                last += 1
            windows.append(self._window(pieces, first, last, lead))
            if last >= n:
                return windows
            # next window starts as far back as the overlap allows, but always moves forward
            nxt, overlap = last, 0
            room = min(self.stride, budget - len(pieces[last]))
            while nxt - 1 > first and overlap + len(pieces[nxt - 1]) <= room:
                overlap += len(pieces[nxt - 1])
                nxt -= 1
            first = nxt

    def _window(self, pieces: list[list[int]], first: int, last: int, lead: Sequence[int] = ()) -> dict[str, Any]:
        input_ids = list(self.prefix) + list(lead)
        word_index = []
        for p in pieces[first:last]:
            word_index.append(len(input_ids))
            input_ids.extend(p)
        input_ids.extend(self.suffix)
        return {"input_ids": input_ids, "word_index": word_index, "word_range": (first, last)}

    def collate(
        self, windows: Sequence[dict[str, Any]], tags: Sequence[Sequence[int]] | None = None
    ) -> dict[str, torch.Tensor]:
        """Pad windows into ``input_ids``/``attention_mask [B,S]``, ``word_index``/``mask [B,T]``.

        ``tags`` (optional) holds one list per window, already cut to that window's
        ``word_range``.
        """
        batch = len(windows)
        sub_len = max(len(w["input_ids"]) for w in windows)
        steps = max(len(w["word_index"]) for w in windows)
        input_ids = torch.full((batch, sub_len), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros(batch, sub_len, dtype=torch.long)
        word_index = torch.zeros(batch, steps, dtype=torch.long)
        mask = torch.zeros(batch, steps, dtype=torch.bool)
        for i, w in enumerate(windows):
            input_ids[i, : len(w["input_ids"])] = torch.as_tensor(w["input_ids"])
            attention_mask[i, : len(w["input_ids"])] = 1
            word_index[i, : len(w["word_index"])] = torch.as_tensor(
                w["word_index"], dtype=torch.long
            )
            mask[i, : len(w["word_index"])] = True
        out = {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "word_index": word_index,
            "mask": mask,
        }
        padded = pad_tags(tags, batch, steps)
        if padded is not None:
            out["tags"] = padded
        return out

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable options; the tokenizer files themselves are written by ``save``."""
        return {
            "kind": "subword",
            "model_name_or_path": self.model_name_or_path,
            "max_length": self.max_length,
            "stride": self.stride,
            "unit_position": self.unit_position,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SubwordFeaturizer:
        """Rebuild from ``state_dict()``; ``state["local_path"]`` (an export's tokenizer folder)
        takes precedence over ``model_name_or_path``."""
        try:
            max_length, stride = state["max_length"], state["stride"]
            name = state["model_name_or_path"]
        except KeyError as exc:
            raise ConfigError(f"sub-word featurizer state lacks key {exc.args[0]!r}") from exc
        unit_position = bool(state.get("unit_position", False))  # absent in older exports
        if state.get("local_path"):
            feat = cls.load(state["local_path"], max_length=max_length, stride=stride, unit_position=unit_position)
            feat.model_name_or_path = name
            return feat
        return cls(name, max_length=max_length, stride=stride, unit_position=unit_position)

    def save(self, folder: str | Path) -> None:
        """Write the tokenizer files into ``folder`` (options: ``state_dict()``)."""
        self.tokenizer.save_pretrained(str(folder))

    @classmethod
    def load(
        cls, folder: str | Path, max_length: int = 512, stride: int = 64, unit_position: bool = False
    ) -> SubwordFeaturizer:
        """Load a tokenizer saved by ``save`` (no download)."""
        # deferred: transformers is slow to import; only sub-word (transformer) featurizers need it
        from transformers import AutoTokenizer

        if not Path(folder).is_dir():
            raise CheckpointError(f"tokenizer folder {folder} does not exist")
        feat = cls.__new__(cls)
        feat.model_name_or_path = str(folder)
        try:
            feat.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot load tokenizer from {folder}: {exc}") from exc
        feat.max_length = max_length
        feat.stride = stride
        feat.unit_position = bool(unit_position)
        feat._init_specials()
        return feat
