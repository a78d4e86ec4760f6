"""End to end: `argmine train` / `argmine eval` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from argmine.models.export import load_module, read_checkpoint, read_model_folder
from conftest import run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

KEY_METRICS = ["test/c_f1_exact", "test/c_f1_50", "test/c_macro_f1_exact", "test/token_macro_f1",
               "val/c_f1_exact", "val/c_f1_50"]


def test_run_folder_has_config_checkpoints_metrics_and_model(trained_run: Path) -> None:
    assert (trained_run / ".hydra" / "config.yaml").is_file()
    assert (trained_run / "checkpoints" / "best.ckpt").is_file()
    assert (trained_run / "checkpoints" / "last.ckpt").is_file()
    metrics = json.loads((trained_run / "metrics.json").read_text())
    for key in KEY_METRICS:
        assert 0.0 <= metrics[key] <= 1.0, key
    for label in ["major_claim", "claim", "premise", "counter_argument"]:
        assert f"test/f1_exact/{label}" in metrics
    # 8 epochs on 40 texts learn something real: far above an empty prediction (0.0)
    assert metrics["test/c_f1_50"] > 0.3
    assert (trained_run / "model" / "argmine.json").is_file()


def test_eval_reproduces_logged_test_metrics_exactly(trained_run: Path, tmp_path: Path) -> None:
    proc = run_argmine("eval", f"ckpt_path={trained_run / 'checkpoints' / 'best.ckpt'}",
                       f"paths.root_dir={tmp_path}", "trainer.enable_progress_bar=false")
    assert proc.returncode == 0, proc.stderr[-2000:]
    eval_dir = Path(proc.stdout.strip().splitlines()[-1])
    logged = json.loads((trained_run / "metrics.json").read_text())
    evaluated = json.loads((eval_dir / "metrics.json").read_text())
    logged = {k: v for k, v in logged.items() if k.startswith(("test/", "val/"))}  # not selected_by/_epoch
    assert {k: v for k, v in evaluated.items() if k.startswith(("test/", "val/"))} == logged


def test_eval_of_exported_model_folder_gives_the_same_metrics(trained_run: Path, tmp_path: Path) -> None:
    proc = run_argmine("eval", f"ckpt_path={trained_run / 'model'}", "data=sample",
                       f"paths.root_dir={tmp_path}", "trainer.enable_progress_bar=false", "stages=[test]")
    assert proc.returncode == 0, proc.stderr[-2000:]
    evaluated = json.loads((Path(proc.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    logged = json.loads((trained_run / "metrics.json").read_text())
    assert evaluated == {k: v for k, v in logged.items() if k.startswith("test/")}


def test_exported_model_loads_without_pickle_and_matches_checkpoint(trained_run: Path) -> None:
    state, weights = read_model_folder(trained_run / "model")
    assert state["format"] == "argmine-tagger/1"
    assert all(isinstance(v, torch.Tensor) for v in weights.values())
    from_folder = load_module(trained_run / "model")
    from_ckpt = load_module(trained_run / "checkpoints" / "best.ckpt")
    for key, value in from_ckpt.net.state_dict().items():
        assert torch.equal(value, from_folder.net.state_dict()[key]), key
    # the checkpoint itself loads with weights_only=True (no arbitrary objects)
    torch.load(trained_run / "checkpoints" / "best.ckpt", weights_only=True)
    desc, _ = read_checkpoint(trained_run / "checkpoints" / "best.ckpt")
    assert desc["tag_vocab"] == state["tag_vocab"]


def test_missing_checkpoint_is_one_clear_line(tmp_path: Path) -> None:
    proc = run_argmine("eval", f"ckpt_path={tmp_path / 'nope.ckpt'}", "data=sample", f"paths.root_dir={tmp_path}")
    assert proc.returncode != 0
    assert "checkpoint not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_corpus_says_where_it_looked(tmp_path: Path) -> None:
    proc = run_argmine("train", "experiment=aae2_paragraph_bilstm_crf", f"paths.root_dir={tmp_path}",
                       "logger=none", env={"ARGMINE_DATA_DIR": str(tmp_path / "empty")})
    assert proc.returncode == 1
    assert "not found: looked in" in proc.stderr and "ARGMINE_DATA_DIR" in proc.stderr
    assert "data.root=" in proc.stderr  # the train key, not argmine data's --root
    assert "--sha256" in proc.stderr or "download" not in proc.stderr  # a download hint that works as printed
    assert "Traceback" not in proc.stderr


def test_bad_config_key_fails_at_start_naming_the_key(tmp_path: Path) -> None:
    """One wrong override in a real process (the many kinds: tests/e2e/test_config_errors.py)."""
    proc = run_argmine("train", "experiment=quickstart", "+model.net.hiden_size=3", f"paths.root_dir={tmp_path}",
                       "logger=none")
    assert proc.returncode == 1
    assert "model.net.hiden_size: not a parameter" in proc.stderr and "'hidden_size'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("*.log"))


def test_ddp_evaluation_equals_single_process(trained_run: Path, tmp_path: Path) -> None:
    """trainer=ddp: 2 CPU processes (gloo) score every test unit exactly once."""
    proc = run_argmine("eval", f"ckpt_path={trained_run / 'checkpoints' / 'best.ckpt'}", "trainer=ddp",
                       f"paths.root_dir={tmp_path}", "trainer.enable_progress_bar=false", "stages=[test]")
    assert proc.returncode == 0, proc.stderr[-2000:]
    evaluated = json.loads((Path(proc.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    logged = json.loads((trained_run / "metrics.json").read_text())
    expected = {k: v for k, v in logged.items() if k.startswith("test/")}
    assert evaluated.keys() == expected.keys()
    for key, value in expected.items():
        assert evaluated[key] == pytest.approx(value, abs=1e-6), key


def test_offline_wandb_run_has_config_metrics_table_image_and_html(tmp_path: Path) -> None:
    proc = run_argmine("train", "experiment=quickstart", "trainer.max_epochs=2", "logger=wandb",
                       "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}", "export=false",
                       env={"WANDB_MODE": "offline", "WANDB_API_KEY": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    media = offline / "files" / "media"
    assert list((media / "table" / "test").glob("per_label_f1_*.table.json"))
    assert list((media / "images" / "test").glob("confusion_matrix_*.png"))
    (html,) = (media / "html" / "test").glob("predictions_*.html")
    assert "<mark" in html.read_text() or "no spans" in html.read_text()
    (records,) = offline.glob("run-*.wandb")
    data = records.read_bytes()
    assert b"optimized_metric" in data  # the resolved config
    assert b"test/c_f1_exact" in data and b"val/c_f1_exact" in data  # the metrics
