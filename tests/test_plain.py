"""Plain data in checkpoints: converted where written, anything else refused naming the key."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from argmine.errors import CheckpointError
from argmine.plain import check_plain, to_plain


def test_omegaconf_numpy_and_paths_become_plain_and_load_with_weights_only() -> None:
    value = {
        "native_types": OmegaConf.create({"schema": "unified", "labels": {"claim": ["Claim", {}]}}),
        "sizes": OmegaConf.create([1, 2]),
        "count": np.int64(3),
        "score": np.float32(0.5),
        "where": Path("/tmp/x"),
        "pair": (1, "a"),
        "t": torch.ones(2),
    }
    plain = to_plain(value)
    assert plain["native_types"] == {"schema": "unified", "labels": {"claim": ["Claim", {}]}}
    assert type(plain["native_types"]) is dict and type(plain["sizes"]) is list
    assert type(plain["count"]) is int and type(plain["score"]) is float and plain["where"] == "/tmp/x"
    check_plain(plain, "checkpoint")
    buffer = io.BytesIO()
    torch.save(plain, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)
    assert loaded["native_types"] == plain["native_types"] and torch.equal(loaded["t"], plain["t"])


def test_a_non_plain_value_is_refused_naming_its_key() -> None:
    state = {"argmine": {"native_types": OmegaConf.create({"schema": "unified"})}}
    with pytest.raises(CheckpointError, match=r"checkpoint\.argmine\.native_types holds a omegaconf"):
        check_plain(state, "checkpoint")
    with pytest.raises(CheckpointError, match=r"checkpoint\.argmine\.rows\[1\] holds a builtins\.object"):
        check_plain({"argmine": {"rows": [1, object()]}}, "checkpoint")
    with pytest.raises(CheckpointError, match="key of type float"):
        check_plain({"argmine": {1.5: "x"}}, "checkpoint")


@pytest.mark.slow  # trains the shared sample run (trained_run)
def test_tagger_refuses_to_save_a_checkpoint_that_would_not_load(trained_run: Path) -> None:
    from argmine.models.export import load_module

    module = load_module(trained_run / "model")
    checkpoint: dict = {"state_dict": module.state_dict(), "extra": {"bad": object()}}
    with pytest.raises(CheckpointError, match=r"checkpoint\.extra\.bad"):
        module.on_save_checkpoint(checkpoint)
    # a DictConfig handed in by instantiate is stored as a plain dict
    module.native_types = OmegaConf.create({"schema": "unified", "labels": {}})
    checkpoint = {"state_dict": module.state_dict()}
    module.on_save_checkpoint(checkpoint)
    assert type(checkpoint["argmine"]["native_types"]) is dict
