"""A killed Optuna sweep resumes: re-running the same command runs only the missing trials."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import REPO_ROOT, require_module, run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

optuna = require_module("optuna")

TINY = [
    "experiment=quickstart", "hparams_search=bilstm_crf_optuna", "hydra.sweeper.n_trials=6",
    "trainer.max_epochs=1", "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=2",
    "+trainer.enable_checkpointing=false", "+trainer.enable_model_summary=false",
    "trainer.enable_progress_bar=false", "callbacks=none", "logger=none", "test=false", "export=false",
]


STUDY = "quickstart_bilstm_crf_optuna"


def _launched_jobs(output: str) -> list[int]:
    return [int(n) for n in re.findall(r"\t#(\d+) : ", output)]


def test_killed_sweep_resumes_with_the_remaining_trials(tmp_path: Path) -> None:
    args = [*TINY, f"paths.root_dir={tmp_path}"]
    sweep = tmp_path / "train" / "sweeps" / "quickstart_bilstm_crf_optuna"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    proc = subprocess.Popen([sys.executable, "-m", "argmine.cli", "train", "-m", *args], cwd=REPO_ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while len(list(sweep.glob("*/metrics.json"))) < 3:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline, "no 3 finished trials within 180 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/metrics.json")}
    assert sorted(first) == ["0", "1", "2"]
    storage = f"sqlite:///{sweep}/optuna.db"
    first_params = [t.params for t in optuna.load_study(study_name=STUDY, storage=storage).get_trials()[:3]]

    again = run_argmine("train", "-m", *args, timeout=240)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _launched_jobs(again.stdout + again.stderr) == [3, 4, 5]
    assert {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/metrics.json") if p.parent.name in first} == first

    study = optuna.load_study(study_name=STUDY, storage=storage)
    trials = study.get_trials()
    assert [t.number for t in trials] == [0, 1, 2, 3, 4, 5]
    assert [t.params for t in trials[:3]] == first_params
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    for t in trials:  # each trial's value is its job folder's objective
        metrics = json.loads((sweep / str(t.number) / "metrics.json").read_text())
        assert t.value == pytest.approx(metrics["val/c_f1_exact"])
    # the re-seeded sampler does not repeat the first trials' parameters
    assert all(trials[i + 3].params != trials[i].params for i in range(3))

    summary = json.loads((sweep / "optuna_summary.json").read_text())
    assert summary["n_trials"] == 6 and [t["number"] for t in summary["trials"]] == [0, 1, 2, 3, 4, 5]
    for figure in ("optuna_history", "optuna_importances", "optuna_parallel", "optuna_slice"):
        assert (sweep / f"{figure}.png").stat().st_size > 1000, figure
    page = (sweep / "optuna_report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 4 and page.count("<tr>") == 7  # self-contained

    # a third call has nothing left to do
    third = run_argmine("train", "-m", *args, timeout=120)
    assert third.returncode == 0, third.stderr[-3000:]
    assert _launched_jobs(third.stdout + third.stderr) == []
    assert len(optuna.load_study(study_name=STUDY, storage=storage).trials) == 6

    # best.yaml trains the best trial again: the same validation numbers at the same seed
    best = study.best_trial
    assert f"The best trial ({best.number}) of the Optuna study {STUDY}" in (sweep / "best.yaml").read_text()
    again = run_argmine("train", f"experiment={sweep / 'best.yaml'}", f"paths.root_dir={tmp_path / 'best'}")
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = json.loads((Path(again.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    trial = json.loads((sweep / str(best.number) / "metrics.json").read_text())
    assert {k: v for k, v in rerun.items() if k.startswith("val/")} == trial
