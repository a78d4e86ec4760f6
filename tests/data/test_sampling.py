"""Length-bucketed batch sampling: coverage, padding and the bucket size (``data.bucket_factor``)."""

from __future__ import annotations

import random

import pytest

from argmine.data import ArgumentDataModule
from argmine.data.sampling import BucketBatchSampler
from argmine.errors import ConfigError

_RNG = random.Random(7)
LENGTHS = [_RNG.randint(5, 200) for _ in range(640)]


def _padded(batches: list[list[int]]) -> int:
    return sum(max(LENGTHS[i] for i in b) * len(b) for b in batches)


def test_every_item_once_per_epoch_and_padding_falls_with_the_bucket_factor() -> None:
    padded = {}
    for factor in (1, 4, 40):
        sampler = BucketBatchSampler(LENGTHS, 16, shuffle=True, seed=3, bucket_factor=factor)
        batches = list(sampler)
        assert sorted(i for b in batches for i in b) == list(range(len(LENGTHS)))
        assert all(len(b) <= 16 for b in batches) and len(batches) == len(sampler) == 40
        padded[factor] = _padded(batches)
    assert padded[1] > padded[4] > padded[40] >= sum(LENGTHS)
    # factor 1: a batch is one chunk of the shuffled order, so its contents are random; factor 40:
    # one chunk of all 640 items, so batches are runs of the globally sorted order
    one = BucketBatchSampler(LENGTHS, 16, shuffle=True, seed=3, bucket_factor=40)
    order = sorted(range(len(LENGTHS)), key=lambda i: LENGTHS[i])
    runs = {frozenset(LENGTHS[i] for i in order[k : k + 16]) for k in range(0, 640, 16)}
    assert {frozenset(LENGTHS[i] for i in b) for b in one} == runs


def test_same_seed_and_epoch_same_batches() -> None:
    a = BucketBatchSampler(LENGTHS, 16, shuffle=True, seed=5, bucket_factor=4)
    b = BucketBatchSampler(LENGTHS, 16, shuffle=True, seed=5, bucket_factor=4)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)


def test_bucket_factor_reaches_the_sampler_and_is_checked() -> None:
    dm = ArgumentDataModule("sample", batch_size=4, bucket_factor=2)
    assert dm.bucket_factor == 2
    with pytest.raises(ConfigError, match="data.bucket_factor must be >= 1"):
        ArgumentDataModule("sample", bucket_factor=0)
