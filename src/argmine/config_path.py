"""Where argmine's Hydra configs are: ``$ARGMINE_CONFIG_DIR`` or the repository's ``configs/``."""

from __future__ import annotations

import os
from pathlib import Path

from argmine.errors import ConfigError


def configs_dir() -> Path:
    """``$ARGMINE_CONFIG_DIR`` or the repository's ``configs/`` folder."""
    env = os.environ.get("ARGMINE_CONFIG_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "configs"
    if not (path / "train.yaml").is_file():
        raise ConfigError(f"config folder not found at {path} (set ARGMINE_CONFIG_DIR)")
    return path
