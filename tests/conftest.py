"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The folder of real corpora (``$ARGMINE_SHARED_CORPORA``, default ``../shared/corpora``).

    Skips the test visibly when the folder is absent.
    """
    path = Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    if not path.is_dir():
        pytest.skip(f"real corpora not found at {path} (set ARGMINE_SHARED_CORPORA)")
    return path
