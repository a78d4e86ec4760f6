"""Token tag metrics on hand-worked examples."""

from __future__ import annotations

import pytest
import torch

from argmine.metrics import TokenF1, format_metrics

TAGS = ["O", "B-Claim", "I-Claim"]


def approx(x: float) -> object:
    return pytest.approx(x, abs=1e-12)


def test_macro_f1_includes_o_and_skips_ignore_index() -> None:
    metric = TokenF1(TAGS)
    target = torch.tensor([[0, 1, 2, 2, 0, -100]])
    preds = torch.tensor([[0, 1, 2, 0, 1, 2]])
    metric.update(preds, target)
    res = metric.compute()
    # pairs (gold, pred): (O,O) (B,B) (I,I) (I,O) (O,B); the last position is ignored
    # O: tp1, 2 predicted, 2 gold -> 2/4 = .5 ; B: tp1, 2 pred, 1 gold -> 2/3 ; I: tp1, 1, 2 -> 2/3
    assert res["token_f1/O"] == approx(0.5)
    assert res["token_f1/B-Claim"] == approx(2 / 3)
    assert res["token_f1/I-Claim"] == approx(2 / 3)
    assert res["token_macro_f1"] == approx((0.5 + 2 / 3 + 2 / 3) / 3)  # 11/18
    assert res["token_accuracy"] == approx(3 / 5)
    assert res["token_support"] == 5
    assert res["token_precision/B-Claim"] == approx(0.5) and res["token_recall/I-Claim"] == approx(
        0.5
    )


def test_mask_and_logits() -> None:
    metric = TokenF1(TAGS)
    target = torch.tensor([[0, 1, 2, 2, 0]])
    preds = torch.tensor([[0, 1, 2, 0, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 0]], dtype=torch.bool)
    metric.update(torch.nn.functional.one_hot(preds, 3).float(), target, mask)
    res = metric.compute()
    # pairs (O,O) (B,B) (I,I) (I,O): O 2/3, B 1, I 2/3 -> macro 7/9, accuracy 3/4
    assert res["token_macro_f1"] == approx(7 / 9)
    assert res["token_accuracy"] == approx(3 / 4)


def test_segmentation_collapses_types() -> None:
    tags = ["O", "B-Claim", "I-Claim", "B-Premise", "I-Premise"]
    target = torch.tensor([1, 2, 3, 4])
    preds = torch.tensor([3, 4, 1, 2])  # right boundaries, wrong types everywhere
    typed, seg = TokenF1(tags), TokenF1(tags, segmentation=True)
    typed.update(preds, target)
    seg.update(preds, target)
    assert typed.compute()["token_macro_f1"] == 0.0
    res = seg.compute()
    # collapsed: B->B twice, I->I twice; O never occurs and is not averaged -> macro 1
    assert res["token_macro_f1"] == 1.0 and res["token_f1/O"] == 0.0
    assert seg.classes == ["O", "B", "I"]


def test_merge_like_ddp_and_reset() -> None:
    target = torch.tensor([[0, 1, 2, 2, 0, 1, 2, 0]])
    preds = torch.tensor([[0, 1, 2, 0, 1, 1, 1, 0]])
    whole = TokenF1(TAGS)
    whole.update(preds, target)
    rank0, rank1 = TokenF1(TAGS), TokenF1(TAGS)
    rank0.update(preds[:, :3], target[:, :3])
    rank1.update(preds[:, 3:], target[:, 3:])
    rank0.merge_state(rank1)
    assert rank0.compute() == whole.compute()
    whole.reset()
    assert int(whole.confmat.sum()) == 0


def test_errors_and_names() -> None:
    metric = TokenF1(TAGS)
    with pytest.raises(ValueError, match="tag id 7"):
        metric.update(torch.tensor([7]), torch.tensor([0]))
    with pytest.raises(ValueError, match="shape"):
        metric.update(torch.tensor([0, 1]), torch.tensor([0]))
    metric.update(torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2]))
    assert format_metrics("val", metric.compute())["val/token_macro_f1"] == 1.0
