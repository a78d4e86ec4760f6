"""Padding of tag lists, shared by the featurizers' ``collate``.

``tags`` are padded with ``IGNORE_INDEX`` (-100), the value the losses skip.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

IGNORE_INDEX = -100


def pad_tags(tags: Sequence[Sequence[int]] | None, batch: int, steps: int) -> torch.Tensor | None:
    """``tags`` (one list per item) as a ``[batch, steps]`` tensor padded with ``IGNORE_INDEX``;
    ``None`` without tags."""
    if tags is None:
        return None
    if len(tags) != batch:
        raise ValueError(f"got {len(tags)} tag lists for {batch} items")
    out = torch.full((batch, steps), IGNORE_INDEX, dtype=torch.long)
    for i, row in enumerate(tags):
        out[i, : len(row)] = torch.as_tensor(list(row), dtype=torch.long)
    return out
