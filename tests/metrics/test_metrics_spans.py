"""Span metrics on hand-worked examples; expected numbers are derived in the comments."""

from __future__ import annotations

import math
import random
import warnings

import pytest
import torch

from argmine.documents import Span
from argmine.metrics import SpanF1, span_counts, span_prf
from argmine.metrics.spans import COUNT_NAMES

LABELS = ["MajorClaim", "Claim", "Premise"]


def approx(x: float) -> object:
    return pytest.approx(x, abs=1e-12)


# --- exact ---------------------------------------------------------------------------------


def test_exact_hand_worked() -> None:
    gold = [[(0, 5, "Claim"), (6, 10, "Premise"), (12, 20, "Premise")]]
    pred = [[(0, 5, "Claim"), (6, 10, "Claim"), (12, 19, "Premise")]]
    res = span_prf(pred, gold, "exact", labels=LABELS)
    # Claim: (0,5) TP; predicted (6,10,Claim) has the wrong label -> FP. tp1 fp1 fn0
    #   f1 = 2/(2+1) = 2/3, precision = (2-1)/2 = 1/2, recall = 1/1
    assert (res["f1/Claim"], res["precision/Claim"], res["recall/Claim"]) == (
        approx(2 / 3),
        approx(0.5),
        approx(1.0),
    )
    # Premise: (12,19) != (12,20) -> FP; both gold premises FN. tp0 fp1 fn2 -> all 0
    assert res["f1/Premise"] == 0.0 and res["recall/Premise"] == 0.0
    # micro: tp1 fp2 fn2 -> f1 = 2/(2+4) = 1/3; precision (3-2)/3; recall 1/3
    assert (res["tp"], res["fp"], res["fn"], res["n_pred"], res["n_gold"]) == (1, 2, 2, 3, 3)
    assert res["f1"] == approx(1 / 3)
    assert res["precision"] == approx(1 / 3) and res["recall"] == approx(1 / 3)
    # macro over all 3 configured labels (MajorClaim absent -> 0): (0 + 2/3 + 0) / 3 = 2/9
    assert res["macro_f1"] == approx(2 / 9)


def test_matching_stays_within_an_item() -> None:
    # the same span in another document does not match
    gold = [[(0, 5, "Claim")], []]
    pred = [[], [(0, 5, "Claim")]]
    res = span_prf(pred, gold, "exact", labels=LABELS)
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)


def test_accepts_span_objects() -> None:
    gold = [[Span(0, 5, "Claim", id="T1")]]
    pred = [[Span(0, 5, "Claim", id="X")]]
    assert span_prf(pred, gold, "exact", labels=LABELS)["f1"] == 1.0


# --- overlap (Eger) ------------------------------------------------------------------------


def test_overlap_boundary_half_is_not_a_match() -> None:
    # gold (0,10) vs pred (5,15): |inter| = 5, max len 10 -> 0.5, not > 0.5: tp0 fp1 fn1
    res = span_prf([[(5, 15, "Claim")]], [[(0, 10, "Claim")]], "overlap", 0.5, LABELS)
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)
    # gold (0,10) vs pred (0,20): 10 / max(10, 20) = 0.5 -> no match either
    res = span_prf([[(0, 20, "Claim")]], [[(0, 10, "Claim")]], "overlap", 0.5, LABELS)
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)
    # gold (0,10) vs pred (4,14): 6/10 = 0.6 > 0.5 -> match: f1 1
    res = span_prf([[(4, 14, "Claim")]], [[(0, 10, "Claim")]], "overlap", 0.5, LABELS)
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (1, 0, 0, 1.0)


def test_overlap_requires_same_label() -> None:
    res = span_prf([[(0, 10, "Premise")]], [[(0, 10, "Claim")]], "overlap", 0.5, LABELS)
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)


def test_overlap_one_prediction_matches_two_gold() -> None:
    # alpha 0.3: pred (0,8) vs gold (0,4) and (4,8): 4/8 = 0.5 > 0.3 -> both gold are TPs.
    # gold (20,30) has no match (FN), pred (40,45) matches nothing (FP).
    gold = [[(0, 4, "Premise"), (4, 8, "Premise"), (20, 30, "Premise")]]
    pred = [[(0, 8, "Premise"), (40, 45, "Premise")]]
    res = span_prf(pred, gold, "overlap", 0.3, LABELS)
    # tp2 fp1 fn1 -> Eger F1 = 4 / (4 + 1 + 1) = 2/3
    assert (res["tp"], res["fp"], res["fn"], res["n_pred"], res["n_gold"]) == (2, 1, 1, 2, 3)
    assert res["f1"] == approx(2 / 3)
    # precision = (2 - 1)/2 = 1/2, recall = 2/3; their harmonic mean 4/7 is NOT the reported F1
    assert res["precision"] == approx(0.5) and res["recall"] == approx(2 / 3)
    p, r = res["precision"], res["recall"]
    assert not math.isclose(res["f1"], 2 * p * r / (p + r))
    # exact on the same input: nothing matches: tp0 fp2 fn3
    ex = span_prf(pred, gold, "exact", labels=LABELS)
    assert (ex["tp"], ex["fp"], ex["fn"], ex["f1"]) == (0, 2, 3, 0.0)


def test_overlap_two_overlapping_predictions_match_one_gold() -> None:
    # gold (0,10); preds (0,9) and (1,10) both 9/10 = 0.9 > 0.5 -> neither is an FP: tp1 fp0 fn0
    res = span_prf([[(0, 9, "Claim"), (1, 10, "Claim")]], [[(0, 10, "Claim")]], "overlap", 0.5)
    assert (res["tp"], res["fp"], res["fn"], res["n_pred"]) == (1, 0, 0, 2)
    assert res["f1"] == 1.0 and res["precision"] == 1.0


def test_alpha_999_equals_exact_up_to_1000_units() -> None:
    rng = random.Random(0)
    for _ in range(200):
        docs_gold, docs_pred = [], []
        for _doc in range(3):
            gold, pred = [], []
            for _k in range(6):
                s = rng.randrange(0, 60)
                gold.append((s, s + rng.randrange(1, 15), rng.choice(LABELS)))
                s = rng.randrange(0, 60)
                pred.append((s, s + rng.randrange(1, 15), rng.choice(LABELS)))
            if rng.random() < 0.5:  # plant some exact hits
                pred.append(gold[0])
            docs_gold.append(gold)
            docs_pred.append(pred)
        exact = span_counts(docs_pred, docs_gold, LABELS, "exact")
        assert span_counts(docs_pred, docs_gold, LABELS, "overlap", 0.999) == exact
    # beyond 1000 units they differ: 1000 / 1001 = 0.999000999... > 0.999
    long = span_prf([[(0, 1000, "Claim")]], [[(0, 1001, "Claim")]], "overlap", 0.999)
    assert long["tp"] == 1
    assert span_prf([[(0, 1000, "Claim")]], [[(0, 1001, "Claim")]], "exact")["tp"] == 0


# --- bidirectional (Feedback Prize) ----------------------------------------------------------


def test_bidirectional_competing_candidates_one_to_one() -> None:
    # gold (0,4). pred (0,2): inter 2 -> 2/4 = .5 (gold side), 2/2 = 1 (pred side): candidate.
    # pred (1,4): inter 3 -> 3/4 = .75 and 3/3 = 1: candidate with the same max (1) but a
    # higher min (.75), so it wins; (0,2) becomes an FP. tp1 fp1 fn0 -> f1 = 1/(1 + 1/2) = 2/3
    res = span_prf([[(0, 2, "Claim"), (1, 4, "Claim")]], [[(0, 4, "Claim")]], "bidirectional")
    assert (res["tp"], res["fp"], res["fn"]) == (1, 1, 0)
    assert res["f1"] == approx(2 / 3)


def test_bidirectional_one_prediction_two_gold_is_used_once() -> None:
    # pred (0,4) vs gold (0,2) and (2,4): each 2/2 = 1 (gold side) and 2/4 = .5 (pred side):
    # both candidates, equal scores -> text order: gold (0,2) gets it, gold (2,4) is an FN.
    # tp1 fp0 fn1 -> f1 = 1 / (1 + 1/2) = 2/3   (overlap rule alpha .5 would match neither)
    res = span_prf([[(0, 4, "Claim")]], [[(0, 2, "Claim"), (2, 4, "Claim")]], "bidirectional")
    assert (res["tp"], res["fp"], res["fn"]) == (1, 0, 1)
    assert res["f1"] == approx(2 / 3)


def test_bidirectional_needs_half_both_ways() -> None:
    # gold (0,10), pred (0,4): 4/10 = .4 < .5 on the gold side -> no candidate: tp0 fp1 fn1
    res = span_prf([[(0, 4, "Claim")]], [[(0, 10, "Claim")]], "bidirectional")
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)
    # gold (0,10), pred (0,20): 10/10 = 1, 10/20 = .5 >= .5 -> TP (>= here, unlike Eger's >)
    res = span_prf([[(0, 20, "Claim")]], [[(0, 10, "Claim")]], "bidirectional")
    assert (res["tp"], res["fp"], res["fn"]) == (1, 0, 0)


def test_bidirectional_macro_over_all_classes() -> None:
    labels = ["Lead", "Claim", "Evidence"]
    gold = [[(0, 10, "Lead"), (10, 14, "Claim")]]
    pred = [[(0, 10, "Lead"), (10, 12, "Claim"), (11, 14, "Claim")]]
    res = span_prf(pred, gold, "bidirectional", labels=labels)
    # Lead: perfect -> 1. Claim: as in the competing-candidates case -> tp1 fp1 fn0 -> 2/3.
    # Evidence: nothing anywhere -> 0, still averaged: macro = (1 + 2/3 + 0) / 3 = 5/9
    assert res["f1/Lead"] == 1.0 and res["f1/Claim"] == approx(2 / 3)
    assert res["f1/Evidence"] == 0.0
    assert res["macro_f1"] == approx(5 / 9)
    # micro: tp2 fp1 fn0 -> 4/5
    assert res["f1"] == approx(4 / 5)


# --- empty inputs and errors -----------------------------------------------------------------


@pytest.mark.parametrize("rule", ["exact", "overlap", "bidirectional"])
def test_empty_inputs_give_zero_not_nan(rule: str) -> None:
    for pred, gold in (
        ([[]], [[]]),
        ([], []),
        ([[]], [[(0, 3, "Claim")]]),
        ([[(0, 3, "Claim")]], [[]]),
    ):
        res = span_prf(pred, gold, rule, labels=LABELS)
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in res.values())
        assert res["f1"] == 0.0 and res["macro_f1"] == 0.0
        assert res["precision"] == 0.0 and res["recall"] == 0.0


def test_unknown_label_is_named() -> None:
    with pytest.raises(ValueError, match="'Stance'"):
        span_prf([[(0, 3, "Stance")]], [[]], labels=LABELS)
    with pytest.raises(ValueError, match="gold span"):
        SpanF1(LABELS).update([[]], [[(0, 3, "Nope")]])


@pytest.mark.parametrize("bad", [(5, 5, "Claim"), (6, 2, "Claim"), (0.5, 3, "Claim"), (1, 2)])
def test_bad_spans_raise(bad: tuple) -> None:
    with pytest.raises(ValueError, match="item 0"):
        span_prf([[bad]], [[]], labels=LABELS)


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="rule"):
        SpanF1(LABELS, rule="fuzzy")
    with pytest.raises(ValueError, match="alpha"):
        SpanF1(LABELS, rule="overlap", alpha=1.0)
    with pytest.raises(ValueError, match="repeats"):
        SpanF1(["Claim", "Claim"])
    with pytest.raises(ValueError, match="2 predicted items but 1 gold"):
        span_prf([[], []], [[]])


# --- the torchmetrics object ------------------------------------------------------------------

GOLD = [
    [(0, 10, "MajorClaim"), (12, 20, "Claim"), (21, 30, "Premise")],
    [(0, 8, "Premise"), (9, 15, "Premise")],
    [(3, 9, "Claim")],
    [(0, 4, "Premise"), (5, 9, "Premise"), (10, 19, "Claim")],
]
PRED = [
    [(0, 10, "MajorClaim"), (13, 20, "Claim"), (21, 30, "Claim")],
    [(0, 8, "Premise")],
    [],
    [(0, 4, "Premise"), (5, 12, "Premise"), (10, 19, "Claim"), (25, 28, "Premise")],
]


@pytest.mark.parametrize(
    ("rule", "alpha"),
    [("exact", 0.5), ("overlap", 0.5), ("overlap", 0.999), ("bidirectional", 0.5)],
)
def test_metric_matches_function_and_merges_like_ddp(rule: str, alpha: float) -> None:
    whole = SpanF1(LABELS, rule, alpha)
    for pred, gold in zip(PRED, GOLD, strict=True):
        whole.update([pred], [gold])
    expected = span_prf(PRED, GOLD, rule, alpha, LABELS)
    assert whole.compute() == expected

    # two "ranks" see half the documents each; summing the states must give the same result
    rank0, rank1 = SpanF1(LABELS, rule, alpha), SpanF1(LABELS, rule, alpha)
    rank0.update(PRED[:2], GOLD[:2])
    rank1.update(PRED[2:], GOLD[2:])
    summed = SpanF1(LABELS, rule, alpha)
    for name in COUNT_NAMES:
        setattr(summed, name, getattr(rank0, name) + getattr(rank1, name))
    summed._update_count = 1
    assert summed.compute() == expected
    rank0.merge_state(rank1)
    assert rank0.compute() == expected


def test_metric_hand_worked_counts() -> None:
    metric = SpanF1(LABELS, "overlap", 0.5)
    metric.update(PRED, GOLD)
    res = metric.compute()
    # doc0: MC exact TP; Claim (13,20) vs (12,20): 7/8 > .5 TP; pred (21,30,Claim) FP and gold
    #       Premise (21,30) FN (label differs).
    # doc1: Premise (0,8) TP; (9,15) FN.    doc2: Claim (3,9) FN.
    # doc3: (0,4) TP; (5,12) vs (5,9): 4/7 > .5 TP; Claim (10,19) TP; (25,28) FP.
    # MajorClaim tp1 fp0 fn0 -> 1; Claim: tp2 fp1 fn1 -> 4/6; Premise: tp3 fp1 fn2 -> 6/9
    assert res["f1/MajorClaim"] == 1.0
    assert res["f1/Claim"] == approx(2 / 3)
    assert res["f1/Premise"] == approx(2 / 3)
    # micro tp6 fp2 fn3 -> 12/17 ; macro (1 + 2/3 + 2/3)/3 = 7/9
    assert (res["tp"], res["fp"], res["fn"], res["n_pred"], res["n_gold"]) == (6, 2, 3, 8, 9)
    assert res["f1"] == approx(12 / 17)
    assert res["macro_f1"] == approx(7 / 9)
    assert res["precision"] == approx(6 / 8) and res["recall"] == approx(6 / 9)


def test_reset_gives_clean_state() -> None:
    metric = SpanF1(LABELS, "overlap", 0.5)
    metric.update(PRED, GOLD)
    assert metric.compute()["tp"] == 6
    metric.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchmetrics warns about compute() before update()
        res = metric.compute()
    assert res["tp"] == res["fp"] == res["fn"] == res["n_gold"] == 0
    assert res["f1"] == 0.0
    metric.update([[(0, 10, "MajorClaim")]], [[(0, 10, "MajorClaim")]])
    assert metric.compute()["f1"] == 1.0
    assert all(getattr(metric, n).dtype == torch.long for n in COUNT_NAMES)


def _reference_counts(pred_docs, gold_docs, alpha):
    """Independent restatement of Eger's C-F1 counting with token *sets* and (start, length,
    type) components, as written in the reproduction notes; micro counts only."""
    tp = fp = fn = 0
    for pred, gold in zip(pred_docs, gold_docs, strict=True):
        p_comp = [(s, e - s, lab) for s, e, lab in pred]
        g_comp = [(s, e - s, lab) for s, e, lab in gold]

        def match(a, b):
            if a[2] != b[2]:
                return False
            sa, sb = set(range(a[0], a[0] + a[1])), set(range(b[0], b[0] + b[1]))
            return len(sa & sb) / max(len(sa), len(sb)) > alpha

        fp += sum(1 for p in p_comp if not any(match(p, g) for g in g_comp))
        hits = sum(1 for g in g_comp if any(match(g, p) for p in p_comp))
        tp += hits
        fn += len(g_comp) - hits
    return tp, fp, fn


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.999])
def test_overlap_agrees_with_set_based_reference(alpha: float) -> None:
    rng = random.Random(int(alpha * 1000))
    for _ in range(100):
        gold_docs, pred_docs = [], []
        for _doc in range(4):
            # gold: non-overlapping, as from BIO tags; predictions: anything, overlaps allowed
            gold, pos = [], 0
            for _k in range(rng.randrange(0, 6)):
                pos += rng.randrange(0, 4)
                length = rng.randrange(1, 12)
                gold.append((pos, pos + length, rng.choice(LABELS)))
                pos += length
            pred = []
            for _k in range(rng.randrange(0, 7)):
                s = rng.randrange(0, pos + 5)
                pred.append((s, s + rng.randrange(1, 14), rng.choice(LABELS)))
            gold_docs.append(gold)
            pred_docs.append(pred)
        res = span_prf(pred_docs, gold_docs, "overlap", alpha, LABELS)
        tp, fp, fn = _reference_counts(pred_docs, gold_docs, alpha)
        assert (res["tp"], res["fp"], res["fn"]) == (tp, fp, fn)
        denom = 2 * tp + fp + fn
        assert res["f1"] == (2 * tp / denom if denom else 0.0)
