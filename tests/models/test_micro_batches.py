"""Micro-batches (``data.micro_batches``): a training batch split into length-sorted parts whose
weighted losses add up to the loss (and gradient) of the unsplit batch."""

from __future__ import annotations

from functools import partial

import pytest
import torch

from argmine.data import ArgumentDataModule
from argmine.encoding.features import WordCharFeaturizer
from argmine.errors import ConfigError
from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF
from argmine.models.module import TaggerModule


def _datamodule(micro_batches: int, token_weights: bool = True) -> ArgumentDataModule:
    dm = ArgumentDataModule("sample", batch_size=6, bucket_factor=1, micro_batches=micro_batches,
                            token_weights=token_weights, seed=4)
    dm.attach_featurizer(WordCharFeaturizer().fit(dm.train_words()))
    dm.setup("fit")
    return dm


def _module(dm: ArgumentDataModule, head: str) -> TaggerModule:
    torch.manual_seed(0)
    net = partial(BiLSTMCNNCRF, word_dim=8, char_dim=4, char_filters=4, hidden_size=8, use_crf=head == "crf",
                  dropout=0.0)
    module = TaggerModule(net, None, dm.featurizer, **dm.model_inputs())
    module.eval()  # no dropout: both passes see the same network
    return module


def test_parts_are_sorted_padded_apart_and_cover_the_batch() -> None:
    whole, split = _datamodule(1), _datamodule(3)
    for a, b in zip(whole.train_dataloader(), split.train_dataloader(), strict=True):
        parts = b["micro_batches"]
        assert sorted(b["unit_index"]) == sorted(a["unit_index"])  # same random batch
        assert len(parts) == min(3, len(a["unit_index"]))
        assert sum(p["loss_share"] for p in parts) == pytest.approx(1.0)
        longest = [int(p["mask"].sum(1).max()) for p in parts]
        assert longest == sorted(longest)
        assert all(p["mask"].shape[1] == n for p, n in zip(parts, longest, strict=True))
        assert sum(p["mask"].numel() for p in parts) <= a["mask"].numel()


@pytest.mark.parametrize(("head", "token_weights"), [("softmax", True), ("softmax", False), ("crf", True)])
def test_split_loss_and_gradient_equal_the_whole_batch(head: str, token_weights: bool) -> None:
    whole, split = _datamodule(1, token_weights), _datamodule(3, token_weights)
    module = _module(whole, head)
    batch_a = next(iter(whole.train_dataloader()))
    batch_b = next(iter(split.train_dataloader()))
    losses, grads = [], []
    for batch in (batch_a, batch_b):
        module.zero_grad()
        loss = module.training_step(batch, 0)
        loss.backward()
        losses.append(float(loss.detach()))
        grads.append(torch.cat([p.grad.flatten() for p in module.parameters() if p.grad is not None]))
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    assert torch.allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)


def test_micro_batches_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="data.micro_batches"):
        ArgumentDataModule("sample", micro_batches=0)
