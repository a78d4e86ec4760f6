"""The pipeline from the command line: a tagger run writes its test predictions, a pair model
trained on gold components links them, and the run reports end-to-end C-F1 and R-F1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only


def test_tagger_predictions_feed_the_pipeline_relation_step(trained_run: Path, tmp_path: Path) -> None:
    predictions = trained_run / "predictions" / "test.jsonl"
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert records and all(r["text"][s["start"]:s["end"]] == s["text"] for r in records for s in r["spans"])
    proc = run_argmine(
        "train", "experiment=aae2_paragraph_pipeline", "data.corpus=sample", "~data.reader",
        f"data.predicted_components={predictions}", "trainer.max_epochs=3", "logger=none",
        "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = Path(proc.stdout.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    tagger = json.loads((trained_run / "metrics.json").read_text(encoding="utf-8"))
    # the components are the tagger's: the same C-F1 as the tagger's own test run
    assert metrics["test/c_f1_exact"] == tagger["test/c_f1_exact"]
    assert metrics["test/c_f1_50"] == tagger["test/c_f1_50"]
    # the relation step finds real relations: above the 0 of linking nothing, and a match at
    # 100% overlap is also one at 50%
    assert 0.0 < metrics["test/r_f1_exact"] <= metrics["test/r_f1_50"] <= 1.0
    linked = [json.loads(line) for line in (run / "predictions" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in linked] == [r["id"] for r in records]
    for rec in linked:
        ids = {s["id"] for s in rec["spans"]}
        assert all(r["source"] in ids and r["target"] in ids for r in rec["relations"])
    assert any(rec["relations"] for rec in linked)


def test_pipeline_without_predictions_names_the_key(tmp_path: Path) -> None:
    proc = run_argmine("train", "experiment=aae2_paragraph_pipeline", "data.corpus=sample", "~data.reader",
                       "logger=none", f"paths.root_dir={tmp_path}")
    assert proc.returncode == 1
    assert "data.predicted_components" in proc.stderr and "Traceback" not in proc.stderr
