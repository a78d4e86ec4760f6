"""Several processes on one Optuna study: ``hydra.sweeper.n_jobs`` workers on a journal file,
exactly ``n_trials`` trials, each in its own run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import require_module, run_argmine
from tests.e2e.test_optuna_resume import STUDY, TINY

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

optuna = require_module("optuna")

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def _trials_and_folders(sweep: Path, storage: object) -> tuple[list, dict[str, dict]]:
    study = optuna.load_study(study_name=STUDY, storage=storage)
    folders = {p.parent.name: json.loads(p.read_text()) for p in sweep.glob("*/metrics.json")}
    return study.get_trials(), folders


def test_two_workers_on_a_journal_study_run_exactly_n_trials(tmp_path: Path) -> None:
    journal = tmp_path / "study.log"
    proc = run_argmine("train", "-m", *TINY, "hydra.sweeper.n_jobs=2", f"hydra.sweeper.storage=journal:{journal}",
                       f"paths.root_dir={tmp_path}", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sweep = tmp_path / "train" / "sweeps" / STUDY
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    trials, folders = _trials_and_folders(sweep, storage)
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == 6, [(t.number, t.state) for t in trials]
    # any other trial is one a worker asked for after the study was full, told FAIL at once
    assert all(t.user_attrs.get("argmine_surplus") for t in trials if t not in finished)
    numbers = [t.number for t in finished]
    assert len(set(numbers)) == 6
    # each worker's sampler has its own seed: the workers do not draw the same parameters
    assert len({tuple(sorted(t.params.items())) for t in finished}) == 6
    assert sorted(folders) == sorted(str(n) for n in numbers)  # one run folder per trial, by its number
    for t in finished:
        assert t.value == pytest.approx(folders[str(t.number)]["val/c_f1_exact"])
    # two processes drew them: some trials ran at the same time
    spans = sorted((t.datetime_start, t.datetime_complete) for t in finished)
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)), spans
    assert (sweep / "best.yaml").is_file()
    # the same command again: the study is full, nothing runs
    again = run_argmine("train", "-m", *TINY, "hydra.sweeper.n_jobs=2", f"hydra.sweeper.storage=journal:{journal}",
                        f"paths.root_dir={tmp_path}", timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len([t for t in _trials_and_folders(sweep, storage)[0] if t.state in FINISHED]) == 6


def test_several_workers_need_a_shared_storage(tmp_path: Path) -> None:
    proc = run_argmine("train", "-m", *TINY, "hydra.sweeper.n_jobs=2", "hydra.sweeper.storage=null",
                       f"paths.root_dir={tmp_path}", timeout=300)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-1].endswith("hydra.sweeper.n_jobs > 1 needs a storage its workers share "
                              "(hydra.sweeper.storage=sqlite:///PATH, journal:PATH or postgresql://...)"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_killed_workers_trial_is_failed_by_the_heartbeat_and_run_again(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path}/study.db"
    args = ["train", "-m", *TINY, f"hydra.sweeper.storage={storage}", "hydra.sweeper.heartbeat_interval=1",
            "hydra.sweeper.grace_period=3", f"paths.root_dir={tmp_path}"]
    # the first worker dies outright (os._exit, as kill -9: no cleanup) in its first trial's first step
    killed = run_argmine(*args, env={"ARGMINE_CRASH_AFTER_STEPS": "1"}, timeout=300)
    assert killed.returncode == 137, killed.stderr[-2000:]
    [left] = optuna.load_study(study_name=STUDY, storage=storage).get_trials()
    assert left.state == optuna.trial.TrialState.RUNNING
    # a second worker joins: trial 0's heartbeat stops, Optuna fails it and re-queues it once
    joined = run_argmine(*args, timeout=600)
    assert joined.returncode == 0, joined.stderr[-3000:]
    trials = optuna.load_study(study_name=STUDY, storage=storage).get_trials()
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == 6 and trials[0].state == optuna.trial.TrialState.FAIL
    [retry] = [t for t in trials if t.system_attrs.get("failed_trial") == 0]
    assert retry in finished and retry.params == trials[0].params
    assert len(trials) == 7  # nothing asked beyond the study's size


def test_workers_launch_their_trials_through_submitit(tmp_path: Path) -> None:
    """The cluster recipe's launcher, run locally: each worker submits its trials as submitit jobs
    (``hydra/launcher=submitit_local``; ``hydra/launcher=slurm`` submits the same jobs to SLURM).
    The study is unnamed and the sweep folder named by the time: the workers get the parent's
    resolved values, not their own (one study, one folder)."""
    journal = tmp_path / "study.log"
    proc = run_argmine("train", "-m", *TINY, "hydra.sweeper.n_trials=2", "hydra.sweeper.n_jobs=2",
                       "hydra.sweeper.study_name=null", f"hydra.sweeper.storage=journal:{journal}",
                       f"hydra.sweep.dir={tmp_path}/sweep_${{now:%H-%M-%S-%f}}", "hydra/launcher=submitit_local",
                       "hydra.launcher.timeout_min=10", f"paths.root_dir={tmp_path}", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [sweep] = list(tmp_path.glob("sweep_*"))
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    [summary] = optuna.get_all_study_summaries(storage)
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).get_trials()
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == 2
    assert sorted(p.parent.name for p in sweep.glob("*/metrics.json")) == sorted(str(t.number) for t in finished)
    assert (sweep / "best.yaml").is_file()
    jobs = [p for p in (sweep / ".submitit").iterdir() if list(p.glob("*_result.pkl"))]
    assert len(jobs) == 2  # one submitit job per trial

def test_a_joining_process_leaves_others_running_trials_alone(tmp_path: Path) -> None:
    """``resume_running=false``: a trial RUNNING in another process (no heartbeat to tell) is
    neither re-run nor failed; the joining process draws only what the study still lacks."""
    journal = tmp_path / "study.log"
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    elsewhere = optuna.create_study(study_name=STUDY, storage=storage, direction="maximize").ask()
    proc = run_argmine("train", "-m", *TINY, "hydra.sweeper.n_trials=2", f"hydra.sweeper.storage=journal:{journal}",
                       "hydra.sweeper.resume_running=false", f"paths.root_dir={tmp_path}", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = optuna.load_study(study_name=STUDY, storage=storage).get_trials()
    assert [(t.number, t.state) for t in trials] == [(elsewhere.number, optuna.trial.TrialState.RUNNING),
                                                      (1, optuna.trial.TrialState.COMPLETE)]
    assert not (tmp_path / "train" / "sweeps" / STUDY / "0").exists()  # trial 0 not re-run here

