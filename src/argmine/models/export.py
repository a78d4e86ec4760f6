"""Exported model folders: weights as safetensors plus JSON; loads without unpickling.

Layout of ``<run>/model/``::

    argmine.json           model description: network class + arguments, tag vocabulary,
                           featurizer state, target, schema, unit (JSON, no code)
    weights.safetensors    the network's parameters
    featurizer/            extra featurizer files (tokenizer, encoder config) if any
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from argmine.encoding.tags import TagVocab
from argmine.errors import CheckpointError
from argmine.models.module import TaggerModule
from argmine.models.state import import_class

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
    """The JSON description and the weights of an exported model; a missing or unreadable file
    is one :class:`CheckpointError` naming it and what is wrong with it."""
    folder = Path(folder)
    description, weights = folder / MODEL_FILE, folder / WEIGHTS_FILE
    if not description.is_file() and not weights.is_file():
        raise CheckpointError(
            f"{folder} is not an exported argmine model (expected {MODEL_FILE} and {WEIGHTS_FILE}); "
            "training writes one to <run folder>/model"
        )
    for missing in (description, weights):
        if not missing.is_file():
            raise CheckpointError(f"{missing}: file missing, the exported model is incomplete; re-export the model")
    return _read_description(description), _read_weights(weights)


def _read_description(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problem = "empty file (0 bytes)" if path.stat().st_size == 0 else f"not valid JSON ({exc})"
        raise CheckpointError(f"{path}: unreadable model description: {problem}; re-export the model") from None
    if not isinstance(state, dict) or "format" not in state:
        raise CheckpointError(
            f"{path}: not an argmine model description (a JSON object with a 'format' key); re-export the model"
        )
    return state


def _read_weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except SafetensorError as exc:
        what = "a valid safetensors file"
        problem = _plain_problem(_head(path), what)
        if problem is None:
            detail = _first_sentence(exc).removeprefix("Error while deserializing header: ")
            problem = f"not {what} (truncated or corrupt: {detail})"
        raise CheckpointError(f"{path}: {problem}; re-export the model") from exc


def load_checkpoint_file(path: Path) -> dict[str, Any]:
    """A whole Lightning checkpoint, loaded with ``weights_only=True``; an unreadable file is
    one :class:`CheckpointError` naming it and what is wrong with it."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - report any unreadable file as one clear error
        raise CheckpointError(f"{path}: {_checkpoint_problem(path, exc)}") from exc
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: not a Lightning checkpoint (it holds a {type(ckpt).__name__}, not a dict)")
    return ckpt


#: how a ``torch.save`` file starts: a zip archive (the default) or a pickle (the legacy format)
_TORCH_MAGIC = (b"PK\x03\x04", b"\x80")


def _checkpoint_problem(path: Path, exc: Exception) -> str:
    """Why ``torch.load`` failed on ``path``, in words a user can act on."""
    what = "a PyTorch checkpoint"
    head = _head(path)
    if head.startswith(_TORCH_MAGIC):
        # torch's weights_only refusals run over several lines; the reason follows this marker
        _, marker, reason = str(exc).partition("WeightsUnpickler error:")
        detail = _first_sentence(reason.strip().split("\n\n", 1)[0] if marker else exc) or type(exc).__name__
        if isinstance(exc, pickle.UnpicklingError) and detail.startswith("Unsupported global"):
            return f"cannot load checkpoint safely: {detail}"
        return f"truncated or corrupt checkpoint ({detail}); save or copy it again"
    return _plain_problem(head, what) or f"not {what} (unrecognised content starting with bytes {head[:8].hex(' ')})"


def _head(path: Path, size: int = 64) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def _plain_problem(head: bytes, what: str) -> str | None:
    """Why a file starting with ``head`` is not ``what`` when that shows at its start (it is
    empty or text); ``None`` for binary content."""
    if not head:
        return f"empty file (0 bytes), not {what}"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the end of ``head`` is still text
        text = head[: exc.start].decode("utf-8") if exc.start > len(head) - 4 else ""
    if text.strip() and all(c.isprintable() or c in "\t\r\n" for c in text):
        return f"not {what} (it starts with text {' '.join(text.split())[:40]!r})"
    return None


def _first_sentence(message: object) -> str:
    """The first sentence of an error message (torch's run over several lines), on one line;
    the exception's type if it has no message."""
    text = re.sub(r"^\[enforce fail at [^\]]*\]\s*\.?\s*", "", str(message).strip())
    sentence = " ".join(text.split("\n", 1)[0].split(". ", 1)[0].split()).rstrip(". ")
    return sentence or (type(message).__name__ if isinstance(message, BaseException) else "")


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
    return tagger_from_state(state, weights, **kwargs)


def tagger_from_state(state: dict[str, Any], weights: dict[str, torch.Tensor], **kwargs: Any) -> TaggerModule:
    """Rebuild a module from :meth:`TaggerModule.export_state` output and a ``net`` state dict."""
    if state.get("format") != "argmine-tagger/1":
        raise CheckpointError(f"unknown model format {state.get('format')!r}")
    featurizer = import_class(state["featurizer"]["class"]).from_state(state["featurizer"]["state"])
    net_kwargs = {**state["net"]["kwargs"], **kwargs.pop("net_overrides", {})}
    net = import_class(state["net"]["class"])(**net_kwargs)
    missing, unexpected = net.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"weights do not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return TaggerModule(net=net, optimizer=kwargs.pop("optimizer", None), featurizer=featurizer,
                        tag_vocab=TagVocab.from_dict(state["tag_vocab"]), target=state["target"],
                        net_kwargs=net_kwargs, native_types=state.get("native_types"), corpus_names=state.get("corpora"),
                        **kwargs)


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
