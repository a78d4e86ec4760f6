"""``argmine eval`` on data whose label set differs from the model's: one clear error when the
data has labels the model never saw, a clean evaluation naming the absent ones otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_argmine

from argmine.corpora.sample import JSONL_FILE

pytestmark = pytest.mark.slow


def _relabelled_sample(folder: Path, old: str, new: str) -> Path:
    """The bundled sample corpus (argmine's own texts) with one span label renamed."""
    folder.mkdir()
    lines = []
    for line in JSONL_FILE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for span in record["spans"]:
            span["label"] = new if span["label"] == old else span["label"]
        lines.append(json.dumps(record))
    (folder / "sample.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _eval(trained_run: Path, root: Path, out: Path) -> object:
    return run_argmine("eval", f"ckpt_path={trained_run / 'checkpoints' / 'best.ckpt'}", "data=sample",
                       f"data.root={root}", "logger=none", f"paths.root_dir={out}", timeout=300)


def test_labels_the_model_never_saw_are_one_error_listing_both_sides(trained_run: Path, tmp_path: Path) -> None:
    root = _relabelled_sample(tmp_path / "corpus", "counter_argument", "rebuttal")
    proc = _eval(trained_run, root, tmp_path / "out")
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "never saw: ['rebuttal']" in errors[0]
    assert "model: ['claim', 'counter_argument', 'major_claim', 'premise']" in errors[0]
    assert "data: ['claim', 'major_claim', 'premise', 'rebuttal']" in errors[0]


def test_a_subset_of_the_labels_evaluates_and_names_the_absent_ones(trained_run: Path, tmp_path: Path) -> None:
    root = _relabelled_sample(tmp_path / "corpus", "counter_argument", "claim")
    proc = _eval(trained_run, root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert "absent from the data" in output and "['counter_argument']" in output
    metrics = json.loads((Path(proc.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    assert 0.0 <= metrics["test/c_f1_exact"] <= 1.0 and metrics["test/token_accuracy"] > 0.3
