"""A model exported by argmine 0.1.0 (before the task layer) loads and predicts what it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import argmine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LEGACY = FIXTURES / "legacy_tagger_0.1.0"


def test_a_0_1_0_export_predicts_the_same_spans_and_relations() -> None:
    expected = [json.loads(line) for line in (LEGACY / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
    predictor = argmine.load(LEGACY)
    texts = [(FIXTURES / name).read_text(encoding="utf-8") for name in ("news_dispute.txt", "news_article.txt")]
    for want, doc in zip(expected, predictor.predict_many(texts, ids=[e["id"] for e in expected]), strict=True):
        assert doc.text == want["text"]
        assert [(s.id, s.start, s.end, s.label) for s in doc.spans] == [
            (s["id"], s["start"], s["end"], s["label"]) for s in want["spans"]]
        assert [s.score for s in doc.spans] == pytest.approx([s["score"] for s in want["spans"]], abs=1e-4)
        assert [(r.source, r.target, r.label) for r in doc.relations] == [
            (r["source"], r["target"], r["label"]) for r in want["relations"]]
        assert want["relations"], "the fixture model predicts relations"
