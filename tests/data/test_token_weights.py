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
    # heavier batches for more words (the values: the hand-worked test below); every word
    # weighs the same, so the weights add up to (units / batch size)
    by_words = sorted(zip(words, (b["token_weight"] for b in batches), strict=True))
    assert all(w1 < w2 for (n1, w1), (n2, w2) in zip(by_words, by_words[1:], strict=False) if n1 < n2)
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


def test_hand_worked_weights_of_two_short_and_two_long_units(tmp_path) -> None:
    """Units of 2, 2, 6 and 6 words, batches of 2: an average batch holds 2 x 4 = 8 words, so
    the length-bucketed batches [2, 2] and [6, 6] weigh 4 / 8 = 0.5 and 12 / 8 = 1.5."""
    import json

    from argmine.corpora import load_corpus

    template = load_corpus("sample").documents[0].to_dict()
    texts = [("train", "Cars pollute"), ("train", "Bikes help"), ("train", "Cities should ban all cars now"),
             ("train", "Trains carry many people every day"), ("dev", "Walk more"), ("test", "Ride bikes")]
    lines = [json.dumps(dict(template, id=f"d{i}", text=text, spans=[], relations=[], partitions={}, split=split))
             for i, (split, text) in enumerate(texts)]
    (tmp_path / "sample.jsonl").write_text("\n".join(lines) + "\n")
    dm = ArgumentDataModule("sample", root=str(tmp_path), batch_size=2, token_weights=True)
    dm.prepare_corpus()
    dm.attach_featurizer(WordCharFeaturizer().fit(dm.train_words()))
    dm.setup("fit")
    weights = sorted((int(b["mask"].sum()), b["token_weight"]) for b in dm.train_dataloader())
    assert weights == [(4, pytest.approx(0.5)), (12, pytest.approx(1.5))]
