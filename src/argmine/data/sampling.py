"""Length-bucketed batch sampling: batches of similar length, deterministic given seed and epoch.

Batches are formed from length-sorted chunks so padding is minimal; their order (and the order of
items inside buckets) is shuffled with a generator seeded by ``seed + epoch``, never by global
RNG state, so an interrupted run that resumes at an epoch boundary sees exactly the same batches.
Under data parallelism each rank takes every ``world_size``-th batch; evaluation never repeats or
pads items (unlike ``DistributedSampler``), so metrics equal the single-process ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import Sampler


class BucketBatchSampler(Sampler[list[int]]):
    """Yields lists of item indices.

    ``lengths``: cost of each item (tokens). ``batch_size``: items per batch; with
    ``max_tokens`` a batch also stops growing once ``len(batch) * longest`` would exceed it.
    ``shuffle``: shuffle batch order and bucket contents per epoch (training); otherwise batches
    come in length order (evaluation, deterministic).
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool,
        seed: int = 0,
        max_tokens: int | None = None,
        bucket_factor: int = 50,
        rank: int = 0,
        world_size: int = 1,
        drop_uneven: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.max_tokens = max_tokens
        self.bucket_factor = bucket_factor
        self.rank = rank
        self.world_size = world_size
        self.drop_uneven = drop_uneven
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning before each epoch (also after resuming)."""
        self.epoch = epoch

    def _batches(self) -> list[list[int]]:
        n = len(self.lengths)
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
            order = torch.randperm(n, generator=gen).tolist()
            chunk = self.batch_size * self.bucket_factor
            indices: list[int] = []
            for i in range(0, n, chunk):
                indices.extend(sorted(order[i : i + chunk], key=lambda j: self.lengths[j]))
        else:
            gen = None
            indices = sorted(range(n), key=lambda j: (self.lengths[j], j))
        batches: list[list[int]] = []
        batch: list[int] = []
        longest = 0
        for idx in indices:
            new_longest = max(longest, self.lengths[idx])
            too_many = len(batch) >= self.batch_size
            too_big = self.max_tokens is not None and batch and (len(batch) + 1) * new_longest > self.max_tokens
            if batch and (too_many or too_big):
                batches.append(batch)
                batch, new_longest = [], self.lengths[idx]
            batch.append(idx)
            longest = new_longest
        if batch:
            batches.append(batch)
        if gen is not None:
            perm = torch.randperm(len(batches), generator=gen).tolist()
            batches = [batches[i] for i in perm]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        batches = self._batches()
        if self.world_size > 1:
            if self.drop_uneven:  # training: every rank must run the same number of steps
                usable = len(batches) - len(batches) % self.world_size
                batches = batches[:usable]
            batches = batches[self.rank :: self.world_size]
        return iter(batches)

    def __len__(self) -> int:
        n = len(self._batches())
        if self.world_size > 1:
            if self.drop_uneven:
                return n // self.world_size
            return len(range(self.rank, n, self.world_size))
        return n
