"""``cr_f1_{variant}``: the mean of C-F1 and Eger's R-F1, worked by hand."""

from __future__ import annotations

import pytest

from argmine.documents import Relation, Span
from argmine.metrics import ComponentMetrics


def test_cr_f1_is_the_mean_of_component_and_relation_f1() -> None:
    metric = ComponentMetrics(["claim", "premise"], with_relations=True)
    gold = [Span(0, 5, "claim", "T1"), Span(6, 12, "premise", "T2"), Span(13, 20, "premise", "T3")]
    # two of three components found exactly (P 1, R 2/3: F1 0.8); the one gold relation found,
    # plus one wrong one (P 1/2, R 1: F1 2/3)
    pred = [Span(0, 5, "claim", "T1"), Span(6, 12, "premise", "T2")]
    metric.update(pred, gold, [Relation("T2", "T1", "supports"), Relation("T1", "T2", "supports")],
                  [Relation("T2", "T1", "supports")])
    out = {k: float(v) for k, v in metric.compute().items()}
    assert out["c_f1_exact"] == pytest.approx(0.8)
    assert out["r_f1_exact"] == pytest.approx(2 / 3)
    assert out["cr_f1_exact"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert out["cr_f1_50"] == pytest.approx((out["c_f1_50"] + out["r_f1_50"]) / 2)


def test_a_components_only_metric_has_no_aggregate() -> None:
    metric = ComponentMetrics(["claim"])
    metric.update([Span(0, 5, "claim", "T1")], [Span(0, 5, "claim", "T1")])
    assert not any(key.startswith("cr_") for key in metric.compute())
