"""Eger et al.'s paragraph-level R-F1 (``progs/Eval/eval_relationF1.py``) on hand-worked cases.

Every expected count below follows from his script, read by hand: per block of the file (a
paragraph at paragraph level) each component has ONE relation, a major claim's to ROOT, a
claim's to the block's last major claim (ROOT when there is none), a premise's to its target;
ROOT is position 0, so a target that starts at the block's first token is ROOT as well; a
prediction with a target that is not a component is a false positive; TP counts gold relations
matched by some prediction, FP predictions matching no gold relation.

Tokens are one character wide with one space between them: token ``i`` is ``[2i, 2i + 1)``.
"""

from __future__ import annotations

import pytest

from argmine.documents import Relation, Span
from argmine.metrics import ComponentMetrics, unit_relations, update_document

LABELS = ["MajorClaim", "Claim", "Premise"]


def tok(first: int, end: int) -> tuple[int, int]:
    """Character offsets of tokens ``first .. end - 1``."""
    return 2 * first, 2 * (end - 1) + 1


def span(first: int, end: int, label: str, sid: str, stance: str | None = None) -> Span:
    start, stop = tok(first, end)
    return Span(start, stop, label, id=sid, attributes={"stance": stance} if stance else {})


def units(*bounds: tuple[int, int]) -> list[list[tuple[int, int]]]:
    return [[tok(i, i + 1) for i in range(a, b)] for a, b in bounds]


def score(unit_tokens, pred, gold, pred_rels, gold_rels) -> dict[str, float]:
    metric = ComponentMetrics(LABELS, variants=("exact", "50"), with_relations=True)
    update_document(metric, unit_tokens, pred, gold, pred_rels, gold_rels)
    return {k: float(v) for k, v in metric.compute().items()}


# two paragraphs: tokens 0-9 and 10-19; a major claim in the first, a claim and its premise in
# the second
TWO = units((0, 10), (10, 20))
GOLD_TWO = [
    span(2, 5, "MajorClaim", "M"),
    span(12, 15, "Claim", "C", "For"),
    span(15, 18, "Premise", "P"),
]
GOLD_TWO_RELS = [Relation("P", "C", "supports")]


def test_claim_in_a_paragraph_without_major_claim_links_to_root() -> None:
    built = unit_relations(GOLD_TWO, GOLD_TWO_RELS, [0, tok(10, 11)[0]])
    assert built == [("M", None, "root"), ("C", None, "For"), ("P", "C", "Support")]
    res = score(TWO, GOLD_TWO, GOLD_TWO, GOLD_TWO_RELS, GOLD_TWO_RELS)
    assert res["r_f1_exact"] == 1.0 and res["r_f1_doc_exact"] == 1.0


def test_a_predicted_major_claim_in_the_claims_paragraph_takes_its_link() -> None:
    # predicted: the gold spans plus a major claim M2 at tokens 11-12 of paragraph 2 (not its
    # first token). Pred relations M->ROOT (tp), M2->ROOT (fp), C->M2 (fp; gold C->ROOT: fn),
    # P->C (tp): tp 2, fp 2, fn 1 -> F1 = 4 / 7
    pred = [*GOLD_TWO, span(11, 12, "MajorClaim", "M2")]
    res = score(TWO, pred, GOLD_TWO, GOLD_TWO_RELS, GOLD_TWO_RELS)
    assert res["r_f1_exact"] == pytest.approx(4 / 7)
    assert res["r_precision_exact"] == pytest.approx(2 / 4) and res["r_recall_exact"] == pytest.approx(2 / 3)


def test_a_major_claim_at_the_paragraphs_first_token_is_root_for_its_claims() -> None:
    # the same false major claim at token 10, the first of paragraph 2: Eger's C -> position 0
    # is C -> ROOT, which matches the gold claim's relation. tp 3, fp 1 (M2->ROOT) -> 6 / 7
    pred = [*GOLD_TWO, span(10, 11, "MajorClaim", "M2")]
    res = score(TWO, pred, GOLD_TWO, GOLD_TWO_RELS, GOLD_TWO_RELS)
    assert res["r_f1_exact"] == pytest.approx(6 / 7)
    assert res["r_recall_exact"] == 1.0


def test_claim_links_to_the_last_of_two_major_claims_of_its_paragraph() -> None:
    one = units((0, 12))
    gold = [
        span(2, 4, "MajorClaim", "M1"),
        span(5, 7, "Claim", "C", "Against"),
        span(8, 10, "MajorClaim", "M2"),
    ]
    assert unit_relations(gold, [], [0]) == [
        ("M1", None, "root"), ("C", "M2", "Against"), ("M2", None, "root"),
    ]  # fmt: skip
    # predicted: M2 as a premise supporting M1. M1->ROOT tp; C->M1 fp (gold C->M2 fn);
    # M2:Premise->M1 Support fp (gold M2->ROOT fn): tp 1, fp 2, fn 2 -> 2 / 6
    pred = [gold[0], gold[1], span(8, 10, "Premise", "P")]
    res = score(one, pred, gold, [Relation("P", "M1", "supports")], [])
    assert res["r_f1_exact"] == pytest.approx(1 / 3)


def test_premise_linked_to_the_paragraphs_first_component_is_scored_as_root() -> None:
    # one paragraph, tokens 0-9: claim at tokens 0-2 (the paragraph's first token), premise at
    # 4-6 supporting it. Gold: C -> ROOT (no major claim), P -> position 0 = ROOT.
    one = units((0, 10))
    gold = [span(0, 3, "Claim", "C", "For"), span(4, 7, "Premise", "P")]
    rels = [Relation("P", "C", "supports")]
    assert unit_relations(gold, rels, [0], [0]) == [("C", None, "For"), ("P", None, "Support")]
    # predicted claim: tokens 0-1 (2 of 3 tokens), the premise exact and linked to it.
    # exact: C'->ROOT vs C->ROOT: source differs (fp 1, fn 1); P->C' is P->ROOT = gold (tp 1)
    pred = [span(0, 2, "Claim", "C2", "For"), gold[1]]
    res = score(one, pred, gold, [Relation("P", "C2", "supports")], rels)
    assert res["r_f1_exact"] == 0.5
    assert res["r_f1_50"] == 1.0  # 2/3 > 0.5: every relation matches
    # argmine's document-level variant keeps the real target: P->C' misses P->C exactly
    assert res["r_f1_doc_exact"] == 0.0


def test_major_claim_at_token_zero_is_root_for_the_claims_target() -> None:
    one = units((0, 10))
    gold = [span(0, 3, "MajorClaim", "M"), span(4, 6, "Claim", "C", "For")]
    # predicted major claim: tokens 0-1. exact: M'->ROOT fp, M->ROOT fn; C -> M' = position 0 =
    # ROOT = gold C -> M (also position 0): tp -> tp 1, fp 1, fn 1
    pred = [span(0, 2, "MajorClaim", "M2"), gold[1]]
    res = score(one, pred, gold, [], [])
    assert res["r_f1_exact"] == 0.5
    assert res["r_f1_50"] == 1.0


def test_a_premise_without_link_is_a_false_positive() -> None:
    one = units((0, 10))
    gold = [span(0, 2, "Claim", "C", "For"), span(4, 6, "Premise", "P"), span(7, 9, "Premise", "Q")]
    rels = [Relation("P", "C", "supports"), Relation("Q", "P", "attacks")]
    # predicted: Q without a link (Eger: a link to a non-component, a false positive)
    res = score(one, gold, gold, rels[:1], rels)
    # gold: C->ROOT, P->ROOT (C at token 0), Q->P Attack; pred: C, P as gold (tp 2), Q unlinked
    # (fp 1), gold Q->P unmatched (fn 1): 4 / 6
    assert res["r_f1_exact"] == pytest.approx(4 / 6)
    # the document-level variant scores only the relations that exist: Q has none, no fp
    assert res["r_precision_doc_exact"] == 1.0


def test_only_the_first_in_unit_relation_of_a_premise_counts() -> None:
    gold = [span(0, 2, "Claim", "C", "For"), span(3, 5, "Premise", "P"), span(6, 8, "Premise", "Q")]
    rels = [Relation("Q", "P", "supports"), Relation("Q", "C", "supports")]
    built = unit_relations(gold, rels, [0], [0])
    assert [r for r in built if r[0] == "Q"] == [("Q", "P", "Support")]


def test_premise_links_across_paragraphs_are_not_in_any_unit() -> None:
    # a gold link from paragraph 2 to paragraph 1 cannot be written in Eger's paragraph files:
    # both sides score the premise as unlinked
    gold = [span(2, 5, "Claim", "C", "For"), span(12, 15, "Premise", "P")]
    rels = [Relation("P", "C", "supports")]
    built = unit_relations(gold, rels, [0, tok(10, 11)[0]], [0, tok(10, 11)[0]])
    assert ("P", None, "unlinked") in built
