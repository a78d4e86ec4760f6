"""Relation metrics on hand-worked examples; expected numbers are derived in the comments."""

from __future__ import annotations

import pytest

from argmine.documents import Relation, Span
from argmine.metrics import RelationF1, document_relations, relation_prf
from argmine.metrics.spans import COUNT_NAMES

REL_LABELS = ["support", "attack"]

# gold: a Claim, b and c Premises; b supports a, c attacks b
GOLD_SPANS = {"a": (0, 10, "Claim"), "b": (10, 20, "Premise"), "c": (20, 30, "Premise")}
GOLD_RELS = [("b", "a", "support"), ("c", "b", "attack")]
# predicted: A == a; B (12,20) overlaps b by 8/10 = .8; C (25,30) overlaps c by 5/10 = .5 only
PRED_SPANS = {"A": (0, 10, "Claim"), "B": (12, 20, "Premise"), "C": (25, 30, "Premise")}
PRED_RELS = [("B", "A", "support"), ("C", "B", "attack")]


def approx(x: float) -> object:
    return pytest.approx(x, abs=1e-12)


def score(pred_spans, pred_rels, gold_spans, gold_rels, **kw) -> dict[str, float]:
    kw.setdefault("labels", REL_LABELS)
    return relation_prf([pred_spans], [pred_rels], [gold_spans], [gold_rels], **kw)


def test_exact_needs_identical_endpoints() -> None:
    # B != b and C != c: both predictions are FPs, both gold relations FNs -> f1 0
    res = score(PRED_SPANS, PRED_RELS, GOLD_SPANS, GOLD_RELS, rule="exact")
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (0, 2, 2, 0.0)
    # identical structure -> f1 1
    res = score(GOLD_SPANS, GOLD_RELS, GOLD_SPANS, GOLD_RELS, rule="exact")
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (2, 0, 0, 1.0)


def test_overlap_endpoint_at_exactly_half_does_not_match() -> None:
    res = score(PRED_SPANS, PRED_RELS, GOLD_SPANS, GOLD_RELS, rule="overlap", alpha=0.5)
    # (B,A,support) ~ (b,a,support): .8 > .5 and A == a -> TP.
    # (C,B,attack) vs (c,b,attack): source C~c is 5/10 = .5, not > .5 -> FP, gold attack FN.
    # support: tp1 fp0 fn0 -> 1 ; attack: tp0 fp1 fn1 -> 0 ; micro tp1 fp1 fn1 -> 2/4
    assert res["f1/support"] == 1.0 and res["f1/attack"] == 0.0
    assert (res["tp"], res["fp"], res["fn"]) == (1, 1, 1)
    assert res["f1"] == approx(0.5) and res["macro_f1"] == approx(0.5)
    assert res["precision"] == approx(0.5) and res["recall"] == approx(0.5)
    # move C to (24,30): 6/10 = .6 > .5 -> both relations match: f1 1
    spans = {**PRED_SPANS, "C": (24, 30, "Premise")}
    assert score(spans, PRED_RELS, GOLD_SPANS, GOLD_RELS, rule="overlap")["f1"] == 1.0
    # at alpha .999 ("100%") only identical endpoints count, like exact
    res = score(spans, PRED_RELS, GOLD_SPANS, GOLD_RELS, rule="overlap", alpha=0.999)
    assert (res["tp"], res["fp"], res["fn"]) == (0, 2, 2)


def test_relation_label_must_match_unless_link_only() -> None:
    rels = [("b", "a", "attack")]
    res = score(GOLD_SPANS, rels, GOLD_SPANS, GOLD_RELS[:1])
    # attack predicted, support gold: support tp0 fn1; attack fp1 -> micro 0
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (0, 1, 1, 0.0)
    res = score(GOLD_SPANS, rels, GOLD_SPANS, GOLD_RELS[:1], labels=None, link_only=True)
    assert (res["tp"], res["fp"], res["fn"], res["f1/link"]) == (1, 0, 0, 1.0)
    assert set(k for k in res if k.startswith("f1/")) == {"f1/link"}


def test_direction_matters() -> None:
    res = score(GOLD_SPANS, [("a", "b", "support")], GOLD_SPANS, GOLD_RELS[:1])
    assert (res["tp"], res["fp"], res["fn"]) == (0, 1, 1)


def test_type_match_options() -> None:
    # source labelled Claim instead of Premise; target labelled MajorClaim instead of Claim
    wrong_source = {**GOLD_SPANS, "b": (10, 20, "Claim")}
    wrong_target = {**GOLD_SPANS, "a": (0, 10, "MajorClaim")}
    rels = GOLD_RELS[:1]
    tp = {}
    for mode in ("source", "both", "none"):
        tp[mode] = (
            score(wrong_source, rels, GOLD_SPANS, rels, type_match=mode)["tp"],
            score(wrong_target, rels, GOLD_SPANS, rels, type_match=mode)["tp"],
        )
    # Eger ("source"): the source type counts, the target type does not
    assert tp == {"source": (0, 1), "both": (0, 0), "none": (1, 1)}


def test_root_targets() -> None:
    # Eger scores a major claim's link to ROOT; ROOT matches only ROOT
    gold_spans = {"m": (0, 10, "MajorClaim"), "c": (12, 20, "Claim")}
    gold_rels = [("m", None, "root"), ("c", "m", "For")]
    pred_spans = {"M": (0, 9, "MajorClaim"), "C": (12, 20, "Claim")}
    pred_rels = [("M", None, "root"), ("C", None, "For")]
    res = score(
        pred_spans, pred_rels, gold_spans, gold_rels, labels=["root", "For"], rule="overlap"
    )
    # root: M ~ m (9/10) -> TP. For: (C, ROOT) vs (c, m): target differs -> fp1 fn1
    assert res["f1/root"] == 1.0 and res["f1/For"] == 0.0
    assert (res["tp"], res["fp"], res["fn"]) == (1, 1, 1)


def test_many_to_many_counting() -> None:
    # two predicted relations match the same gold relation (duplicate sources overlapping b):
    # gold support tp1; neither prediction is an FP -> f1 1, precision (2-0)/2 = 1
    spans = {**GOLD_SPANS, "B1": (10, 19, "Premise"), "B2": (11, 20, "Premise")}
    rels = [("B1", "a", "support"), ("B2", "a", "support")]
    res = score(spans, rels, GOLD_SPANS, GOLD_RELS[:1], rule="overlap")
    assert (res["tp"], res["fp"], res["fn"], res["n_pred"]) == (1, 0, 0, 2)
    assert res["f1"] == 1.0


def test_accepts_document_objects() -> None:
    spans = {s.id: s for s in (Span(0, 10, "Claim", id="T1"), Span(10, 20, "Premise", id="T2"))}
    rels = [Relation("T2", "T1", "support", id="R1")]
    res = score(spans, rels, spans, rels)
    assert res["f1"] == 1.0


def test_empty_and_errors() -> None:
    res = score({}, [], {}, [])
    assert res["f1"] == 0.0 and res["precision"] == 0.0 and res["recall"] == 0.0
    res = score(GOLD_SPANS, [], GOLD_SPANS, GOLD_RELS)
    assert (res["tp"], res["fn"], res["f1"]) == (0, 2, 0.0)
    with pytest.raises(ValueError, match="no span with id 'zz'"):
        score(GOLD_SPANS, [("zz", "a", "support")], GOLD_SPANS, GOLD_RELS)
    with pytest.raises(ValueError, match="'rebuts'"):
        score(GOLD_SPANS, [("b", "a", "rebuts")], GOLD_SPANS, GOLD_RELS)
    with pytest.raises(ValueError, match="one entry per item"):
        relation_prf([GOLD_SPANS], [], [GOLD_SPANS], [GOLD_RELS], labels=REL_LABELS)
    with pytest.raises(ValueError, match="rule"):
        RelationF1(REL_LABELS, rule="bidirectional")
    with pytest.raises(ValueError, match="type_match"):
        RelationF1(REL_LABELS, type_match="target")
    with pytest.raises(ValueError, match="labels"):
        RelationF1([])


def test_metric_merge_and_reset() -> None:
    docs = [
        (PRED_SPANS, PRED_RELS, GOLD_SPANS, GOLD_RELS),
        ({**PRED_SPANS, "C": (24, 30, "Premise")}, PRED_RELS, GOLD_SPANS, GOLD_RELS),
        (GOLD_SPANS, [("a", "b", "attack")], GOLD_SPANS, GOLD_RELS),
    ]
    columns = [list(col) for col in zip(*docs, strict=True)]
    whole = RelationF1(REL_LABELS, "overlap", 0.5)
    whole.update(*columns)
    # doc0: tp1 fp1 fn1 ; doc1: tp2 ; doc2: (a,b,attack) FP, both gold FN
    # total tp3 fp2 fn3 -> 6/11
    res = whole.compute()
    assert (res["tp"], res["fp"], res["fn"]) == (3, 2, 3)
    assert res["f1"] == approx(6 / 11)
    rank0, rank1 = RelationF1(REL_LABELS, "overlap", 0.5), RelationF1(REL_LABELS, "overlap", 0.5)
    rank0.update(*[c[:1] for c in columns])
    rank1.update(*[c[1:] for c in columns])
    rank0.merge_state(rank1)
    assert rank0.compute() == res
    whole.reset()
    assert all(int(getattr(whole, n).sum()) == 0 for n in COUNT_NAMES)


def test_labels_none_gives_micro_scores_only() -> None:
    metric = RelationF1(None, "overlap", 0.5)
    # same input as test_overlap_endpoint_at_exactly_half_does_not_match: tp1 fp1 fn1 -> .5
    metric.update([PRED_SPANS], [PRED_RELS], [GOLD_SPANS], [GOLD_RELS])
    res = metric.compute()
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (1, 1, 1, 0.5)
    assert not any("/" in key for key in res)
    # labels still have to agree: attack predicted for a support relation is an FP
    metric.reset()
    metric.update([GOLD_SPANS], [[("b", "a", "attack")]], [GOLD_SPANS], [GOLD_RELS[:1]])
    assert (metric.compute()["tp"], metric.compute()["fp"]) == (0, 1)


def test_document_relations_add_root_and_claim_links() -> None:
    spans = [
        Span(0, 5, "MajorClaim", id="M1"),
        Span(40, 50, "Claim", id="C1", attributes={"stance": "For"}),
        Span(60, 70, "Premise", id="P1"),
        Span(80, 90, "MajorClaim", id="M2"),
    ]
    rels = [Relation("P1", "C1", "supports")]
    assert document_relations(spans, rels) == [
        ("M1", None, "root"),
        ("M2", None, "root"),
        ("C1", "M2", "For"),  # the LAST major claim
        ("P1", "C1", "Support"),  # in Eger's spelling
    ]
    # a body paragraph without major claim: the claim links to ROOT
    assert document_relations(spans[1:3], rels) == [("C1", None, "For"), ("P1", "C1", "Support")]
    # scoring: predicted claim with the wrong stance -> that relation is an FP and an FN
    pred_spans = [spans[0], Span(40, 50, "Claim", id="C1", attributes={"stance": "Against"})]
    gold = document_relations(spans[:2], [])
    pred = document_relations(pred_spans, [])
    table = {s.id: s for s in spans}
    res = relation_prf([table], [pred], [table], [gold], labels=None)
    # root: M1 -> ROOT matches (tp1); For vs Against: fp1 fn1 -> 2/4
    assert (res["tp"], res["fp"], res["fn"], res["f1"]) == (1, 1, 1, 0.5)


def test_relation_errors_by_source_splits_the_misses() -> None:
    from argmine.metrics import relation_counts, relation_errors_by_source

    # gold: b -> a support, c -> b attack, a -> ROOT.  predicted: A == a, B == b, no c, D extra
    gold_spans = {**GOLD_SPANS}
    gold_rels = [*GOLD_RELS, ("a", None, "root")]
    pred_spans = {"A": (0, 10, "Claim"), "B": (10, 20, "Premise"), "D": (30, 40, "Premise")}
    # b -> a right; a -> ROOT right; D -> B is a false positive; c is missed with its source
    pred_rels = [("B", "A", "support"), ("A", None, "root"), ("D", "B", "support")]
    out = relation_errors_by_source(pred_spans, pred_rels, gold_spans, gold_rels)
    zero = {"tp": 0, "fp": 0, "fn": 0, "fn_source_missed": 0, "fn_link_wrong": 0, "fn_target_missed": 0}
    assert out == {"Claim": {**zero, "tp": 1},
                   "Premise": {**zero, "tp": 1, "fp": 1, "fn": 1, "fn_source_missed": 1}}
    pred_spans = {"A": (0, 10, "Claim"), "B": (10, 20, "Claim"), "C": (20, 30, "Premise")}
    pred_rels = [("C", "B", "support"), ("B", "A", "support")]
    out = relation_errors_by_source(pred_spans, pred_rels, gold_spans, GOLD_RELS)
    # b is predicted as a Claim: its relation's source is missed (label differs); c is found and
    # its target's offsets exist, but the relation label is wrong (C -> B support: a false positive)
    assert out["Premise"] == {**zero, "fp": 1, "fn": 2, "fn_source_missed": 1, "fn_link_wrong": 1}
    assert out["Claim"] == {**zero, "fp": 1}
    # c -> (40, 50): a target no predicted span has
    out = relation_errors_by_source({"C": (20, 30, "Premise")}, [], {"c": (20, 30, "Premise"), "x": (40, 50, "Claim")},
                                    [("c", "x", "support")])
    assert out["Premise"] == {**zero, "fn": 1, "fn_link_wrong": 1, "fn_target_missed": 1}
    # the sums agree with the exact relation counts
    counts = relation_counts([pred_spans], [pred_rels], [gold_spans], [GOLD_RELS], labels=None)
    merged = relation_errors_by_source(pred_spans, pred_rels, gold_spans, GOLD_RELS)
    for key in ("tp", "fp", "fn"):
        assert counts[key] == [sum(row[key] for row in merged.values())]


def test_relation_breakdown_script_on_the_sample_corpus(tmp_path, capsys) -> None:
    import importlib.util
    from pathlib import Path

    from argmine.corpora import load_corpus
    from argmine.documents import Document
    from argmine.io import jsonl_line

    docs = load_corpus("sample").documents[:5]
    # perfect predictions, except the first document loses its relations
    lines = [jsonl_line(Document(d.id, d.text, d.spans, [] if i == 0 else d.relations)) for i, d in enumerate(docs)]
    pred = tmp_path / "test.jsonl"
    pred.write_text("".join(lines), encoding="utf-8")
    path = Path(__file__).resolve().parents[2] / "scripts" / "relation_breakdown.py"
    spec = importlib.util.spec_from_file_location("relation_breakdown", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main([str(pred), "--corpus", "sample"]) == 0
    out = capsys.readouterr().out
    lost = len(docs[0].relations)
    total = sum(len(d.relations) for d in docs)
    row = next(line for line in out.splitlines() if line.startswith("| all |"))
    tp, fp, fn, missed, wrong, target = (int(x) for x in row.split("|")[2:8])
    assert (tp, fp, fn, missed, wrong, target) == (total - lost, 0, lost, 0, lost, 0)
    assert f"{2 * tp / (2 * tp + fn):.4f}" in row
    assert script.main([str(pred), "--corpus", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
