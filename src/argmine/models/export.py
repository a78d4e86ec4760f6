"""Exported model folders: weights as safetensors plus JSON; loads without unpickling.

Layout of ``<run>/model/``::

    argmine.json           model description: network class + arguments, tag vocabulary,
                           featurizer state, target, schema, unit (JSON, no code)
    weights.safetensors    the network's parameters
    featurizer/            extra featurizer files (tokenizer, encoder config) if any
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from argmine.errors import CheckpointError
from argmine.models.module import TaggerModule

MODEL_FILE = "argmine.json"
WEIGHTS_FILE = "weights.safetensors"


def export_model(module: Any, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``module`` (a :class:`~argmine.models.TaggerModule`) to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = module.export_state()
    state["metadata"] = dict(extra or {})
    featurizer = module.featurizer
    if hasattr(featurizer, "save"):
        featurizer.save(folder / "featurizer")
    if hasattr(module.net, "save_encoder_config"):
        module.net.save_encoder_config(folder / "featurizer")
    weights = {k: v.detach().cpu().contiguous() for k, v in module.net.state_dict().items()}
    save_file(weights, str(folder / WEIGHTS_FILE))
    (folder / MODEL_FILE).write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
    return folder


def read_model_folder(folder: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON description and the weights of an exported model."""
    folder = Path(folder)
    if not (folder / MODEL_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
        raise CheckpointError(
            f"{folder} is not an exported argmine model (expected {MODEL_FILE} and {WEIGHTS_FILE}); "
            "training writes one to <run folder>/model"
        )
    try:
        state = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{folder / MODEL_FILE}: unreadable model description: {exc}") from None
    return state, load_file(str(folder / WEIGHTS_FILE))


def load_checkpoint_file(path: Path) -> dict[str, Any]:
    """A whole Lightning checkpoint, loaded with ``weights_only=True``; an unreadable file is
    one :class:`CheckpointError` naming it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - report any unreadable file as one clear error
        raise CheckpointError(f"{path}: cannot load checkpoint safely: {exc}") from None


def read_checkpoint(path: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The model description and network weights of a Lightning checkpoint, loaded with
    ``weights_only=True`` (no arbitrary objects are unpickled)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    ckpt = load_checkpoint_file(path)
    if "argmine" not in ckpt:
        raise CheckpointError(f"{path}: not an argmine checkpoint (no 'argmine' section)")
    weights = {k.removeprefix("net."): v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    return ckpt["argmine"], weights


def load_module(path: str | Path, **kwargs: Any) -> Any:
    """A :class:`~argmine.models.TaggerModule` from an exported folder or a checkpoint file."""
    path = Path(path)
    if path.is_dir():
        state, weights = read_model_folder(path)
        state = _localise(state, path)
    else:
        state, weights = read_checkpoint(path)
    return TaggerModule.from_state(state, weights, **kwargs)


def _localise(state: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Point featurizer/encoder at the files saved inside the export folder."""
    local = folder / "featurizer"
    if local.is_dir():
        state = json.loads(json.dumps(state))
        state["featurizer"]["state"]["local_path"] = str(local)
        if "model_name_or_path" in state["net"]["kwargs"]:
            state["net"]["kwargs"]["model_name_or_path"] = str(local)
            state["net"]["kwargs"]["pretrained"] = False
    return state
