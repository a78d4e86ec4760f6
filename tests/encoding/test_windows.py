"""Overlapping windows and stitching per-window scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from argmine.encoding.tags import TagVocab, spans_to_tags, tags_to_spans
from argmine.encoding.windows import stitch_token_scores, window_owners, window_ranges


def test_window_ranges_by_hand() -> None:
    assert window_ranges(10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert window_ranges(9, 4, 1) == [(0, 4), (3, 7), (5, 9)]  # last moved left to end at n
    assert window_ranges(3, 4, 2) == [(0, 3)]
    assert window_ranges(4, 4, 0) == [(0, 4)]
    assert window_ranges(0, 4, 2) == []
    with pytest.raises(ValueError, match="stride"):
        window_ranges(10, 4, 4)


@pytest.mark.parametrize("n", range(1, 40))
@pytest.mark.parametrize(("max_len", "stride"), [(1, 0), (5, 0), (5, 2), (8, 3), (8, 7)])
def test_windows_cover_everything_with_the_promised_overlap(n: int, max_len: int, stride: int) -> None:
    windows = window_ranges(n, max_len, stride)
    assert windows[0][0] == 0 and windows[-1][1] == n
    assert all(0 < e - s <= max_len for s, e in windows)
    for (s1, e1), (s2, e2) in zip(windows, windows[1:], strict=False):
        assert s1 < s2 and e1 < e2 and e1 - s2 >= stride


def test_owners_prefer_the_most_central_window_and_the_earlier_on_ties() -> None:
    owners = window_owners(6, [(0, 4), (2, 6)])
    assert owners == [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (1, 3)]
    with pytest.raises(ValueError, match=r"tokens \[4, 5\] are in no window"):
        window_owners(6, [(0, 4)])


def _window_model(vocab: TagVocab, tokens, spans, start: int, end: int) -> np.ndarray:
    """A perfect model that sees only the window: gold spans clipped to it, tagged afresh, one-hot."""
    window_tokens = tokens[start:end]
    lo, hi = window_tokens[0][0], window_tokens[-1][1]
    clipped = [(max(s, lo), min(e, hi), label) for s, e, label in spans if s < hi and e > lo]
    ids = vocab.encode(window_tokens, clipped)
    return np.eye(len(vocab), dtype=np.float32)[ids]


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
@pytest.mark.parametrize(("max_len", "stride"), [(4, 2), (5, 2), (6, 3), (7, 4)])
def test_stitching_a_window_limited_model_recovers_long_and_border_crossing_spans(
    scheme: str, max_len: int, stride: int
) -> None:
    tokens = [(2 * i, 2 * i + 1) for i in range(40)]
    # spans of 1..12 tokens, several longer than any window, crossing every window border
    spans = [(0, 23, "A"), (24, 25, "B"), (28, 41, "A"), (42, 43, "A"), (46, 65, "B"), (68, 79, "A")]
    vocab = TagVocab(["A", "B"], scheme)
    windows = window_ranges(len(tokens), max_len, stride)
    scores = [_window_model(vocab, tokens, spans, s, e) for s, e in windows]
    # the per-window view really is wrong at window borders: "later window wins" breaks spans ...
    naive = np.zeros((len(tokens), len(vocab)), dtype=np.float32)
    for (s, e), sc in zip(windows, scores, strict=True):
        naive[s:e] = sc
    assert tags_to_spans(tokens, vocab.ids_to_tags(naive.argmax(1)), scheme) != spans
    # ... and stitching takes every token from a window where it is not at a border
    stitched = stitch_token_scores(len(tokens), windows, scores)
    assert stitched.shape == (len(tokens), len(vocab))
    tags = vocab.ids_to_tags(stitched.argmax(1))
    assert tags == spans_to_tags(tokens, spans, scheme)
    assert tags_to_spans(tokens, tags, scheme) == spans


def test_stitching_torch_tensors_returns_a_tensor() -> None:
    windows = window_ranges(5, 3, 1)
    scores = [torch.arange(3 * 2, dtype=torch.float32).reshape(3, 2) + 10 * w for w in range(len(windows))]
    out = stitch_token_scores(5, windows, scores)
    assert isinstance(out, torch.Tensor)
    assert out[:, 0].tolist() == [0.0, 2.0, 4.0, 12.0, 14.0]
    with pytest.raises(ValueError, match="window 0 has 3 tokens but scores for 2"):
        stitch_token_scores(5, windows, [s[:2] for s in scores])
