"""`callbacks=[default,ema]`: validation, best.ckpt and the exported model use the averaged weights."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from argmine.models.export import read_model_folder
from conftest import run_argmine

pytestmark = pytest.mark.slow  # trains through the CLI


def test_ema_weights_are_what_is_checkpointed_evaluated_and_exported(tmp_path: Path) -> None:
    proc = run_argmine(
        "train", "experiment=quickstart", "callbacks=[default,ema]", "callbacks.ema.decay=0.5",
        "callbacks.ema.update_starting_at_epoch=0", "trainer.max_epochs=3", "callbacks.early_stopping=null",
        "logger=csv", "seed=4", "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = Path(proc.stdout.strip().splitlines()[-1])
    best = torch.load(run / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    averaged = {k.removeprefix("net."): v for k, v in best["state_dict"].items() if k.startswith("net.")}
    raw = {k.removeprefix("net."): v for k, v in best["current_model_state"].items() if k.startswith("net.")}
    # the checkpoint holds the average in state_dict and the raw weights beside it: they differ
    assert averaged.keys() == raw.keys()
    assert any(not torch.equal(averaged[k], raw[k]) for k in averaged if averaged[k].is_floating_point())
    # the export is the evaluated (averaged) model
    _, exported = read_model_folder(run / "model")
    assert all(torch.equal(exported[k], averaged[k]) for k in exported)
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["selected_by"] == "val/c_f1_exact"
    # the evaluated checkpoint scores on validation what the averaged weights scored in training
    with (run / "csv" / "metrics.csv").open(encoding="utf-8") as f:
        curve = [float(r["val/c_f1_exact"]) for r in csv.DictReader(f) if r.get("val/c_f1_exact")][:-1]
    assert metrics["val/c_f1_exact"] == pytest.approx(curve[metrics["selected_epoch"]], abs=1e-6)
