"""``argmine train -m seed=1,2,3``: the multirun summary agrees with the runs' metrics.json, and
the runs' W&B (offline) records share one group: the sweep folder's name."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from tests.conftest import run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only


def _records(run_folder: Path) -> bytes:
    """The raw bytes of an offline W&B run's ``.wandb`` transaction log."""
    (log,) = run_folder.glob("run-*.wandb")
    return log.read_bytes()


def test_seed_multirun_summary_matches_the_runs(tmp_path: Path) -> None:
    proc = run_argmine(
        "train", "-m", "experiment=quickstart", "seed=1,2,3", "trainer.max_epochs=2", "logger=wandb",
        "callbacks=none", "trainer.enable_progress_bar=false", "export=false", f"paths.root_dir={tmp_path}",
        env={"WANDB_MODE": "offline", "WANDB_SILENT": "true"}, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (sweep,) = (tmp_path / "train" / "multiruns").iterdir()
    runs = {job: json.loads((sweep / job / "metrics.json").read_text()) for job in ("0", "1", "2")}
    summary = json.loads((sweep / "multirun_summary.json").read_text())
    assert [r["job"] for r in summary["runs"]] == ["0", "1", "2"]
    assert [r["overrides"] for r in summary["runs"]] == [
        ["experiment=quickstart", f"seed={s}", "trainer.max_epochs=2", "logger=wandb", "callbacks=none",
         "trainer.enable_progress_bar=False", "export=False", f"paths.root_dir={tmp_path}"] for s in (1, 2, 3)]
    (conf,) = summary["configurations"]  # seeds are repeats of one configuration
    test_keys = sorted(k for k in runs["0"] if k.startswith("test/") and k.count("/") == 1)
    assert "test/c_f1_exact" in test_keys
    markdown = (sweep / "multirun_summary.md").read_text()
    for key in test_keys:
        values = [runs[j][key] for j in ("0", "1", "2")]
        stats = conf["metrics"][key]
        assert stats["n"] == 3
        assert stats["mean"] == pytest.approx(statistics.fmean(values))
        assert stats["std"] == pytest.approx(statistics.stdev(values))
        assert (stats["min"], stats["max"]) == (min(values), max(values))
        assert f"| {key} | {statistics.fmean(values):.4f} ± {statistics.stdev(values):.4f} |" in markdown
    # the three seeds trained different models
    assert len({runs[j]["test/loss"] for j in runs}) == 3

    folders = [f for job in ("0", "1", "2") for f in (sweep / job / "wandb").glob("offline-run-*")]
    assert len(folders) == 3
    # every run's record carries the sweep folder's name as its group
    assert all(sweep.name.encode() in _records(folder) for folder in folders)
