"""Every config composes and passes the key/type check (every experiment's whole path, one real
epoch: tests/e2e/test_every_experiment.py)."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from argmine.errors import ConfigError
from argmine.training.config_check import check_config
from conftest import REPO_ROOT, require_module

CONFIGS = REPO_ROOT / "configs"
EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml") if p.stem != "base")
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
    require_module("hydra_plugins.hydra_submitit_launcher", "the [cluster] extra")
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
