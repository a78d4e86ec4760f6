"""Overlapping token windows for long units, and stitching per-window scores back together.

``window_ranges`` covers ``n`` tokens with windows of ``max_len`` tokens, consecutive windows
sharing at least ``stride`` tokens (the last window is moved left so that it ends at ``n``).

``stitch_token_scores`` takes each token's scores from the window in which the token is farthest
from a window border (ties: the earlier window) -- the "maximum context" rule -- rather than
averaging, which would blend a border window's ``B-`` with a central window's ``I-``. A model
sees a span cut by a window border as starting (or ending) at the border, so only tags at border
positions are unreliable; with ``stride >= 2`` no token is taken from a border position of its
window (except at the unit's own ends), so spans longer than a window and spans crossing window
borders come back exactly, for BIO and BIOES alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["window_ranges", "window_owners", "stitch_token_scores"]


def window_ranges(n_tokens: int, max_len: int, stride: int) -> list[tuple[int, int]]:
    """Windows ``[start, end)`` of at most ``max_len`` tokens covering ``0..n_tokens``; windows
    overlap by at least ``stride`` tokens; the last ends at ``n_tokens``. ``[]`` for 0 tokens."""
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    if not 0 <= stride < max_len:
        raise ValueError(f"stride (overlap) must be in [0, max_len={max_len}), got {stride}")
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    if n_tokens == 0:
        return []
    step = max_len - stride
    windows = []
    start = 0
    while start + max_len < n_tokens:
        windows.append((start, start + max_len))
        start += step
    windows.append((max(0, n_tokens - max_len), n_tokens))
    return windows


def window_owners(n_tokens: int, windows: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each token, ``(window index, position in that window)`` of the window in which it is
    farthest from a border (ties: the earlier window). Raises ``ValueError`` if a token is in no
    window."""
    best = [(-1, -1, -1)] * n_tokens  # (distance, window, position)
    for w, (start, end) in enumerate(windows):
        if not 0 <= start < end <= n_tokens:
            raise ValueError(f"window {w} = [{start}, {end}) is outside 0..{n_tokens}")
        for t in range(start, end):
            distance = min(t - start, end - 1 - t)
            if distance > best[t][0]:
                best[t] = (distance, w, t - start)
    missing = [t for t, b in enumerate(best) if b[1] < 0]
    if missing:
        raise ValueError(f"tokens {missing[:10]} are in no window")
    return [(w, p) for _, w, p in best]


def stitch_token_scores(
    n_tokens: int, windows: Sequence[tuple[int, int]], per_window_scores: Sequence[Any]
) -> Any:
    """Per-token scores ``[n_tokens, n_tags]`` from per-window scores ``[len_w, n_tags]``
    (numpy arrays or torch tensors; the result has the type of the first one)."""
    if len(windows) != len(per_window_scores):
        raise ValueError(f"{len(windows)} windows but {len(per_window_scores)} score arrays")
    for w, ((start, end), scores) in enumerate(zip(windows, per_window_scores, strict=True)):
        if scores.shape[0] != end - start:
            raise ValueError(
                f"window {w} has {end - start} tokens but scores for {scores.shape[0]}"
            )
    owners = window_owners(n_tokens, windows)
    if n_tokens == 0:
        return np.zeros((0, 0), dtype=np.float32)
    first = per_window_scores[0]
    if isinstance(first, np.ndarray):
        out = np.empty((n_tokens, *first.shape[1:]), dtype=first.dtype)
    else:  # torch.Tensor (no hard torch import here)
        out = first.new_empty((n_tokens, *first.shape[1:]))
    targets: list[list[int]] = [[] for _ in windows]
    sources: list[list[int]] = [[] for _ in windows]
    for t, (w, p) in enumerate(owners):
        targets[w].append(t)
        sources[w].append(p)
    for w, scores in enumerate(per_window_scores):
        if targets[w]:
            out[targets[w]] = scores[sources[w]]
    return out
