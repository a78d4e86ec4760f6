"""A structure run keeps the epoch with the best (C-F1 + R-F1) / 2 on validation, and says so."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import run_argmine

pytestmark = pytest.mark.slow  # trains through the CLI


def test_a_structure_run_keeps_the_epoch_with_the_best_validation_aggregate(tmp_path: Path) -> None:
    proc = run_argmine(
        "train", "experiment=quickstart", "data.target=structure", "selection_metric=val/cr_f1_exact",
        "trainer.max_epochs=6", "callbacks.early_stopping=null", "logger=csv", "seed=3", "export=false",
        "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = Path(proc.stdout.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    # the validation curve, one row per epoch, as the CSV logger wrote it during training
    with (run / "csv" / "metrics.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("val/cr_f1_exact")]
    # epochs 0-5 are training's; the last row is the evaluation of the chosen checkpoint after it
    curve = {int(r["epoch"]): float(r["val/cr_f1_exact"]) for r in rows[:-1]}
    assert sorted(curve) == list(range(6))
    for r in rows:  # the aggregate is the mean of the paper's C-F1 and Eger's R-F1
        assert float(r["val/cr_f1_exact"]) == pytest.approx(
            (float(r["val/c_f1_exact"]) + float(r["val/r_f1_exact"])) / 2, abs=1e-6)
    best = max(curve.values())
    first_best = min(epoch for epoch, value in curve.items() if value == best)
    assert metrics["selected_by"] == "val/cr_f1_exact"
    assert metrics["selected_epoch"] == first_best, curve
    # the evaluated checkpoint is that epoch: validation gives its number again
    assert metrics["val/cr_f1_exact"] == pytest.approx(best, abs=1e-6)
    assert float(rows[-1]["val/cr_f1_exact"]) == pytest.approx(best, abs=1e-6)
