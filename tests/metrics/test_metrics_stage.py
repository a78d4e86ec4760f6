"""The per-stage metric bundle and its logged names."""

from __future__ import annotations

import warnings

import pytest
import torch

from argmine.documents import Relation, Span
from argmine.metrics import ComponentMetrics, format_metrics

LABELS = ["MajorClaim", "Claim", "Premise"]
# the PRED/GOLD documents of test_metrics_spans.py: exact tp4 fp4 fn5, overlap .5 tp6 fp2 fn3
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


def approx(x: float) -> object:
    return pytest.approx(x, abs=1e-12)


def test_component_names_and_values() -> None:
    metrics = ComponentMetrics(LABELS)
    for pred, gold in zip(PRED, GOLD, strict=True):
        metrics.update(pred, gold)
    logged = format_metrics("val", metrics.compute())
    expected = {
        f"val/c_{m}_{v}" for m in ("f1", "precision", "recall", "macro_f1") for v in ("exact", "50")
    }
    expected |= {f"val/f1_{v}/{label}" for v in ("exact", "50") for label in LABELS}
    assert set(logged) == expected
    assert all(isinstance(v, float) for v in logged.values())
    assert logged["val/c_f1_exact"] == approx(8 / 17)  # 2*4 / (8 + 4 + 5)
    assert logged["val/c_f1_50"] == approx(12 / 17)  # 2*6 / (12 + 2 + 3)
    assert logged["val/f1_exact/MajorClaim"] == 1.0
    metrics.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # compute() before update()
        assert metrics.compute()["c_f1_50"] == 0.0


def test_variants() -> None:
    metrics = ComponentMetrics(LABELS, variants=("exact", "100", "fb"))
    for pred, gold in zip(PRED, GOLD, strict=True):
        metrics.update(pred, gold)
    res = metrics.compute()
    assert res["c_f1_100"] == res["c_f1_exact"]  # all spans shorter than 1000 units
    assert "c_f1_fb" in res and "f1_fb/Claim" in res
    with pytest.raises(ValueError, match="variant"):
        ComponentMetrics(LABELS, variants=("75",))


def test_relations_and_tokens_from_document_objects() -> None:
    tags = ["O", "B-Claim", "I-Claim", "B-Premise", "I-Premise"]
    metrics = ComponentMetrics(["Claim", "Premise"], with_relations=True, tags=tags)
    gold = [
        Span(0, 10, "Claim", id="T1"),
        Span(10, 20, "Premise", id="T2"),
        Span(20, 30, "Premise", id="T3"),
    ]
    pred = [
        Span(0, 10, "Claim", id="a"),
        Span(12, 20, "Premise", id="b"),
        Span(25, 30, "Premise", id="c"),
    ]
    gold_rels = [Relation("T2", "T1", "support"), Relation("T3", "T2", "attack")]
    pred_rels = [Relation("b", "a", "support"), Relation("c", "b", "attack")]
    metrics.update(
        pred_spans=pred,
        gold_spans=gold,
        pred_relations=pred_rels,
        gold_relations=gold_rels,
        pred_tags=[1, 2, 3, 4],
        gold_tags=[1, 2, 3, 3],
    )
    res = format_metrics("test", metrics.compute())
    # relations, as in test_metrics_relations: exact 0; at .5 b~T2 (.8) but c~T3 only .5 -> 2/4
    assert res["test/r_f1_exact"] == 0.0
    assert res["test/r_f1_50"] == approx(0.5)
    assert "test/r_macro_f1_50" not in res  # no relation_labels: micro only
    # tags: B-C, I-C, B-P right; gold B-P predicted I-P.
    # B-Claim 1, I-Claim 1, B-Premise tp1 gold2 pred1 -> 2/3, I-Premise gold0 pred1 -> 0
    assert res["test/token_macro_f1"] == approx((1 + 1 + 2 / 3 + 0) / 4)
    assert res["test/token_accuracy"] == approx(3 / 4)


def test_relation_labels_give_per_label_names() -> None:
    metrics = ComponentMetrics(["Claim"], with_relations=True, relation_labels=["support"])
    spans = {"x": (0, 5, "Claim"), "y": (6, 9, "Claim")}
    metrics.update(spans, spans, [("x", "y", "support")], [("x", "y", "support")])
    res = metrics.compute()
    assert res["r_f1_exact/support"] == 1.0 and res["r_macro_f1_50"] == 1.0


def test_tags_without_tag_names_warn_once() -> None:
    metrics = ComponentMetrics(["Claim"])
    with pytest.warns(UserWarning, match="tags="):
        metrics.update([], [], pred_tags=[0], gold_tags=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.update([], [], pred_tags=[0], gold_tags=[0])


def test_relations_need_span_ids() -> None:
    metrics = ComponentMetrics(["Claim"], with_relations=True)
    with pytest.raises(ValueError, match="no id"):
        metrics.update([(0, 5, "Claim")], [(0, 5, "Claim")], [], [])


def test_format_metrics_converts_tensors() -> None:
    assert format_metrics("test", {"a": torch.tensor(0.5), "b/c": 1}) == {
        "test/a": 0.5,
        "test/b/c": 1.0,
    }
