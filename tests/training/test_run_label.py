"""W&B display names that tell runs apart: the model, a multirun job's number (an Optuna
sweep's trial number) and its own overrides."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from argmine.training.loggers import run_label


def test_a_single_run_adds_the_model_unless_the_name_says_it() -> None:
    assert run_label("quickstart", "transformer") == "quickstart transformer"
    assert run_label("sample_bilstm_crf", "bilstm_crf") == "sample_bilstm_crf"
    assert run_label(None, "transformer") is None


def test_multirun_jobs_carry_their_own_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    task = ["experiment=quickstart", "model=transformer", "seed=2", "model.optimizer.lr=0.001",
            "paths.root_dir=/tmp/x", "logger=none", "+trainer.max_epochs=3"]
    fake = SimpleNamespace(mode=RunMode.MULTIRUN, overrides=SimpleNamespace(task=task), job=SimpleNamespace(num=4))
    monkeypatch.setattr(HydraConfig, "get", staticmethod(lambda: fake))
    assert run_label("quickstart", "transformer") == (
        "quickstart transformer #4 seed=2 model.optimizer.lr=0.001 trainer.max_epochs=3")


def test_a_wandb_agent_run_carries_its_sampled_values(monkeypatch: pytest.MonkeyPatch) -> None:
    task = ["experiment=quickstart", "logger=wandb", "model.optimizer.lr=0.002", "data.batch_size=4"]
    fake = SimpleNamespace(mode=RunMode.RUN, overrides=SimpleNamespace(task=task))
    monkeypatch.setattr(HydraConfig, "get", staticmethod(lambda: fake))
    monkeypatch.delenv("WANDB_SWEEP_ID", raising=False)
    assert run_label("quickstart", "bilstm_crf") == "quickstart bilstm_crf"  # a plain single run
    monkeypatch.setenv("WANDB_SWEEP_ID", "abc123")  # set by `wandb agent` for each run it starts
    assert run_label("quickstart", "bilstm_crf") == "quickstart bilstm_crf model.optimizer.lr=0.002 data.batch_size=4"
