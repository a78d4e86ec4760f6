"""Re-scoring a finished run from its kept predictions gives the numbers the run logged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import REPO_ROOT, run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only


def test_rescore_reproduces_the_logged_metrics_and_updates_a_results_file(tmp_path: Path) -> None:
    proc = run_argmine(
        "train", "experiment=quickstart", "data.target=structure", "trainer.max_epochs=3", "logger=none",
        "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}", "seed=3",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = Path(proc.stdout.strip().splitlines()[-1])
    logged = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"paper": {"test/r_f1_exact": 0.5}, "ours": {}}), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "rescore_runs.py"), str(run), "--update", str(results)],
        text=True, capture_output=True, cwd=REPO_ROOT, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    from argmine.reproduce.rescore import rescore_run

    scores = rescore_run(run)
    keys = ["test/c_f1_exact", "test/c_f1_50", "test/r_f1_exact", "test/r_f1_50", "test/r_f1_doc_exact",
            "test/r_f1_doc_50"]
    for key in keys:
        assert abs(scores[key] - logged[key]) < 1e-6, (key, scores[key], logged[key])
        assert f"{key}: {scores[key]:.4f} (logged {logged[key]:.4f})" in out.stdout
    updated = json.loads(results.read_text(encoding="utf-8"))
    assert updated["ours"]["test/r_f1_exact"]["mean"] == scores["test/r_f1_exact"]
    assert updated["ours"]["test/r_f1_exact"]["n"] == 1
    assert "rescore_runs.py" in updated["rescored"]["command"]


def test_rescore_names_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "rescore_runs.py"), str(tmp_path)],
                         text=True, capture_output=True, cwd=REPO_ROOT, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {tmp_path}: not a run folder (no .hydra/config.yaml)"
