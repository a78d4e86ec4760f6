"""``<sweep>/best.yaml``: the best trial of an Optuna sweep as a ready-to-run experiment config.

It is built from the trial's job folder: the config groups it composed (``hydra.runtime.choices``
of ``.hydra/hydra.yaml``) become the ``override`` entries of its defaults list, and its whole
task config (``.hydra/config.yaml``, interpolations kept) follows, with the sampled parameters
and every other override (seed included) already in it. ``argmine train experiment=<sweep>/best.yaml``
therefore trains that trial again; on the same machine it gives the same metric (see
``tests/e2e/test_optuna_sweeper.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from argmine.errors import ConfigError

#: groups of the train config that a best.yaml must not set again (the sweep itself)
SKIPPED_GROUPS = {"experiment", "hparams_search", "hydra"}
#: task config keys that belong to the sweep's trial, not to the experiment
SKIPPED_KEYS = {"optuna_trial"}


def write_best_config(job_dir: Path, target: Path, *, study_name: str, trial: int, metric: str,
                      value: float) -> Path:
    """Write ``target`` from the job folder ``job_dir`` of trial ``trial``; returns ``target``."""
    hydra_file, config_file = job_dir / ".hydra" / "hydra.yaml", job_dir / ".hydra" / "config.yaml"
    if not hydra_file.is_file() or not config_file.is_file():
        raise ConfigError(f"best.yaml not written: trial {trial}'s job folder {job_dir} has no .hydra/ config")
    choices = OmegaConf.load(hydra_file).hydra.runtime.choices
    config = OmegaConf.load(config_file)
    defaults: list[Any] = [{f"override /{group}": option} for group, option in choices.items()
                           if option is not None and "/" not in group and group not in SKIPPED_GROUPS]
    body = {k: v for k, v in OmegaConf.to_container(config, resolve=False).items() if k not in SKIPPED_KEYS}
    meta = dict(body.get("meta") or {})
    meta.update(name=f"{study_name}_best",
                description=f"the best trial ({trial}) of the Optuna study {study_name}: {metric} = {value:.4f}")
    body["meta"] = meta
    text = OmegaConf.to_yaml(OmegaConf.create({"defaults": defaults + ["_self_"], **body}))
    header = (f"# @package _global_\n# The best trial ({trial}) of the Optuna study {study_name}: {metric} = {value!r}.\n"
              f"# Train it again: argmine train experiment={target}\n")
    tmp = target.with_suffix(".yaml.part")
    tmp.write_text(header + text, encoding="utf-8")
    tmp.replace(target)
    return target
