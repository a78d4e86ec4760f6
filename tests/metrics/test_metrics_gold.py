"""Gold-item macro F1 (Stab & Gurevych, microtexts) on hand-worked examples."""

from __future__ import annotations

import pytest

from argmine.metrics import MacroF1, pair_link_labels


def approx(x: float) -> object:
    return pytest.approx(x, abs=1e-12)


def test_component_type_macro_f1() -> None:
    metric = MacroF1(["MajorClaim", "Claim", "Premise"])
    gold = ["MajorClaim", "Claim", "Premise", "Premise", "Premise", "Claim"]
    pred = ["MajorClaim", "Premise", "Premise", "Premise", "Claim", "Claim"]
    metric.update(pred, gold)
    res = metric.compute()
    # MajorClaim: 1/1/1 -> 1. Claim: gold {1,5}, pred {4,5}, tp1 -> 2/4 = .5.
    # Premise: gold {2,3,4}, pred {1,2,3}, tp2 -> 4/6 = 2/3. macro = 13/18, accuracy 4/6
    assert res["f1/MajorClaim"] == 1.0
    assert res["f1/Claim"] == approx(0.5)
    assert res["f1/Premise"] == approx(2 / 3)
    assert res["macro_f1"] == approx(13 / 18)
    assert res["accuracy"] == approx(4 / 6)
    assert res["precision/Premise"] == approx(2 / 3) and res["recall/Claim"] == approx(0.5)


def test_label_absent_everywhere_is_not_averaged() -> None:
    metric = MacroF1(["support", "attack"])
    metric.update(["support"] * 3, ["support"] * 3)
    res = metric.compute()
    assert res["macro_f1"] == 1.0 and res["f1/attack"] == 0.0


def test_link_pairs() -> None:
    ids = ["a", "b", "c"]
    gold = pair_link_labels(ids, [("b", "a"), ("c", "a")])
    pred = pair_link_labels(ids, [("b", "a"), ("c", "b")])
    # pairs: ab ac ba bc ca cb
    assert gold == ["not-linked", "not-linked", "linked", "not-linked", "linked", "not-linked"]
    metric = MacroF1(["linked", "not-linked"])
    metric.update(pred, gold)
    res = metric.compute()
    # linked: gold {ba, ca}, pred {ba, cb}, tp1 -> .5 ; not-linked: gold 4, pred 4, tp3 -> 6/8
    assert res["f1/linked"] == approx(0.5)
    assert res["f1/not-linked"] == approx(0.75)
    assert res["macro_f1"] == approx(0.625)


def test_merge_reset_and_errors() -> None:
    whole, rank0, rank1 = (MacroF1(["pro", "opp"]) for _ in range(3))
    gold, pred = ["pro", "opp", "pro", "pro"], ["pro", "pro", "opp", "pro"]
    whole.update(pred, gold)
    rank0.update(pred[:2], gold[:2])
    rank1.update(pred[2:], gold[2:])
    rank0.merge_state(rank1)
    assert rank0.compute() == whole.compute()
    whole.reset()
    assert int(whole.confmat.sum()) == 0
    with pytest.raises(ValueError, match="'neutral'"):
        whole.update(["neutral"], ["pro"])
    with pytest.raises(ValueError, match="1 predicted labels but 2 gold"):
        whole.update(["pro"], ["pro", "opp"])
