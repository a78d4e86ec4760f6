"""Shared test fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The folder of real corpora (``$ARGMINE_SHARED_CORPORA``, default ``../shared/corpora``).

    Skips the test visibly when the folder is absent.
    """
    path = Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    if not path.is_dir():
        pytest.skip(f"real corpora not found at {path} (set ARGMINE_SHARED_CORPORA)")
    return path


def run_argmine(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``argmine`` CLI in a subprocess (as a user would) and return the finished process."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": os.environ.get("WANDB_MODE", "disabled"),
                **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "argmine.cli", *args],
        cwd=cwd or REPO_ROOT, env=full_env, text=True, capture_output=True, timeout=timeout, input=input,
    )


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder of a small BiLSTM-CRF trained on the sample corpus (checkpoints, metrics.json,
    exported model/). Shared by the end-to-end tests; about 15 s."""
    root = tmp_path_factory.mktemp("runs")
    proc = run_argmine(
        "train", "experiment=quickstart", "trainer.max_epochs=8", "logger=csv",
        "trainer.enable_progress_bar=false", f"paths.root_dir={root}", "seed=7",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert (run_dir / "model" / "weights.safetensors").is_file()
    return run_dir
