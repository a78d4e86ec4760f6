"""``cv``: k-fold CV on the sample corpus and the microtexts' fixed folds run and aggregate."""

from __future__ import annotations

import itertools
import json
import statistics
from pathlib import Path

import pytest
from tests.conftest import run_argmine

from argmine.corpora import load_corpus

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

QUIET = ["trainer.max_epochs=1", "logger=none", "callbacks=none", "export=false", "trainer.enable_progress_bar=false"]


def _run_dir(proc) -> Path:  # noqa: ANN001
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(proc.stdout.strip().splitlines()[-1])


def test_three_fold_cv_on_the_sample_corpus(tmp_path: Path) -> None:
    run = _run_dir(run_argmine("train", "experiment=quickstart", "cv=kfold", "cv.folds=3", *QUIET,
                               f"paths.root_dir={tmp_path}", timeout=300))
    folds = [json.loads((run / f"fold_{i}" / "metrics.json").read_text()) for i in range(3)]
    summary = json.loads((run / "cv_summary.json").read_text())
    assert summary["folds_run"] == [0, 1, 2] and summary["official_test"] is True
    means = json.loads((run / "metrics.json").read_text())
    for key in ("test/c_f1_50", "val/token_accuracy", "test/loss"):
        values = [f[key] for f in folds]
        assert summary["metrics"][key]["mean"] == pytest.approx(statistics.fmean(values))
        assert summary["metrics"][key]["std"] == pytest.approx(statistics.stdev(values))
        assert means[key] == pytest.approx(statistics.fmean(values))
    # the held-out folds (each fold's validation documents) partition the training documents
    train_ids = {d.id for d in load_corpus("sample").documents if d.split == "train"}
    held = [{json.loads(line)["id"] for line in (run / f"fold_{i}" / "predictions" / "val.jsonl").read_text().splitlines()}
            for i in range(3)]
    assert all(not (a & b) for a, b in itertools.combinations(held, 2)), "a document is held out twice"
    assert set().union(*held) == train_ids, "the folds do not cover the training documents"
    assert [len(h) for h in held] == [f["n_heldout"] for f in summary["folds"]]
    assert "| test/c_f1_exact |" in (run / "cv_summary.md").read_text()


@pytest.mark.corpora
def test_microtexts_10x5_folds_two_of_fifty(tmp_path: Path, shared_corpora: Path) -> None:
    run = _run_dir(run_argmine(
        "train", "data=microtexts", "cv=microtexts_10x5", "cv.limit_folds=2", "name=mt_cv", *QUIET,
        f"paths.root_dir={tmp_path}", env={"ARGMINE_DATA_DIR": str(shared_corpora)}, timeout=300))
    summary = json.loads((run / "cv_summary.json").read_text())
    assert summary["n_folds"] == 50 and summary["folds_run"] == [0, 1]
    assert summary["official_test"] is False  # held-out fold = val = test, last checkpoint
    assert [(f["n_train"], f["n_heldout"]) for f in summary["folds"]] == [(90, 22), (89, 23)]
    fold_cfg = (run / ".hydra" / "config.yaml").read_text()
    assert "scheme: corpus" in fold_cfg
    assert summary["metrics"]["test/c_f1_exact"]["n"] == 2
