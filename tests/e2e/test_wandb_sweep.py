"""``argmine sweep wandb``: offline it validates the definition, prints the spec and runs one
trial's command line locally."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.conftest import REPO_ROOT, run_argmine

from argmine.cli import main
from argmine.sweeps.wandb_sweep import args_no_hyphens, sample_parameters

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

PARAMS = {
    "model.optimizer.lr": {"distribution": "log_uniform_values", "min": 0.0005, "max": 0.005},
    "model.net.hidden_size": {"values": [20, 30, 40]},
    "data.batch_size": {"distribution": "int_uniform", "min": 2, "max": 6},
}


def _write(tmp_path: Path, **definition: object) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
    return path


def test_example_definition_gives_a_spec_running_argmine_train() -> None:
    proc = run_argmine("sweep", "wandb", "--config", str(REPO_ROOT / "configs/sweeps/wandb_bilstm.yaml"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    spec = yaml.safe_load(proc.stdout)
    assert spec["metric"] == {"name": "val/c_f1_exact", "goal": "maximize"}
    assert "overrides" not in spec
    assert spec["command"] == ["${env}", "${interpreter}", "-m", "argmine.cli", "train", "experiment=quickstart",
                               "trainer.max_epochs=15", "logger=wandb", "optimized_metric=val/c_f1_exact",
                               "${args_no_hyphens}"]


def test_bad_definitions_are_refused_with_the_key_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metric = {"name": "val/c_f1_exact", "goal": "maximize"}
    cases = {
        "parameter: unknown key ": dict(method="random", metric=metric, parameters=PARAMS, parameter={}),
        "method: must be one of": dict(method="annealing", metric=metric, parameters=PARAMS),
        "parameters.model.net.hiden_size: no such key of the train config nor a config group; "
        "did you mean model.net.hidden_size?": dict(
            method="random", metric=metric, parameters={"model.net.hiden_size": {"values": [1, 2]}}),
        "parameters.model.optimizer.lr: distribution log_uniform_values needs ['max']": dict(
            method="random", metric=metric, parameters={"model.optimizer.lr": {"distribution": "log_uniform_values",
                                                                               "min": 0.1}}),
        "parameters.model: a sampled run does not compose": dict(
            method="random", metric=metric, parameters={"model": {"values": ["no_such_model"]}}),
        "metric.goal: must be maximize or minimize": dict(method="random", metric={"name": "x", "goal": "up"},
                                                          parameters=PARAMS),
        "metric.name=val/c_f1_exat: not a metric this run logs; did you mean val/c_f1_exact?": dict(
            method="random", metric={"name": "val/c_f1_exat", "goal": "maximize"}, parameters=PARAMS,
            overrides=["experiment=quickstart"]),
    }
    for k, (expected, definition) in enumerate(cases.items()):
        args = ["sweep", "wandb", "--config", str(_write(tmp_path, **definition)), "--dry-run"]
        if k == 0:  # once as a user runs it, the other cases in-process (same entry point)
            proc = run_argmine(*args)
            returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        else:
            returncode = main(args)
            stdout, stderr = capsys.readouterr()
        assert returncode == 1, (expected, stdout)
        assert "argmine sweep: error:" in stderr and str(tmp_path / "sweep.yaml") in stderr
        assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
        assert "add it with +" not in stderr  # Hydra's trap: '+' would add an unused key
        if expected.startswith("parameters.model: a sampled"):
            assert "a sampled run does not compose (model=no_such_model)" in stderr, stderr
        else:
            assert expected in stderr, (expected, stderr)


def test_local_runs_one_trial_with_seeded_parameters(tmp_path: Path) -> None:
    overrides = ["experiment=quickstart", "trainer.max_epochs=1", "logger=none", "callbacks=none", "export=false",
                 "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}"]
    config = _write(tmp_path, method="random", metric={"name": "val/c_f1_exact", "goal": "maximize"},
                    parameters=PARAMS, overrides=overrides)
    proc = run_argmine("sweep", "wandb", "--config", str(config), "--local", "--seed", "3", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sampled = args_no_hyphens(sample_parameters(PARAMS, seed=3))
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("local trial: ")]
    assert line.endswith(" ".join(["-m", "argmine.cli", "train", *overrides, "optimized_metric=val/c_f1_exact",
                                   *sampled]))
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path / "train" / "runs"
    saved = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text())
    assert saved[-3:] == sampled
    assert (run_dir / "metrics.json").is_file()
    assert sample_parameters(PARAMS, seed=3) != sample_parameters(PARAMS, seed=4)
