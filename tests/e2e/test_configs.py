"""Every config composes and passes the key/type check; every experiment runs one batch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from argmine.errors import ConfigError
from argmine.training.config_check import check_config
from conftest import REPO_ROOT, run_argmine

CONFIGS = REPO_ROOT / "configs"
EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml") if p.stem != "base")
# experiments whose data ships with argmine; the others need the real corpora
BUNDLED = {"quickstart"}
# experiments that differ from another one only in meta (paper numbers) or early-stopping
# patience: their composition is checked above, their one-batch run would repeat the other's
SAME_RUN_AS = {
    "aae2_paragraph_joint": "eger2017_stagblcc_paragraph",
    "aae2_essay_joint": "eger2017_stagblcc_essay",
    "aae2_gold_components": "stab2017_gold_components",
    "abstrct_gold_components": "mayer2020_abstrct_relations",
}
# experiments that need a file from another run: composed here with a placeholder, run by
# the test named
NEEDS_INPUT = {"aae2_paragraph_pipeline": ("data.predicted_components=predictions.jsonl",
                                           "tests/e2e/test_pipeline_cli.py")}


def _compose(overrides: list[str], name: str = "train") -> OmegaConf:
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        return compose(name, overrides=overrides, return_hydra_config=True)


def _group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_composes_and_passes_check(experiment: str) -> None:
    cfg = _compose([f"experiment={experiment}", *NEEDS_INPUT.get(experiment, ())[:1]])
    assert cfg.name != "???" and not OmegaConf.is_missing(cfg, "name")
    check_config(_without_hydra(cfg))


@pytest.mark.parametrize(
    ("group", "option"),
    [(g, o) for g in ("data", "model", "trainer", "logger", "callbacks", "debug") for o in _group_options(g)],
)
def test_every_group_option_composes(group: str, option: str) -> None:
    placeholder = ["data.predicted_components=x.jsonl"] if option == "aae2_conll_gold_pairs" else []
    cfg = _compose([f"{group}={option}", *placeholder])
    check_config(_without_hydra(cfg))


def test_eval_config_composes() -> None:
    cfg = _compose(["ckpt_path=x.ckpt", "data=sample"], name="eval")
    assert cfg.ckpt_path == "x.ckpt"


def test_base_experiment_fields_are_mandatory() -> None:
    cfg = _compose(["experiment=base"])
    with pytest.raises(ConfigError, match="meta.name: mandatory value missing"):
        check_config(_without_hydra(cfg))


def test_slurm_launcher_config_composes() -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    cfg = _compose(["hydra/launcher=slurm"])
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")


def test_unknown_key_in_a_yaml_node_is_reported_with_its_path() -> None:
    cfg = _without_hydra(_compose(["experiment=quickstart"]))
    cfg.model.net.hidden_sise = 3
    cfg.trainer.max_epochs = "ten"
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert "model.net.hidden_sise: not a parameter" in str(err.value)
    assert "did you mean 'hidden_size'" in str(err.value)
    assert "trainer.max_epochs: expected" in str(err.value)


def test_data_derived_argument_in_config_is_rejected() -> None:
    cfg = _without_hydra(_compose(["experiment=quickstart"]))
    cfg.model.net.num_tags = 9
    with pytest.raises(ConfigError, match="model.net.num_tags: set by argmine from the data"):
        check_config(cfg)


def _without_hydra(cfg: OmegaConf) -> OmegaConf:
    out = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    out.pop("hydra", None)
    OmegaConf.set_struct(out, False)
    # resolve ${hydra:...} interpolations away for the check
    out.paths.output_dir = "/tmp/argmine-check"
    return out


# experiments with a cross-validation scheme run one fold each, on their own
CV = {e for e in EXPERIMENTS if "override /cv:" in (CONFIGS / "experiment" / f"{e}.yaml").read_text()}
SMOKE = [e for e in EXPERIMENTS if e not in SAME_RUN_AS and e not in NEEDS_INPUT]
FAST = ["debug=fast", "logger=none", "data.limit_documents=8"]


def _runs_by_experiment(stdout: str) -> dict[str, Path]:
    """Run folders printed by ``argmine train`` (one line per finished job), by experiment."""
    runs = {}
    for line in stdout.splitlines():
        path = Path(line.strip())
        overrides = path / ".hydra" / "overrides.yaml"
        if line.strip() and path.is_dir() and overrides.is_file():
            (name,) = [o.split("=", 1)[1] for o in yaml.safe_load(overrides.read_text()) if o.startswith("experiment=")]
            runs[name] = path
    return runs


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], str]:
    """One batch of every experiment without cross-validation, as one ``argmine train -m``
    multirun (one process: the imports are paid once); the real-corpus ones only when the
    corpora are there. Returns the run folders by experiment and the multirun's stderr."""
    corpora = Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    names = [e for e in SMOKE if e not in CV and (e in BUNDLED or corpora.is_dir())]
    root = tmp_path_factory.mktemp("smoke")
    proc = run_argmine("train", "-m", f"experiment={','.join(names)}", *FAST, f"paths.root_dir={root}",
                       env={"ARGMINE_DATA_DIR": str(corpora)}, timeout=1800)
    return _runs_by_experiment(proc.stdout), proc.stderr


@pytest.mark.parametrize("experiment", SMOKE)
def test_fast_dev_run_of_every_experiment(experiment: str, tmp_path: Path, request: pytest.FixtureRequest,
                                          smoke_runs: tuple[dict[str, Path], str]) -> None:
    env = {}
    if experiment not in BUNDLED:
        env["ARGMINE_DATA_DIR"] = str(request.getfixturevalue("shared_corpora"))
    if experiment in CV:  # one fold is enough to run every step once
        proc = run_argmine("train", f"experiment={experiment}", *FAST, "cv.limit_folds=1",
                           f"paths.root_dir={tmp_path}", env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        run = Path(proc.stdout.strip().splitlines()[-1])
    else:
        runs, stderr = smoke_runs
        assert experiment in runs, stderr[-3000:]
        run = runs[experiment]
    assert run.is_dir() and (run / "metrics.json").is_file()
