"""What a run leaves behind: a refused start leaves no folder; an interrupted run is named
``_FAILED`` with its status, error and whole log, and ``ckpt_path=last`` still resumes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

COMMON = ["train", "experiment=quickstart", "trainer.max_epochs=2", "logger=none", "export=false",
          "trainer.enable_progress_bar=false", "callbacks.early_stopping=null"]


def test_a_refused_start_leaves_no_run_folder(tmp_path: Path) -> None:
    proc = run_argmine(*COMMON, "data.splits.val=nope", f"paths.root_dir={tmp_path}")
    assert proc.returncode == 1 and "data.splits.val='nope'" in proc.stderr
    runs = tmp_path / "train" / "runs"
    assert not runs.exists() or not list(runs.iterdir())


def test_an_interrupted_run_is_marked_failed_keeps_its_log_and_resumes(tmp_path: Path) -> None:
    # one epoch is about 40 batches: Ctrl-C (KeyboardInterrupt) in the second epoch
    stopped = run_argmine(*COMMON, f"paths.root_dir={tmp_path}", env={"ARGMINE_INTERRUPT_AFTER_STEPS": "60"})
    assert stopped.returncode != 0
    [failed] = (tmp_path / "train" / "runs").iterdir()
    assert failed.name.endswith("_quickstart_FAILED")
    status = json.loads((failed / "run.json").read_text())
    assert status["status"] == "failed" and "interrupted" in status["error"]
    assert status["command"].startswith("argmine train experiment=quickstart")
    log = (failed / "run.log").read_text()
    assert "GPU available" in log  # Lightning's own messages
    assert "Detected KeyboardInterrupt" in log and "interrupted" in log.splitlines()[-1]
    assert (failed / "checkpoints" / "last.ckpt").is_file()
    resumed = run_argmine(*COMMON, f"paths.root_dir={tmp_path}", "ckpt_path=last")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {failed}" in resumed.stdout + resumed.stderr
    run = Path(resumed.stdout.strip().splitlines()[-1])
    assert json.loads((run / "run.json").read_text())["status"] == "completed"
    metrics = json.loads((run / "metrics.json").read_text())
    assert f"test/c_f1_exact: {metrics['test/c_f1_exact']:.4f}" in (run / "run.log").read_text()
