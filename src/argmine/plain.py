"""Plain data for everything argmine writes into a checkpoint or an exported model.

A checkpoint must load with ``torch.load(weights_only=True)`` and an export is JSON, so what
argmine stores holds only dicts, lists, tuples, str, int, float, bool, None and tensors.
:func:`to_plain` converts the values that arrive otherwise (an omegaconf ``DictConfig`` that a
plain dict became on its way through ``hydra.utils.instantiate``, numpy scalars, paths);
:func:`check_plain` refuses anything else, naming the key.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import torch
from omegaconf import DictConfig, ListConfig, OmegaConf

from argmine.errors import CheckpointError

LEAVES = (str, int, float, bool, type(None), torch.Tensor, torch.dtype, torch.Size)
# exactly these container types load with weights_only=True (subclasses need their class)
CONTAINERS = (dict, OrderedDict, list, tuple)


def to_plain(value: Any) -> Any:
    """``value`` as plain data: omegaconf containers and other mappings become dicts,
    sequences lists (tuples stay), numpy scalars and arrays Python numbers and lists, paths
    strings. Anything else is returned unchanged (and :func:`check_plain` will name it)."""
    if isinstance(value, LEAVES):
        return value
    if isinstance(value, (DictConfig, ListConfig)):
        return to_plain(OmegaConf.to_container(value, resolve=True))
    if isinstance(value, Mapping):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, (list, set, frozenset)):
        return [to_plain(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalar or array
        return value.tolist()
    return value


def check_plain(value: Any, key: str) -> None:
    """Raise :class:`~argmine.errors.CheckpointError` naming the first key (dotted path from
    ``key``) whose value is not plain data."""
    if isinstance(value, LEAVES):
        return
    if type(value) in CONTAINERS:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            if not isinstance(k, (str, int)):
                raise CheckpointError(
                    f"refusing to save a checkpoint: {key} has a key of type {type(k).__name__} ({k!r}); "
                    "only str and int keys load safely"
                )
            check_plain(v, f"{key}.{k}" if isinstance(value, dict) else f"{key}[{k}]")
        return
    raise CheckpointError(
        f"refusing to save a checkpoint: {key} holds a {type(value).__module__}.{type(value).__qualname__}, "
        "which does not load with weights_only=True; store plain data (dict, list, str, int, float, "
        "bool, None, tensors)"
    )
