"""Featurizers: vocabularies, padding, state round trips and sub-word windows."""

from __future__ import annotations

import json
import re

import pytest
import torch

from argmine.encoding.features import PAD, UNK, SubwordFeaturizer, WordCharFeaturizer
from argmine.errors import ConfigError

TRAIN = [["School", "uniforms", "are", "good", "."], ["uniforms", "are", "bad", "."]]


def _spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    return [
        (m.start() + start, m.end() + start) for m in re.finditer(r"\w+|[^\w\s]", text[start:end])
    ]


# -- WordCharFeaturizer --------------------------------------------------------------------------


def test_word_vocab_orders_by_frequency_and_maps_unknowns() -> None:
    feat = WordCharFeaturizer().fit(TRAIN)
    # PAD, UNK, then by count (ties alphabetical): "." 2, "are" 2, "uniforms" 2, then singletons
    assert list(feat.word_to_id)[:5] == ["<pad>", "<unk>", ".", "are", "uniforms"]
    assert feat.vocab_size == 2 + 6
    enc = feat.encode(["uniforms", "are", "great", "School"])
    assert enc["word_ids"][0] == feat.word_to_id["uniforms"]
    assert enc["word_ids"][2] == UNK
    assert enc["char_ids"][2][0] == feat.char_to_id["g"]
    assert feat.encode(["Zebra"])["char_ids"][0][0] == UNK  # 'Z' never seen


def test_min_count_and_lowercase() -> None:
    feat = WordCharFeaturizer(lowercase=True, min_count=2).fit(TRAIN)
    assert set(feat.word_to_id) == {"<pad>", "<unk>", ".", "are", "uniforms"}
    assert feat.encode(["ARE"])["word_ids"] == [feat.word_to_id["are"]]
    assert "S" in feat.char_to_id  # characters keep case


def test_collate_pads_words_chars_and_tags() -> None:
    feat = WordCharFeaturizer(max_word_length=4).fit(TRAIN)
    items = [feat.encode(["uniforms", "."]), feat.encode(["are", "good", "."])]
    batch = feat.collate(items, [[1, 0], [1, 2, 0]])
    assert batch["word_ids"].shape == (2, 3)
    assert batch["char_ids"].shape == (2, 3, 4)  # "uniforms" cut to 4 characters
    assert batch["mask"].tolist() == [[True, True, False], [True, True, True]]
    assert batch["tags"].tolist() == [[1, 0, -100], [1, 2, 0]]
    assert batch["word_ids"][0, 2] == PAD and batch["char_ids"][0, 2].tolist() == [0, 0, 0, 0]
    assert batch["char_ids"][0, 1].tolist() == [feat.char_to_id["."], 0, 0, 0]
    assert "tags" not in feat.collate(items)


def test_state_round_trip_through_json() -> None:
    feat = WordCharFeaturizer(lowercase=True, min_count=1, max_word_length=7).fit(TRAIN)
    again = WordCharFeaturizer.from_state(json.loads(json.dumps(feat.state_dict())))
    words = ["school", "Uniforms", "xyz", "."]
    assert again.encode(words) == feat.encode(words)
    assert (again.vocab_size, again.num_chars) == (feat.vocab_size, feat.num_chars)
    assert again.model_kwargs() == {"vocab_size": feat.vocab_size, "num_chars": feat.num_chars}
    with pytest.raises(ConfigError, match="'chars'"):
        WordCharFeaturizer.from_state({k: v for k, v in feat.state_dict().items() if k != "chars"})


# -- SubwordFeaturizer ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subword() -> SubwordFeaturizer:
    return SubwordFeaturizer("minilm", max_length=128, stride=32)


def _check_windows(feat: SubwordFeaturizer, windows, n_words: int, pieces) -> None:
    covered = set()
    for w in windows:
        first, last = w["word_range"]
        assert len(w["input_ids"]) <= feat.max_length
        assert len(w["word_index"]) == last - first
        # whole words only: the window is exactly prefix + pieces of its words + suffix
        body = [i for p in pieces[first:last] for i in p]
        assert w["input_ids"] == feat.prefix + body + feat.suffix
        assert w["word_index"][0] == len(feat.prefix)
        for k, pos in enumerate(w["word_index"]):
            assert w["input_ids"][pos] == pieces[first + k][0]
        covered.update(range(first, last))
    assert covered == set(range(n_words))
    starts = [w["word_range"][0] for w in windows]
    assert starts == sorted(set(starts))


def test_short_unit_is_one_window_with_first_subtokens(subword: SubwordFeaturizer) -> None:
    text = "Title\n\nTokenization of unbelievably long words works."
    start = text.index("Tokenization")
    tokens = _spans(text, start, len(text))
    windows = subword.encode_unit(text, tokens, start, len(text))
    assert len(windows) == 1
    w = windows[0]
    tok = subword.tokenizer
    assert tok.convert_ids_to_tokens(w["input_ids"])[0] == "[CLS]"
    firsts = tok.convert_ids_to_tokens([w["input_ids"][i] for i in w["word_index"]])
    assert firsts == ["token", "of", "un", "long", "words", "works", "."]
    assert len(w["input_ids"]) > 7 + 2  # "tokenization" and "unbelievably" are split
    assert w["word_range"] == (0, 7)


def test_word_without_subtokens_still_has_one(subword: SubwordFeaturizer) -> None:
    text = "a \u200b b"  # the zero-width space is dropped by the BERT tokenizer
    tokens = [(0, 1), (2, 3), (4, 5)]
    pieces = subword.word_pieces(text, tokens, 0, len(text))
    assert [len(p) for p in pieces] == [1, 1, 1]
    assert pieces[1] == [subword.tokenizer.unk_token_id]


def test_long_unit_windows_cover_all_words_without_splitting(subword: SubwordFeaturizer) -> None:
    vocab = ["argumentation", "is", "a", "claim", "premise", "notwithstanding", ",", "the", "x"]
    words = [vocab[(i * 7) % len(vocab)] for i in range(2000)]
    text = " ".join(words)
    tokens = _spans(text)
    assert len(tokens) == 2000
    pieces = subword.word_pieces(text, tokens, 0, len(text))
    total = sum(len(p) for p in pieces)
    windows = subword.encode_unit(text, tokens, 0, len(text))
    _check_windows(subword, windows, 2000, pieces)
    # 126 sub-tokens per window, overlap <= 32: at least ceil((total - 126) / 126) + 1 windows,
    # and each new window brings >= 126 - 32 - (longest word) new sub-tokens
    longest = max(len(p) for p in pieces)
    assert -(-total // 126) <= len(windows) <= -(-(total - 126) // (126 - 32 - longest)) + 1
    for a, b in zip(windows, windows[1:], strict=False):
        overlap = sum(len(p) for p in pieces[b["word_range"][0] : a["word_range"][1]])
        assert 0 < overlap <= 32


def test_window_count_is_exact_for_uniform_words() -> None:
    feat = SubwordFeaturizer("minilm", max_length=12, stride=3)  # 10 sub-tokens per window
    text = " ".join(["claim"] * 25)  # one sub-token per word
    tokens = _spans(text)
    windows = feat.encode_unit(text, tokens, 0, len(text))
    assert [w["word_range"] for w in windows] == [(0, 10), (7, 17), (14, 24), (21, 25)]


def test_collate_and_save_load(tmp_path, subword: SubwordFeaturizer) -> None:
    text = "Cats purr. Dogs bark loudly."
    tokens = _spans(text)
    w1 = subword.encode_unit(text, tokens[:3], 0, 10)[0]
    w2 = subword.encode_unit(text, tokens[3:], 11, len(text))[0]
    batch = subword.collate([w1, w2], [[1, 2, 0], [1, 2, 2, 0]])
    assert batch["input_ids"].shape == (2, max(len(w1["input_ids"]), len(w2["input_ids"])))
    assert batch["mask"].tolist() == [[True, True, True, False], [True] * 4]
    assert batch["tags"][0].tolist() == [1, 2, 0, -100]
    assert batch["attention_mask"].sum(1).tolist() == [len(w1["input_ids"]), len(w2["input_ids"])]
    assert torch.equal(batch["word_index"][1], torch.tensor(w2["word_index"]))
    subword.save(tmp_path)
    again = SubwordFeaturizer.load(tmp_path, max_length=128, stride=32)
    assert again.encode_unit(text, tokens[3:], 11, len(text)) == [w2]
    state = json.loads(json.dumps(subword.state_dict()))
    assert state == {
        "kind": "subword",
        "model_name_or_path": "minilm",
        "max_length": 128,
        "stride": 32,
        "unit_position": False,
    }
    for restored in (
        SubwordFeaturizer.from_state(state),
        SubwordFeaturizer.from_state({**state, "local_path": str(tmp_path)}),
    ):
        assert restored.encode_unit(text, tokens[3:], 11, len(text)) == [w2]
        assert restored.model_kwargs() == {"model_name_or_path": "minilm"}
    assert subword.fit([["ignored"]]) is subword


def test_unit_position_segment_leads_every_window() -> None:
    feat = SubwordFeaturizer("minilm", max_length=16, stride=3, unit_position=True)
    plain = SubwordFeaturizer("minilm", max_length=16, stride=3)
    text = " ".join(["claim"] * 12)  # one sub-token per word
    tokens = _spans(text)
    tok = feat.tokenizer
    lead = tok.convert_ids_to_tokens(feat.position_ids((5, 6)))
    assert lead == ["paragraph", "6", "of", "6", "last", "[SEP]"]
    windows = feat.encode_unit(text, tokens, 0, len(text), position=(1, 6))
    # [CLS] paragraph 2 of 6 [SEP] leaves 16 - 2 - 5 = 9 sub-tokens per window for the words
    assert [w["word_range"] for w in windows] == [(0, 9), (6, 12)]
    for w in windows:
        pieces = tok.convert_ids_to_tokens(w["input_ids"])
        assert pieces[:6] == ["[CLS]", "paragraph", "2", "of", "6", "[SEP]"] and pieces[-1] == "[SEP]"
        assert w["word_index"] == list(range(6, 6 + w["word_range"][1] - w["word_range"][0]))
    # off (the default), or without a position: the plain windows
    assert plain.encode_unit(text, tokens, 0, len(text), position=(1, 6)) == plain.encode_unit(
        text, tokens, 0, len(text))
    assert feat.encode_unit(text, tokens, 0, len(text)) == plain.encode_unit(text, tokens, 0, len(text))
    restored = SubwordFeaturizer.from_state(json.loads(json.dumps(feat.state_dict())))
    assert restored.unit_position and restored.encode_unit(text, tokens, 0, len(text), position=(1, 6)) == windows
    with pytest.raises(ConfigError, match="position segment"):
        SubwordFeaturizer("minilm", max_length=7, stride=1, unit_position=True).encode_unit(
            text, tokens, 0, len(text), position=(0, 3))


def test_bad_window_options() -> None:
    with pytest.raises(ConfigError, match="stride"):
        SubwordFeaturizer("minilm", max_length=10, stride=8)


def test_window_count_for_2000_word_unit(subword: SubwordFeaturizer) -> None:
    text = " ".join(["claim"] * 2000)
    windows = subword.encode_unit(text, _spans(text), 0, len(text))
    # 126 sub-tokens per window, advancing 126 - 32 = 94 words: starts 0, 94, ..., 20 * 94 = 1880
    assert len(windows) == 21
    assert windows[-1]["word_range"] == (1880, 2000)


def test_extend_vocabulary_adds_other_splits_words_only_with_word_vectors() -> None:
    train, other = [["Cars", "pollute", "."]], [["Trains", "pollute", "less", "."]]
    plain = WordCharFeaturizer().fit(train, other)
    assert plain.encode(["Trains"])["word_ids"] == [UNK]  # default: training words only
    feat = WordCharFeaturizer(word_vectors="encoder:minilm", extend_vocabulary=True).fit(train, other)
    assert list(feat.word_to_id)[2:] == [".", "Cars", "pollute", "Trains", "less"]
    assert UNK not in feat.encode(["Trains", "less"])["word_ids"]
    assert feat.char_to_id == plain.char_to_id  # characters still come from training words only
    with pytest.raises(ConfigError, match="extend_vocabulary=true needs model.featurizer.word_vectors"):
        WordCharFeaturizer(extend_vocabulary=True)
