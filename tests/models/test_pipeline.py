"""Pipeline relation step: a tagger's predicted components read back, snapped to the corpus
tokens, linked by the pair model's outputs and scored end to end (C-F1, R-F1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.data.pairs import PairDataModule
from argmine.data.predicted import read_predicted_components, snap_to_tokens
from argmine.documents import Span
from argmine.errors import ConfigError, DocumentError
from argmine.io import jsonl_line
from argmine.models.pipeline import score_documents
from argmine.tasks import PairDecoding

SPLITS = {"train": "train", "test": "train"}


def _gold() -> PairDataModule:
    dm = PairDataModule("sample", limit_documents=2, splits=SPLITS)
    dm.prepare_corpus()
    return dm


def _pipeline(path: Path) -> PairDataModule:
    dm = PairDataModule("sample", limit_documents=2, splits=SPLITS, predicted_components=str(path))
    dm.prepare_corpus()
    return dm


def _gold_outputs(gold: PairDataModule) -> dict[int, PairDecoding]:
    """What a perfect pair model predicts: the gold stance and the gold in-unit links."""
    return {i: PairDecoding(None, [s or "support" for s in r.stances or []], set(r.links or ()))
            for i, r in enumerate(gold.records["test"])}


def test_gold_components_and_links_score_the_in_paragraph_share(tmp_path: Path) -> None:
    gold = _gold()
    path = tmp_path / "test.jsonl"
    path.write_text("".join(jsonl_line(d) for d in gold.documents["test"]), encoding="utf-8")
    dm = _pipeline(path)
    # the predicted documents carry the predicted (here: gold) spans and no relations
    assert [[(s.start, s.end, s.label) for s in d.spans] for d in dm.documents["test"]] == [
        [(s.start, s.end, s.label) for s in d.spans] for d in gold.documents["test"]
    ]
    assert all(not d.relations for d in dm.documents["test"])
    assert dm.gold_documents["test"] == gold.documents["test"]
    predicted = dm.task.decode_documents(dm.documents["test"], dm.records["test"], _gold_outputs(gold), types=False)
    ids = [{s.id for s in d.spans} for d in predicted]
    assert all(r.source in i and r.target in i for d, i in zip(predicted, ids, strict=True) for r in d.relations)
    scores = score_documents(predicted, dm.gold_documents["test"], dm.units_tokens, ["major_claim", "claim", "premise",
                                                                                   "counter_argument"])
    assert scores["c_f1_exact"] == 1.0
    # document level: sample-001 has 4 of its 6 relations inside a paragraph, sample-002 3 of 6;
    # the other 5 (claim -> major claim) cross paragraphs, which a paragraph-level pair model
    # cannot link: P = 7/7, R = 7/12, F1 = 14/19
    assert scores["r_precision_doc_exact"] == 1.0
    assert scores["r_recall_doc_exact"] == pytest.approx(7 / 12)
    assert scores["r_f1_doc_exact"] == pytest.approx(14 / 19)
    # Eger's per-paragraph protocol: one relation per component (the sample's labels are not
    # AAE's MajorClaim / Claim, so no implicit links); a cross-paragraph link is "unlinked" on
    # both sides: all 14 components' relations match
    assert scores["r_f1_exact"] == 1.0


def test_a_shorter_prediction_matches_at_50_percent_only(tmp_path: Path) -> None:
    gold = _gold()
    docs = list(gold.documents["test"])
    first = docs[0]
    # p1 (a premise with a link to c1) loses its first token
    spans = [s for s in first.spans]
    k = next(i for i, s in enumerate(spans) if s.id == "p1")
    p1 = spans[k]
    cut = first.text.index(" ", p1.start) + 1
    spans[k] = Span(cut, p1.end, p1.label, p1.id)
    docs[0] = first.replace(spans=spans, relations=[])
    path = tmp_path / "test.jsonl"
    path.write_text("".join(jsonl_line(d) for d in docs), encoding="utf-8")
    dm = _pipeline(path)
    predicted = dm.task.decode_documents(dm.documents["test"], dm.records["test"], _gold_outputs(gold), types=False)
    labels = ["major_claim", "claim", "premise", "counter_argument"]
    scores = score_documents(predicted, dm.gold_documents["test"], dm.units_tokens, labels)
    # 14 gold components, 13 exact matches; the link p1 -> c1 is lost at 100 % only
    assert scores["c_f1_exact"] == pytest.approx(13 / 14)
    assert scores["c_f1_50"] == 1.0
    assert scores["r_f1_doc_exact"] == pytest.approx(2 * 6 / (7 + 12))
    assert scores["r_f1_doc_50"] == pytest.approx(14 / 19)
    # per paragraph: 14 relations a side, p1 -> c1 lost (fp 1, fn 1): 26 / 28
    assert scores["r_f1_exact"] == pytest.approx(26 / 28)
    assert scores["r_f1_50"] == 1.0


def test_spans_are_snapped_outwards_to_tokens() -> None:
    tokens = [(0, 3), (4, 9), (10, 12), (13, 20)]
    spans = [Span(5, 11, "claim", "T1"), Span(9, 10, "premise", "T2"), Span(0, 20, "premise", "T3")]
    snapped, dropped = snap_to_tokens(spans, tokens)
    assert [(s.start, s.end, s.id) for s in snapped] == [(4, 12, "T1"), (0, 20, "T3")]
    assert dropped == 1  # T2 covers only the space between two tokens


def test_predicted_components_drop_the_taggers_attributes(tmp_path: Path) -> None:
    path = tmp_path / "pred.jsonl"
    path.write_text('{"id": "a", "text": "We act now.", "spans": [{"id": "T1", "start": 0, "end": 10, '
                    '"label": "Claim", "score": 0.9, "attributes": {"stance": "For"}}], "relations": []}\n',
                    encoding="utf-8")
    spans, text = read_predicted_components(path)["a"]
    assert text == "We act now." and [(s.start, s.end, s.label, s.score, s.attributes) for s in spans] == [
        (0, 10, "Claim", 0.9, {})]


def test_bad_prediction_files_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data.predicted_components: .*nothing.jsonl is not a file"):
        read_predicted_components(tmp_path / "nothing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "spans": []}\n{"id": "b", "spans": [{"start": 0}]}\n', encoding="utf-8")
    with pytest.raises(DocumentError, match=r"bad.jsonl:2: not a prediction record"):
        read_predicted_components(bad)
    gold = _gold()
    only_first = tmp_path / "first.jsonl"
    only_first.write_text(jsonl_line(gold.documents["test"][0]), encoding="utf-8")
    with pytest.raises(DocumentError, match=r"no predictions for 1 of 2 documents \(first: \['sample-002'\]\)"):
        _pipeline(only_first)
    other = tmp_path / "other.jsonl"
    other.write_text("".join(jsonl_line(d.replace(text=d.text.upper())) for d in gold.documents["test"]),
                     encoding="utf-8")
    with pytest.raises(DocumentError, match="document sample-001: its text differs from the corpus text"):
        _pipeline(other)
