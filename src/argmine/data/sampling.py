"""Length-bucketed batch sampling: batches of similar length, deterministic given seed and epoch;
over several corpora (:class:`CorpusBatchSampler`), each corpus drawn with its own probability.

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


#: how training draws from the corpora of a multi-corpus data module (``data.sampling``)
SAMPLING = ("proportional", "uniform", "temperature")


def corpus_probabilities(sizes: Sequence[int], sampling: str, temperature: float = 2.0) -> list[float]:
    """The probability of drawing from each corpus, given its number of training windows:
    ``proportional`` (p_c ∝ n_c), ``uniform`` (p_c = 1/C) or ``temperature`` (p_c ∝
    n_c^(1/T); T=1 is proportional, a large T uniform). An empty corpus gets 0."""
    if sampling not in SAMPLING:
        raise ValueError(f"sampling must be one of {SAMPLING}, got {sampling!r}")
    if sampling == "temperature" and not temperature > 0:
        raise ValueError(f"the sampling temperature must be > 0, got {temperature}")
    power = {"proportional": 1.0, "uniform": 0.0, "temperature": 1.0 / temperature}[sampling]
    weights = [float(n) ** power if n > 0 else 0.0 for n in sizes]
    total = sum(weights)
    return [w / total if total else 0.0 for w in weights]


def quotas(probabilities: Sequence[float], total: int) -> list[int]:
    """``total`` draws split by ``probabilities`` (largest remainder): each corpus gets
    ``total * p`` rounded so the quotas add up to ``total``."""
    exact = [p * total for p in probabilities]
    out = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return out


class CorpusBatchSampler(Sampler[list[int]]):
    """Training batches over the windows of several corpora, each corpus drawn with its
    probability (:func:`corpus_probabilities`).

    An epoch has as many draws as there are items (``len(lengths)``); corpus ``c`` gets its
    quota ``round(p_c x N)`` (:func:`quotas`: exact, not random). Its draws walk through a
    stream of seeded permutations of its items that continues from epoch to epoch, so an
    under-sampled corpus shows every item before it repeats one and an over-sampled corpus
    repeats its items evenly. The drawn items of all corpora are then batched together by a
    :class:`BucketBatchSampler` (length buckets, shuffled batch order, the same ``batch_size``,
    ``max_tokens``, ``bucket_factor`` and DDP handling), so batches mix corpora. Everything
    depends on ``seed`` and the epoch only (resumable).
    """

    def __init__(
        self,
        lengths: Sequence[int],
        corpus_of: Sequence[int],
        probabilities: Sequence[float],
        batch_size: int,
        *,
        seed: int = 0,
        max_tokens: int | None = None,
        bucket_factor: int = 50,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if len(lengths) != len(corpus_of):
            raise ValueError(f"{len(lengths)} lengths but {len(corpus_of)} corpus ids")
        self.lengths = list(lengths)
        self.members: list[list[int]] = [[] for _ in probabilities]
        for item, corpus in enumerate(corpus_of):
            self.members[corpus].append(item)
        self.quota = quotas(probabilities, len(self.lengths))
        self.batch_size, self.max_tokens, self.bucket_factor = batch_size, max_tokens, bucket_factor
        self.rank, self.world_size, self.seed = rank, world_size, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def draws(self) -> list[int]:
        """The items drawn this epoch (corpus by corpus; the batcher shuffles them)."""
        out: list[int] = []
        for c, (items, k) in enumerate(zip(self.members, self.quota, strict=True)):
            if not items or not k:
                continue
            start = self.epoch * k
            for rnd in range(start // len(items), (start + k - 1) // len(items) + 1):
                gen = torch.Generator().manual_seed(self.seed * 100_003 + c * 10_007 + rnd)
                perm = torch.randperm(len(items), generator=gen).tolist()
                lo, hi = max(start - rnd * len(items), 0), min(start + k - rnd * len(items), len(items))
                out.extend(items[j] for j in perm[lo:hi])
        return out

    def _batcher(self, drawn: list[int]) -> BucketBatchSampler:
        batcher = BucketBatchSampler(
            [self.lengths[i] for i in drawn], self.batch_size, shuffle=True, seed=self.seed,
            max_tokens=self.max_tokens, bucket_factor=self.bucket_factor, rank=self.rank,
            world_size=self.world_size, drop_uneven=True,
        )
        batcher.set_epoch(self.epoch)
        return batcher

    def __iter__(self) -> Iterator[list[int]]:
        drawn = self.draws()
        return iter([[drawn[j] for j in batch] for batch in self._batcher(drawn)])

    def __len__(self) -> int:
        return len(self._batcher(self.draws()))
