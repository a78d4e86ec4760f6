"""Experiment trackers: W&B that never hangs for lack of a network or key."""

from __future__ import annotations

import csv
import logging
import netrc
import os
import sys
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import CSVLogger as LightningCSVLogger
from lightning.pytorch.loggers import WandbLogger
from lightning.pytorch.utilities import rank_zero_only

log = logging.getLogger(__name__)


def wandb_mode(mode: str = "auto") -> str:
    """``online``, ``offline`` or ``disabled``.

    ``WANDB_MODE`` wins; ``auto`` is ``online`` only when an API key is configured
    (``WANDB_API_KEY`` or a ``~/.netrc`` entry for api.wandb.ai), else ``offline``.
    """
    env = os.environ.get("WANDB_MODE")
    if env:
        return {"dryrun": "offline", "run": "online"}.get(env, env)
    if mode != "auto":
        return mode
    if os.environ.get("WANDB_API_KEY"):
        return "online"
    try:
        if netrc.netrc().authenticators("api.wandb.ai"):
            return "online"
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        pass
    return "offline"


def multirun_group() -> str | None:
    """The sweep folder's name when running inside a Hydra multirun (shared W&B group)."""
    try:
        # deferred, ImportError caught: no multirun group without hydra or outside a Hydra app
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:
            return Path(hc.sweep.dir).name
    except (ImportError, ValueError):
        pass
    return None


#: overrides that say where or how a run logs, not what it trains: left out of W&B run names
UNNAMED_KEYS = {"experiment", "model", "logger", "trainer.enable_progress_bar", "data.root", "cpu_portable", "ckpt_path"}
UNNAMED_PREFIXES = ("paths.", "hydra.")


def run_label(name: str | None, model: str | None = None) -> str | None:
    """The W&B display name: the run's ``name``, its model when the name does not say it, and the
    job's number and own overrides in a multirun (``quickstart transformer #2 seed=2``; in an
    Optuna sweep the number is the trial's) or a W&B sweep agent's run, so runs can be told apart."""
    if name is None:
        return None
    parts = [name] + ([model] if model and model not in name else [])
    try:
        # deferred, ImportError caught: no overrides in the name without hydra or outside a Hydra app
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:  # the job number: an Optuna sweep's trial number
            parts.append(f"#{hc.job.num}")
        # a W&B agent starts single runs with the sampled values as overrides (WANDB_SWEEP_ID set)
        if hc.mode == RunMode.MULTIRUN or os.environ.get("WANDB_SWEEP_ID"):
            for override in (o.lstrip("+~") for o in hc.overrides.task):
                key = override.split("=", 1)[0]
                if key not in UNNAMED_KEYS and not key.startswith(UNNAMED_PREFIXES):
                    parts.append(override)
    except (ImportError, ValueError):
        pass
    return " ".join(parts)


def make_wandb_logger(
    project: str,
    name: str | None = None,
    model: str | None = None,
    entity: str | None = None,
    group: str | None = None,
    tags: list[str] | None = None,
    save_dir: str = ".",
    mode: str = "auto",
) -> Any:
    """A Lightning ``WandbLogger``; offline automatically without an API key.

    Runs of one Hydra multirun share a group (the sweep folder name) unless ``group`` is set;
    the display name is :func:`run_label` of ``name`` and ``model``.
    """
    resolved = wandb_mode(mode)
    if resolved == "offline":
        log.info("W&B: no API key configured, logging offline to %s/wandb", save_dir)
    return WandbLogger(
        project=project,
        name=run_label(name, model),
        entity=entity,
        group=group or multirun_group(),
        tags=list(tags or []),
        save_dir=save_dir,
        mode=resolved,
        reinit="finish_previous",
    )


def finish_wandb() -> None:
    """Close the current W&B run, if any (each multirun job must close its own)."""
    wandb = sys.modules.get("wandb")
    if wandb is not None and getattr(wandb, "run", None) is not None:
        wandb.finish()


def _csv_logger_base() -> type:
    return LightningCSVLogger


class CSVLogger(_csv_logger_base()):  # type: ignore[misc]
    """Lightning's ``CSVLogger`` that can append to a ``metrics.csv`` another process wrote.

    Lightning's writer only knows the columns it logged itself; when the file already exists
    (written by DDP spawn workers, or by the interrupted run a resumed run continues) and a new
    column appears, its header rewrite fails. This logger merges the file's header into the
    writer's columns before every write.
    """

    def save(self) -> None:
        if rank_zero_only.rank != 0:
            return
        exp = self.experiment
        path = Path(exp.metrics_file_path)
        if exp.metrics and path.is_file():
            with path.open(newline="") as fh:
                header = next(csv.reader(fh), [])
            exp.metrics_keys = sorted(set(exp.metrics_keys) | set(header))
        super().save()
