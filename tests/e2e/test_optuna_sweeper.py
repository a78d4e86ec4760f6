"""argmine's Optuna sweeper: pruning stops a diverging trial early and records it as PRUNED
(study, run folder, metrics.json); a study name reused with another search space or direction
is one error before anything trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import require_module, run_argmine

from argmine.cli import main
from argmine.sweeps.search_space import parse_search_space, space_signature

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

optuna = require_module("optuna")

SHORT = ["experiment=quickstart", "hparams_search=bilstm_crf_optuna", "trainer.max_epochs=3",
         "+trainer.limit_train_batches=8", "+trainer.limit_val_batches=4", "+trainer.enable_model_summary=false",
         "trainer.enable_progress_bar=false", "callbacks=none", "logger=none", "test=false", "export=false"]
STUDY = "quickstart_bilstm_crf_optuna"


def _study(root: Path) -> optuna.Study:
    sweep = root / "train" / "sweeps" / STUDY
    return optuna.load_study(study_name=STUDY, storage=f"sqlite:///{sweep}/optuna.db")


def test_a_diverging_trial_is_pruned_after_its_first_epoch(tmp_path: Path) -> None:
    """A learning rate of 10 makes val/loss explode (thousands, against about 15 at 0.003); a
    threshold pruner at 100 stops such a trial after epoch 0 of 3, whatever the trial order."""
    proc = run_argmine("train", "-m", *SHORT, f"paths.root_dir={tmp_path}", "hydra.sweeper.n_trials=3",
                       "hydra/sweeper/sampler=random", "hydra.sweeper.sampler.seed=3",
                       "hydra/sweeper/pruner=threshold", "hydra.sweeper.pruner.upper=100",
                       "optimized_metric=val/loss", "hydra.sweeper.direction=minimize",
                       "model.optimizer.lr=choice(0.003,10.0)", timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = _study(tmp_path).get_trials()
    assert len(trials) == 3
    states = {t.number: t.state for t in trials}
    for t in trials:
        run = tmp_path / "train" / "sweeps" / STUDY / str(t.number)
        record = json.loads((run / "run.json").read_text())
        metrics = json.loads((run / "metrics.json").read_text())
        if t.params["model.optimizer.lr"] == 10.0:
            assert states[t.number] == optuna.trial.TrialState.PRUNED
            assert list(t.intermediate_values) == [0]  # stopped before its last epoch
            assert t.value == pytest.approx(t.intermediate_values[0])  # the last reported value
            assert record["status"] == "pruned" and record["pruned_after_epoch"] == 0
            assert metrics["pruned_after_epoch"] == 0
        else:
            assert states[t.number] == optuna.trial.TrialState.COMPLETE
            assert list(t.intermediate_values) == [0, 1, 2]
            assert record["status"] == "completed" and "pruned_after_epoch" not in metrics
    assert optuna.trial.TrialState.PRUNED in states.values(), "the seeded sampler drew no lr=10 trial"


@pytest.mark.parametrize(("argument", "message"), [
    ("model.net.dropout=interval(0.1,0.3)", "has another search space (differs in model.net.dropout)"),
    ("hydra.sweeper.direction=minimize", "optimizes ['maximize'], not ['minimize']"),
])
def test_the_same_study_with_another_space_or_direction_is_refused(argument: str, message: str, tmp_path: Path,
                                                                    capfd: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    sweep = tmp_path / "train" / "sweeps" / STUDY
    sweep.mkdir(parents=True)
    storage = f"sqlite:///{sweep}/optuna.db"
    stored, _ = parse_search_space([  # the space of configs/hparams_search/bilstm_crf_optuna.yaml
        "model.optimizer.lr=tag(log, interval(0.0003, 0.01))", "model.net.hidden_size=choice(50, 100, 150, 200)",
        "model.net.dropout=interval(0.1, 0.6)", "model.net.char_filters=choice(30, 50, 100)",
        "data.batch_size=choice(8, 16, 32)"])
    # quiet: the log handlers an earlier in-process run installed write to that test's closed capture
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(study_name=STUDY, storage=storage, direction="maximize")
        study.set_user_attr("argmine_search_space", space_signature(stored))
    finally:
        optuna.logging.set_verbosity(verbosity)
    try:
        code = main(["train", "-m", *SHORT, f"paths.root_dir={tmp_path}", argument])
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capfd.readouterr().err
    lines = [x for x in err.splitlines() if x.strip() and not x.startswith("[Hydra plugins scanner]")]
    assert code == 1 and len(lines) == 1 and "Traceback" not in err, err[-3000:]
    assert f"study '{STUDY}' in {storage} " + message in lines[0]
    assert not _study(tmp_path).get_trials()
    assert sorted(p.name for p in sweep.iterdir()) == ["optuna.db"]  # no trial ran


@pytest.mark.parametrize(("sampler", "extra"), [
    ("cmaes", []),  # needs the cmaes package (a dependency of argmine)
    ("nsgaii", []),
    # a grid needs choice()/range() params only: the intervals fixed
    ("grid", ["model.optimizer.lr=0.003", "model.net.dropout=0.3"]),
])
def test_each_sampler_runs_a_short_study(sampler: str, extra: list[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    code = main(["train", "-m", *SHORT, "trainer.max_epochs=1", f"hydra/sweeper/sampler={sampler}",
                 "hydra.sweeper.n_trials=2", "hydra.sweeper.sampler.seed=3", *extra, f"paths.root_dir={tmp_path}"])
    assert code in (0, None)
    trials = _study(tmp_path).get_trials()
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2
    if sampler == "grid":
        assert set(trials[0].params) == {"model.net.hidden_size", "model.net.char_filters", "data.batch_size"}
