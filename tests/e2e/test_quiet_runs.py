"""A run's output carries no library noise argmine knows to be expected (src/argmine/quiet.py):
Lightning's tips, torch's LeafSpec deprecation, transformers' LOAD REPORT and progress bar, and
Optuna's colour codes in a non-terminal log."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_argmine

pytestmark = pytest.mark.slow

NOISE = ["Tip:", "litlogger", "litmodels", "LeafSpec", "LOAD REPORT", "Loading weights", "\x1b["]


def test_a_quickstart_sweep_with_the_transformer_prints_no_library_noise(tmp_path: Path) -> None:
    # one Optuna trial of the MiniLM quickstart: Lightning, transformers and Optuna all speak
    proc = run_argmine("train", "-m", "hparams_search=transformer_optuna", "experiment=quickstart",
                       "model=transformer", "hydra.sweeper.n_trials=1", "trainer.max_epochs=1",
                       "data.limit_documents=4", "logger=none", "trainer.enable_progress_bar=false",
                       f"paths.root_dir={tmp_path}", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert "A new study created in RDB" in output  # Optuna's own record, now through the run's logging
    logs = "".join(p.read_text() for p in tmp_path.rglob("run.log"))
    assert "GPU available" in logs  # Lightning's other messages stay
    for noise in NOISE:
        assert noise not in output, (noise, output[-3000:])
        assert noise not in logs, noise
