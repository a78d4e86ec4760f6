"""Token-weighted softmax loss over length-bucketed batches (``data.token_weights``)."""

from __future__ import annotations

import pytest
import torch

from argmine.data import ArgumentDataModule
from argmine.encoding.features import WordCharFeaturizer
from argmine.models.heads import TaggingHead


def _datamodule(token_weights: bool) -> ArgumentDataModule:
    dm = ArgumentDataModule("sample", batch_size=4, token_weights=token_weights)  # default: True
    dm.attach_featurizer(WordCharFeaturizer().fit(dm.train_words()))
    dm.setup("fit")
    return dm


def test_training_batches_carry_their_share_of_the_words() -> None:
    dm = _datamodule(token_weights=True)
    batches = list(dm.train_dataloader())
    items = sum(len(rec.windows) for rec in dm.records["train"])
    words = [int(b["mask"].sum()) for b in batches]
    assert len(set(words)) > 1  # units differ in length, so the weights must too
    per_batch = 4 * sum(words) / items  # batch size x mean words per unit
    for batch, n in zip(batches, words, strict=True):
        assert batch["token_weight"] == pytest.approx(n / per_batch)
    # every word weighs 1 / per_batch: the weights add up to (units / batch size)
    assert sum(b["token_weight"] for b in batches) == pytest.approx(items / 4)
    assert all("token_weight" not in b for b in dm.val_dataloader())
    assert all("token_weight" not in b for b in _datamodule(token_weights=False).train_dataloader())


def test_softmax_loss_is_scaled_and_crf_loss_is_not() -> None:
    torch.manual_seed(0)
    emissions = torch.randn(2, 5, 3)
    tags = torch.tensor([[0, 1, 2, 0, 0], [1, 2, -100, -100, -100]])
    mask = tags != -100
    softmax = TaggingHead(3, use_crf=False)
    assert float(softmax.loss(emissions, tags, mask, 2.5)) == pytest.approx(2.5 * float(softmax.loss(emissions, tags, mask)))
    crf = TaggingHead(3, use_crf=True)
    with torch.no_grad():
        assert float(crf.loss(emissions, tags, mask, 2.5)) == pytest.approx(float(crf.loss(emissions, tags, mask)))
